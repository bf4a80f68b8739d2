-- The model as a voter, and blind acceptance of planted suggestions (issue 29). Keep in
-- step with ../postgres/0089_suggest_quality.sql.

-- Whether the item's (not planted) suggestion agreed with the item's settled answer (a
-- resolved consensus, a lead's decision, a gold item's known answer), by the order's pass
-- mark; NULL until the item settles. Counted once per suggestion in model_order_stats.
ALTER TABLE suggestions ADD COLUMN settled_agrees BOOLEAN;

-- Per order, the model's settled suggestions and how many agreed: its estimated accuracy
-- (mudou_domain::suggest::model_accuracy), read once per write batch for its vote.
CREATE TABLE model_order_stats (
    order_id  INTEGER NOT NULL PRIMARY KEY REFERENCES orders(id),
    judged    INTEGER NOT NULL DEFAULT 0,
    agreed    INTEGER NOT NULL DEFAULT 0
);

-- Per worker and order of real work: planted (known-wrong) suggestions shown and accepted
-- as they were, recounted from the labels when one is answered; flagged_at once the lead
-- was alerted (mudou_domain::suggest::flag_blind), at most once per worker and order.
CREATE TABLE blind_accepts (
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    annotator_id  INTEGER NOT NULL REFERENCES users(id),
    centre_id     INTEGER NOT NULL REFERENCES centres(id),
    shown         INTEGER NOT NULL DEFAULT 0,
    accepted      INTEGER NOT NULL DEFAULT 0,
    flagged_at    INTEGER,
    PRIMARY KEY (order_id, annotator_id)
);
CREATE INDEX blind_accepts_annotator ON blind_accepts(annotator_id);
