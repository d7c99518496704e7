-- Reports: the hamlet monthly report workflow, year-end evaluations, award nominations.

-- The hamlet head's text, the workflow and, once approved, the frozen figures (JSON).
-- `submitted_on` is the first submission's date: timeliness is judged on it, so a report the
-- commune returns for correction stays on time. `last_submitted_on` is the latest one.
ALTER TABLE monthly_reports ADD COLUMN results TEXT NOT NULL DEFAULT '';
ALTER TABLE monthly_reports ADD COLUMN difficulties TEXT NOT NULL DEFAULT '';
ALTER TABLE monthly_reports ADD COLUMN proposals TEXT NOT NULL DEFAULT '';
ALTER TABLE monthly_reports ADD COLUMN next_plan TEXT NOT NULL DEFAULT '';
ALTER TABLE monthly_reports ADD COLUMN review_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE monthly_reports ADD COLUMN figures TEXT;
ALTER TABLE monthly_reports ADD COLUMN last_submitted_on TEXT;
ALTER TABLE monthly_reports ADD COLUMN submitted_by INTEGER;
ALTER TABLE monthly_reports ADD COLUMN reviewed_by INTEGER;
ALTER TABLE monthly_reports ADD COLUMN approved_on TEXT;
ALTER TABLE monthly_reports ADD COLUMN updated_by INTEGER;

-- The team's year-end self-evaluation, written and submitted by the hamlet head.
ALTER TABLE team_evaluations ADD COLUMN rating TEXT NOT NULL DEFAULT '';
ALTER TABLE team_evaluations ADD COLUMN results TEXT NOT NULL DEFAULT '';
ALTER TABLE team_evaluations ADD COLUMN strengths TEXT NOT NULL DEFAULT '';
ALTER TABLE team_evaluations ADD COLUMN weaknesses TEXT NOT NULL DEFAULT '';
ALTER TABLE team_evaluations ADD COLUMN proposals TEXT NOT NULL DEFAULT '';
ALTER TABLE team_evaluations ADD COLUMN submitted_by INTEGER;

ALTER TABLE good_practices ADD COLUMN proposed_by INTEGER;
ALTER TABLE good_practices ADD COLUMN active INTEGER NOT NULL DEFAULT 1;

-- Award nominations (khen thưởng) for teams and individuals; the commune leader decides.
CREATE TABLE award_nominations (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('team', 'individual')),
    team_id INTEGER REFERENCES teams(id),
    member_id INTEGER REFERENCES members(id),
    nominee TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved', 'rejected')),
    proposed_by INTEGER,
    decided_by INTEGER,
    decided_on TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX award_nominations_commune ON award_nominations(commune_id, year);

-- Communications (tuyên truyền): loudspeaker broadcasts, posts on the portal, Zalo OA,
-- Facebook, videos — dated, counted per month. A commune-wide one has no hamlet.
CREATE TABLE communications (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    hamlet_id INTEGER REFERENCES areas(id),
    channel TEXT NOT NULL CHECK (channel IN ('loudspeaker', 'portal', 'zalo', 'facebook', 'video', 'other')),
    title TEXT NOT NULL,
    comm_date TEXT NOT NULL,
    times INTEGER NOT NULL DEFAULT 1 CHECK (times >= 1),
    created_by INTEGER,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE INDEX communications_commune_date ON communications(commune_id, comm_date);
CREATE INDEX communications_hamlet_date ON communications(hamlet_id, comm_date);
