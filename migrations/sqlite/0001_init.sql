-- Every row that holds commune data carries commune_id, so the schema can be sharded by commune.
CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'commune', 'hamlet')),
    parent_id INTEGER REFERENCES areas(id),
    commune_id INTEGER,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    opened_on TEXT,
    closed_on TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX areas_parent ON areas(parent_id);
CREATE INDEX areas_commune ON areas(commune_id);

CREATE TABLE services (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    area_id INTEGER NOT NULL REFERENCES areas(id),
    kind TEXT NOT NULL CHECK (kind IN ('hamlet', 'commune')),
    name TEXT NOT NULL,
    zalo_link TEXT,
    zalo_members INTEGER,
    zalo_active INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX teams_area ON teams(area_id);
CREATE INDEX teams_commune ON teams(commune_id);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    team_id INTEGER NOT NULL REFERENCES teams(id),
    full_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    phone TEXT,
    position TEXT NOT NULL CHECK (position IN ('leader', 'deputy', 'member')),
    affiliation TEXT NOT NULL,
    affiliation_detail TEXT,
    joined_on TEXT,
    left_on TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX members_team ON members(team_id, sort_key);
CREATE INDEX members_commune ON members(commune_id);

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    hamlet_id INTEGER NOT NULL REFERENCES areas(id),
    code TEXT NOT NULL,
    address TEXT,
    head_name TEXT,
    search_text TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (commune_id, code)
);
CREATE INDEX households_hamlet ON households(hamlet_id, code);

CREATE TABLE residents (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    hamlet_id INTEGER NOT NULL REFERENCES areas(id),
    household_id INTEGER NOT NULL REFERENCES households(id),
    full_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    birth_date TEXT,
    birth_year INTEGER,
    gender TEXT CHECK (gender IN ('male', 'female')),
    cccd_enc TEXT,
    cccd_hash TEXT,
    cccd_masked TEXT,
    phone TEXT,
    relation TEXT,
    has_smartphone INTEGER,
    status TEXT NOT NULL DEFAULT 'living' CHECK (status IN ('living', 'moved', 'deceased')),
    status_date TEXT,
    consent INTEGER NOT NULL DEFAULT 1,
    consent_date TEXT,
    notes TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX residents_hamlet_sort ON residents(hamlet_id, sort_key);
CREATE INDEX residents_commune_sort ON residents(commune_id, sort_key);
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_cccd ON residents(cccd_hash);

-- The current status of each service for each resident; history below keeps every change.
CREATE TABLE resident_services (
    commune_id INTEGER NOT NULL,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    service_code TEXT NOT NULL REFERENCES services(code),
    status TEXT NOT NULL CHECK (status IN ('none', 'in_progress', 'done')),
    status_date TEXT NOT NULL,
    recorded_by INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (resident_id, service_code)
);
CREATE INDEX resident_services_commune ON resident_services(commune_id, service_code, status);

CREATE TABLE service_status_history (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    service_code TEXT NOT NULL,
    status TEXT NOT NULL,
    status_date TEXT NOT NULL,
    recorded_by INTEGER,
    help_id INTEGER,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX service_history_resident ON service_status_history(resident_id, service_code);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    client_id TEXT UNIQUE,
    commune_id INTEGER NOT NULL,
    hamlet_id INTEGER NOT NULL REFERENCES areas(id),
    team_id INTEGER NOT NULL REFERENCES teams(id),
    kind TEXT NOT NULL,
    activity_date TEXT NOT NULL,
    place TEXT,
    residents_reached INTEGER NOT NULL DEFAULT 0,
    notes TEXT,
    created_by INTEGER,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE INDEX activities_team_date ON activities(team_id, activity_date);
CREATE INDEX activities_commune_date ON activities(commune_id, activity_date);

CREATE TABLE activity_members (
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    member_id INTEGER NOT NULL REFERENCES members(id),
    commune_id INTEGER NOT NULL,
    PRIMARY KEY (activity_id, member_id)
);

-- Help records are append-only.
CREATE TABLE help_records (
    id INTEGER PRIMARY KEY,
    client_id TEXT UNIQUE,
    commune_id INTEGER NOT NULL,
    hamlet_id INTEGER NOT NULL,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    member_id INTEGER REFERENCES members(id),
    account_id INTEGER,
    service_code TEXT,
    dossier_kind TEXT,
    done INTEGER NOT NULL,
    help_date TEXT NOT NULL,
    activity_id INTEGER REFERENCES activities(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX help_resident ON help_records(resident_id);
CREATE INDEX help_hamlet_date ON help_records(hamlet_id, help_date);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    full_name TEXT,
    role TEXT NOT NULL,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    commune_id INTEGER,
    member_id INTEGER REFERENCES members(id),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    username_key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(username_key, at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER,
    account_id INTEGER,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_commune ON audit_log(commune_id, at);
