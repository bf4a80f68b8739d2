-- PostgreSQL drops the foreign keys of the rows written for every label to rows their owner
-- already names (../postgres/0067_owner_keys.sql): each was a query and a row lock per new
-- row there. SQLite keeps them: its check is a look-up in a page already in memory, and
-- dropping a constraint would mean copying the whole table. Kept so both folders number
-- their migrations alike.
SELECT 1;
