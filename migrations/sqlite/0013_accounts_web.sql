-- Accounts managed in the web (issue 17). A password set by an admin (a new account, a reset)
-- is temporary: it logs in, but allows nothing but changing it. The last login is shown on the
-- accounts page; a session remembers the device it was opened from, so its owner can tell
-- which one to end.
ALTER TABLE accounts ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN last_login_at INTEGER;
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';
