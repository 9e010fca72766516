"""QA results in the case store: what is still to inspect, results, the review workflow.

Every write is one transaction that also appends to the audit trail, so an interrupted
``qa run`` leaves each call either fully scored or untouched (the next run resumes), and
``dunbot audit verify`` covers every verdict and appeal. The rules themselves live in
robot/qa/workflow.py (pure); this module only reads and writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robot.cases import audit
from robot.errors import InputError
from robot.qa import workflow as wf
from robot.qa.score import QaResult
from robot.qa.transcript import stored_turns
from robot.store import convert as cv
from robot.store.db import Store


@dataclass(frozen=True)
class Pending:
    """A call without a QA result: a robot attempt or an imported recording."""

    call_id: str
    kind: str  # robot | recording
    call_at: str
    lang: str
    agent_id: str
    agency_id: str
    campaign_id: int | None
    path: str = ""  # the recording (imported calls)
    #: Our own human-agent calls (predictive dialer): the agent's and the borrower's
    #: recordings, each leg in its own file.
    legs: tuple[str, str] | None = None


def _lang(lang: object) -> str:
    """The rule set's language for a campaign's or account's (zh-CN -> zh, en-US -> en)."""
    return "zh" if str(lang).startswith("zh") else "en"


async def pending(store: Store, since: str, until: str, limit: int | None = None) -> list[Pending]:
    """Calls between ``since`` and ``until`` (ISO dates/times, UTC) not yet scored, oldest
    first: answered robot calls that have turns, imported recordings, and the predictive
    dialer's calls that a human agent took (recorded leg by leg)."""
    robot = await store.query(
        "SELECT a.id, a.started_at, COALESCE(c.lang, ac.lang) AS lang, a.campaign_id,"
        " COALESCE(o.agent_id, 'robot')"
        " FROM attempts a JOIN accounts ac ON ac.id = a.account_id"
        " JOIN campaigns c ON c.id = a.campaign_id"
        " LEFT JOIN outcomes o ON o.attempt_id = a.id"
        " WHERE a.ended_at IS NOT NULL AND a.started_at >= ? AND a.started_at < ?"
        " AND EXISTS (SELECT 1 FROM turns t WHERE t.attempt_id = a.id)"
        " AND NOT EXISTS (SELECT 1 FROM qa_results q WHERE q.call_id = a.id)", (since, until))
    recs = await store.query(
        "SELECT id, recorded_at, lang, agent_id, agency_id, path FROM qa_recordings r"
        " WHERE recorded_at >= ? AND recorded_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM qa_results q WHERE q.call_id = r.id)", (since, until))
    # A transferred call belongs to the human agent who took it (robot/telephony/agentleg.py):
    # they had the last word, and it is theirs to appeal.
    out = [Pending(r[0], "robot", r[1], _lang(r[2]), r[4],
                   "", r[3]) for r in robot]  # fmt: skip
    out += [Pending(r[0], "recording", r[1], r[2], r[3], r[4], None, r[5]) for r in recs]
    # Calls our predictive dialer put through to a human agent: no live turns, but the
    # two legs recorded apart (MixMonitor t() = what the borrower heard, r() = what they said).
    human = await store.query(
        "SELECT a.id, a.started_at, COALESCE(c.lang, ac.lang) AS lang, a.campaign_id,"
        " COALESCE(o.agent_id, 'agent'), tx.path, rx.path"
        " FROM attempts a JOIN accounts ac ON ac.id = a.account_id"
        " JOIN campaigns c ON c.id = a.campaign_id"
        " LEFT JOIN outcomes o ON o.attempt_id = a.id"
        " JOIN recordings tx ON tx.attempt_id = a.id AND tx.kind = 'tx'"
        " JOIN recordings rx ON rx.attempt_id = a.id AND rx.kind = 'rx'"
        " WHERE a.ended_at IS NOT NULL AND a.result = 'answered' AND o.agent_id IS NOT NULL"
        " AND a.started_at >= ? AND a.started_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.attempt_id = a.id)"
        " AND NOT EXISTS (SELECT 1 FROM qa_results q WHERE q.call_id = a.id)", (since, until))
    out += [Pending(r[0], "recording", r[1], _lang(r[2]), r[4],
                    "", r[3], legs=(r[5], r[6])) for r in human]  # fmt: skip
    out.sort(key=lambda p: (p.call_at, p.call_id))
    return out[:limit] if limit else out


async def robot_turns(store: Store, attempt_id: str) -> list[dict[str, Any]]:
    """The live pipeline's turns of a robot call, in the transcript format."""
    return stored_turns(await store.turns(attempt_id))


async def import_recording(store: Store, path: Path, *, agent: str, agency: str = "",
                           account: str | None = None, lang: str, recorded_at: str | None,
                           duration_s: float, actor: str) -> tuple[str, bool]:  # fmt: skip
    """Register a stereo recording for inspection; (call id, True if it was new)."""
    if lang not in ("zh", "en"):
        raise InputError(f"--lang is zh or en, not {lang!r}")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    call_id = f"rec:{sha[:32]}"
    if await store.query("SELECT 1 FROM qa_recordings WHERE id = ?", (call_id,)):
        return call_id, False
    at = recorded_at or cv.utc_now()
    async with store.transaction(f"{path}: importing a recording") as db:
        await db.execute(
            "INSERT INTO qa_recordings (id, path, agent_id, agency_id, account_id, lang,"
            " recorded_at, imported_at, duration_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (call_id, str(path.resolve()), agent, agency, account, lang, at, cv.utc_now(),
             duration_s))  # fmt: skip
        await audit.append(db, actor, "qa.import", f"call:{call_id}", None,
                           {"path": str(path), "agent": agent, "agency": agency})
    return call_id, True


async def save_result(store: Store, p: Pending, result: QaResult, rules: str,
                      turns: list[dict[str, Any]] | None = None, actor: str = "qa",
                      about: list[str] | None = None) -> None:
    """Store a call's machine result (and an imported call's transcript) at once.
    ``about``: whom each finding is about (``score.finding_owners``; default the call's
    agent)."""
    owners = about if about is not None else [p.agent_id] * len(result.violations)
    if len(owners) != len(result.violations):
        raise ValueError("one owner per finding")
    async with store.transaction(f"QA result of {p.call_id}") as db:
        for seq, t in enumerate(turns or []):
            await db.execute("INSERT INTO qa_turns (call_id, seq, speaker, start_s, end_s, text)"
                             " VALUES (?, ?, ?, ?, ?, ?)",
                             (p.call_id, seq, t["speaker"], t["start"], t["end"], t["text"]))
        await db.execute(
            "INSERT INTO qa_results (call_id, kind, lang, agent_id, agency_id, campaign_id,"
            " call_at, machine_score, score, fatal, rules, scored_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (p.call_id, p.kind, p.lang, p.agent_id, p.agency_id, p.campaign_id, p.call_at,
             result.score, result.score, int(result.alert), rules, cv.utc_now()))  # fmt: skip
        for n, (v, owner) in enumerate(zip(result.violations, owners), start=1):
            await db.execute(
                "INSERT INTO qa_findings (call_id, n, code, turn_index, evidence, severity,"
                " fatal, deduction, about) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (p.call_id, n, v.code, v.turn_index, v.evidence, v.severity, int(v.fatal),
                 v.deduction, owner))  # fmt: skip
        await audit.append(db, actor, "qa.score", f"call:{p.call_id}", None,
                           {"score": result.score, "fatal": result.alert, "rules": rules,
                            "codes": sorted(result.codes())})  # fmt: skip


async def findings(store: Store, call_id: str) -> list[dict[str, Any]]:
    rows = await store.query("SELECT f.n, f.code, f.turn_index, f.evidence, f.severity, f.fatal,"
                             " f.deduction, f.status, COALESCE(f.about, r.agent_id) AS about"
                             " FROM qa_findings f JOIN qa_results r USING (call_id)"
                             " WHERE f.call_id = ? ORDER BY f.n", (call_id,))
    return [dict(r) for r in rows]


async def result(store: Store, call_id: str) -> dict[str, Any]:
    rows = await store.query("SELECT * FROM qa_results WHERE call_id = ?", (call_id,))
    if not rows:
        raise InputError(f"no QA result for call {call_id!r} (run dunbot qa run first)")
    return dict(rows[0])


async def sample(store: Store, rate: float, seed: int | None, actor: str) -> list[tuple[str, str]]:
    """Pick calls for spot checks (workflow.pick_sample) and record the picks."""
    calls = [(r[0], bool(r[1])) for r in await store.query("SELECT call_id, fatal FROM qa_results")]
    done = [r[0] for r in await store.query("SELECT call_id FROM qa_samples")]
    picked = wf.pick_sample(calls, rate, seed, done)
    if picked:
        async with store.transaction("QA sample") as db:
            now = cv.utc_now()
            for cid, reason in picked:
                await db.execute("INSERT INTO qa_samples (call_id, reason, sampled_at)"
                                 " VALUES (?, ?, ?)", (cid, reason, now))  # fmt: skip
            await audit.append(db, actor, "qa.sample", f"rate:{rate}", None,
                               {"seed": seed, "calls": [c for c, _ in picked]})
    return picked


async def _finding(db: Any, call_id: str, n: int) -> tuple[str, bool]:
    async with db.execute("SELECT status FROM qa_findings WHERE call_id = ? AND n = ?",
                          (call_id, n)) as cur:  # fmt: skip
        row = await cur.fetchone()
    if row is None:
        raise InputError(f"call {call_id!r} has no finding {n} (see dunbot qa show {call_id})")
    async with db.execute("SELECT 1 FROM qa_appeals WHERE call_id = ? AND n = ? AND"
                          " status = 'pending'", (call_id, n)) as cur:  # fmt: skip
        return str(row[0]), await cur.fetchone() is not None


async def _rescore(db: Any, call_id: str) -> tuple[int, bool]:
    async with db.execute("SELECT n, code, fatal, deduction, status FROM qa_findings"
                          " WHERE call_id = ?", (call_id,)) as cur:  # fmt: skip
        rows = await cur.fetchall()
    score, fatal = wf.effective_score(wf.Finding(r[0], r[1], bool(r[2]), int(r[3]), r[4])
                                      for r in rows)  # fmt: skip
    await db.execute("UPDATE qa_results SET score = ?, fatal = ? WHERE call_id = ?",
                     (score, int(fatal), call_id))
    return score, fatal


async def review(store: Store, call_id: str, n: int, verdict: str, reviewer: str,
                 note: str = "") -> int:  # fmt: skip
    """A reviewer's verdict on finding ``n``; returns the call's score after it."""
    async with store.transaction(f"review of {call_id} finding {n}") as db:
        current, appealed = await _finding(db, call_id, n)
        wf.check_verdict(current, verdict, pending_appeal=appealed)
        await db.execute("UPDATE qa_findings SET status = ? WHERE call_id = ? AND n = ?",
                         (verdict, call_id, n))
        await db.execute("INSERT INTO qa_verdicts (call_id, n, verdict, reviewer, note, at)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         (call_id, n, verdict, reviewer, note, cv.utc_now()))  # fmt: skip
        await db.execute("UPDATE qa_samples SET reviewed = 1 WHERE call_id = ?", (call_id,))
        score, _ = await _rescore(db, call_id)
        await audit.append(db, reviewer, "qa.review", f"call:{call_id}#{n}",
                           {"status": current}, {"status": verdict, "note": note,
                                                 "score": score})  # fmt: skip
    return score


async def appeal(store: Store, call_id: str, n: int, agent: str, reason: str) -> int:
    """An agent appeals finding ``n`` of their call; returns the appeal id."""
    if not reason.strip():
        raise InputError("an appeal needs --reason")
    async with store.transaction(f"appeal of {call_id} finding {n}") as db:
        current, appealed = await _finding(db, call_id, n)
        async with db.execute("SELECT COALESCE(f.about, r.agent_id) FROM qa_findings f"
                              " JOIN qa_results r USING (call_id) WHERE f.call_id = ? AND f.n = ?",
                              (call_id, n)) as cur:  # fmt: skip
            owner = str((await cur.fetchone())[0])
        wf.check_appeal(current, pending_appeal=appealed, call_agent=owner, agent=agent)
        # RETURNING, not lastrowid: PostgreSQL's driver has no last row id.
        cur = await db.execute("INSERT INTO qa_appeals (call_id, n, agent_id, reason, filed_at)"
                               " VALUES (?, ?, ?, ?, ?) RETURNING id",
                               (call_id, n, agent, reason, cv.utc_now()))  # fmt: skip
        appeal_id = int((await cur.fetchone())[0])
        await audit.append(db, agent, "qa.appeal", f"call:{call_id}#{n}", None,
                           {"appeal": appeal_id, "reason": reason})
    return appeal_id


async def decide(store: Store, appeal_id: int, decision: str, reviewer: str,
                 note: str = "") -> int:  # fmt: skip
    """A reviewer's decision on an appeal; returns the call's score after it."""
    status, finding_status = wf.decision_status(decision)
    async with store.transaction(f"decision on appeal {appeal_id}") as db:
        async with db.execute("SELECT call_id, n, status FROM qa_appeals WHERE id = ?",
                              (appeal_id,)) as cur:  # fmt: skip
            row = await cur.fetchone()
        if row is None:
            raise InputError(f"no appeal {appeal_id} (see dunbot qa queue)")
        if row[2] != "pending":
            raise InputError(f"appeal {appeal_id} was already decided ({row[2]})")
        call_id, n = str(row[0]), int(row[1])
        await db.execute("UPDATE qa_appeals SET status = ?, decided_by = ?, decided_at = ?,"
                         " note = ? WHERE id = ?",
                         (status, reviewer, cv.utc_now(), note, appeal_id))  # fmt: skip
        await db.execute("UPDATE qa_findings SET status = ? WHERE call_id = ? AND n = ?",
                         (finding_status, call_id, n))
        score, _ = await _rescore(db, call_id)
        await audit.append(db, reviewer, "qa.decide", f"appeal:{appeal_id}",
                           {"status": "pending"}, {"status": status, "note": note,
                                                   "score": score})  # fmt: skip
    return score


async def queue(store: Store) -> dict[str, list[dict[str, Any]]]:
    """What awaits people: sampled calls not reviewed yet, appeals not decided yet."""
    samples = await store.query(
        "SELECT s.call_id, s.reason, r.score, r.agent_id, r.agency_id, r.call_at"
        " FROM qa_samples s JOIN qa_results r USING (call_id) WHERE s.reviewed = 0"
        " ORDER BY s.reason, r.call_at")
    appeals = await store.query(
        "SELECT a.id, a.call_id, a.n, f.code, a.agent_id, a.reason, a.filed_at FROM qa_appeals a"
        " JOIN qa_findings f ON f.call_id = a.call_id AND f.n = a.n"
        " WHERE a.status = 'pending' ORDER BY a.filed_at")
    return {"samples": [dict(r) for r in samples], "appeals": [dict(r) for r in appeals]}
