-- The commune's own reports to the province (monthly, quarterly, year-end): the commune admin
-- writes and submits, the province acknowledges or returns with a comment. `submitted_on` is
-- the first submission's date (timeliness is judged on it, a returned report stays on time);
-- `figures` holds the commune's figures frozen when the province acknowledged it.
CREATE TABLE commune_reports (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    kind TEXT NOT NULL CHECK (kind IN ('monthly', 'quarterly', 'yearly')),
    period TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'acknowledged', 'returned')),
    results TEXT NOT NULL DEFAULT '',
    difficulties TEXT NOT NULL DEFAULT '',
    proposals TEXT NOT NULL DEFAULT '',
    next_plan TEXT NOT NULL DEFAULT '',
    review_comment TEXT NOT NULL DEFAULT '',
    figures TEXT,
    submitted_on TEXT,
    last_submitted_on TEXT,
    acknowledged_on TEXT,
    submitted_by INTEGER,
    reviewed_by INTEGER,
    updated_by INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (commune_id, period)
);
CREATE INDEX commune_reports_period ON commune_reports(period, commune_id);
