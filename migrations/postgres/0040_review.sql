-- Team leads: the review queue and decisions, feedback messages, worker quality figures,
-- automatic quality rules and the career path (PostgreSQL).
-- Keep in step with ../sqlite/0040_review.sql.

-- A label left out of consensus (and of pay): it came from a quality-paused stretch.
-- Consensus ignores labels with excluded_reason IS NOT NULL; the reason is the pause's
-- ('gold_accuracy', 'too_fast', 'spam', or 'lead'); excluded_pause_id says which pause.
ALTER TABLE labels ADD COLUMN excluded_reason TEXT CHECK (excluded_reason IN ('gold_accuracy', 'too_fast', 'spam', 'lead'));
ALTER TABLE labels ADD COLUMN excluded_pause_id BIGINT REFERENCES worker_pauses(id);
CREATE INDEX labels_excluded_pause ON labels(excluded_pause_id) WHERE excluded_pause_id IS NOT NULL;

-- A final answer set by a lead (accepted or overridden): consensus no longer changes it.
ALTER TABLE order_items ADD COLUMN final_by BIGINT REFERENCES users(id);
ALTER TABLE order_items ADD COLUMN final_at BIGINT;

-- Media access by content hash (who may see a file) looks items up by their hash.
CREATE INDEX items_sha ON items(sha256) WHERE sha256 IS NOT NULL;

-- Automatic pauses: the labels of the paused stretch wait to be left out of consensus
-- (exclude_pending), then excluded_at says when they were. One live pause per worker and
-- order (order_id NULL = all work).
ALTER TABLE worker_pauses ADD COLUMN exclude_pending BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE worker_pauses ADD COLUMN excluded_at BIGINT;
-- Labels of the worker on the order from this time on belong to the paused stretch.
ALTER TABLE worker_pauses ADD COLUMN stretch_from BIGINT;
CREATE UNIQUE INDEX worker_pauses_one_live ON worker_pauses(annotator_id, COALESCE(order_id, 0))
    WHERE lifted_at IS NULL;
CREATE INDEX worker_pauses_pending ON worker_pauses(id) WHERE exclude_pending = TRUE;

-- A lead's decision on an item. Never changed or deleted.
CREATE TABLE review_decisions (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           BIGINT NOT NULL REFERENCES orders(id),
    item_id            BIGINT NOT NULL REFERENCES items(id),
    centre_id          BIGINT NOT NULL REFERENCES centres(id),
    decision           TEXT    NOT NULL CHECK (decision IN ('accept', 'override', 'send_back')),
    -- The item's final answer after an accept or override (JSON).
    answer             TEXT,
    state_before       TEXT    NOT NULL,
    answer_before      TEXT,
    confidence_before  DOUBLE PRECISION,
    -- Send back: how many more labels were asked for.
    extra_labels       BIGINT,
    note               TEXT,
    decided_by         BIGINT NOT NULL REFERENCES users(id),
    decided_at         BIGINT NOT NULL,
    CHECK ((decision = 'send_back') = (answer IS NULL))
);
CREATE INDEX review_decisions_item ON review_decisions(order_id, item_id);
CREATE INDEX review_decisions_centre ON review_decisions(centre_id, decided_at);

-- Why an item is in the review queue. Closed by a decision (or when it no longer applies);
-- never deleted. A gold failure belongs to the centre of the label that failed; the other
-- reasons concern the item, and a lead sees them when their centre labelled the item.
CREATE TABLE review_entries (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     BIGINT NOT NULL REFERENCES orders(id),
    item_id      BIGINT NOT NULL REFERENCES items(id),
    reason       TEXT    NOT NULL CHECK (reason IN ('escalated', 'skipped', 'gold_failure', 'client_flag')),
    label_id     BIGINT REFERENCES labels(id),
    centre_id    BIGINT REFERENCES centres(id),
    -- A client's words on a flag.
    note         TEXT,
    created_by   BIGINT REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    closed_at    BIGINT,
    closed_by    BIGINT REFERENCES users(id),
    decision_id  BIGINT REFERENCES review_decisions(id),
    CHECK ((reason = 'gold_failure') = (label_id IS NOT NULL AND centre_id IS NOT NULL))
);
CREATE UNIQUE INDEX review_entries_open ON review_entries(order_id, item_id, reason, COALESCE(label_id, 0))
    WHERE closed_at IS NULL;
CREATE INDEX review_entries_item ON review_entries(order_id, item_id);

-- Escalated items already waiting become queue entries.
INSERT INTO review_entries (order_id, item_id, reason, created_at)
SELECT order_id, item_id, CASE WHEN skips >= 3 THEN 'skipped' ELSE 'escalated' END,
       CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT)
FROM order_items WHERE state = 'escalated';

-- Messages: a lead's feedback to an annotator (optionally about an item, with the right
-- answer marked), and alerts to leads from the automatic rules (from_id NULL).
CREATE TABLE messages (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    centre_id   BIGINT NOT NULL REFERENCES centres(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('feedback', 'alert')),
    from_id     BIGINT REFERENCES users(id),
    to_id       BIGINT NOT NULL REFERENCES users(id),
    body        TEXT    NOT NULL,
    order_id    BIGINT REFERENCES orders(id),
    item_id     BIGINT REFERENCES items(id),
    -- Feedback: the right answer marked on the item (JSON).
    answer      TEXT,
    -- Alerts: the worker it is about, the pause it reports, and its figures (JSON).
    about_id    BIGINT REFERENCES users(id),
    pause_id    BIGINT REFERENCES worker_pauses(id),
    data        TEXT,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT,
    CHECK ((kind = 'feedback') = (from_id IS NOT NULL))
);
CREATE INDEX messages_to ON messages(to_id, id);
CREATE INDEX messages_centre ON messages(centre_id, kind, id);

-- How each label stands: against the gold answer (gold items) or the final answer.
CREATE TABLE label_verdicts (
    label_id      BIGINT PRIMARY KEY REFERENCES labels(id),
    annotator_id  BIGINT NOT NULL REFERENCES users(id),
    order_id      BIGINT NOT NULL REFERENCES orders(id),
    kind          TEXT    NOT NULL CHECK (kind IN ('gold', 'consensus')),
    agrees        BOOLEAN NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Running figures per worker and order, kept by the label effects.
CREATE TABLE worker_order_stats (
    annotator_id       BIGINT NOT NULL REFERENCES users(id),
    order_id           BIGINT NOT NULL REFERENCES orders(id),
    centre_id          BIGINT NOT NULL REFERENCES centres(id),
    -- Answers and skips (a changed answer counts once).
    labels             BIGINT NOT NULL DEFAULT 0,
    skips              BIGINT NOT NULL DEFAULT 0,
    gold_total         BIGINT NOT NULL DEFAULT 0,
    gold_correct       BIGINT NOT NULL DEFAULT 0,
    -- Answers on items with a final answer, and how many agree with it.
    judged             BIGINT NOT NULL DEFAULT 0,
    agreed             BIGINT NOT NULL DEFAULT 0,
    ms_sum             BIGINT NOT NULL DEFAULT 0,
    last_label_at      BIGINT NOT NULL DEFAULT 0,
    -- The automatic rules count only what came after a lifted pause: these are the
    -- figures at that moment.
    rule_since         BIGINT NOT NULL DEFAULT 0,
    rule_gold_total    BIGINT NOT NULL DEFAULT 0,
    rule_gold_correct  BIGINT NOT NULL DEFAULT 0,
    rule_judged        BIGINT NOT NULL DEFAULT 0,
    rule_agreed        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (annotator_id, order_id)
);
CREATE INDEX worker_order_stats_centre ON worker_order_stats(centre_id, last_label_at);

-- The same figures per worker and clock hour (hour = Unix ms / 3,600,000), for speed,
-- items per hour and the trend.
CREATE TABLE worker_hourly_stats (
    annotator_id  BIGINT NOT NULL REFERENCES users(id),
    hour          BIGINT NOT NULL,
    centre_id     BIGINT NOT NULL REFERENCES centres(id),
    labels        BIGINT NOT NULL DEFAULT 0,
    skips         BIGINT NOT NULL DEFAULT 0,
    gold_total    BIGINT NOT NULL DEFAULT 0,
    gold_correct  BIGINT NOT NULL DEFAULT 0,
    judged        BIGINT NOT NULL DEFAULT 0,
    agreed        BIGINT NOT NULL DEFAULT 0,
    ms_sum        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (annotator_id, hour)
);
CREATE INDEX worker_hourly_stats_centre ON worker_hourly_stats(centre_id, hour);

-- A centre's automatic rules for one order (no row: the defaults).
CREATE TABLE quality_rules (
    order_id         BIGINT NOT NULL REFERENCES orders(id),
    centre_id        BIGINT NOT NULL REFERENCES centres(id),
    gold_enabled     BOOLEAN NOT NULL,
    gold_min_items   BIGINT NOT NULL CHECK (gold_min_items >= 1),
    gold_threshold   DOUBLE PRECISION NOT NULL CHECK (gold_threshold > 0 AND gold_threshold <= 1),
    fast_enabled     BOOLEAN NOT NULL,
    fast_min_labels  BIGINT NOT NULL CHECK (fast_min_labels >= 1),
    fast_seconds     DOUBLE PRECISION NOT NULL CHECK (fast_seconds > 0),
    spam_enabled     BOOLEAN NOT NULL,
    spam_min_labels  BIGINT NOT NULL CHECK (spam_min_labels >= 1),
    spam_agreement   DOUBLE PRECISION NOT NULL CHECK (spam_agreement > 0 AND spam_agreement <= 1),
    exclude_labels   BOOLEAN NOT NULL,
    updated_by       BIGINT REFERENCES users(id),
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (order_id, centre_id)
);

-- Every change of an annotator's skill level, by a rule or by a lead.
CREATE TABLE level_changes (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    annotator_id BIGINT NOT NULL REFERENCES users(id),
    centre_id    BIGINT NOT NULL REFERENCES centres(id),
    from_level   TEXT,
    to_level     TEXT    NOT NULL CHECK (to_level IN ('trainee', 'standard', 'expert')),
    source       TEXT    NOT NULL CHECK (source IN ('rule', 'lead')),
    changed_by   BIGINT REFERENCES users(id),
    note         TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX level_changes_annotator ON level_changes(annotator_id, id);

-- A lead proposes an annotator as a lead; an admin confirms (the account becomes a lead's)
-- or declines.
CREATE TABLE lead_proposals (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    annotator_id BIGINT NOT NULL REFERENCES users(id),
    centre_id    BIGINT NOT NULL REFERENCES centres(id),
    proposed_by  BIGINT NOT NULL REFERENCES users(id),
    note         TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    decision     TEXT    CHECK (decision IN ('confirmed', 'declined')),
    decided_by   BIGINT REFERENCES users(id),
    decided_at   BIGINT,
    CHECK ((decision IS NULL) = (decided_at IS NULL))
);
CREATE UNIQUE INDEX lead_proposals_open ON lead_proposals(annotator_id) WHERE decided_at IS NULL;
