-- Year-end evaluation as a scored sheet: the commune's criteria for a year (maximum points, how
-- each is scored, its evidence and who verifies it) and the points the commune gives by hand.
-- Criteria scored from the data have no stored points: they are computed when shown, so they
-- always agree with the indicators.

CREATE TABLE score_criteria (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    year INTEGER NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    max_points INTEGER NOT NULL CHECK (max_points > 0),
    -- 'manual', or the measure computed from the data (see src/scoring.rs).
    method TEXT NOT NULL CHECK (method IN ('manual', 'activities', 'targets_met',
        'reports_on_time', 'security_sessions', 'adults_guided')),
    how TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    verifier TEXT NOT NULL DEFAULT '',
    -- A retired criterion stays for the record but no longer counts.
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX score_criteria_commune_year ON score_criteria(commune_id, year, position);

-- Points of a manual criterion for a team, in tenths of a point (7,5 points is 75).
CREATE TABLE team_scores (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    criterion_id INTEGER NOT NULL REFERENCES score_criteria(id),
    team_id INTEGER NOT NULL REFERENCES teams(id),
    tenths INTEGER NOT NULL CHECK (tenths >= 0),
    note TEXT NOT NULL DEFAULT '',
    scored_by INTEGER,
    scored_on TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (criterion_id, team_id)
);
CREATE INDEX team_scores_commune ON team_scores(commune_id);
