-- The services list as each commune keeps it (PRODUCT.md §3, issue 18): a national service
-- renamed or retired by a commune, and services a commune adds (another province's app, a new
-- national platform). An added service is a row of `services` with its commune; a commune's
-- changes to a national one are rows of `commune_services`. Retired on a day: from then on
-- nothing new is recorded for it and its indicator is not counted for periods starting later.
ALTER TABLE services ADD COLUMN commune_id BIGINT REFERENCES areas(id);
CREATE TABLE commune_services (
    commune_id BIGINT NOT NULL REFERENCES areas(id),
    code TEXT NOT NULL REFERENCES services(code),
    name TEXT,
    short_name TEXT,
    retired_on TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (commune_id, code)
);

-- Server-wide settings changed in the web by the sysadmin (the nightly backup's switch and how
-- many to keep); a key absent here falls back to the flag, environment or settings file.
CREATE TABLE server_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
