-- Cẩm nang (issue 20): step-by-step guides the teams show residents at the door. A guide of
-- the province (commune_id NULL) is seen by every commune; a commune adds its own and hides a
-- province guide it does not use. Pictures are stored with the data (already resized).

CREATE TABLE guides (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER REFERENCES areas(id),
    service_code TEXT,
    topic TEXT,
    title TEXT NOT NULL,
    tips TEXT,
    mistakes TEXT,
    checked_on TEXT,
    sample INTEGER NOT NULL DEFAULT 0,
    -- Title, topic, steps, tips and mistakes without diacritics, lower case: the search.
    search_text TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX guides_commune ON guides(commune_id, service_code);

CREATE TABLE guide_steps (
    id INTEGER PRIMARY KEY,
    guide_id INTEGER NOT NULL REFERENCES guides(id),
    position INTEGER NOT NULL,
    body TEXT NOT NULL,
    picture BLOB,
    picture_hash TEXT,
    picture_bytes INTEGER
);
CREATE UNIQUE INDEX guide_steps_order ON guide_steps(guide_id, position);

CREATE TABLE guide_hidden (
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    guide_id INTEGER NOT NULL REFERENCES guides(id),
    hidden_by INTEGER,
    hidden_at INTEGER NOT NULL,
    PRIMARY KEY (commune_id, guide_id)
);

-- A province account the sysadmin lets publish guides for every commune.
ALTER TABLE accounts ADD COLUMN publishes_guides INTEGER NOT NULL DEFAULT 0;
