-- Nothing to do on SQLite: its one writer numbers top-up units MAX + 1 (PostgreSQL takes
-- them from a sequence; see ../postgres/0062_topup_numbers.sql).
SELECT 1;
