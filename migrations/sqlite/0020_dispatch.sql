-- Dispatch: units leased to annotators, the items each lease holds, and labels (SQLite).
-- Keep in step with ../postgres/0020_dispatch.sql.

CREATE TABLE assignments (
    id                INTEGER PRIMARY KEY,
    unit_id           INTEGER NOT NULL REFERENCES work_units(id),
    order_id          INTEGER NOT NULL REFERENCES orders(id),
    annotator_id      INTEGER NOT NULL REFERENCES users(id),
    centre_id         INTEGER NOT NULL REFERENCES centres(id),
    state             TEXT    NOT NULL CHECK (state IN ('active', 'submitted', 'returned', 'expired')),
    leased_at         INTEGER NOT NULL,
    lease_expires_at  INTEGER NOT NULL,
    finished_at       INTEGER,
    UNIQUE (unit_id, annotator_id)
);
CREATE INDEX assignments_annotator ON assignments(annotator_id, state);
CREATE INDEX assignments_expiry ON assignments(state, lease_expires_at);

-- The items an active assignment holds: they count against each item's overlap until
-- labelled, handed back or expired.
CREATE TABLE item_leases (
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id),
    order_id       INTEGER NOT NULL REFERENCES orders(id),
    item_id        INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (assignment_id, item_id)
);
CREATE INDEX item_leases_item ON item_leases(order_id, item_id);

CREATE TABLE labels (
    id             INTEGER PRIMARY KEY,
    client_uuid    TEXT    NOT NULL UNIQUE,
    order_id       INTEGER NOT NULL REFERENCES orders(id),
    item_id        INTEGER NOT NULL REFERENCES items(id),
    annotator_id   INTEGER NOT NULL REFERENCES users(id),
    centre_id      INTEGER NOT NULL REFERENCES centres(id),
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id),
    -- The answer (JSON), or NULL for a skip with its reason.
    answer         TEXT,
    skip_reason    TEXT CHECK (skip_reason IN ('unclear', 'cannot_judge', 'broken_file')),
    client_ms      INTEGER NOT NULL,
    server_ms      INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (order_id, item_id, annotator_id),
    CHECK ((answer IS NULL) = (skip_reason IS NOT NULL))
);
CREATE INDEX labels_item ON labels(order_id, item_id);
CREATE INDEX labels_annotator ON labels(annotator_id, created_at);
