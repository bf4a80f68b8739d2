-- Earnings and throughput (PostgreSQL): each label's pay standing, the append-only pay ledger,
-- pay runs, quality-bonus policies, and the throughput rollups kept as labels arrive.
-- Keep in step with ../sqlite/0050_earnings.sql.

-- What each label's current answer earns and where it stands. A follower of the label
-- effects (mudou-store ledger.rs); the money itself is only ever in ledger_entries.
CREATE TABLE label_pay (
    label_id       BIGINT  PRIMARY KEY REFERENCES labels(id),
    annotator_id   BIGINT  NOT NULL REFERENCES users(id),
    centre_id      BIGINT  NOT NULL REFERENCES centres(id),
    order_id       BIGINT  NOT NULL REFERENCES orders(id),
    item_id        BIGINT  NOT NULL REFERENCES items(id),
    is_gold        BOOLEAN NOT NULL,
    -- FALSE for a skip.
    answered       BOOLEAN NOT NULL,
    -- A gold item's answer: right or wrong.
    gold_correct   BOOLEAN,
    client_ms      BIGINT  NOT NULL,
    -- What the current answer earns once accepted (the order's pay policy), in fen.
    amount_fen     BIGINT  NOT NULL CHECK (amount_fen >= 0),
    pay_on_submit  BOOLEAN NOT NULL,
    -- pending: waiting for consensus or review; accepted; not_paid (reason says why); skipped.
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'not_paid', 'skipped')),
    -- not_paid: 'differs' (from the final answer), 'rejected' (in review), 'paused:<rule>'
    -- (a quality-paused stretch); accepted: NULL, or 'review' when a lead accepted it.
    reason         TEXT,
    -- The label's first answer: the work's time.
    worked_at      BIGINT  NOT NULL,
    decided_at     BIGINT ,
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX label_pay_worked ON label_pay(annotator_id, worked_at);
CREATE INDEX label_pay_status ON label_pay(annotator_id, status);
CREATE INDEX label_pay_order ON label_pay(order_id, item_id);

-- The pay ledger. Append-only: entries are never updated or deleted (the triggers below
-- refuse it); a mistake is put right by a new entry.
--   piece       a label's pay, written when it is accepted (or at once on submit-paid
--               orders); at most one per label
--   reversal    takes back exactly the entry it points at (reverses_id), with a reason;
--               a reversal of a reversal restores the original
--   adjustment  by a lead or an admin (created_by) with a reason; or, with label_id and
--               no created_by, the system's correction when a changed answer changes pay
--   bonus       the monthly quality bonus (period 'YYYY-MM'), at most one per worker and month
CREATE TABLE ledger_entries (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    annotator_id  BIGINT  NOT NULL REFERENCES users(id),
    centre_id     BIGINT  NOT NULL REFERENCES centres(id),
    kind          TEXT    NOT NULL CHECK (kind IN ('piece', 'bonus', 'adjustment', 'reversal')),
    amount_fen    BIGINT  NOT NULL,
    label_id      BIGINT  REFERENCES labels(id),
    order_id      BIGINT  REFERENCES orders(id),
    -- Change in the number of paid labels: +1 for a piece, minus the reversed entry's for a reversal.
    labels_delta  BIGINT  NOT NULL DEFAULT 0,
    reverses_id   BIGINT  UNIQUE REFERENCES ledger_entries(id),
    period        TEXT,
    reason        TEXT,
    created_by    BIGINT  REFERENCES users(id),
    -- When the work was done (the label's first answer); else when the entry was made.
    work_at       BIGINT  NOT NULL,
    created_at    BIGINT  NOT NULL,
    CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL)),
    CHECK (kind <> 'piece' OR (label_id IS NOT NULL AND amount_fen > 0 AND labels_delta = 1)),
    CHECK (kind <> 'bonus' OR (period IS NOT NULL AND label_id IS NULL AND amount_fen > 0)),
    CHECK (kind <> 'adjustment' OR (reason IS NOT NULL AND amount_fen <> 0
                                    AND ((created_by IS NULL) = (label_id IS NOT NULL)))),
    CHECK (kind <> 'reversal' OR reason IS NOT NULL),
    CHECK (kind = 'piece' OR kind = 'reversal' OR labels_delta = 0)
);
CREATE UNIQUE INDEX ledger_one_piece_per_label ON ledger_entries(label_id) WHERE kind = 'piece';
CREATE UNIQUE INDEX ledger_one_bonus_per_month ON ledger_entries(annotator_id, period) WHERE kind = 'bonus';
CREATE INDEX ledger_label ON ledger_entries(label_id) WHERE label_id IS NOT NULL;
CREATE INDEX ledger_annotator_work ON ledger_entries(annotator_id, work_at);
CREATE INDEX ledger_annotator_created ON ledger_entries(annotator_id, created_at);
CREATE INDEX ledger_centre_created ON ledger_entries(centre_id, created_at);

-- Refuses any change to an append-only table.
CREATE FUNCTION mudou_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION mudou_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION mudou_append_only();
-- A reversal takes back exactly what it reverses, from the same worker.
CREATE FUNCTION mudou_reversal_mirrors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'reversal' AND NOT EXISTS (
        SELECT 1 FROM ledger_entries r WHERE r.id = NEW.reverses_id AND r.amount_fen = -NEW.amount_fen
          AND r.labels_delta = -NEW.labels_delta AND r.annotator_id = NEW.annotator_id
          AND r.label_id IS NOT DISTINCT FROM NEW.label_id) THEN
        RAISE EXCEPTION 'a reversal mirrors the entry it reverses';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER ledger_reversal_mirrors BEFORE INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION mudou_reversal_mirrors();

-- A pay run closes a month for a centre: every entry of the centre written before
-- cutoff_at and not yet paid is paid in it. One per centre and month; append-only.
CREATE TABLE pay_runs (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    centre_id     BIGINT  NOT NULL REFERENCES centres(id),
    period        TEXT    NOT NULL,
    period_start  BIGINT  NOT NULL,
    period_end    BIGINT  NOT NULL,
    cutoff_at     BIGINT  NOT NULL,
    created_by    BIGINT  NOT NULL REFERENCES users(id),
    created_at    BIGINT  NOT NULL,
    UNIQUE (centre_id, period)
);
CREATE INDEX pay_runs_centre ON pay_runs(centre_id, cutoff_at);

-- The entries each run paid: an entry is paid at most once.
CREATE TABLE pay_run_entries (
    entry_id    BIGINT  PRIMARY KEY REFERENCES ledger_entries(id),
    pay_run_id  BIGINT  NOT NULL REFERENCES pay_runs(id)
);
CREATE INDEX pay_run_entries_run ON pay_run_entries(pay_run_id);

-- Each run's payroll lines, computed once from its entries (the CSV reads them).
CREATE TABLE pay_run_workers (
    pay_run_id      BIGINT  NOT NULL REFERENCES pay_runs(id),
    annotator_id    BIGINT  NOT NULL REFERENCES users(id),
    labels          BIGINT  NOT NULL,
    gross_fen       BIGINT  NOT NULL,
    adjustments_fen BIGINT  NOT NULL,
    total_fen       BIGINT  NOT NULL,
    PRIMARY KEY (pay_run_id, annotator_id)
);
CREATE INDEX pay_run_workers_annotator ON pay_run_workers(annotator_id);

CREATE TRIGGER pay_runs_append_only BEFORE UPDATE OR DELETE ON pay_runs
    FOR EACH ROW EXECUTE FUNCTION mudou_append_only();
CREATE TRIGGER pay_runs_no_truncate BEFORE TRUNCATE ON pay_runs
    FOR EACH STATEMENT EXECUTE FUNCTION mudou_append_only();
CREATE TRIGGER pay_run_entries_append_only BEFORE UPDATE OR DELETE ON pay_run_entries
    FOR EACH ROW EXECUTE FUNCTION mudou_append_only();
CREATE TRIGGER pay_run_entries_no_truncate BEFORE TRUNCATE ON pay_run_entries
    FOR EACH STATEMENT EXECUTE FUNCTION mudou_append_only();
CREATE TRIGGER pay_run_workers_append_only BEFORE UPDATE OR DELETE ON pay_run_workers
    FOR EACH ROW EXECUTE FUNCTION mudou_append_only();
CREATE TRIGGER pay_run_workers_no_truncate BEFORE TRUNCATE ON pay_run_workers
    FOR EACH STATEMENT EXECUTE FUNCTION mudou_append_only();

-- A centre's monthly quality bonus: tiers (JSON list of {"min_accuracy_pct", "bonus_pct"})
-- applied to a worker's label pay of the month when they answered at least min_gold gold items.
CREATE TABLE bonus_policies (
    centre_id   BIGINT  PRIMARY KEY REFERENCES centres(id),
    min_gold    BIGINT  NOT NULL CHECK (min_gold >= 1),
    tiers       TEXT    NOT NULL,
    updated_by  BIGINT  NOT NULL REFERENCES users(id),
    updated_at  BIGINT  NOT NULL
);

-- Throughput rollups, updated in the labels' own transaction (throughput.rs). Hours are
-- Unix ms at the start of the UTC hour; days are read as sums of hours in the centre's zone.
-- Per centre, hour and annotator: labels and skips made in that hour, their time, gold
-- answers, how many were accepted or not paid, label pay for that hour's work, and items
-- whose consensus this person's label (or review) completed in that hour.
CREATE TABLE tp_hours (
    centre_id     BIGINT  NOT NULL,
    hour          BIGINT  NOT NULL,
    annotator_id  BIGINT  NOT NULL,
    labels        BIGINT  NOT NULL DEFAULT 0,
    skips         BIGINT  NOT NULL DEFAULT 0,
    answer_ms     BIGINT  NOT NULL DEFAULT 0,
    gold_seen     BIGINT  NOT NULL DEFAULT 0,
    gold_correct  BIGINT  NOT NULL DEFAULT 0,
    accepted      BIGINT  NOT NULL DEFAULT 0,
    not_paid      BIGINT  NOT NULL DEFAULT 0,
    resolved      BIGINT  NOT NULL DEFAULT 0,
    pay_fen       BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (centre_id, hour, annotator_id)
);

-- Seconds per answer as a histogram per centre and hour (for medians): bucket b holds
-- answers of b seconds (b < 60), then 10-second steps to 10 minutes, then minutes.
CREATE TABLE tp_seconds (
    centre_id  BIGINT  NOT NULL,
    hour       BIGINT  NOT NULL,
    bucket     BIGINT  NOT NULL,
    n          BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (centre_id, hour, bucket)
);

-- Per order and centre: labels, skips, items resolved and label pay. order_id 0 holds the
-- centre's money outside orders (bonuses, adjustments). credited/debited are the ledger's
-- positive and negative amounts (monotonic, for the Prometheus counters).
CREATE TABLE tp_orders (
    order_id      BIGINT  NOT NULL,
    centre_id     BIGINT  NOT NULL,
    labels        BIGINT  NOT NULL DEFAULT 0,
    skips         BIGINT  NOT NULL DEFAULT 0,
    resolved      BIGINT  NOT NULL DEFAULT 0,
    pay_fen       BIGINT  NOT NULL DEFAULT 0,
    credited_fen  BIGINT  NOT NULL DEFAULT 0,
    debited_fen   BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, centre_id)
);
CREATE INDEX tp_orders_centre ON tp_orders(centre_id);
