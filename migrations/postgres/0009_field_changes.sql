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

CREATE FUNCTION field_touch(p_hamlet BIGINT, p_household BIGINT) RETURNS void AS $$
DECLARE
    n BIGINT;
BEGIN
    IF p_hamlet IS NULL OR p_household IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO field_seq (hamlet_id, seq) VALUES (p_hamlet, 1)
        ON CONFLICT (hamlet_id) DO UPDATE SET seq = field_seq.seq + 1
        RETURNING seq INTO n;
    INSERT INTO field_changes (hamlet_id, household_id, seq) VALUES (p_hamlet, p_household, n)
        ON CONFLICT (hamlet_id, household_id) DO UPDATE SET seq = EXCLUDED.seq;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION field_households_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM field_touch(NEW.hamlet_id, NEW.id);
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM field_touch(OLD.hamlet_id, OLD.id);
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.hamlet_id <> NEW.hamlet_id THEN
            PERFORM field_touch(OLD.hamlet_id, OLD.id);
        END IF;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER field_households AFTER INSERT OR UPDATE OR DELETE ON households
    FOR EACH ROW EXECUTE FUNCTION field_households_changed();

CREATE FUNCTION field_residents_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM field_touch(NEW.hamlet_id, NEW.household_id);
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM field_touch(OLD.hamlet_id, OLD.household_id);
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.household_id <> NEW.household_id OR OLD.hamlet_id <> NEW.hamlet_id THEN
            PERFORM field_touch(OLD.hamlet_id, OLD.household_id);
        END IF;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER field_residents AFTER INSERT OR UPDATE OR DELETE ON residents
    FOR EACH ROW EXECUTE FUNCTION field_residents_changed();

-- Service statuses and help records change what the phone shows of a resident.
CREATE FUNCTION field_resident_rows_changed() RETURNS trigger AS $$
DECLARE
    rid BIGINT;
    hm BIGINT;
    hh BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN rid := OLD.resident_id; ELSE rid := NEW.resident_id; END IF;
    SELECT hamlet_id, household_id INTO hm, hh FROM residents WHERE id = rid;
    PERFORM field_touch(hm, hh);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER field_services AFTER INSERT OR UPDATE OR DELETE ON resident_services
    FOR EACH ROW EXECUTE FUNCTION field_resident_rows_changed();
CREATE TRIGGER field_help AFTER INSERT ON help_records
    FOR EACH ROW EXECUTE FUNCTION field_resident_rows_changed();

-- Assigning a household to a member moves it between members' phones.
CREATE FUNCTION field_assignments_changed() RETURNS trigger AS $$
DECLARE
    hid BIGINT;
    hm BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN hid := OLD.household_id; ELSE hid := NEW.household_id; END IF;
    SELECT hamlet_id INTO hm FROM households WHERE id = hid;
    PERFORM field_touch(hm, hid);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER field_assignments AFTER INSERT OR UPDATE OR DELETE ON household_assignments
    FOR EACH ROW EXECUTE FUNCTION field_assignments_changed();

-- An automatic door-to-door round (made by the first help of a day) counts toward the
-- monthly minimum only once the hamlet head or the team leader confirms it. Rounds and
-- sessions entered by hand are confirmed as they are made, as before.
ALTER TABLE activities ADD COLUMN confirmed BIGINT NOT NULL DEFAULT 1;
