-- Nothing to change on SQLite: its foreign keys are in-process index look-ups. On PostgreSQL
-- two keys are checked once per statement instead of once per row (the PostgreSQL file).
SELECT 1;
