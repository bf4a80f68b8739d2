-- PostgreSQL splits the hot rollup rows (tp_hours, tp_seconds, tp_orders) into shards so that
-- concurrent write transactions do not queue on one row lock
-- (../postgres/0064_rollup_shards.sql). SQLite has a single writer: nothing to split,
-- and the readers' sums work on one row per key as well. Kept so both folders number
-- their migrations alike.
SELECT 1;
