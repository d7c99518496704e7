-- Two foreign keys checked once per statement instead of once per row (issue 16).
--
-- PostgreSQL checks a foreign key row by row: each inserted row runs a locking look-up of the
-- row it names, with an executor started for it. A 100,000-row import writes about 254,000
-- status history rows and as many service statuses; these two keys alone were about 1.5 s of
-- its 9.5-10.5 s on PostgreSQL. The same rule is kept by statement-level triggers: the rows a
-- statement wrote are checked together in one anti-join, and a statement that removes or
-- renames a referenced row is refused while anything still names it. Errors carry SQLSTATE
-- 23503 (foreign_key_violation), as the keys' did.
--
-- What the row-level keys also gave and these do not: the referenced row is not locked, so a
-- transaction deleting a resident (or a service) at the very moment another writes its history
-- (or status) could leave an orphan. Nothing in the application deletes residents or services
-- (they are marked inactive, moved or deceased), so no such pair of writes exists.
--
-- SQLite keeps its foreign keys: its checks are in-process index look-ups.

ALTER TABLE service_status_history DROP CONSTRAINT IF EXISTS service_status_history_resident_id_fkey;
ALTER TABLE resident_services DROP CONSTRAINT IF EXISTS resident_services_service_code_fkey;

-- Every resident named by the statement's history rows exists.
CREATE FUNCTION history_residents_exist() RETURNS trigger AS $$
DECLARE missing BIGINT;
BEGIN
    SELECT n.resident_id INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = n.resident_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "service_status_history" violates foreign key: resident % is not present in table "residents"', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER history_residents_ins AFTER INSERT ON service_status_history
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION history_residents_exist();
-- History rows are never moved to another resident; should one be, the row is checked alone
-- (a row trigger with a WHEN clause costs nothing to an update that leaves the column alone).
CREATE FUNCTION history_resident_exists() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = NEW.resident_id) THEN
        RAISE EXCEPTION 'insert or update on table "service_status_history" violates foreign key: resident % is not present in table "residents"', NEW.resident_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER history_residents_upd AFTER UPDATE OF resident_id ON service_status_history
    FOR EACH ROW WHEN (OLD.resident_id IS DISTINCT FROM NEW.resident_id)
    EXECUTE FUNCTION history_resident_exists();

-- No resident removed (or renumbered) while history names it.
CREATE FUNCTION residents_keep_history() RETURNS trigger AS $$
DECLARE named BIGINT;
BEGIN
    SELECT o.id INTO named FROM old_rows o
    WHERE EXISTS (SELECT 1 FROM service_status_history h WHERE h.resident_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = o.id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'update or delete on table "residents" violates foreign key: resident % is still referenced from table "service_status_history"', named
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER residents_keep_history_del AFTER DELETE ON residents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION residents_keep_history();
CREATE FUNCTION resident_keeps_history() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM service_status_history h WHERE h.resident_id = OLD.id) THEN
        RAISE EXCEPTION 'update or delete on table "residents" violates foreign key: resident % is still referenced from table "service_status_history"', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER residents_keep_history_upd AFTER UPDATE OF id ON residents
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION resident_keeps_history();

-- Every service named by the statement's status rows exists.
CREATE FUNCTION statuses_services_exist() RETURNS trigger AS $$
DECLARE missing TEXT;
BEGIN
    SELECT n.service_code INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.code = n.service_code) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "resident_services" violates foreign key: service % is not present in table "services"', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER statuses_services_ins AFTER INSERT ON resident_services
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statuses_services_exist();
CREATE FUNCTION status_service_exists() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM services s WHERE s.code = NEW.service_code) THEN
        RAISE EXCEPTION 'insert or update on table "resident_services" violates foreign key: service % is not present in table "services"', NEW.service_code
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER statuses_services_upd AFTER UPDATE OF service_code ON resident_services
    FOR EACH ROW WHEN (OLD.service_code IS DISTINCT FROM NEW.service_code)
    EXECUTE FUNCTION status_service_exists();

-- No service removed (or renamed) while a status names it.
CREATE FUNCTION services_keep_statuses() RETURNS trigger AS $$
DECLARE named TEXT;
BEGIN
    SELECT o.code INTO named FROM old_rows o
    WHERE EXISTS (SELECT 1 FROM resident_services s WHERE s.service_code = o.code)
      AND NOT EXISTS (SELECT 1 FROM services x WHERE x.code = o.code) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'update or delete on table "services" violates foreign key: service % is still referenced from table "resident_services"', named
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER services_keep_statuses_del AFTER DELETE ON services
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION services_keep_statuses();
CREATE FUNCTION service_keeps_statuses() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM resident_services s WHERE s.service_code = OLD.code) THEN
        RAISE EXCEPTION 'update or delete on table "services" violates foreign key: service % is still referenced from table "resident_services"', OLD.code
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER services_keep_statuses_upd AFTER UPDATE OF code ON services
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION service_keeps_statuses();
