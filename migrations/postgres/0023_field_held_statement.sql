-- A sync batch writes its helps, statuses and log as one statement and stamps the households
-- it touched once, inside that same statement (issue 16): the helps and the statuses each
-- fired `field_touch_all` for the same households before, two counter bumps and twice the
-- rewritten `field_changes` rows. The hold for such a statement is the statement's own start
-- time in `congdongso.field_held`, set by the statement itself: it lapses when the next
-- statement begins, with no round trip to turn it off. 'on' still holds for the whole
-- transaction (an import).
CREATE OR REPLACE FUNCTION field_held() RETURNS boolean AS $$
    SELECT coalesce(current_setting('congdongso.field_held', true), '')
        IN ('on', statement_timestamp()::text)
$$ LANGUAGE sql STABLE;

-- What `field_touch_all` does when not held: the stamp itself, for the one who holds.
CREATE FUNCTION field_stamp(p_hamlets BIGINT[], p_households BIGINT[]) RETURNS void AS $$
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

CREATE OR REPLACE FUNCTION field_touch_all(p_hamlets BIGINT[], p_households BIGINT[]) RETURNS void AS $$
BEGIN
    IF field_held() THEN
        RETURN;
    END IF;
    PERFORM field_stamp(p_hamlets, p_households);
END $$ LANGUAGE plpgsql;
