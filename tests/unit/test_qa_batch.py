"""QA of stored calls with the real engines: a collector's stereo recording (synthesised
with Piper, one party per channel) is imported, transcribed by Whisper, scored, stored;
then the review workflow runs on it and everything is in the audit trail."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from robot.cases.audit import verify
from robot.config import Settings
from robot.errors import InputError
from robot.qa import store as qs
from robot.qa.batch import run
from robot.qa.legs import read_legs, segment_leg
from robot.qa.report import rows, to_csv, to_html
from robot.speech.audio import resample, silence, to_array
from robot.speech.tts.piper import PiperTTS
from robot.store.db import Store

AGENT = [(0.5, "This is Mike from First Bank, agent number 4471. This call is recorded."
               " Am I speaking with John Smith?"),
         (12.0, "Pay today or we will call the police and have you arrested.")]  # fmt: skip
DEBTOR = [(9.5, "Yes, speaking."), (16.0, "I can't pay right now.")]
LENGTH_S = 19.0


async def _leg(tts: object, lines: list[tuple[float, str]], total_s: float) -> np.ndarray:
    out = np.zeros(int(total_s * 16000), dtype=np.int16)
    for at, text in lines:
        pcm = resample(await tts.synthesize(text), tts.sample_rate, 16000)  # type: ignore[attr-defined]
        a = to_array(pcm)
        start = int(at * 16000)
        out[start : start + len(a)] = a[: len(out) - start]
    return out


def _write_stereo(path: Path, left: np.ndarray, right: np.ndarray, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(2)
        wf.setsampwidth(2)
        wf.setframerate(rate)
        wf.writeframes(np.stack([left, right], axis=1).astype(np.int16).tobytes())
    return path


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio

    # Piper without its random voice noise: the same audio, so the same transcript, every run.
    tts = PiperTTS(Settings(home=tmp_path_factory.mktemp("tts")), "en", noise=False)
    agent = asyncio.run(_leg(tts, AGENT, LENGTH_S))
    debtor = asyncio.run(_leg(tts, DEBTOR, LENGTH_S))
    return _write_stereo(tmp_path_factory.mktemp("rec") / "call.wav", agent, debtor)


def test_legs_are_cut_where_each_party_speaks(recording: Path) -> None:
    legs, duration = read_legs(recording)
    assert duration == pytest.approx(19.0, abs=0.01)
    agent = segment_leg(legs[0], "agent")
    debtor = segment_leg(legs[1], "debtor")
    # Onsets within a few frames of where each line was placed (Piper adds a little
    # leading silence; the VAD needs 160 ms of voice to call a start).
    assert [s.start for s in debtor] == pytest.approx([9.5, 16.0], abs=0.4)
    assert [s.start for s in agent] == pytest.approx([0.5, 12.0], abs=0.4)
    assert all(s.end > s.start for s in agent + debtor)


def test_mono_and_broken_files_are_refused_with_their_path(tmp_path: Path) -> None:
    mono = tmp_path / "mono.wav"
    with wave.open(str(mono), "wb") as wf:
        wf.setnchannels(1), wf.setsampwidth(2), wf.setframerate(8000)
        wf.writeframes(silence(500, 8000))
    with pytest.raises(InputError, match=r"mono.wav: 1 channel\(s\); a call recording needs 2"):
        read_legs(mono)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    with pytest.raises(InputError, match="bad.wav: not a PCM WAV file"):
        read_legs(bad)


async def test_import_run_review_appeal_report(recording: Path, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    async with await Store.open(tmp_path / "d.db") as store:
        cid, new = await qs.import_recording(store, recording, agent="A17", agency="east",
                                             lang="en", recorded_at="2026-11-27T10:00:00",
                                             duration_s=19.0, actor="t")  # fmt: skip
        assert new and not (await qs.import_recording(
            store, recording, agent="A17", lang="en", recorded_at=None, duration_s=19.0,
            actor="t"))[1]  # fmt: skip
        # A second recording whose file then disappears: reported, the run goes on.
        gone = _write_stereo(tmp_path / "gone.wav", np.zeros(16000, np.int16),
                             np.ones(16000, np.int16))  # fmt: skip
        gid, _ = await qs.import_recording(store, gone, agent="A18", lang="en",
                                           recorded_at="2026-11-27T11:00:00", duration_s=1.0,
                                           actor="t")  # fmt: skip
        gone.unlink()

        seen: list[tuple[int, int]] = []
        rep = await run(store, settings, "2026-11-27", "2026-11-28",
                        progress=lambda d, t, c: seen.append((d, t)))  # fmt: skip
        assert (rep.scored, rep.fatal) == (1, 1)
        assert len(rep.failed) == 1 and rep.failed[0].startswith(f"{gid}: ")
        assert "gone.wav: no such file" in rep.failed[0]
        assert seen[0] == (0, 2) and seen[-1] == (2, 2)

        turns = await store.query("SELECT speaker, start_s, text FROM qa_turns WHERE call_id = ?"
                                  " ORDER BY seq", (cid,))  # fmt: skip
        assert [t[0] for t in turns] == ["agent", "debtor", "agent", "debtor"]
        assert "police" in turns[2][2].lower() and "arrest" in turns[2][2].lower()
        res = await qs.result(store, cid)
        assert (res["score"], res["fatal"], res["agent_id"], res["kind"]) == (0, 1, "A17", "recording")
        found = {f["code"]: f for f in await qs.findings(store, cid)}
        assert found["threat"]["turn_index"] == 2 and found["threat"]["fatal"]
        assert "arrest" in found["threat"]["evidence"]

        again = await run(store, settings, "2026-11-27", "2026-11-28")  # resumable: done stays done
        assert again.scored == 0 and len(again.failed) == 1

        picked = await qs.sample(store, 0.0, seed=1, actor="lead")
        assert picked == [(cid, "fatal")]
        n = found["threat"]["n"]
        appeal_id = await qs.appeal(store, cid, n, "A17", "I was quoting what the debtor feared")
        with pytest.raises(InputError, match="decide it first"):
            await qs.review(store, cid, n, "overturned", "lead")
        with pytest.raises(InputError, match="only the collector this finding is about"):
            await qs.appeal(store, cid, n, "A99", "not mine")
        q = await qs.queue(store)
        assert [s["call_id"] for s in q["samples"]] == [cid]
        assert [a["id"] for a in q["appeals"]] == [appeal_id]
        assert await qs.decide(store, appeal_id, "reject", "lead", "it is a threat") == 0
        with pytest.raises(InputError, match="already decided"):
            await qs.decide(store, appeal_id, "uphold", "lead")
        score = await qs.review(store, cid, n, "overturned", "lead", "on second listening")
        others = [f for f in found.values() if f["code"] != "threat"]
        assert score == max(0, 100 - sum(f["deduction"] for f in others))
        res = await qs.result(store, cid)
        assert (res["machine_score"], res["score"], res["fatal"]) == (0, score, 0)
        assert (await qs.queue(store))["samples"] == []

        actions = [r[0] for r in await store.query("SELECT action FROM audit_log ORDER BY seq")]
        assert actions == ["qa.import", "qa.import", "qa.score", "qa.sample", "qa.appeal",
                           "qa.decide", "qa.review"]
        assert await verify(store) == []

        data = await rows(store, "2026-11-01", "2026-12-01")
        assert [(r.call_id, r.agent_id, r.score) for r in data] == [(cid, "A17", score)]
        assert "threat" not in data[0].codes
        page = to_html(data, "2026-11-01", "2026-11-30")
        assert "<svg" in page and "Mean score by agency" in page and "east" in page
        assert to_csv(data).splitlines()[1].startswith(f"{cid},recording,2026-11-27T10:00:00,en,A17,east,0,{score},0,")


def _write_mono(path: Path, pcm: np.ndarray, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(1), wf.setsampwidth(2), wf.setframerate(rate)
        wf.writeframes(to_array(resample(pcm.astype(np.int16).tobytes(), 16000, rate)).tobytes())
    return path


async def test_predictive_agent_call_is_transcribed_from_its_two_legs(recording: Path,
                                                                      tmp_path: Path) -> None:  # fmt: skip
    """A call the predictive dialer put through to a human agent has no live turns, but
    Asterisk recorded each direction apart (8 kHz mono, like MixMonitor's t() and r()):
    ``qa run`` transcribes both legs, scores the call and files it under the agent."""
    from robot.store.models import Recording
    from test_store import account

    legs, _ = read_legs(recording)  # the same two parties, now as separate files
    arr = [np.frombuffer(leg, dtype="<i2") for leg in legs]
    tx = _write_mono(tmp_path / "call-tx.wav", arr[0][: len(arr[0]) - 16000])  # shorter leg
    rx = _write_mono(tmp_path / "call-rx.wav", arr[1])
    async with await Store.open(tmp_path / "p.db") as store:
        cid = await store.ensure_campaign("pd", lang="en")
        acc = account(1)
        await store.upsert_accounts(cid, [acc])
        for aid, agent in (("att-p", "SimAgent7"), ("att-q", None)):
            await store.begin_attempt(aid, cid, acc)
            await store.finish_attempt(aid, result="answered", disposition="agent" if agent else "abandoned",
                                       agent_id=agent, recordings=[
                                           Recording("tx", str(tx), None, None),
                                           Recording("rx", str(rx), None, None)])  # fmt: skip
        day = (await store.attempts(cid))[0]["started_at"][:10]
        rep = await run(store, Settings(home=tmp_path / "home"), day, "2999-01-01")
        assert (rep.scored, rep.fatal, rep.failed) == (1, 1, [])  # no agent: nothing to inspect
        turns = await store.query("SELECT speaker, text FROM qa_turns WHERE call_id = 'att-p'"
                                  " ORDER BY seq")  # fmt: skip
        assert [t[0] for t in turns] == ["agent", "debtor", "agent", "debtor"]
        assert "arrest" in turns[2][1].lower()
        res = await qs.result(store, "att-p")
        assert (res["agent_id"], res["kind"], res["score"]) == ("SimAgent7", "recording", 0)
        assert "threat" in {f["code"] for f in await qs.findings(store, "att-p")}
