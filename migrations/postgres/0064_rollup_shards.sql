-- Every label batch adds to the same few rollup rows: its centre's answer-time histogram
-- for this hour (tp_seconds) and its order and centre's totals (tp_orders). On PostgreSQL
-- the row lock each upsert takes is held to the batch's commit, so concurrent batches
-- queued there one behind another. Each key now has up to 16 rows (shards); a batch adds
-- to the shard of its connection, and readers sum the shards. SQLite has one writer and
-- keeps one row per key (see ../sqlite/0064_rollup_shards.sql).
ALTER TABLE tp_seconds ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE tp_seconds DROP CONSTRAINT tp_seconds_pkey;
ALTER TABLE tp_seconds ADD PRIMARY KEY (centre_id, hour, bucket, shard);

ALTER TABLE tp_orders ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE tp_orders DROP CONSTRAINT tp_orders_pkey;
ALTER TABLE tp_orders ADD PRIMARY KEY (order_id, centre_id, shard);

-- tp_hours rows are per annotator, but a batch also adds to other people's rows: the pay
-- of earlier labels its answers settled, and the items they resolved.
ALTER TABLE tp_hours ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE tp_hours DROP CONSTRAINT tp_hours_pkey;
ALTER TABLE tp_hours ADD PRIMARY KEY (centre_id, hour, annotator_id, shard);
