-- The expert ladder of medical orders (issue 31; mudou_domain::medical, store ladder.rs).
-- Keep in step with ../sqlite/0091_ladder.sql.

-- Whether the order's spec has the ladder (`medical`): written with the spec, so the
-- label path sends its escalated items to the experts, not to the lead's queue.
ALTER TABLE orders ADD COLUMN medical BOOLEAN NOT NULL DEFAULT FALSE;

-- One row per escalated item of a medical order: where it stands (`expert`, `doctor`,
-- `done`), each step's decision (who, the answer JSON, the note, when, the client's UUID:
-- a retry with it is a replay), what the step paid or cost (fen, at the rate then), and how
-- it ended (`expert` settled it, or the `doctor`). The expert's pay is one ledger entry
-- (expert_entry_id, unique: never paid twice).
CREATE TABLE ladder_items (
    order_id         BIGINT NOT NULL REFERENCES orders(id),
    item_id          BIGINT NOT NULL REFERENCES items(id),
    stage            TEXT    NOT NULL CHECK (stage IN ('expert', 'doctor', 'done')),
    entered_at       BIGINT NOT NULL,
    expert_id        BIGINT REFERENCES users(id),
    expert_centre_id BIGINT REFERENCES centres(id),
    expert_decision  TEXT CHECK (expert_decision IN ('settle', 'refer')),
    expert_answer    TEXT,
    expert_note      TEXT,
    expert_at        BIGINT,
    expert_uuid      TEXT UNIQUE,
    expert_fen       BIGINT NOT NULL DEFAULT 0,
    expert_entry_id  BIGINT UNIQUE REFERENCES ledger_entries(id),
    doctor_id        BIGINT REFERENCES users(id),
    doctor_answer    TEXT,
    doctor_note      TEXT,
    doctor_at        BIGINT,
    doctor_uuid      TEXT UNIQUE,
    doctor_fen       BIGINT NOT NULL DEFAULT 0,
    outcome          TEXT CHECK (outcome IN ('expert', 'doctor')),
    done_at          BIGINT,
    PRIMARY KEY (order_id, item_id),
    CHECK ((expert_id IS NULL) = (expert_decision IS NULL)),
    CHECK (expert_decision <> 'settle' OR expert_answer IS NOT NULL),
    CHECK ((doctor_id IS NULL) = (doctor_answer IS NULL)),
    CHECK ((stage = 'done') = (outcome IS NOT NULL))
);
CREATE INDEX ladder_items_stage ON ladder_items(stage, entered_at);
