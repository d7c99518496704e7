-- Nothing to change on SQLite: its field-change triggers are row triggers, and a sync batch's
-- statements run one by one in process. On PostgreSQL a batch stamps its households once, in
-- the statement that writes them (the PostgreSQL file).
SELECT 1;
