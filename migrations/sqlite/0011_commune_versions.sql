-- A version per commune, raised in the writing transaction by every write to a table the
-- indicators read, so a province's figures can keep each commune's share between requests and
-- recompute only the communes written since (src/db/figure_cache.rs): live, exact, and a
-- province read costs what changed, not the whole province. Only the value's change matters.
-- Count rows name their area: only a commune's own rows raise its version (a hamlet's count
-- changes always come with its commune's).
-- The triggers use no OR IGNORE / OR REPLACE / upsert (see 0009).

CREATE TABLE commune_versions (
    commune_id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO commune_versions (commune_id, version) SELECT id, 1 FROM areas WHERE level = 'commune';

CREATE TRIGGER commune_versions_indicator_counts_ins AFTER INSERT ON indicator_counts
WHEN EXISTS (SELECT 1 FROM areas WHERE id = NEW.area_id AND level = 'commune') BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.area_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.area_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.area_id;
END;
CREATE TRIGGER commune_versions_indicator_counts_del AFTER DELETE ON indicator_counts
WHEN EXISTS (SELECT 1 FROM areas WHERE id = OLD.area_id AND level = 'commune') BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT OLD.area_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = OLD.area_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.area_id;
END;
CREATE TRIGGER commune_versions_indicator_counts_upd AFTER UPDATE ON indicator_counts BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.area_id, 0
    WHERE EXISTS (SELECT 1 FROM areas WHERE id = NEW.area_id AND level = 'commune') AND NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.area_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.area_id;
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.area_id AND OLD.area_id IS NOT NEW.area_id;
END;

CREATE TRIGGER commune_versions_activity_counts_ins AFTER INSERT ON activity_counts
WHEN NEW.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_activity_counts_del AFTER DELETE ON activity_counts
WHEN OLD.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT OLD.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = OLD.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id;
END;
CREATE TRIGGER commune_versions_activity_counts_upd AFTER UPDATE ON activity_counts BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NEW.commune_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id AND OLD.commune_id IS NOT NEW.commune_id;
END;

CREATE TRIGGER commune_versions_areas_ins AFTER INSERT ON areas
WHEN NEW.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_areas_del AFTER DELETE ON areas
WHEN OLD.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT OLD.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = OLD.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id;
END;
CREATE TRIGGER commune_versions_areas_upd AFTER UPDATE ON areas BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NEW.commune_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id AND OLD.commune_id IS NOT NEW.commune_id;
END;

CREATE TRIGGER commune_versions_teams_ins AFTER INSERT ON teams
WHEN NEW.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_teams_del AFTER DELETE ON teams
WHEN OLD.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT OLD.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = OLD.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id;
END;
CREATE TRIGGER commune_versions_teams_upd AFTER UPDATE ON teams BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NEW.commune_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id AND OLD.commune_id IS NOT NEW.commune_id;
END;

CREATE TRIGGER commune_versions_members_ins AFTER INSERT ON members
WHEN NEW.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_members_del AFTER DELETE ON members
WHEN OLD.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT OLD.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = OLD.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id;
END;
CREATE TRIGGER commune_versions_members_upd AFTER UPDATE ON members BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NEW.commune_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id AND OLD.commune_id IS NOT NEW.commune_id;
END;

CREATE TRIGGER commune_versions_monthly_reports_ins AFTER INSERT ON monthly_reports
WHEN NEW.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_monthly_reports_del AFTER DELETE ON monthly_reports
WHEN OLD.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT OLD.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = OLD.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id;
END;
CREATE TRIGGER commune_versions_monthly_reports_upd AFTER UPDATE ON monthly_reports BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NEW.commune_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id AND OLD.commune_id IS NOT NEW.commune_id;
END;

CREATE TRIGGER commune_versions_commune_settings_ins AFTER INSERT ON commune_settings
WHEN NEW.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_commune_settings_del AFTER DELETE ON commune_settings
WHEN OLD.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT OLD.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = OLD.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id;
END;
CREATE TRIGGER commune_versions_commune_settings_upd AFTER UPDATE ON commune_settings BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NEW.commune_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id AND OLD.commune_id IS NOT NEW.commune_id;
END;

CREATE TRIGGER commune_versions_team_evaluations_ins AFTER INSERT ON team_evaluations
WHEN NEW.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_team_evaluations_del AFTER DELETE ON team_evaluations
WHEN OLD.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT OLD.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = OLD.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id;
END;
CREATE TRIGGER commune_versions_team_evaluations_upd AFTER UPDATE ON team_evaluations BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NEW.commune_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id AND OLD.commune_id IS NOT NEW.commune_id;
END;

CREATE TRIGGER commune_versions_businesses_ins AFTER INSERT ON businesses
WHEN NEW.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_businesses_del AFTER DELETE ON businesses
WHEN OLD.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT OLD.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = OLD.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id;
END;
CREATE TRIGGER commune_versions_businesses_upd AFTER UPDATE ON businesses BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NEW.commune_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id AND OLD.commune_id IS NOT NEW.commune_id;
END;

CREATE TRIGGER commune_versions_good_practices_ins AFTER INSERT ON good_practices
WHEN NEW.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_good_practices_del AFTER DELETE ON good_practices
WHEN OLD.commune_id IS NOT NULL BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT OLD.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = OLD.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id;
END;
CREATE TRIGGER commune_versions_good_practices_upd AFTER UPDATE ON good_practices BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NEW.commune_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id AND OLD.commune_id IS NOT NEW.commune_id;
END;
