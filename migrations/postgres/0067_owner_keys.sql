-- The rows written for every label keep the foreign key to the row they belong to, and drop
-- those to rows that owner already names. PostgreSQL checks each foreign key of each new row
-- with a query of its own that locks the parent row (FOR KEY SHARE): the label path wrote
-- about 20 such checks per label (labels 5, label_pay 5, ledger_entries 4, label_verdicts 3,
-- item_leases 3 per leased item), a sixth of PostgreSQL's time in the dispatch bench, and
-- the busiest parents (the order, the centre) were locked by every label of every batch.
--   labels          keep assignment_id: the assignment names the order, annotator and centre
--                   (the writer copies them from it), and the item is a locked row of
--                   order_items (whose own keys name the order and the item).
--   item_leases     keep assignment_id (the item is in order_items, as above).
--   label_pay       keep label_id: its annotator, centre, order and item are the label's.
--   label_verdicts  keep label_id.
--   ledger_entries  keep label_id and annotator_id (money always names a real person; an
--                   entry without a label, a bonus or an adjustment, has only that).
-- SQLite keeps them all: there a check is a look-up in a page already in memory, and
-- dropping a constraint would mean copying the whole table (../sqlite/0067_owner_keys.sql).
ALTER TABLE labels DROP CONSTRAINT labels_order_id_fkey,
                   DROP CONSTRAINT labels_item_id_fkey,
                   DROP CONSTRAINT labels_annotator_id_fkey,
                   DROP CONSTRAINT labels_centre_id_fkey;
ALTER TABLE item_leases DROP CONSTRAINT item_leases_order_id_fkey,
                        DROP CONSTRAINT item_leases_item_id_fkey;
ALTER TABLE label_pay DROP CONSTRAINT label_pay_annotator_id_fkey,
                      DROP CONSTRAINT label_pay_centre_id_fkey,
                      DROP CONSTRAINT label_pay_order_id_fkey,
                      DROP CONSTRAINT label_pay_item_id_fkey;
ALTER TABLE label_verdicts DROP CONSTRAINT label_verdicts_annotator_id_fkey,
                           DROP CONSTRAINT label_verdicts_order_id_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_centre_id_fkey,
                           DROP CONSTRAINT ledger_entries_order_id_fkey;
