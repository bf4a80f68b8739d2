-- People's standing for dispatch: pauses set by a lead or a quality rule, and
-- qualifications earned in training or granted by a lead (PostgreSQL).
-- Keep in step with ../sqlite/0030_people.sql.

-- A pause stops dispatch from giving an annotator work: on one order, or on all
-- work when order_id is NULL. Lifting sets lifted_at; rows are never deleted.
CREATE TABLE worker_pauses (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    annotator_id  BIGINT  NOT NULL REFERENCES users(id),
    centre_id     BIGINT  NOT NULL REFERENCES centres(id),
    order_id      BIGINT  REFERENCES orders(id),
    -- 'lead' (by hand), or the rule that fired: 'gold_accuracy', 'too_fast', 'spam'.
    reason        TEXT    NOT NULL,
    note          TEXT,
    created_by    BIGINT  REFERENCES users(id),
    created_at    BIGINT  NOT NULL,
    lifted_at     BIGINT,
    lifted_by     BIGINT  REFERENCES users(id)
);
CREATE INDEX worker_pauses_live ON worker_pauses(annotator_id) WHERE lifted_at IS NULL;
CREATE INDEX worker_pauses_centre ON worker_pauses(centre_id, created_at);

-- A qualification is a task type ('single_choice', 'bbox', …) or a named skill
-- ('medical'). Revoking sets revoked_at; a new grant after that is a new row.
CREATE TABLE qualifications (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    annotator_id   BIGINT  NOT NULL REFERENCES users(id),
    qualification  TEXT    NOT NULL,
    -- 'training' (passed a training unit: assignment_id set) or 'lead' (granted by hand).
    source         TEXT    NOT NULL CHECK (source IN ('training', 'lead')),
    assignment_id  BIGINT  REFERENCES assignments(id),
    granted_by     BIGINT  REFERENCES users(id),
    granted_at     BIGINT  NOT NULL,
    revoked_at     BIGINT,
    revoked_by     BIGINT  REFERENCES users(id)
);
CREATE UNIQUE INDEX qualifications_live ON qualifications(annotator_id, qualification) WHERE revoked_at IS NULL;
