-- Counters updated in place by every label batch, kept to "heap-only" updates on PostgreSQL.
-- An UPDATE that changes no indexed column, and finds room on the row's own page, writes no
-- index entry at all (a HOT update); otherwise every index of the table gets a new entry for
-- the row's new version, and the old versions pile up until vacuum. A label batch updates a
-- few dozen rows of each of these tables:
--   worker_order_stats_centre was (centre_id, last_label_at), and every label moves its
--   worker's last_label_at: each update wrote three index entries (a ~256-row table had
--   ~58,000 versions after a 20 s benchmark run, and reading the crowd's pace went through
--   them). The lead's page asks by centre, then keeps the recent rows: centre_id alone serves.
--   Tables whose rows are updated many times get pages half full, order items 70% full (an
--   item is updated a few times: each answer, then its consensus), so the new version fits
--   beside the old one. Applies to pages written from now on.
DROP INDEX worker_order_stats_centre;
CREATE INDEX worker_order_stats_centre ON worker_order_stats(centre_id);
ALTER TABLE worker_order_stats SET (fillfactor = 50);
ALTER TABLE worker_hourly_stats SET (fillfactor = 50);
ALTER TABLE tp_hours SET (fillfactor = 50);
ALTER TABLE tp_seconds SET (fillfactor = 50);
ALTER TABLE tp_orders SET (fillfactor = 50);
ALTER TABLE order_items SET (fillfactor = 70);

-- The reversal check runs only for reversals: a piece (nearly every entry) no longer calls
-- the plpgsql function at all.
DROP TRIGGER ledger_reversal_mirrors ON ledger_entries;
CREATE TRIGGER ledger_reversal_mirrors BEFORE INSERT ON ledger_entries
    FOR EACH ROW WHEN (NEW.kind = 'reversal') EXECUTE FUNCTION mudou_reversal_mirrors();
