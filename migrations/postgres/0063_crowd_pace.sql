-- The too-fast rule compares a worker's pace with the others' on the same order, read
-- from their running figures.
CREATE INDEX worker_order_stats_order ON worker_order_stats(order_id);
