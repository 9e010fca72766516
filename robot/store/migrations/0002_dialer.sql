-- Dialer: campaign dialing settings, the guard's decision for every dial, the
-- do-not-call list, consent records and callback times the borrower named.
-- Only new tables and one new column with a default: independent of the case
-- lifecycle migrations, whatever their number.

-- Dialing settings of a campaign as a JSON object (profile, window, machine handling,
-- retry rules, voicemail fields); robot/dialer/settings.py reads and checks it.
ALTER TABLE campaigns ADD COLUMN dialer TEXT NOT NULL DEFAULT '{}';

-- One row per dial decision: what the guard (or the retry schedule) said, and why.
CREATE TABLE dial_decisions (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns (id),
    account_id       TEXT NOT NULL REFERENCES accounts (id),
    phone            TEXT NOT NULL,
    decided_at       TEXT NOT NULL,            -- the instant decided for (UTC)
    profile          TEXT NOT NULL,            -- jurisdiction profile (state variant)
    callable         INTEGER NOT NULL CHECK (callable IN (0, 1)),
    rule             TEXT,                     -- the blocking rule id, NULL if callable
    reason           TEXT NOT NULL,            -- the explanation
    next_callable_at TEXT,                     -- UTC; NULL if callable or never
    attempt_id       TEXT                      -- the attempt dialled on this decision
);
CREATE INDEX dial_decisions_account ON dial_decisions (campaign_id, account_id, decided_at);

-- Numbers never to be called (bank's list, regulator's list, stop requests by phone).
CREATE TABLE dnc (
    phone    TEXT PRIMARY KEY,                 -- digits only (robot.store.dialer.dnc_key)
    source   TEXT NOT NULL,                    -- file it came from, or 'call'
    reason   TEXT,
    added_at TEXT NOT NULL
);

-- Local-time windows a borrower agreed to be called in; they lift the profile's
-- calling hours where the profile allows it.
CREATE TABLE consents (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    start_local TEXT NOT NULL,                 -- HH:MM in the borrower's time zone
    end_local   TEXT NOT NULL,                 -- HH:MM
    recorded_at TEXT NOT NULL,
    note        TEXT,
    PRIMARY KEY (account_id, start_local, end_local)
);

-- A time the borrower asked to be called back at (UTC); the next attempt aims at it.
CREATE TABLE callbacks (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    at          TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, account_id)
);
