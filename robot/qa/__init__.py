"""Quality inspection of call transcripts: rule sets, matching and scoring.

Collection operations review a sample of calls by hand against a checklist (did the
agent identify themselves, did they threaten, did they stop when asked). This package
applies the same checklist to every transcript, text-level and without I/O, so a
supervisor hears about the calls that need a human on the day they happen.
"""

from robot.qa.rules import RuleSet, load_rules, shipped_rules
from robot.qa.score import CODES, QaResult, Violation, score_transcript

__all__ = ["CODES", "QaResult", "RuleSet", "Violation", "load_rules", "score_transcript",
           "shipped_rules"]
