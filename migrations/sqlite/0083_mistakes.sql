-- Mistakes returned to learn from (issue 30, item 5): which of an annotator's wrong labels
-- (a lead's review found them wrong) they have seen, and practice units a lead makes of
-- them (SQLite). Keep in step with ../postgres/0083_mistakes.sql.

-- An annotator saw one of their mistakes in the "learn from these" list (the badge counts
-- those not seen).
CREATE TABLE mistakes_seen (
    label_id      INTEGER PRIMARY KEY REFERENCES labels(id),
    annotator_id  INTEGER NOT NULL REFERENCES users(id),
    seen_at       INTEGER NOT NULL
);

-- A short practice unit a lead made of an annotator's mistakes. Answered like training
-- (right or wrong at once, with the right answer), it is not a label: never paid, never
-- part of any consensus. One open unit per annotator.
CREATE TABLE practice_units (
    id            INTEGER PRIMARY KEY,
    annotator_id  INTEGER NOT NULL REFERENCES users(id),
    centre_id     INTEGER NOT NULL REFERENCES centres(id),
    created_by    INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    -- Every item answered.
    finished_at   INTEGER
);
CREATE UNIQUE INDEX practice_units_open ON practice_units(annotator_id) WHERE finished_at IS NULL;
CREATE INDEX practice_units_centre ON practice_units(centre_id, id);

-- The items of a practice unit, in the order shown: the mistaken label, the right answer
-- (JSON, as the review decided it) and the practice answer with its verdict.
CREATE TABLE practice_items (
    unit_id       INTEGER NOT NULL REFERENCES practice_units(id),
    pos           INTEGER NOT NULL,
    label_id      INTEGER NOT NULL REFERENCES labels(id),
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    item_id       INTEGER NOT NULL REFERENCES items(id),
    answer        TEXT    NOT NULL,
    given         TEXT,
    correct       BOOLEAN,
    answered_at   INTEGER,
    PRIMARY KEY (unit_id, pos),
    CHECK ((given IS NULL) = (answered_at IS NULL))
);
