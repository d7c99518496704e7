-- A bulk write that holds the field-change triggers off (`field_changes::hold`, migration 0020)
-- still paid for what each trigger did before `field_touch_all` returned: the households'
-- pairs gathered from the statement's rows, and for service statuses a join of every row with
-- its resident (254,000 look-ups of `residents` in a 100,000-row import, issue 16). The
-- functions now return before any of that while the setting is on; otherwise they are as
-- before.
CREATE OR REPLACE FUNCTION field_held() RETURNS boolean AS $$
    SELECT coalesce(current_setting('congdongso.field_held', true), '') = 'on'
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION field_households_new() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    IF field_held() THEN RETURN NULL; END IF;
    SELECT array_agg(hamlet_id), array_agg(id) INTO a, b FROM new_rows;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION field_households_both() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    IF field_held() THEN RETURN NULL; END IF;
    SELECT array_agg(x.h), array_agg(x.hh) INTO a, b FROM (
        SELECT hamlet_id AS h, id AS hh FROM new_rows
        UNION SELECT hamlet_id, id FROM old_rows) x;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION field_households_old() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    IF field_held() THEN RETURN NULL; END IF;
    SELECT array_agg(hamlet_id), array_agg(id) INTO a, b FROM old_rows;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION field_residents_new() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    IF field_held() THEN RETURN NULL; END IF;
    SELECT array_agg(hamlet_id), array_agg(household_id) INTO a, b FROM new_rows;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION field_residents_both() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    IF field_held() THEN RETURN NULL; END IF;
    SELECT array_agg(x.h), array_agg(x.hh) INTO a, b FROM (
        SELECT hamlet_id AS h, household_id AS hh FROM new_rows
        UNION SELECT hamlet_id, household_id FROM old_rows) x;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION field_residents_old() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    IF field_held() THEN RETURN NULL; END IF;
    SELECT array_agg(hamlet_id), array_agg(household_id) INTO a, b FROM old_rows;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION field_resident_rows_new() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    IF field_held() THEN RETURN NULL; END IF;
    SELECT array_agg(r.hamlet_id), array_agg(r.household_id) INTO a, b
        FROM new_rows n JOIN residents r ON r.id = n.resident_id;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION field_resident_rows_old() RETURNS trigger AS $$
DECLARE a BIGINT[]; b BIGINT[];
BEGIN
    IF field_held() THEN RETURN NULL; END IF;
    SELECT array_agg(r.hamlet_id), array_agg(r.household_id) INTO a, b
        FROM old_rows o JOIN residents r ON r.id = o.resident_id;
    PERFORM field_touch_all(a, b);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
