-- Team leads: the review queue and decisions, feedback messages, worker quality figures,
-- automatic quality rules and the career path (SQLite).
-- Keep in step with ../postgres/0040_review.sql.

-- A label left out of consensus (and of pay): it came from a quality-paused stretch.
-- Consensus ignores labels with excluded_reason IS NOT NULL; the reason is the pause's
-- ('gold_accuracy', 'too_fast', 'spam', or 'lead'); excluded_pause_id says which pause.
ALTER TABLE labels ADD COLUMN excluded_reason TEXT CHECK (excluded_reason IN ('gold_accuracy', 'too_fast', 'spam', 'lead'));
ALTER TABLE labels ADD COLUMN excluded_pause_id INTEGER REFERENCES worker_pauses(id);
CREATE INDEX labels_excluded_pause ON labels(excluded_pause_id) WHERE excluded_pause_id IS NOT NULL;

-- A final answer set by a lead (accepted or overridden): consensus no longer changes it.
ALTER TABLE order_items ADD COLUMN final_by INTEGER REFERENCES users(id);
ALTER TABLE order_items ADD COLUMN final_at INTEGER;

-- Media access by content hash (who may see a file) looks items up by their hash.
CREATE INDEX items_sha ON items(sha256) WHERE sha256 IS NOT NULL;

-- Automatic pauses: the labels of the paused stretch wait to be left out of consensus
-- (exclude_pending), then excluded_at says when they were. One live pause per worker and
-- order (order_id NULL = all work).
ALTER TABLE worker_pauses ADD COLUMN exclude_pending BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE worker_pauses ADD COLUMN excluded_at INTEGER;
-- Labels of the worker on the order from this time on belong to the paused stretch.
ALTER TABLE worker_pauses ADD COLUMN stretch_from INTEGER;
CREATE UNIQUE INDEX worker_pauses_one_live ON worker_pauses(annotator_id, COALESCE(order_id, 0))
    WHERE lifted_at IS NULL;
CREATE INDEX worker_pauses_pending ON worker_pauses(id) WHERE exclude_pending = TRUE;

-- A lead's decision on an item. Never changed or deleted.
CREATE TABLE review_decisions (
    id                 INTEGER PRIMARY KEY,
    order_id           INTEGER NOT NULL REFERENCES orders(id),
    item_id            INTEGER NOT NULL REFERENCES items(id),
    centre_id          INTEGER NOT NULL REFERENCES centres(id),
    decision           TEXT    NOT NULL CHECK (decision IN ('accept', 'override', 'send_back')),
    -- The item's final answer after an accept or override (JSON).
    answer             TEXT,
    state_before       TEXT    NOT NULL,
    answer_before      TEXT,
    confidence_before  DOUBLE PRECISION,
    -- Send back: how many more labels were asked for.
    extra_labels       INTEGER,
    note               TEXT,
    decided_by         INTEGER NOT NULL REFERENCES users(id),
    decided_at         INTEGER NOT NULL,
    CHECK ((decision = 'send_back') = (answer IS NULL))
);
CREATE INDEX review_decisions_item ON review_decisions(order_id, item_id);
CREATE INDEX review_decisions_centre ON review_decisions(centre_id, decided_at);

-- Why an item is in the review queue. Closed by a decision (or when it no longer applies);
-- never deleted. A gold failure belongs to the centre of the label that failed; the other
-- reasons concern the item, and a lead sees them when their centre labelled the item.
CREATE TABLE review_entries (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    item_id      INTEGER NOT NULL REFERENCES items(id),
    reason       TEXT    NOT NULL CHECK (reason IN ('escalated', 'skipped', 'gold_failure', 'client_flag')),
    label_id     INTEGER REFERENCES labels(id),
    centre_id    INTEGER REFERENCES centres(id),
    -- A client's words on a flag.
    note         TEXT,
    created_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER,
    closed_by    INTEGER REFERENCES users(id),
    decision_id  INTEGER REFERENCES review_decisions(id),
    CHECK ((reason = 'gold_failure') = (label_id IS NOT NULL AND centre_id IS NOT NULL))
);
CREATE UNIQUE INDEX review_entries_open ON review_entries(order_id, item_id, reason, COALESCE(label_id, 0))
    WHERE closed_at IS NULL;
CREATE INDEX review_entries_item ON review_entries(order_id, item_id);

-- Escalated items already waiting become queue entries.
INSERT INTO review_entries (order_id, item_id, reason, created_at)
SELECT order_id, item_id, CASE WHEN skips >= 3 THEN 'skipped' ELSE 'escalated' END,
       CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM order_items WHERE state = 'escalated';

-- Messages: a lead's feedback to an annotator (optionally about an item, with the right
-- answer marked), and alerts to leads from the automatic rules (from_id NULL).
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    centre_id   INTEGER NOT NULL REFERENCES centres(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('feedback', 'alert')),
    from_id     INTEGER REFERENCES users(id),
    to_id       INTEGER NOT NULL REFERENCES users(id),
    body        TEXT    NOT NULL,
    order_id    INTEGER REFERENCES orders(id),
    item_id     INTEGER REFERENCES items(id),
    -- Feedback: the right answer marked on the item (JSON).
    answer      TEXT,
    -- Alerts: the worker it is about, the pause it reports, and its figures (JSON).
    about_id    INTEGER REFERENCES users(id),
    pause_id    INTEGER REFERENCES worker_pauses(id),
    data        TEXT,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER,
    CHECK ((kind = 'feedback') = (from_id IS NOT NULL))
);
CREATE INDEX messages_to ON messages(to_id, id);
CREATE INDEX messages_centre ON messages(centre_id, kind, id);

-- How each label stands: against the gold answer (gold items) or the final answer.
CREATE TABLE label_verdicts (
    label_id      INTEGER PRIMARY KEY REFERENCES labels(id),
    annotator_id  INTEGER NOT NULL REFERENCES users(id),
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    kind          TEXT    NOT NULL CHECK (kind IN ('gold', 'consensus')),
    agrees        BOOLEAN NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Running figures per worker and order, kept by the label effects.
CREATE TABLE worker_order_stats (
    annotator_id       INTEGER NOT NULL REFERENCES users(id),
    order_id           INTEGER NOT NULL REFERENCES orders(id),
    centre_id          INTEGER NOT NULL REFERENCES centres(id),
    -- Answers and skips (a changed answer counts once).
    labels             INTEGER NOT NULL DEFAULT 0,
    skips              INTEGER NOT NULL DEFAULT 0,
    gold_total         INTEGER NOT NULL DEFAULT 0,
    gold_correct       INTEGER NOT NULL DEFAULT 0,
    -- Answers on items with a final answer, and how many agree with it.
    judged             INTEGER NOT NULL DEFAULT 0,
    agreed             INTEGER NOT NULL DEFAULT 0,
    ms_sum             INTEGER NOT NULL DEFAULT 0,
    last_label_at      INTEGER NOT NULL DEFAULT 0,
    -- The automatic rules count only what came after a lifted pause: these are the
    -- figures at that moment.
    rule_since         INTEGER NOT NULL DEFAULT 0,
    rule_gold_total    INTEGER NOT NULL DEFAULT 0,
    rule_gold_correct  INTEGER NOT NULL DEFAULT 0,
    rule_judged        INTEGER NOT NULL DEFAULT 0,
    rule_agreed        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (annotator_id, order_id)
);
CREATE INDEX worker_order_stats_centre ON worker_order_stats(centre_id, last_label_at);

-- The same figures per worker and clock hour (hour = Unix ms / 3,600,000), for speed,
-- items per hour and the trend.
CREATE TABLE worker_hourly_stats (
    annotator_id  INTEGER NOT NULL REFERENCES users(id),
    hour          INTEGER NOT NULL,
    centre_id     INTEGER NOT NULL REFERENCES centres(id),
    labels        INTEGER NOT NULL DEFAULT 0,
    skips         INTEGER NOT NULL DEFAULT 0,
    gold_total    INTEGER NOT NULL DEFAULT 0,
    gold_correct  INTEGER NOT NULL DEFAULT 0,
    judged        INTEGER NOT NULL DEFAULT 0,
    agreed        INTEGER NOT NULL DEFAULT 0,
    ms_sum        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (annotator_id, hour)
);
CREATE INDEX worker_hourly_stats_centre ON worker_hourly_stats(centre_id, hour);

-- A centre's automatic rules for one order (no row: the defaults).
CREATE TABLE quality_rules (
    order_id         INTEGER NOT NULL REFERENCES orders(id),
    centre_id        INTEGER NOT NULL REFERENCES centres(id),
    gold_enabled     BOOLEAN NOT NULL,
    gold_min_items   INTEGER NOT NULL CHECK (gold_min_items >= 1),
    gold_threshold   DOUBLE PRECISION NOT NULL CHECK (gold_threshold > 0 AND gold_threshold <= 1),
    fast_enabled     BOOLEAN NOT NULL,
    fast_min_labels  INTEGER NOT NULL CHECK (fast_min_labels >= 1),
    fast_seconds     DOUBLE PRECISION NOT NULL CHECK (fast_seconds > 0),
    spam_enabled     BOOLEAN NOT NULL,
    spam_min_labels  INTEGER NOT NULL CHECK (spam_min_labels >= 1),
    spam_agreement   DOUBLE PRECISION NOT NULL CHECK (spam_agreement > 0 AND spam_agreement <= 1),
    exclude_labels   BOOLEAN NOT NULL,
    updated_by       INTEGER REFERENCES users(id),
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (order_id, centre_id)
);

-- Every change of an annotator's skill level, by a rule or by a lead.
CREATE TABLE level_changes (
    id           INTEGER PRIMARY KEY,
    annotator_id INTEGER NOT NULL REFERENCES users(id),
    centre_id    INTEGER NOT NULL REFERENCES centres(id),
    from_level   TEXT,
    to_level     TEXT    NOT NULL CHECK (to_level IN ('trainee', 'standard', 'expert')),
    source       TEXT    NOT NULL CHECK (source IN ('rule', 'lead')),
    changed_by   INTEGER REFERENCES users(id),
    note         TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX level_changes_annotator ON level_changes(annotator_id, id);

-- A lead proposes an annotator as a lead; an admin confirms (the account becomes a lead's)
-- or declines.
CREATE TABLE lead_proposals (
    id           INTEGER PRIMARY KEY,
    annotator_id INTEGER NOT NULL REFERENCES users(id),
    centre_id    INTEGER NOT NULL REFERENCES centres(id),
    proposed_by  INTEGER NOT NULL REFERENCES users(id),
    note         TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    decision     TEXT    CHECK (decision IN ('confirmed', 'declined')),
    decided_by   INTEGER REFERENCES users(id),
    decided_at   INTEGER,
    CHECK ((decision IS NULL) = (decided_at IS NULL))
);
CREATE UNIQUE INDEX lead_proposals_open ON lead_proposals(annotator_id) WHERE decided_at IS NULL;
