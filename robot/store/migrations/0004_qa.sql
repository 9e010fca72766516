-- 0004: quality inspection of calls - machine results, imported recordings, spot checks,
-- reviewer verdicts and agent appeals (robot/qa/store.py, docs/qa.md).

-- A call to inspect that the robot did not make: a stereo recording of a human
-- collector's call (channel 0 the collector, channel 1 the borrower), imported with
-- `dunbot qa import`. Keyed by the file's sha256, so importing it again is harmless.
CREATE TABLE qa_recordings (
    id          TEXT PRIMARY KEY,              -- 'rec:' + sha256 of the file
    path        TEXT NOT NULL,
    agent_id    TEXT NOT NULL,                 -- the collector heard on channel 0
    agency_id   TEXT NOT NULL DEFAULT '',      -- '' = the bank's own staff
    account_id  TEXT,
    lang        TEXT NOT NULL CHECK (lang IN ('zh', 'en')),
    recorded_at TEXT NOT NULL,                 -- ISO-8601 UTC (file time unless given)
    imported_at TEXT NOT NULL,
    duration_s  REAL
);
CREATE INDEX qa_recordings_time ON qa_recordings (recorded_at);

-- The speaker-labelled turns of an imported recording, as transcribed by `qa run`.
-- (Robot calls keep theirs in turns, written live by the call.)
CREATE TABLE qa_turns (
    call_id TEXT NOT NULL,                     -- qa_recordings.id
    seq     INTEGER NOT NULL,
    speaker TEXT NOT NULL CHECK (speaker IN ('agent', 'robot', 'debtor', 'third_party')),
    start_s REAL NOT NULL,
    end_s   REAL NOT NULL,
    text    TEXT NOT NULL,
    PRIMARY KEY (call_id, seq)
);

-- One machine result per inspected call. call_id is an attempt id (robot call) or a
-- qa_recordings id. machine_score is what the rules gave; score is after reviewers'
-- verdicts and appeal decisions (the two are equal until someone overturns a finding).
CREATE TABLE qa_results (
    call_id       TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('robot', 'recording')),
    lang          TEXT NOT NULL,
    agent_id      TEXT NOT NULL,               -- 'robot' for robot calls
    agency_id     TEXT NOT NULL DEFAULT '',
    campaign_id   INTEGER,
    call_at       TEXT NOT NULL,               -- when the call took place (UTC)
    machine_score INTEGER NOT NULL,
    score         INTEGER NOT NULL,
    fatal         INTEGER NOT NULL CHECK (fatal IN (0, 1)),
    rules         TEXT NOT NULL,               -- rule-set fingerprint the score came from
    scored_at     TEXT NOT NULL
);
CREATE INDEX qa_results_time ON qa_results (call_at);

-- The findings behind a result; n counts from 1 within the call.
-- status: open (machine finding), confirmed / overturned (reviewer), and after an appeal
-- upheld (the appeal won: the finding no longer counts) or stays confirmed.
CREATE TABLE qa_findings (
    call_id    TEXT NOT NULL REFERENCES qa_results (call_id),
    n          INTEGER NOT NULL,
    code       TEXT NOT NULL,
    turn_index INTEGER,                        -- NULL: something missing from the whole call
    evidence   TEXT NOT NULL,
    severity   TEXT NOT NULL,
    fatal      INTEGER NOT NULL CHECK (fatal IN (0, 1)),
    deduction  INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open'
               CHECK (status IN ('open', 'confirmed', 'overturned', 'upheld')),
    PRIMARY KEY (call_id, n)
);
CREATE INDEX qa_findings_code ON qa_findings (code);

-- Calls picked for a person to check (the sampling rate, plus every fatal call).
CREATE TABLE qa_samples (
    call_id    TEXT PRIMARY KEY REFERENCES qa_results (call_id),
    reason     TEXT NOT NULL CHECK (reason IN ('fatal', 'random')),
    sampled_at TEXT NOT NULL,
    reviewed   INTEGER NOT NULL DEFAULT 0 CHECK (reviewed IN (0, 1))
);

-- Reviewer verdicts on findings (the latest one per finding is in qa_findings.status).
CREATE TABLE qa_verdicts (
    id       INTEGER PRIMARY KEY,
    call_id  TEXT NOT NULL,
    n        INTEGER NOT NULL,
    verdict  TEXT NOT NULL CHECK (verdict IN ('confirmed', 'overturned')),
    reviewer TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL
);

-- An agent's appeal against a finding, and the reviewer's decision on it.
CREATE TABLE qa_appeals (
    id         INTEGER PRIMARY KEY,
    call_id    TEXT NOT NULL,
    n          INTEGER NOT NULL,
    agent_id   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    filed_at   TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'upheld', 'rejected')),
    decided_by TEXT,
    decided_at TEXT,
    note       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX qa_appeals_one_open ON qa_appeals (call_id, n) WHERE status = 'pending';
