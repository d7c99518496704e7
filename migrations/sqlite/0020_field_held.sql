-- Nothing to change on SQLite: a bulk write drops the field-change triggers inside its own
-- transaction and creates them again before it commits (`field_changes::hold` and `release`).
-- PostgreSQL's triggers learn a transaction-local setting instead (the PostgreSQL file).
SELECT 1;
