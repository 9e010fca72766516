-- 0001: the first schema of the case store.
-- Plain SQL on purpose (a PostgreSQL backend will reuse it): no AUTOINCREMENT, no
-- SQLite-only types. Money is exact decimal text, times are ISO-8601 UTC text.

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,           -- the bank's account id
    name          TEXT NOT NULL,
    phone         TEXT NOT NULL,
    timezone      TEXT NOT NULL,              -- IANA name, e.g. Asia/Shanghai
    currency      TEXT NOT NULL,              -- ISO 4217 code
    amount_due    TEXT NOT NULL,              -- exact decimal, e.g. '1234.50'
    due_date      TEXT NOT NULL,              -- YYYY-MM-DD
    days_past_due INTEGER NOT NULL,
    bucket        TEXT NOT NULL,
    lang          TEXT NOT NULL,
    extra         TEXT NOT NULL DEFAULT '{}', -- JSON object of the file's other columns
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    script     TEXT,
    lang       TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE campaign_accounts (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    position    INTEGER NOT NULL,             -- load order: accounts are called in it
    added_at    TEXT NOT NULL,
    UNIQUE (campaign_id, account_id)
);
CREATE INDEX campaign_accounts_order ON campaign_accounts (campaign_id, position);

CREATE TABLE attempts (
    id           TEXT PRIMARY KEY,            -- uuid chosen before dialing = channel id
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    phone        TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    answered_at  TEXT,
    ended_at     TEXT,                        -- NULL while the call is in progress
    result       TEXT CHECK (result IN
                     ('answered', 'busy', 'no_answer', 'failed', 'machine', 'interrupted')),
    hangup_cause TEXT,
    amd_status   TEXT,
    disposition  TEXT,
    duration_s   REAL
);
CREATE INDEX attempts_campaign_account ON attempts (campaign_id, account_id);

CREATE TABLE turns (
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    seq        INTEGER NOT NULL,
    speaker    TEXT NOT NULL CHECK (speaker IN ('robot', 'debtor')),
    text       TEXT NOT NULL,
    start_s    REAL NOT NULL,
    end_s      REAL NOT NULL,
    intent     TEXT,
    emotion    TEXT,
    state      TEXT,
    PRIMARY KEY (attempt_id, seq)
);

CREATE TABLE outcomes (
    attempt_id   TEXT PRIMARY KEY REFERENCES attempts (id),
    disposition  TEXT NOT NULL,
    ptp_amount   TEXT,                        -- exact decimal, NULL without a promise
    ptp_date     TEXT,                        -- YYYY-MM-DD
    stop_calling INTEGER NOT NULL DEFAULT 0 CHECK (stop_calling IN (0, 1)),
    notes        TEXT
);

CREATE TABLE recordings (
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    kind       TEXT NOT NULL CHECK (kind IN ('mix', 'rx', 'tx')),
    path       TEXT NOT NULL,
    duration_s REAL,
    sha256     TEXT,
    PRIMARY KEY (attempt_id, kind)
);
