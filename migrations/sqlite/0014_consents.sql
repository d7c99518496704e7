-- A resident's consent to be recorded and its withdrawal, each kept with its date, how it
-- was given and who recorded it (Law 91/2025/QH15, issue 17). `residents.consent` stays the
-- current state; this is its history.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    given INTEGER NOT NULL,
    on_date TEXT NOT NULL,
    method TEXT NOT NULL,
    note TEXT,
    account_id INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX consents_resident ON consents(resident_id, id);
