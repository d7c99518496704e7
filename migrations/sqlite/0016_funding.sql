-- Kinh phí (issue 19): funding sources and their yearly allotments, rates kept as history,
-- who qualifies, monthly payment lists with their lines, and expenses with scanned vouchers.
-- Amounts are whole đồng.

-- The day a team was set up, when it was before the system knew it (paid from that month).
ALTER TABLE teams ADD COLUMN founded_on TEXT;

CREATE TABLE funding_sources (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    kind TEXT NOT NULL CHECK (kind IN ('province', 'commune', 'other')),
    name TEXT NOT NULL,
    doc_number TEXT,
    doc_date TEXT,
    -- A commune top-up pays at most this percentage of the province's rate of the same kind.
    cap_percent INTEGER CHECK (cap_percent IS NULL OR cap_percent > 0),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE INDEX funding_sources_commune ON funding_sources(commune_id);

CREATE TABLE funding_allotments (
    source_id INTEGER NOT NULL REFERENCES funding_sources(id),
    year INTEGER NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (source_id, year)
);

-- A rate takes effect from a month and stays until a later one of the same source and kind.
CREATE TABLE funding_rates (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    source_id INTEGER NOT NULL REFERENCES funding_sources(id),
    kind TEXT NOT NULL CHECK (kind IN ('team_month', 'member_month', 'person_day')),
    amount INTEGER NOT NULL CHECK (amount >= 0),
    from_month TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX funding_rates_commune ON funding_rates(commune_id);

CREATE TABLE funding_rules (
    commune_id INTEGER PRIMARY KEY REFERENCES areas(id),
    team_needs_minimum INTEGER NOT NULL DEFAULT 0,
    called_out TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE payment_lists (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    month TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'paid')),
    prepared_by INTEGER,
    prepared_at INTEGER NOT NULL,
    approved_by INTEGER,
    approved_at INTEGER,
    paid_on TEXT,
    paid_method TEXT CHECK (paid_method IS NULL OR paid_method IN ('cash', 'transfer')),
    voucher_no TEXT,
    UNIQUE (commune_id, month)
);

-- `frozen` is set when the list is approved; from then on the line is never edited, and no
-- other frozen line may carry the same `pay_key`: nothing is paid twice.
CREATE TABLE payment_lines (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES payment_lists(id),
    commune_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('team_month', 'member_month', 'person_day', 'adjustment')),
    team_id INTEGER NOT NULL REFERENCES teams(id),
    member_id INTEGER REFERENCES members(id),
    team_name TEXT NOT NULL,
    member_name TEXT,
    month TEXT NOT NULL,
    day TEXT,
    source_id INTEGER NOT NULL REFERENCES funding_sources(id),
    rate_id INTEGER REFERENCES funding_rates(id),
    amount INTEGER NOT NULL,
    basis TEXT NOT NULL,
    pay_key TEXT,
    frozen INTEGER NOT NULL DEFAULT 0,
    CHECK (kind = 'adjustment' OR pay_key IS NOT NULL)
);
CREATE INDEX payment_lines_list ON payment_lines(list_id);
CREATE UNIQUE INDEX payment_lines_once ON payment_lines(pay_key) WHERE frozen = 1;

CREATE TABLE expenses (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    source_id INTEGER NOT NULL REFERENCES funding_sources(id),
    spent_on TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('stationery', 'telecoms', 'water', 'printing', 'training', 'other')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    voucher_no TEXT,
    description TEXT NOT NULL,
    -- The scanned voucher, kept in the database so backups carry it.
    voucher_name TEXT,
    voucher_type TEXT,
    voucher BLOB,
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX expenses_commune ON expenses(commune_id, spent_on);
