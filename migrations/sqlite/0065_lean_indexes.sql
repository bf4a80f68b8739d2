-- Fewer index entries per label: every label writes one entry into each index of labels,
-- label_pay and ledger_entries, and the indexes keyed by worker take a different page for
-- nearly every label of a batch (each page is then written to the log at commit).
--   labels_item (order_id, item_id) repeats the first two columns of the labels' unique key
--   (order_id, item_id, annotator_id), which serves the same look-ups.
--   label_pay_status (annotator_id, status) served only "this worker's pending pay": an index
--   of pending rows alone does that, and a label leaves it once decided.
--   ledger_annotator_work (annotator_id, work_at) served only entries without a label
--   (bonuses, a lead's adjustments): labels' pieces are summed from label_pay.
DROP INDEX labels_item;
DROP INDEX label_pay_status;
CREATE INDEX label_pay_pending ON label_pay(annotator_id, worked_at) WHERE status = 'pending';
DROP INDEX ledger_annotator_work;
CREATE INDEX ledger_annotator_other ON ledger_entries(annotator_id, work_at) WHERE label_id IS NULL;
