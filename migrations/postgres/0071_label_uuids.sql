-- Submissions a later change of mind superseded. A label row keeps only its latest
-- submission's client_uuid; the earlier ones stay here, so that a retry of any of them is
-- answered as a replay and changes nothing (a late retry must not bring an old answer back).
CREATE TABLE label_uuids (
    client_uuid  TEXT    NOT NULL PRIMARY KEY,
    label_id     BIGINT  NOT NULL REFERENCES labels(id)
);
CREATE INDEX label_uuids_label ON label_uuids(label_id);
