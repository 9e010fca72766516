-- 0003: the case lifecycle - audit trail, case state, bucket history, payments,
-- promises, work items, collectors and placements, API tokens.
-- Money in these tables is an exact whole number of minor units (fen, cents), so
-- set-based SQL can add and compare amounts without rounding.

-- Append-only, hash-chained log of every operation (robot/cases/audit.py).
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,             -- 1, 2, 3 ... without gaps
    at        TEXT NOT NULL,                   -- ISO-8601 UTC
    actor     TEXT NOT NULL,                   -- who: user, agency id, api token name
    action    TEXT NOT NULL,                   -- what, e.g. accounts.import
    entity    TEXT NOT NULL,                   -- which: account:A-1, file:<sha256>, day:...
    before    TEXT,                            -- canonical JSON or NULL
    after     TEXT,                            -- canonical JSON or NULL
    prev_hash TEXT NOT NULL,                   -- hash of seq-1 (64 zeros for seq 1)
    hash      TEXT NOT NULL                    -- sha256 of the canonical encoding
);
-- The newest seq and hash, kept apart so deleting the last entries is also detected.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- The collection state of an account the bank placed with us (one row per account).
CREATE TABLE cases (
    account_id    TEXT PRIMARY KEY REFERENCES accounts (id),
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    balance_minor INTEGER NOT NULL,            -- outstanding, minor units
    placed_minor  INTEGER NOT NULL,            -- balance when the bank handed it over
    due_date      TEXT NOT NULL,               -- YYYY-MM-DD, oldest unpaid instalment
    dpd           INTEGER NOT NULL,            -- days past due at as_of
    bucket        TEXT NOT NULL,
    risk_score    INTEGER,                     -- the bank's score, higher = riskier
    region        TEXT NOT NULL DEFAULT '',
    compliance    TEXT NOT NULL DEFAULT 'ok',  -- ok, cease, attorney, dispute, dnc, deceased
    as_of         TEXT NOT NULL,               -- day of the last file or recompute
    updated_at    TEXT NOT NULL
);
CREATE INDEX cases_bucket ON cases (bucket);

-- One row per account per day buckets were computed: the base of roll rates.
CREATE TABLE bucket_snapshots (
    day           TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    bucket        TEXT NOT NULL,
    dpd           INTEGER NOT NULL,
    balance_minor INTEGER NOT NULL,
    PRIMARY KEY (day, account_id)
);
CREATE TABLE roll_rates (
    day         TEXT NOT NULL,                 -- the later snapshot
    from_day    TEXT NOT NULL,                 -- the earlier snapshot
    bucket      TEXT NOT NULL,                 -- bucket on from_day
    accounts    INTEGER NOT NULL,              -- accounts in it on from_day (and still known)
    rolled      INTEGER NOT NULL,              -- now in a worse bucket
    cured       INTEGER NOT NULL,              -- now in a better bucket
    PRIMARY KEY (day, from_day, bucket)
);

-- Payments from the bank's payment files; payment_id makes re-sending harmless.
CREATE TABLE payments (
    payment_id    TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,               -- as given: may match no account
    amount_minor  INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    paid_on       TEXT NOT NULL,               -- YYYY-MM-DD
    channel       TEXT NOT NULL DEFAULT '',
    reference     TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,               -- file name or 'api'
    imported_at   TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'matched', 'unmatched')),
    reconciled_on TEXT,
    note          TEXT
);
CREATE INDEX payments_status ON payments (status, paid_on);
CREATE INDEX payments_account ON payments (account_id, paid_on);

-- Promises to pay taken from call outcomes (or agency actions), judged by reconciliation.
CREATE TABLE promises (
    source        TEXT PRIMARY KEY,            -- attempt id or action id
    account_id    TEXT NOT NULL,
    made_on       TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL,
    paid_minor    INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'kept', 'partly_kept', 'broken')),
    judged_on     TEXT
);
CREATE INDEX promises_open ON promises (status, due_on);
CREATE INDEX promises_account ON promises (account_id);

-- What the strategy decided for an account on a day.
CREATE TABLE work_items (
    day        TEXT NOT NULL,
    account_id TEXT NOT NULL,
    treatment  TEXT NOT NULL,                  -- robot, sms, agent, agency, legal, hold
    rule_id    TEXT NOT NULL,
    params     TEXT NOT NULL DEFAULT '{}',     -- JSON: campaign, template, queue ...
    status     TEXT NOT NULL DEFAULT 'new',    -- new, done
    PRIMARY KEY (day, account_id)
);
CREATE INDEX work_items_treatment ON work_items (day, treatment, status);

-- Human agents (kind agent) and outsourced agencies (kind agency).
CREATE TABLE collectors (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('agent', 'agency')),
    name        TEXT NOT NULL,
    regions     TEXT NOT NULL DEFAULT '',      -- comma-separated; '' = any region
    capacity    INTEGER NOT NULL,              -- most active placements at once
    performance REAL,                          -- prior recovery rate until history exists
    active      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE placements (
    id              INTEGER PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    collector_id    TEXT NOT NULL REFERENCES collectors (id),
    placed_on       TEXT NOT NULL,
    expires_on      TEXT NOT NULL,
    balance_minor   INTEGER NOT NULL,          -- balance at placement
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'recalled')),
    recalled_on     TEXT,
    recovered_minor INTEGER,                   -- payments while placed (set at recall)
    actions         INTEGER                    -- actions logged while placed (at recall)
);
CREATE UNIQUE INDEX placements_one_active ON placements (account_id) WHERE status = 'active';
CREATE INDEX placements_collector ON placements (collector_id, status);
CREATE INDEX placements_expiry ON placements (status, expires_on);

-- What a collector did on a placed case (call, visit, note, promise).
CREATE TABLE case_actions (
    id           INTEGER PRIMARY KEY,
    placement_id INTEGER NOT NULL REFERENCES placements (id),
    account_id   TEXT NOT NULL,
    collector_id TEXT NOT NULL,
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    result       TEXT NOT NULL DEFAULT '',
    ptp_minor    INTEGER,
    ptp_date     TEXT,
    note         TEXT NOT NULL DEFAULT '',
    client_key   TEXT                          -- the sender's idempotency key, if any
);
CREATE INDEX case_actions_placement ON case_actions (placement_id);
CREATE UNIQUE INDEX case_actions_client_key ON case_actions (collector_id, client_key)
    WHERE client_key IS NOT NULL;

-- REST API tokens: only the sha256 of a token is stored.
CREATE TABLE api_tokens (
    token_sha256 TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('bank', 'agency')),
    collector_id TEXT REFERENCES collectors (id),
    created_at   TEXT NOT NULL
);

-- Files received (by content hash): re-sending one is recognised and answered the same.
CREATE TABLE received_files (
    sha256      TEXT NOT NULL,
    kind        TEXT NOT NULL,                 -- accounts, payments
    name        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    result      TEXT NOT NULL,                 -- JSON summary of the first processing
    PRIMARY KEY (sha256, kind)
);
