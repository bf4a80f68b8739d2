-- Questions on an item (issue 30, items 1 and 2): an annotator asks about the item in front
-- of them (a reason picture, a voice note, words), a lead of their centre answers (or
-- forwards it to the order's client, who answers on the order page) (SQLite). Keep in step
-- with ../postgres/0084_questions.sql. Voice notes are blobs (originals, by SHA-256).
CREATE TABLE questions (
    id                  INTEGER PRIMARY KEY,
    centre_id           INTEGER NOT NULL REFERENCES centres(id),
    asker_id            INTEGER NOT NULL REFERENCES users(id),
    assignment_id       INTEGER NOT NULL REFERENCES assignments(id),
    order_id            INTEGER NOT NULL REFERENCES orders(id),
    item_id             INTEGER NOT NULL REFERENCES items(id),
    reason              TEXT    NOT NULL,
    body                TEXT,
    voice_sha256        TEXT,
    voice_ms            INTEGER,
    -- The item stays the asker's while the question is open (their lease does not lapse);
    -- otherwise it was skipped for them.
    hold                BOOLEAN NOT NULL,
    created_at          INTEGER NOT NULL,
    forwarded_by        INTEGER REFERENCES users(id),
    forwarded_at        INTEGER,
    answer_body         TEXT,
    answer_voice_sha256 TEXT,
    answer_voice_ms     INTEGER,
    answered_by         INTEGER REFERENCES users(id),
    answered_at         INTEGER,
    -- The asker saw the answer (the badge counts those not seen).
    answer_seen_at      INTEGER,
    CHECK ((voice_sha256 IS NULL) = (voice_ms IS NULL)),
    CHECK ((answered_by IS NULL) = (answered_at IS NULL))
);
CREATE INDEX questions_centre ON questions(centre_id, id);
CREATE INDEX questions_asker ON questions(asker_id, id);
CREATE INDEX questions_item ON questions(item_id);
CREATE INDEX questions_order ON questions(order_id, id);
CREATE INDEX questions_held ON questions(assignment_id) WHERE hold AND answered_at IS NULL;
