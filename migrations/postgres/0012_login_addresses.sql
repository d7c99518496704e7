-- Failed logins counted per (username, client address) and per address across usernames
-- (issue 17): one address failing no longer blocks the username for everyone. `address` is a
-- keyed hash of the client address (never the address itself); '' for rows from before.
ALTER TABLE login_failures ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_address ON login_failures(address, at);
