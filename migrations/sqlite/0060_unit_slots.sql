-- Dispatch speed: each unit counts the assignments holding one of its slots (active or
-- submitted), so finding a unit with a free slot reads only such units (SQLite).
-- Keep in step with ../postgres/0060_unit_slots.sql.

ALTER TABLE work_units ADD COLUMN taken INTEGER NOT NULL DEFAULT 0;
UPDATE work_units SET taken = (SELECT COUNT(*) FROM assignments a
    WHERE a.unit_id = work_units.id AND a.state IN ('active', 'submitted'));
CREATE INDEX work_units_free ON work_units(order_id, seq) WHERE taken < slots;

-- A gold item's answer, right or wrong (NULL for other items and skips): what training
-- is graded on, and the raw material of gold accuracy.
ALTER TABLE labels ADD COLUMN gold_correct BOOLEAN;
