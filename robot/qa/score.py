"""Score one call transcript against a rule set.

Every call starts at 100 and each violation deducts its rule's points (up to the
rule's ``max_deduction`` per call, so ten short silences do not sink an otherwise good
call). A fatal violation - threat, insult, impersonation, disclosure to a third party,
pushing the borrower to borrow elsewhere, ignoring a stop request - sets the score to 0
and raises an alert, because those are the findings a regulator fines for and a
supervisor must hear about the same day, whatever else went well.

Several rules need to know who is on the line. :func:`track_party` reads the call once
the way a reviewer would: the borrower is confirmed when a debtor turn says so ("是我",
"speaking") or answers yes to the agent's identity question (a question the rules
recognise, or the question that ends the agent's opening turn: "That Tyrell Banks?"); a
third-party speaker, or a callee saying "wrong number", means whoever listens is not the
borrower - and was not the borrower before saying so either: debt details told to the
callee earlier in the call were told to a third party (``third_party_disclosure``, not
``missing_right_party_check``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from robot.errors import InputError
from robot.qa import acoustic
from robot.qa.match import Concept, Hit, find, first
from robot.qa.rules import Rule, RuleSet, shipped_rules
from robot.qa.transcript import AGENT_SIDE, Transcript, Turn, parse_transcript

CODES = ("missing_identity_disclosure", "missing_recording_notice", "missing_right_party_check",
         "missing_mini_miranda", "missing_ptp_readback", "third_party_disclosure", "threat",
         "insult", "impersonation", "illegal_funding_pressure", "stop_request_ignored",
         "excessive_silence", "talk_over")
#: Shipped codes beyond the canonical ones, on how things were said (robot/qa/acoustic.py).
MANNER_CODES = ("fast_speech", "shouting", "agent_negative_emotion", "debtor_angry")


@dataclass(frozen=True)
class Violation:
    """One finding. ``turn_index`` is None for something missing from the whole call."""

    code: str
    turn_index: int | None
    evidence: str
    severity: str
    fatal: bool
    deduction: int = 0


@dataclass(frozen=True)
class QaResult:
    score: int
    alert: bool
    violations: tuple[Violation, ...]

    def codes(self) -> set[str]:
        return {v.code for v in self.violations}

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "alert": self.alert,
                "violations": [{"code": v.code, "turn": v.turn_index, "evidence": v.evidence,
                                "deduction": v.deduction} for v in self.violations]}


def finding_owners(result: QaResult, speakers: Sequence[str], call_agent: str) -> list[str]:
    """Whom each finding is about: ``"robot"`` when the robot said (or failed to say) it,
    else ``call_agent``. A finding on a collector's turn is that collector's; on a
    borrower's turn (a promise not read back) it belongs to the collector who spoke next;
    about the whole call (a notice never given) to whoever opened the call. Only calls
    the robot handed to a human agent have both."""
    side = [i for i, s in enumerate(speakers) if s in AGENT_SIDE]

    def who(i: int | None) -> str:
        if not side:
            return call_agent
        at = side[0] if i is None else next((j for j in side if j >= i), side[-1])
        return "robot" if speakers[at] == "robot" else call_agent

    return [who(v.turn_index) for v in result.violations]


@dataclass(frozen=True)
class Party:
    """Who was listening before each turn, and when the borrower confirmed identity."""

    confirmed_before: tuple[bool, ...]
    third_party_before: tuple[bool, ...]
    confirm_turn: int | None
    confirm_time: float | None


def score_transcript(transcript: Mapping[str, Any] | Transcript,
                     rules: RuleSet | Mapping[str, RuleSet] | None = None) -> QaResult:
    """Score a transcript dict (``{"lang", "turns"}``) or a parsed :class:`Transcript`.

    ``rules`` is a rule set, a mapping of language to rule set, or None for the rule set
    shipped for the transcript's language.
    """
    tr = transcript if isinstance(transcript, Transcript) else parse_transcript(transcript)
    if rules is None:
        rs = shipped_rules(tr.lang)
    elif isinstance(rules, RuleSet):
        rs = rules
    else:
        if tr.lang not in rules:
            raise InputError(f"no QA rules for language {tr.lang!r}")
        rs = rules[tr.lang]
    if rs.lang != tr.lang:
        raise InputError(f"rule set {rs.source} is for {rs.lang!r}, transcript is {tr.lang!r}")
    party = track_party(tr.turns, rs)
    found: list[tuple[Rule, int | None, str]] = []
    for rule in rs.rules:
        hits = (CHECKS[rule.kind](rule, tr.turns, party) if rule.kind in CHECKS
                else ACOUSTIC[rule.kind](rule, tr.turns, tr.lang))
        found += [(rule, turn, evidence) for turn, evidence in hits]
    return _total(found)


def _total(found: list[tuple[Rule, int | None, str]]) -> QaResult:
    used: dict[str, int] = {}
    violations = []
    for rule, turn, evidence in sorted(found, key=lambda f: (-1 if f[1] is None else f[1], f[0].code)):
        points = max(0, min(rule.deduction, rule.max_deduction - used.get(rule.code, 0)))
        used[rule.code] = used.get(rule.code, 0) + points
        violations.append(Violation(rule.code, turn, evidence, rule.severity, rule.fatal, points))
    alert = any(v.fatal for v in violations)
    score = 0 if alert else max(0, 100 - sum(v.deduction for v in violations))
    return QaResult(score, alert, tuple(violations))


def _said(concept: Concept, t: Turn) -> bool:
    """In a clause of the turn, or (for recogniser output without punctuation) in a
    piece between its pauses: "喂 是杨帆吗 我这边是平安银行" asks in its second piece."""
    return first(concept, t.clauses) is not None or first(concept, t.pauses) is not None


def track_party(turns: tuple[Turn, ...], rs: RuleSet) -> Party:
    """Follow who is on the line turn by turn (see the module docstring)."""
    names = rs.concepts
    if not all(n in names for n in ("identity_confirmed", "identity_question", "affirm", "not_the_person")):
        return Party(tuple(False for _ in turns), tuple(False for _ in turns), None, None)
    confirmed, third, asked = False, False, False
    confirm_turn: int | None = None
    third_from: int | None = None  # the turn that showed the callee is someone else
    opened = False  # the agent's opening turn is over
    before_c, before_t = [], []
    for t in turns:
        before_c.append(confirmed)
        before_t.append(third and not confirmed)
        if t.speaker in AGENT_SIDE:
            asked = _said(names["identity_question"], t) or (
                not opened and t.text.rstrip().endswith(("?", "？")))
            opened = True
            continue
        if not confirmed and not third and (
                t.speaker == "third_party" or first(names["not_the_person"], t.clauses)):
            third, third_from = True, t.index
        elif t.speaker == "debtor" and not confirmed and not third and (
                _said(names["identity_confirmed"], t)
                or (asked and first(names["affirm"], [*t.clauses[:2], t.lead]))):
            confirmed, confirm_turn = True, t.index
        elif t.speaker == "debtor" and third and not confirmed and _said(names["identity_confirmed"], t):
            confirmed, confirm_turn = True, t.index  # the borrower took the phone
    if third_from is not None:
        # Whoever listened before the callee said who they were was that same person.
        before_t[:third_from] = [not c for c in before_c[:third_from]]
    when = turns[confirm_turn].start if confirm_turn is not None else None
    return Party(tuple(before_c), tuple(before_t), confirm_turn, when)


def _quote(turn: Turn, hit: Hit | None = None) -> str:
    text = turn.clauses[hit.clause] if hit else turn.text
    return text if len(text) <= 120 else text[:117] + "..."


Found = Iterator[tuple[int | None, str]]


def _forbidden(rule: Rule, turns: tuple[Turn, ...], party: Party) -> Found:
    for t in turns:
        if t.speaker in rule.speakers and (hit := first(rule.params["concept"], t.clauses)):
            yield t.index, _quote(t, hit)


def _required(rule: Rule, turns: tuple[Turn, ...], party: Party) -> Found:
    p = rule.params
    if p["only_if_right_party"] and party.confirm_turn is None:
        return
    t0 = party.confirm_time if p["anchor"] == "right_party" and party.confirm_time is not None else 0.0
    deadline = t0 + p["within_s"]
    said = [t for t in turns if t.speaker in rule.speakers and t.start <= deadline]
    missing = [c.name for c in p["all_of"] if not any(find(c, t.clauses) for t in said)]
    if missing:
        anchor = "the call started" if t0 == 0.0 else "the borrower confirmed identity"
        yield None, f"not said within {p['within_s']:g} s after {anchor}: {', '.join(missing)}"


def _disclosures(rule: Rule, turns: tuple[Turn, ...], party: Party, to_third: bool) -> Found:
    for t in turns:
        if t.speaker not in rule.speakers or party.confirmed_before[t.index]:
            continue
        if party.third_party_before[t.index] == to_third and (
                hit := first(rule.params["disclosure"], t.clauses)):
            yield t.index, _quote(t, hit)


def _right_party(rule: Rule, turns: tuple[Turn, ...], party: Party) -> Found:
    return _disclosures(rule, turns, party, to_third=False)


def _third_party(rule: Rule, turns: tuple[Turn, ...], party: Party) -> Found:
    return _disclosures(rule, turns, party, to_third=True)


def _ptp_readback(rule: Rule, turns: tuple[Turn, ...], party: Party) -> Found:
    p = rule.params

    def answers_request(t: Turn) -> bool:
        """An amount and a date, in reply to the collector asking for a payment (and not
        a refusal: "今天真没有 我卡里就剩几百块")."""
        asked = turns[t.index - 1] if t.index > 0 else None
        return (p["asked_by"] is not None and asked is not None and asked.speaker in AGENT_SIDE
                and first(p["asked_by"], asked.clauses) is not None
                and (p["refusal"] is None or first(p["refusal"], t.clauses) is None)
                and first(p["amount"], t.clauses) is not None and first(p["date"], t.clauses) is not None)

    promises = [t for t in turns if t.speaker not in AGENT_SIDE and (
                (first(p["promise"], t.clauses)
                 and (first(p["amount"], t.clauses) or first(p["date"], t.clauses)))
                or answers_request(t))]
    for n, promise in enumerate(promises):
        # The agent's next turns, even past a restated promise: "which day? how much?" -
        # "the 15th, 5,200" - "so the 15th, 5,200" reads back the first promise too.
        replies = [t for t in turns[promise.index + 1:] if t.speaker in rule.speakers]
        if n + 1 < len(promises) and not (replies and replies[0].index < promises[n + 1].index):
            continue  # the borrower restated the promise before the agent answered
        if not any(first(p["amount"], t.clauses) and first(p["date"], t.clauses)
                   for t in replies[:p["within_turns"]]):
            yield promise.index, _quote(promise)


def _stop_ignored(rule: Rule, turns: tuple[Turn, ...], party: Party) -> Found:
    p = rule.params
    stop = next((t for t in turns if t.speaker not in AGENT_SIDE and first(p["stop"], t.clauses)), None)
    if stop is None:
        return
    for t in turns[stop.index + 1:]:
        if t.speaker in rule.speakers and (hit := _demand(p, t)):
            yield t.index, f"after \"{_quote(stop)}\": {_quote(t, hit)}"


def _demand(p: Mapping[str, Any], t: Turn) -> Hit | None:
    """Asking for money, in the rule's words ("can you pay...", 今天能还吗) or in its
    shape: a sum with a deadline ("fifty today", 今天八千必须到账) or a sum asked as a
    question ("Twenty-five, then?")."""
    if hit := first(p["push"], t.clauses):
        return hit
    asks = t.text.rstrip().endswith(("?", "？"))
    for i, clause in enumerate(t.clauses):
        if (amount := first(p["amount"], [clause])) and (
                first(p["date"], [clause]) or (asks and i == len(t.clauses) - 1)):
            return Hit(i, amount.start, amount.end, amount.text, amount.how)
    return None


def _silence(rule: Rule, turns: tuple[Turn, ...], party: Party) -> Found:
    limit = rule.params["max_gap_ms"] / 1000
    for t in turns[1:]:
        gap = t.start - max(p.end for p in turns[:t.index])
        if t.speaker in rule.speakers and gap > limit:
            yield t.index, f"{gap:.1f} s of silence before this turn (limit {limit:g} s)"


def _talk_over(rule: Rule, turns: tuple[Turn, ...], party: Party) -> Found:
    limit = rule.params["max_overlap_ms"] / 1000
    for t in turns:
        if t.speaker not in rule.speakers:
            continue
        for o in turns[:t.index]:
            overlap = min(o.end, t.end) - t.start
            if o.speaker not in rule.speakers and overlap > limit:
                yield t.index, (f"started {overlap:.1f} s before the {o.speaker} finished "
                                f"turn {o.index} (limit {limit:g} s)")
                break


CHECKS: dict[str, Callable[[Rule, tuple[Turn, ...], Party], Found]] = {
    "forbidden": _forbidden, "required": _required, "right_party_check": _right_party,
    "third_party_disclosure": _third_party, "ptp_readback": _ptp_readback,
    "stop_ignored": _stop_ignored, "silence": _silence, "talk_over": _talk_over,
}
#: Rules on how things were said (robot/qa/acoustic.py); they need the language.
ACOUSTIC = {"speech_rate": acoustic.speech_rate, "shouting": acoustic.shouting,
            "emotion": acoustic.emotion}
