-- Incremental field data: which households of a hamlet changed, in the order the changes were
-- made. A phone keeps the last number it saw (its cursor) and asks only for what came after.
-- Triggers keep the log, so every path that writes (sync, the pages, imports, assignment)
-- is counted without remembering to. The triggers use no OR IGNORE / OR REPLACE: SQLite lets
-- the conflict policy of the statement that fired a trigger override the trigger's own, so
-- they check and delete instead of relying on one.

CREATE TABLE field_seq (
    hamlet_id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL
);

-- One row per household and hamlet it has been in: the last change's number.
CREATE TABLE field_changes (
    hamlet_id INTEGER NOT NULL,
    household_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (hamlet_id, household_id)
);
CREATE INDEX field_changes_seq ON field_changes(hamlet_id, seq);

CREATE TRIGGER field_households_ins AFTER INSERT ON households BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT NEW.hamlet_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM field_seq WHERE hamlet_id = NEW.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = NEW.hamlet_id;
    DELETE FROM field_changes WHERE hamlet_id = NEW.hamlet_id AND household_id = NEW.id;
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT NEW.hamlet_id, NEW.id, seq FROM field_seq WHERE hamlet_id = NEW.hamlet_id;
END;
CREATE TRIGGER field_households_upd AFTER UPDATE ON households BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT NEW.hamlet_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM field_seq WHERE hamlet_id = NEW.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = NEW.hamlet_id;
    DELETE FROM field_changes WHERE hamlet_id = NEW.hamlet_id AND household_id = NEW.id;
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT NEW.hamlet_id, NEW.id, seq FROM field_seq WHERE hamlet_id = NEW.hamlet_id;
END;
-- A household moved to another hamlet leaves the old one's phones.
CREATE TRIGGER field_households_moved AFTER UPDATE OF hamlet_id ON households
WHEN OLD.hamlet_id <> NEW.hamlet_id BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT OLD.hamlet_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM field_seq WHERE hamlet_id = OLD.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = OLD.hamlet_id;
    DELETE FROM field_changes WHERE hamlet_id = OLD.hamlet_id AND household_id = OLD.id;
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT OLD.hamlet_id, OLD.id, seq FROM field_seq WHERE hamlet_id = OLD.hamlet_id;
END;
CREATE TRIGGER field_households_del AFTER DELETE ON households BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT OLD.hamlet_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM field_seq WHERE hamlet_id = OLD.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = OLD.hamlet_id;
    DELETE FROM field_changes WHERE hamlet_id = OLD.hamlet_id AND household_id = OLD.id;
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT OLD.hamlet_id, OLD.id, seq FROM field_seq WHERE hamlet_id = OLD.hamlet_id;
END;

CREATE TRIGGER field_residents_ins AFTER INSERT ON residents BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT NEW.hamlet_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM field_seq WHERE hamlet_id = NEW.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = NEW.hamlet_id;
    DELETE FROM field_changes WHERE hamlet_id = NEW.hamlet_id AND household_id = NEW.household_id;
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT NEW.hamlet_id, NEW.household_id, seq FROM field_seq WHERE hamlet_id = NEW.hamlet_id;
END;
CREATE TRIGGER field_residents_upd AFTER UPDATE ON residents BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT NEW.hamlet_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM field_seq WHERE hamlet_id = NEW.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = NEW.hamlet_id;
    DELETE FROM field_changes WHERE hamlet_id = NEW.hamlet_id AND household_id = NEW.household_id;
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT NEW.hamlet_id, NEW.household_id, seq FROM field_seq WHERE hamlet_id = NEW.hamlet_id;
END;
-- A resident moved to another household: the old household lost a member.
CREATE TRIGGER field_residents_moved AFTER UPDATE OF household_id, hamlet_id ON residents
WHEN OLD.household_id <> NEW.household_id OR OLD.hamlet_id <> NEW.hamlet_id BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT OLD.hamlet_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM field_seq WHERE hamlet_id = OLD.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = OLD.hamlet_id;
    DELETE FROM field_changes WHERE hamlet_id = OLD.hamlet_id AND household_id = OLD.household_id;
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT OLD.hamlet_id, OLD.household_id, seq FROM field_seq WHERE hamlet_id = OLD.hamlet_id;
END;
CREATE TRIGGER field_residents_del AFTER DELETE ON residents BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT OLD.hamlet_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM field_seq WHERE hamlet_id = OLD.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = OLD.hamlet_id;
    DELETE FROM field_changes WHERE hamlet_id = OLD.hamlet_id AND household_id = OLD.household_id;
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT OLD.hamlet_id, OLD.household_id, seq FROM field_seq WHERE hamlet_id = OLD.hamlet_id;
END;

-- Service statuses and help records change what the phone shows of a resident.
CREATE TRIGGER field_services_ins AFTER INSERT ON resident_services BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT hamlet_id, 0 FROM residents x WHERE x.id = NEW.resident_id
        AND NOT EXISTS (SELECT 1 FROM field_seq f WHERE f.hamlet_id = x.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = (SELECT hamlet_id FROM residents WHERE id = NEW.resident_id);
    DELETE FROM field_changes WHERE hamlet_id = (SELECT hamlet_id FROM residents WHERE id = NEW.resident_id) AND household_id = (SELECT household_id FROM residents WHERE id = NEW.resident_id);
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT x.hamlet_id, x.household_id, f.seq FROM residents x JOIN field_seq f ON f.hamlet_id = x.hamlet_id
        WHERE x.id = NEW.resident_id;
END;
CREATE TRIGGER field_services_upd AFTER UPDATE ON resident_services BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT hamlet_id, 0 FROM residents x WHERE x.id = NEW.resident_id
        AND NOT EXISTS (SELECT 1 FROM field_seq f WHERE f.hamlet_id = x.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = (SELECT hamlet_id FROM residents WHERE id = NEW.resident_id);
    DELETE FROM field_changes WHERE hamlet_id = (SELECT hamlet_id FROM residents WHERE id = NEW.resident_id) AND household_id = (SELECT household_id FROM residents WHERE id = NEW.resident_id);
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT x.hamlet_id, x.household_id, f.seq FROM residents x JOIN field_seq f ON f.hamlet_id = x.hamlet_id
        WHERE x.id = NEW.resident_id;
END;
CREATE TRIGGER field_services_del AFTER DELETE ON resident_services BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT hamlet_id, 0 FROM residents x WHERE x.id = OLD.resident_id
        AND NOT EXISTS (SELECT 1 FROM field_seq f WHERE f.hamlet_id = x.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = (SELECT hamlet_id FROM residents WHERE id = OLD.resident_id);
    DELETE FROM field_changes WHERE hamlet_id = (SELECT hamlet_id FROM residents WHERE id = OLD.resident_id) AND household_id = (SELECT household_id FROM residents WHERE id = OLD.resident_id);
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT x.hamlet_id, x.household_id, f.seq FROM residents x JOIN field_seq f ON f.hamlet_id = x.hamlet_id
        WHERE x.id = OLD.resident_id;
END;
CREATE TRIGGER field_help_ins AFTER INSERT ON help_records BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT hamlet_id, 0 FROM residents x WHERE x.id = NEW.resident_id
        AND NOT EXISTS (SELECT 1 FROM field_seq f WHERE f.hamlet_id = x.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = (SELECT hamlet_id FROM residents WHERE id = NEW.resident_id);
    DELETE FROM field_changes WHERE hamlet_id = (SELECT hamlet_id FROM residents WHERE id = NEW.resident_id) AND household_id = (SELECT household_id FROM residents WHERE id = NEW.resident_id);
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT x.hamlet_id, x.household_id, f.seq FROM residents x JOIN field_seq f ON f.hamlet_id = x.hamlet_id
        WHERE x.id = NEW.resident_id;
END;

-- Assigning a household to a member moves it between members' phones.
CREATE TRIGGER field_assign_ins AFTER INSERT ON household_assignments BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT hamlet_id, 0 FROM households x WHERE x.id = NEW.household_id
        AND NOT EXISTS (SELECT 1 FROM field_seq f WHERE f.hamlet_id = x.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = (SELECT hamlet_id FROM households WHERE id = NEW.household_id);
    DELETE FROM field_changes WHERE hamlet_id = (SELECT hamlet_id FROM households WHERE id = NEW.household_id) AND household_id = (SELECT id FROM households WHERE id = NEW.household_id);
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT x.hamlet_id, x.id, f.seq FROM households x JOIN field_seq f ON f.hamlet_id = x.hamlet_id
        WHERE x.id = NEW.household_id;
END;
CREATE TRIGGER field_assign_upd AFTER UPDATE ON household_assignments BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT hamlet_id, 0 FROM households x WHERE x.id = NEW.household_id
        AND NOT EXISTS (SELECT 1 FROM field_seq f WHERE f.hamlet_id = x.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = (SELECT hamlet_id FROM households WHERE id = NEW.household_id);
    DELETE FROM field_changes WHERE hamlet_id = (SELECT hamlet_id FROM households WHERE id = NEW.household_id) AND household_id = (SELECT id FROM households WHERE id = NEW.household_id);
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT x.hamlet_id, x.id, f.seq FROM households x JOIN field_seq f ON f.hamlet_id = x.hamlet_id
        WHERE x.id = NEW.household_id;
END;
CREATE TRIGGER field_assign_del AFTER DELETE ON household_assignments BEGIN
    INSERT INTO field_seq (hamlet_id, seq) SELECT hamlet_id, 0 FROM households x WHERE x.id = OLD.household_id
        AND NOT EXISTS (SELECT 1 FROM field_seq f WHERE f.hamlet_id = x.hamlet_id);
    UPDATE field_seq SET seq = seq + 1 WHERE hamlet_id = (SELECT hamlet_id FROM households WHERE id = OLD.household_id);
    DELETE FROM field_changes WHERE hamlet_id = (SELECT hamlet_id FROM households WHERE id = OLD.household_id) AND household_id = (SELECT id FROM households WHERE id = OLD.household_id);
    INSERT INTO field_changes (hamlet_id, household_id, seq)
        SELECT x.hamlet_id, x.id, f.seq FROM households x JOIN field_seq f ON f.hamlet_id = x.hamlet_id
        WHERE x.id = OLD.household_id;
END;

-- Which copy of the database a cursor was made on: a restored backup gets a new one, so phones
-- holding cursors from the lost future start over.
CREATE TABLE field_epoch (value TEXT NOT NULL);
INSERT INTO field_epoch (value) VALUES (lower(hex(randomblob(8))));

-- An automatic door-to-door round (made by the first help of a day) counts toward the
-- monthly minimum only once the hamlet head or the team leader confirms it. Rounds and
-- sessions entered by hand are confirmed as they are made, as before.
ALTER TABLE activities ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1;
