-- worker_order_stats_centre was (centre_id, last_label_at), and every label moves its
-- worker's last_label_at, so each update of the running figures also rewrote an index entry.
-- The lead's page asks by centre, then keeps the recent rows: centre_id alone serves.
-- (PostgreSQL's 0068 also leaves room on the pages of tables updated in place.)
DROP INDEX worker_order_stats_centre;
CREATE INDEX worker_order_stats_centre ON worker_order_stats(centre_id);
