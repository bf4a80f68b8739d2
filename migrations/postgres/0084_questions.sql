-- Questions on an item (issue 30, items 1 and 2): an annotator asks about the item in front
-- of them (a reason picture, a voice note, words), a lead of their centre answers (or
-- forwards it to the order's client, who answers on the order page) (PostgreSQL). Keep in step
-- with ../sqlite/0084_questions.sql. Voice notes are blobs (originals, by SHA-256).
CREATE TABLE questions (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    centre_id           BIGINT  NOT NULL REFERENCES centres(id),
    asker_id            BIGINT  NOT NULL REFERENCES users(id),
    assignment_id       BIGINT  NOT NULL REFERENCES assignments(id),
    order_id            BIGINT  NOT NULL REFERENCES orders(id),
    item_id             BIGINT  NOT NULL REFERENCES items(id),
    reason              TEXT    NOT NULL,
    body                TEXT,
    voice_sha256        TEXT,
    voice_ms            BIGINT,
    -- The item stays the asker's while the question is open (their lease does not lapse);
    -- otherwise it was skipped for them.
    hold                BOOLEAN NOT NULL,
    created_at          BIGINT  NOT NULL,
    forwarded_by        BIGINT  REFERENCES users(id),
    forwarded_at        BIGINT,
    answer_body         TEXT,
    answer_voice_sha256 TEXT,
    answer_voice_ms     BIGINT,
    answered_by         BIGINT  REFERENCES users(id),
    answered_at         BIGINT,
    -- The asker saw the answer (the badge counts those not seen).
    answer_seen_at      BIGINT,
    CHECK ((voice_sha256 IS NULL) = (voice_ms IS NULL)),
    CHECK ((answered_by IS NULL) = (answered_at IS NULL))
);
CREATE INDEX questions_centre ON questions(centre_id, id);
CREATE INDEX questions_asker ON questions(asker_id, id);
CREATE INDEX questions_item ON questions(item_id);
CREATE INDEX questions_order ON questions(order_id, id);
CREATE INDEX questions_held ON questions(assignment_id) WHERE hold AND answered_at IS NULL;
