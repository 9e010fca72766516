-- 0007: whom each QA finding is about. A call the robot handed to a human agent holds
-- both collectors' words: a missing recording notice at the start is the robot's, a
-- threat after the transfer the agent's. 'robot' or the agent's id; NULL for findings
-- stored before this migration (they are about the call's agent, qa_results.agent_id).
-- Only the collector a finding is about may appeal it.
ALTER TABLE qa_findings ADD COLUMN about TEXT;
