-- Confirmed activities per hamlet and month, kept by triggers in the writing transaction, so
-- the monthly-minimum and security-session indicators of a province year read one small row
-- per hamlet and month instead of grouping every activity of the year on each request.
-- `month` is year * 12 + month - 1, as in src/indicators/period.rs. Rows whose counts fall to
-- zero stay (a zero is the same answer as no row). The triggers use no OR IGNORE / OR REPLACE
-- (see 0009): the conflict policy of the statement that fired them would override theirs.

CREATE TABLE activity_counts (
    commune_id INTEGER NOT NULL,
    hamlet_id INTEGER NOT NULL,
    month INTEGER NOT NULL,
    n INTEGER NOT NULL,
    security INTEGER NOT NULL,
    PRIMARY KEY (commune_id, hamlet_id, month)
) WITHOUT ROWID;
CREATE INDEX activity_counts_hamlet ON activity_counts(hamlet_id, month);

INSERT INTO activity_counts (commune_id, hamlet_id, month, n, security)
SELECT commune_id, hamlet_id,
       CAST(SUBSTR(activity_date, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR(activity_date, 6, 2) AS INTEGER) - 1,
       COUNT(*), SUM(CASE WHEN kind = 'security_session' THEN 1 ELSE 0 END)
FROM activities WHERE active = 1 AND confirmed = 1
GROUP BY 1, 2, 3;

CREATE TRIGGER activity_counts_ins AFTER INSERT ON activities
WHEN NEW.active = 1 AND NEW.confirmed = 1 BEGIN
    INSERT INTO activity_counts (commune_id, hamlet_id, month, n, security)
    SELECT NEW.commune_id, NEW.hamlet_id,
           CAST(SUBSTR(NEW.activity_date, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR(NEW.activity_date, 6, 2) AS INTEGER) - 1, 0, 0
    WHERE NOT EXISTS (SELECT 1 FROM activity_counts WHERE commune_id = NEW.commune_id
        AND hamlet_id = NEW.hamlet_id
        AND month = CAST(SUBSTR(NEW.activity_date, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR(NEW.activity_date, 6, 2) AS INTEGER) - 1);
    UPDATE activity_counts SET n = n + 1, security = security + (NEW.kind = 'security_session')
    WHERE commune_id = NEW.commune_id AND hamlet_id = NEW.hamlet_id
        AND month = CAST(SUBSTR(NEW.activity_date, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR(NEW.activity_date, 6, 2) AS INTEGER) - 1;
END;

CREATE TRIGGER activity_counts_del AFTER DELETE ON activities
WHEN OLD.active = 1 AND OLD.confirmed = 1 BEGIN
    UPDATE activity_counts SET n = n - 1, security = security - (OLD.kind = 'security_session')
    WHERE commune_id = OLD.commune_id AND hamlet_id = OLD.hamlet_id
        AND month = CAST(SUBSTR(OLD.activity_date, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR(OLD.activity_date, 6, 2) AS INTEGER) - 1;
END;

-- An edit takes the old row out (if it counted) and puts the new one in (if it counts).
CREATE TRIGGER activity_counts_upd_old AFTER UPDATE OF active, confirmed, activity_date, kind, hamlet_id, commune_id
ON activities WHEN OLD.active = 1 AND OLD.confirmed = 1 BEGIN
    UPDATE activity_counts SET n = n - 1, security = security - (OLD.kind = 'security_session')
    WHERE commune_id = OLD.commune_id AND hamlet_id = OLD.hamlet_id
        AND month = CAST(SUBSTR(OLD.activity_date, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR(OLD.activity_date, 6, 2) AS INTEGER) - 1;
END;
CREATE TRIGGER activity_counts_upd_new AFTER UPDATE OF active, confirmed, activity_date, kind, hamlet_id, commune_id
ON activities WHEN NEW.active = 1 AND NEW.confirmed = 1 BEGIN
    INSERT INTO activity_counts (commune_id, hamlet_id, month, n, security)
    SELECT NEW.commune_id, NEW.hamlet_id,
           CAST(SUBSTR(NEW.activity_date, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR(NEW.activity_date, 6, 2) AS INTEGER) - 1, 0, 0
    WHERE NOT EXISTS (SELECT 1 FROM activity_counts WHERE commune_id = NEW.commune_id
        AND hamlet_id = NEW.hamlet_id
        AND month = CAST(SUBSTR(NEW.activity_date, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR(NEW.activity_date, 6, 2) AS INTEGER) - 1);
    UPDATE activity_counts SET n = n + 1, security = security + (NEW.kind = 'security_session')
    WHERE commune_id = NEW.commune_id AND hamlet_id = NEW.hamlet_id
        AND month = CAST(SUBSTR(NEW.activity_date, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR(NEW.activity_date, 6, 2) AS INTEGER) - 1;
END;

-- The province's teams read their members' dates and positions for each request: from the
-- index alone, not from every member's row.
CREATE INDEX members_team_dates ON members(team_id, joined_on, left_on, active, position);

-- The running counts read by (area, metric, month range): rows stored in key order
-- (WITHOUT ROWID), so a province's read is one pass over the key, not a lookup per row.
CREATE TABLE indicator_counts_keyed (
    area_id INTEGER NOT NULL,
    metric TEXT NOT NULL,
    month INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (area_id, metric, month)
) WITHOUT ROWID;
INSERT INTO indicator_counts_keyed (area_id, metric, month, n)
    SELECT area_id, metric, month, n FROM indicator_counts;
DROP TABLE indicator_counts;
ALTER TABLE indicator_counts_keyed RENAME TO indicator_counts;
