-- Confirmed activities per hamlet and month, kept by triggers in the writing transaction, so
-- the monthly-minimum and security-session indicators of a province year read one small row
-- per hamlet and month instead of grouping every activity of the year on each request.
-- `month` is year * 12 + month - 1, as in src/indicators/period.rs. Rows whose counts fall to
-- zero stay (a zero is the same answer as no row). Statement-level triggers with transition
-- tables, as in 0009: a bulk load updates each hamlet-month once, in key order, so two
-- statements touching the same rows lock them in the same order.

CREATE TABLE activity_counts (
    commune_id BIGINT NOT NULL,
    hamlet_id BIGINT NOT NULL,
    month BIGINT NOT NULL,
    n BIGINT NOT NULL,
    security BIGINT NOT NULL,
    PRIMARY KEY (commune_id, hamlet_id, month)
);
CREATE INDEX activity_counts_hamlet ON activity_counts(hamlet_id, month);

CREATE FUNCTION activity_month(d TEXT) RETURNS BIGINT AS $$
    SELECT CAST(SUBSTR(d, 1, 4) AS BIGINT) * 12 + CAST(SUBSTR(d, 6, 2) AS BIGINT) - 1
$$ LANGUAGE sql IMMUTABLE;

INSERT INTO activity_counts (commune_id, hamlet_id, month, n, security)
SELECT commune_id, hamlet_id, activity_month(activity_date),
       COUNT(*), SUM(CASE WHEN kind = 'security_session' THEN 1 ELSE 0 END)
FROM activities WHERE active = 1 AND confirmed = 1
GROUP BY 1, 2, 3;

-- Adds each (commune, hamlet, month) delta, in key order.
CREATE FUNCTION activity_counts_add(p_commune BIGINT[], p_hamlet BIGINT[], p_month BIGINT[],
    p_n BIGINT[], p_security BIGINT[]) RETURNS void AS $$
BEGIN
    IF p_commune IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO activity_counts (commune_id, hamlet_id, month, n, security)
    SELECT c, h, m, SUM(n), SUM(s) FROM unnest(p_commune, p_hamlet, p_month, p_n, p_security)
        AS t(c, h, m, n, s)
    GROUP BY c, h, m HAVING SUM(n) <> 0 OR SUM(s) <> 0 ORDER BY c, h, m
    ON CONFLICT (commune_id, hamlet_id, month) DO UPDATE
        SET n = activity_counts.n + EXCLUDED.n, security = activity_counts.security + EXCLUDED.security;
END $$ LANGUAGE plpgsql;

-- Inserted rows count +1, deleted rows -1 (the trigger's argument); both triggers name their
-- transition table `changed_rows`, so one function serves them.
CREATE FUNCTION activity_counts_one_way() RETURNS trigger AS $$
DECLARE c BIGINT[]; h BIGINT[]; m BIGINT[]; n BIGINT[]; s BIGINT[]; sign BIGINT;
BEGIN
    sign := TG_ARGV[0]::BIGINT;
    SELECT array_agg(commune_id), array_agg(hamlet_id), array_agg(activity_month(activity_date)),
           array_agg(sign), array_agg(CASE WHEN kind = 'security_session' THEN sign ELSE 0 END)
    INTO c, h, m, n, s FROM changed_rows WHERE active = 1 AND confirmed = 1;
    PERFORM activity_counts_add(c, h, m, n, s);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION activity_counts_both() RETURNS trigger AS $$
DECLARE c BIGINT[]; h BIGINT[]; m BIGINT[]; n BIGINT[]; s BIGINT[];
BEGIN
    SELECT array_agg(x.commune_id), array_agg(x.hamlet_id), array_agg(x.month), array_agg(x.n),
           array_agg(x.s)
    INTO c, h, m, n, s FROM (
        SELECT commune_id, hamlet_id, activity_month(activity_date) AS month, 1::BIGINT AS n,
               CASE WHEN kind = 'security_session' THEN 1 ELSE 0 END::BIGINT AS s
        FROM new_rows WHERE active = 1 AND confirmed = 1
        UNION ALL
        SELECT commune_id, hamlet_id, activity_month(activity_date), -1::BIGINT,
               CASE WHEN kind = 'security_session' THEN -1 ELSE 0 END::BIGINT
        FROM old_rows WHERE active = 1 AND confirmed = 1) x;
    PERFORM activity_counts_add(c, h, m, n, s);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER activity_counts_ins AFTER INSERT ON activities
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION activity_counts_one_way('1');
CREATE TRIGGER activity_counts_del AFTER DELETE ON activities
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION activity_counts_one_way('-1');
CREATE TRIGGER activity_counts_upd AFTER UPDATE ON activities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION activity_counts_both();

-- The province's teams read their members' dates and positions for each request: from the
-- index alone where the visibility map allows.
CREATE INDEX members_team_dates ON members(team_id, joined_on, left_on, active, position);
