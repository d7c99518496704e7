-- Incremental field data: which households of a hamlet changed, in the order the changes were
-- made. A phone keeps the last number it saw (its cursor) and asks only for what came after.
-- Triggers keep the log, so every path that writes (sync, the pages, imports, assignment)
-- is counted without remembering to. The hamlet's counter row is locked until the writing
-- transaction commits, so within a hamlet numbers are handed out in commit order: a reader
-- that saw number N has seen every change numbered up to N.

CREATE TABLE field_seq (
    hamlet_id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL
);

CREATE TABLE field_changes (
    hamlet_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (hamlet_id, household_id)
);
CREATE INDEX field_changes_seq ON field_changes(hamlet_id, seq);

-- Bumps each hamlet's counter once for a whole statement and stamps every household it
-- touched: statement-level triggers with transition tables, so an import of thousands of rows
-- updates each hamlet's counter row once, not once a row (repeated updates of one row in one
-- transaction leave a chain of versions each later update walks). Hamlets are bumped in id
-- order, so two statements touching the same hamlets lock them in the same order.
CREATE FUNCTION field_touch_all(p_hamlets BIGINT[], p_households BIGINT[]) RETURNS void AS $$
BEGIN
    IF p_hamlets IS NULL THEN
        RETURN;
    END IF;
    WITH pairs AS (
        SELECT DISTINCT h, hh FROM unnest(p_hamlets, p_households) AS t(h, hh)
        WHERE h IS NOT NULL AND hh IS NOT NULL
    ), bumped AS (
        INSERT INTO field_seq (hamlet_id, seq)
        SELECT DISTINCT h, 1 FROM pairs ORDER BY h
        ON CONFLICT (hamlet_id) DO UPDATE SET seq = field_seq.seq + 1
        RETURNING hamlet_id, seq
    )
    INSERT INTO field_changes (hamlet_id, household_id, seq)
    SELECT p.h, p.hh, b.seq FROM pairs p JOIN bumped b ON b.hamlet_id = p.h
    ON CONFLICT (hamlet_id, household_id) DO UPDATE SET seq = EXCLUDED.seq;
END $$ LANGUAGE plpgsql;

-- Households: the household itself, in its new and (moved or deleted) old hamlet.
CREATE FUNCTION field_households_new() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    SELECT array_agg(hamlet_id), array_agg(id) INTO a, b FROM new_rows;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE FUNCTION field_households_both() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    SELECT array_agg(x.h), array_agg(x.hh) INTO a, b FROM (
        SELECT hamlet_id AS h, id AS hh FROM new_rows
        UNION SELECT hamlet_id, id FROM old_rows) x;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE FUNCTION field_households_old() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    SELECT array_agg(hamlet_id), array_agg(id) INTO a, b FROM old_rows;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER field_households_ins AFTER INSERT ON households
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION field_households_new();
CREATE TRIGGER field_households_upd AFTER UPDATE ON households
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION field_households_both();
CREATE TRIGGER field_households_del AFTER DELETE ON households
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION field_households_old();

-- Residents: their household, and the one they left when moved.
CREATE FUNCTION field_residents_new() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    SELECT array_agg(hamlet_id), array_agg(household_id) INTO a, b FROM new_rows;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE FUNCTION field_residents_both() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    SELECT array_agg(x.h), array_agg(x.hh) INTO a, b FROM (
        SELECT hamlet_id AS h, household_id AS hh FROM new_rows
        UNION SELECT hamlet_id, household_id FROM old_rows) x;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE FUNCTION field_residents_old() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    SELECT array_agg(hamlet_id), array_agg(household_id) INTO a, b FROM old_rows;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER field_residents_ins AFTER INSERT ON residents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION field_residents_new();
CREATE TRIGGER field_residents_upd AFTER UPDATE ON residents
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION field_residents_both();
CREATE TRIGGER field_residents_del AFTER DELETE ON residents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION field_residents_old();

-- Service statuses and help records change what the phone shows of a resident.
CREATE FUNCTION field_resident_rows_new() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    SELECT array_agg(r.hamlet_id), array_agg(r.household_id) INTO a, b
        FROM new_rows n JOIN residents r ON r.id = n.resident_id;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE FUNCTION field_resident_rows_old() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    SELECT array_agg(r.hamlet_id), array_agg(r.household_id) INTO a, b
        FROM old_rows o JOIN residents r ON r.id = o.resident_id;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER field_services_ins AFTER INSERT ON resident_services
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION field_resident_rows_new();
CREATE TRIGGER field_services_upd AFTER UPDATE ON resident_services
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION field_resident_rows_new();
CREATE TRIGGER field_services_del AFTER DELETE ON resident_services
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION field_resident_rows_old();
CREATE TRIGGER field_help_ins AFTER INSERT ON help_records
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION field_resident_rows_new();

-- Assigning a household to a member moves it between members' phones.
CREATE FUNCTION field_assignments_new() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    SELECT array_agg(h.hamlet_id), array_agg(h.id) INTO a, b
        FROM new_rows n JOIN households h ON h.id = n.household_id;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE FUNCTION field_assignments_old() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    SELECT array_agg(h.hamlet_id), array_agg(h.id) INTO a, b
        FROM old_rows o JOIN households h ON h.id = o.household_id;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER field_assign_ins AFTER INSERT ON household_assignments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION field_assignments_new();
CREATE TRIGGER field_assign_upd AFTER UPDATE ON household_assignments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION field_assignments_new();
CREATE TRIGGER field_assign_del AFTER DELETE ON household_assignments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION field_assignments_old();

-- Which copy of the database a cursor was made on: a restored backup gets a new one, so phones
-- holding cursors from the lost future start over.
CREATE TABLE field_epoch (value TEXT NOT NULL);
INSERT INTO field_epoch (value) VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 16));

-- An automatic door-to-door round (made by the first help of a day) counts toward the
-- monthly minimum only once the hamlet head or the team leader confirms it. Rounds and
-- sessions entered by hand are confirmed as they are made, as before.
ALTER TABLE activities ADD COLUMN confirmed BIGINT NOT NULL DEFAULT 1;
