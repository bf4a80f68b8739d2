-- An order's most recent labels, newest first, without reading the whole table: the
-- too-fast rule compares a worker's pace with the crowd's latest answers on the order.
CREATE INDEX labels_order_recent ON labels(order_id, id);
