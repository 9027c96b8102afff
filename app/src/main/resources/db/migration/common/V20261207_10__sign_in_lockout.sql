-- Sign-in lockout (referral-monitor.app.sign-in-lockout) counts a name's recent failed sign-ins in the
-- audit trail at every sign-in.
-- name_key: the name as sign-in matches it (lower case as Java's Locale.ROOT has it, which is how the
-- users are looked up; the databases' LOWER differs from it for some characters and locales), so a
-- name typed in another case or with a look-alike letter counts with the name it signs in as. Events
-- recorded before it get the databases' LOWER, close enough for reading.
-- The index finds the last minutes' failures, sign-ins and unlocks without reading the trail.
-- New actions: SIGN_IN_LOCKED, a sign-in refused because the name was locked (once per lock, not
-- counted); SIGN_IN_ERROR, a sign-in the monitor could not check (not counted); SIGN_OUT, signing
-- out of the dashboard; UNLOCKED, an administrator lifted a name's lock
-- (parameters by=who). Runs unchanged on PostgreSQL and H2.
ALTER TABLE audit_event ADD COLUMN name_key VARCHAR(100);
UPDATE audit_event SET name_key = LOWER(username);
CREATE INDEX audit_event_action_at_idx ON audit_event (action, at);
