-- Where in its unit an assignment starts. The annotators who share a unit (its overlap) each
-- start at a different place and go round, so they are not on the same item at the same
-- moment: on PostgreSQL their answers would otherwise wait for each other's item locks.
ALTER TABLE assignments ADD COLUMN item_offset INTEGER NOT NULL DEFAULT 0;
