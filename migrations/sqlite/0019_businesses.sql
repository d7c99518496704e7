-- Kinh tế số (issue 20): the hamlets' household businesses and their digital steps. The table
-- of 0004 gains the owner (optionally a resident of the hamlet), address, phone, the day the
-- business entered the register, the steps not yet kept (products listed, a social-media
-- page), the shop's platform and link, and a version for offline edits like a resident's.
ALTER TABLE businesses ADD COLUMN owner_resident_id INTEGER REFERENCES residents(id);
ALTER TABLE businesses ADD COLUMN address TEXT;
ALTER TABLE businesses ADD COLUMN phone TEXT;
ALTER TABLE businesses ADD COLUMN registered_on TEXT;
ALTER TABLE businesses ADD COLUMN listed_on TEXT;
ALTER TABLE businesses ADD COLUMN social_on TEXT;
ALTER TABLE businesses ADD COLUMN platform TEXT;
ALTER TABLE businesses ADD COLUMN shop_url TEXT;
ALTER TABLE businesses ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE businesses ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE businesses ADD COLUMN created_by INTEGER;
-- The folded name and phone an imported row is known by: importing the list again changes
-- nothing.
ALTER TABLE businesses ADD COLUMN import_key TEXT;
UPDATE businesses SET registered_on = date(created_at, 'unixepoch') WHERE registered_on IS NULL;
CREATE INDEX businesses_import_key ON businesses(hamlet_id, import_key);

-- Every change of a business's steps and details, with the version it made: the history, and
-- what tells an offline edit that someone else changed the same thing first.
CREATE TABLE business_changes (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    version INTEGER NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    account_id INTEGER,
    source TEXT NOT NULL DEFAULT 'web',
    changed_at INTEGER NOT NULL
);
CREATE INDEX business_changes_business ON business_changes(business_id, version);

-- Two phones changed the same thing offline: kept for the hamlet head to choose.
CREATE TABLE business_conflicts (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL,
    hamlet_id INTEGER NOT NULL,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    client_id TEXT NOT NULL,
    account_id INTEGER,
    field TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    proposed_value TEXT,
    current_value TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
    resolved_by INTEGER,
    resolved_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX business_conflicts_business ON business_conflicts(business_id, status);
