-- DICOM in (issue 31): de-identified UIDs and their originals, per organisation, and series
-- held for their client's decision. Keep in step with ../postgres/0090_dicom.sql.

-- Each organisation's salt for de-identified UIDs (hex), made at its first DICOM upload.
CREATE TABLE dicom_salts (
    org_id  INTEGER NOT NULL PRIMARY KEY REFERENCES orgs(id),
    salt    TEXT NOT NULL
);

-- A de-identified study or series UID (2.25.<hash of salt and original>) and the client's
-- original; read only for that organisation (Store::original_uids), by the exports.
CREATE TABLE dicom_uids (
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    deid_uid      TEXT NOT NULL,
    original_uid  TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('study', 'series')),
    PRIMARY KEY (org_id, deid_uid)
);

-- A series that may show burned-in text (BurnedInAnnotation YES, or a modality that burns
-- text in): never planned into a unit until its client releases it ('release'); 'drop'
-- keeps it out for good.
CREATE TABLE series_holds (
    item_id     INTEGER NOT NULL PRIMARY KEY REFERENCES items(id),
    dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
    reason      TEXT NOT NULL,
    decision    TEXT NOT NULL DEFAULT 'held' CHECK (decision IN ('held', 'release', 'drop')),
    decided_by  INTEGER REFERENCES users(id),
    decided_at  INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX series_holds_dataset ON series_holds(dataset_id);
