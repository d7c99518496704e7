-- A version per commune, raised in the writing transaction by every write to a table the
-- indicators read, so a province's figures can keep each commune's share between requests and
-- recompute only the communes written since (src/db/figure_cache.rs): live, exact, and a
-- province read costs what changed, not the whole province. Only the value's change matters.
-- Count rows name their area: only a commune's own rows raise its version (a hamlet's count
-- changes always come with its commune's).
-- Statement-level triggers with transition tables, as in 0009 and 0010: one statement raises
-- each commune it touched once, in key order.

CREATE TABLE commune_versions (
    commune_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO commune_versions (commune_id, version) SELECT id, 1 FROM areas WHERE level = 'commune';

-- The trigger's argument names the commune column; the transition tables are `new_rows` and
-- `old_rows`, whichever the event has.
CREATE FUNCTION commune_versions_bump() RETURNS trigger AS $$
DECLARE source TEXT;
BEGIN
    source := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT %1$I FROM new_rows', TG_ARGV[0])
        WHEN 'DELETE' THEN format('SELECT %1$I FROM old_rows', TG_ARGV[0])
        ELSE format('SELECT %1$I FROM new_rows UNION SELECT %1$I FROM old_rows', TG_ARGV[0]) END;
    EXECUTE format('INSERT INTO commune_versions (commune_id, version) '
        'SELECT DISTINCT c, 1 FROM (%s) x(c) '
        'WHERE c IN (SELECT id FROM areas WHERE level = ''commune'') ORDER BY c '
        'ON CONFLICT (commune_id) DO UPDATE SET version = commune_versions.version + 1', source);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER commune_versions_ins AFTER INSERT ON indicator_counts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('area_id');
CREATE TRIGGER commune_versions_del AFTER DELETE ON indicator_counts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('area_id');
CREATE TRIGGER commune_versions_upd AFTER UPDATE ON indicator_counts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('area_id');

CREATE TRIGGER commune_versions_ins AFTER INSERT ON activity_counts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_del AFTER DELETE ON activity_counts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_upd AFTER UPDATE ON activity_counts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');

CREATE TRIGGER commune_versions_ins AFTER INSERT ON areas
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_del AFTER DELETE ON areas
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_upd AFTER UPDATE ON areas
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');

CREATE TRIGGER commune_versions_ins AFTER INSERT ON teams
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_del AFTER DELETE ON teams
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_upd AFTER UPDATE ON teams
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');

CREATE TRIGGER commune_versions_ins AFTER INSERT ON members
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_del AFTER DELETE ON members
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_upd AFTER UPDATE ON members
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');

CREATE TRIGGER commune_versions_ins AFTER INSERT ON monthly_reports
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_del AFTER DELETE ON monthly_reports
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_upd AFTER UPDATE ON monthly_reports
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');

CREATE TRIGGER commune_versions_ins AFTER INSERT ON commune_settings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_del AFTER DELETE ON commune_settings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_upd AFTER UPDATE ON commune_settings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');

CREATE TRIGGER commune_versions_ins AFTER INSERT ON team_evaluations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_del AFTER DELETE ON team_evaluations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_upd AFTER UPDATE ON team_evaluations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');

CREATE TRIGGER commune_versions_ins AFTER INSERT ON businesses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_del AFTER DELETE ON businesses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_upd AFTER UPDATE ON businesses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');

CREATE TRIGGER commune_versions_ins AFTER INSERT ON good_practices
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_del AFTER DELETE ON good_practices
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
CREATE TRIGGER commune_versions_upd AFTER UPDATE ON good_practices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_versions_bump('commune_id');
