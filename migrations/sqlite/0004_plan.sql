-- Plan, targets and the live indicator engine.

-- One plan per commune per year (the seed's appendix is the default template).
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    general_goals TEXT NOT NULL DEFAULT '',
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (commune_id, year)
);

CREATE TABLE plan_tasks (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    commune_id INTEGER NOT NULL,
    quarter INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    sort_order INTEGER NOT NULL DEFAULT 0,
    content TEXT NOT NULL,
    unit_in_charge TEXT NOT NULL DEFAULT '',
    expected_results TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'in_progress', 'done')),
    note TEXT NOT NULL DEFAULT '',
    updated_by INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX plan_tasks_plan ON plan_tasks(plan_id, quarter, sort_order);

-- timing: 'by' = reached by the end of `quarter` (0 = the year), 'in' = within that quarter,
-- 'every' = in every period. target: a percentage, or a count for count indicators.
CREATE TABLE plan_targets (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    commune_id INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    timing TEXT NOT NULL CHECK (timing IN ('by', 'in', 'every')),
    quarter INTEGER NOT NULL DEFAULT 0 CHECK (quarter BETWEEN 0 AND 4),
    target INTEGER NOT NULL CHECK (target >= 0),
    updated_at INTEGER NOT NULL,
    UNIQUE (plan_id, indicator, timing, quarter)
);

-- Businesses of a hamlet (cơ sở kinh doanh) and their digital steps.
CREATE TABLE businesses (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    hamlet_id INTEGER NOT NULL REFERENCES areas(id),
    name TEXT NOT NULL,
    owner_name TEXT,
    kind TEXT,
    products TEXT,
    ecommerce_on TEXT,
    einvoice_on TEXT,
    cashless_on TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX businesses_hamlet ON businesses(hamlet_id);
CREATE INDEX businesses_commune ON businesses(commune_id);

-- Hamlet monthly reports; the report workflow builds on this table.
CREATE TABLE monthly_reports (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    hamlet_id INTEGER NOT NULL REFERENCES areas(id),
    month TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'returned', 'approved')),
    submitted_on TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (hamlet_id, month)
);
CREATE INDEX monthly_reports_commune ON monthly_reports(commune_id, month);

-- Year-end self-evaluation of each team.
CREATE TABLE team_evaluations (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    team_id INTEGER NOT NULL REFERENCES teams(id),
    year INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    submitted_on TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (team_id, year)
);

-- Good practices (mô hình, cách làm hay) proposed for replication.
CREATE TABLE good_practices (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    hamlet_id INTEGER REFERENCES areas(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    proposed_on TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX good_practices_commune ON good_practices(commune_id, proposed_on);

-- The indicator engine. Each resident and household contributes +1/-1 steps at the months its
-- membership of an indicator starts and ends; `indicator_sources` keeps what each one last
-- contributed so a write changes the counts by the difference, in the same transaction.
CREATE TABLE indicator_sources (
    kind TEXT NOT NULL CHECK (kind IN ('resident', 'household')),
    entity_id INTEGER NOT NULL,
    commune_id INTEGER NOT NULL,
    hamlet_id INTEGER NOT NULL,
    parent_id INTEGER,
    steps TEXT NOT NULL,
    PRIMARY KEY (kind, entity_id)
);
CREATE INDEX indicator_sources_commune ON indicator_sources(commune_id);

-- Running sums: a metric's value at month m is SUM(n) over months <= m. Kept per hamlet and
-- per commune (area_id), so a commune or province reads a few hundred rows, not its residents.
CREATE TABLE indicator_counts (
    area_id INTEGER NOT NULL,
    metric TEXT NOT NULL,
    month INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (area_id, metric, month)
);

-- The indicators read a hamlet's or a commune's activities by date; the covering column list
-- spares the province's year query a visit to every activity row.
CREATE INDEX activities_hamlet_date ON activities(hamlet_id, activity_date);
CREATE INDEX activities_commune_date_kind ON activities(commune_id, activity_date, hamlet_id, kind, active);
