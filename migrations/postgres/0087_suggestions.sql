-- Model suggestions (issue 29): a model's answer to some of an order's questions for an
-- item, shown to annotators to check and fix (PostgreSQL). Keep in step with
-- ../sqlite/0087_suggestions.sql.

-- One suggestion per item of an order (a newer one replaces it, except a planted one):
-- an answer object keyed by question, holding only the questions the model answers.
-- `source`: `import` (with the items, a file), `backend` (asked from a model backend),
-- `planted` (a known-wrong answer on a gold item, to catch acceptance without looking;
-- shown exactly like the others).
CREATE TABLE suggestions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id       BIGINT  NOT NULL REFERENCES orders(id),
    item_id        BIGINT  NOT NULL REFERENCES items(id),
    answer         TEXT     NOT NULL,
    model          TEXT     NOT NULL,
    model_version  TEXT,
    score          DOUBLE PRECISION,
    source         TEXT     NOT NULL CHECK (source IN ('import', 'backend', 'planted')),
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (order_id, item_id)
);

-- The suggestion a label's annotator was shown, and what they did with it
-- (`mudou_domain::suggest::Outcome`): accepted as is, fixed, or rejected.
ALTER TABLE labels ADD COLUMN suggestion_id BIGINT REFERENCES suggestions(id);
ALTER TABLE labels ADD COLUMN suggestion_outcome TEXT CHECK (suggestion_outcome IN ('accepted', 'fixed', 'rejected'));
