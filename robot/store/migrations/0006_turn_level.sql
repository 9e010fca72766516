-- 0006: the loudness of each caller and agent utterance heard live (RMS of the
-- utterance in dBFS, as `qa run` measures turns of recordings), so the shouting rule
-- judges live calls too: a turn 10 dB above the same speaker's usual level in the call.
-- NULL for robot prompts and for turns stored before this migration.
ALTER TABLE turns ADD COLUMN level_dbfs REAL;
