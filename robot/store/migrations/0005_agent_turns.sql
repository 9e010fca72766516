-- 0005: a transferred call goes on being transcribed after the robot hands it to a
-- human agent (robot/telephony/agentleg.py), so a turn's speaker may now be the agent;
-- a robot prompt the borrower talked over keeps how much of it was heard (heard_ms of
-- prompt_ms) instead of a note in its text.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt, rows kept.
CREATE TABLE turns_new (
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    seq        INTEGER NOT NULL,
    speaker    TEXT NOT NULL CHECK (speaker IN ('robot', 'debtor', 'agent')),
    text       TEXT NOT NULL,
    start_s    REAL NOT NULL,
    end_s      REAL NOT NULL,
    intent     TEXT,
    emotion    TEXT,
    state      TEXT,
    heard_ms   INTEGER,            -- robot prompts cut short by barge-in: ms heard ...
    prompt_ms  INTEGER,            -- ... of this many ms queued; NULL = heard in full
    PRIMARY KEY (attempt_id, seq)
);
INSERT INTO turns_new (attempt_id, seq, speaker, text, start_s, end_s, intent, emotion, state)
    SELECT attempt_id, seq, speaker, text, start_s, end_s, intent, emotion, state FROM turns;
DROP TABLE turns;
ALTER TABLE turns_new RENAME TO turns;

-- The human agent (the queue member's name) who took a transferred call; NULL when no
-- agent answered. Quality inspection attributes the call's findings to this agent.
ALTER TABLE outcomes ADD COLUMN agent_id TEXT;
