-- A bulk write (a resident import) may hold the field-change triggers off for its own
-- transaction and stamp the households it touched once at the end (`field_changes::hold` and
-- `release`): the triggers still fire, but return at once while the transaction-local setting
-- `congdongso.field_held` is on. Every other writer is unaffected.
CREATE OR REPLACE FUNCTION field_touch_all(p_hamlets BIGINT[], p_households BIGINT[]) RETURNS void AS $$
BEGIN
    IF p_hamlets IS NULL OR current_setting('congdongso.field_held', true) = 'on' THEN
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
