-- Field work: commune settings, household assignment, offline sync, conflicts, help requests.

CREATE TABLE commune_settings (
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (commune_id, key)
);

-- One member per household when the commune turns assignment on.
CREATE TABLE household_assignments (
    household_id INTEGER PRIMARY KEY REFERENCES households(id),
    commune_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members(id),
    assigned_by INTEGER,
    assigned_at INTEGER NOT NULL
);
CREATE INDEX household_assignments_member ON household_assignments(member_id);

-- Every record a phone sent that was applied (or kept as a conflict), by its client UUID:
-- what makes a second delivery of the same record a no-op.
CREATE TABLE sync_records (
    client_id TEXT PRIMARY KEY,
    commune_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    device_id TEXT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('applied', 'conflict')),
    target_id INTEGER,
    message TEXT,
    received_at INTEGER NOT NULL
);

-- Which resident fields changed at which version: a phone's change made from an older
-- version conflicts only if the same field moved since.
CREATE TABLE resident_changes (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    version INTEGER NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    account_id INTEGER,
    changed_at INTEGER NOT NULL
);
CREATE INDEX resident_changes_resident ON resident_changes(resident_id, version);

CREATE TABLE sync_conflicts (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL,
    hamlet_id INTEGER NOT NULL,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
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
CREATE INDEX sync_conflicts_hamlet ON sync_conflicts(hamlet_id, status);

CREATE TABLE help_requests (
    id INTEGER PRIMARY KEY,
    client_id TEXT UNIQUE,
    commune_id INTEGER NOT NULL,
    hamlet_id INTEGER NOT NULL REFERENCES areas(id),
    requester_name TEXT NOT NULL,
    phone TEXT,
    service_code TEXT,
    message TEXT,
    resident_id INTEGER REFERENCES residents(id),
    source TEXT NOT NULL CHECK (source IN ('public', 'member')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'assigned', 'closed')),
    assigned_member_id INTEGER REFERENCES members(id),
    help_id INTEGER REFERENCES help_records(id),
    close_note TEXT,
    sender_key TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX help_requests_hamlet ON help_requests(hamlet_id, status);
CREATE INDEX help_requests_sender ON help_requests(sender_key, created_at);
CREATE INDEX help_records_activity ON help_records(activity_id);
CREATE INDEX help_records_member ON help_records(member_id, help_date);
