"""``dunbot campaign plan|set|dnc|consent|callback`` on a temporary DUNBOT_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.cli import main

SAMPLE = Path(__file__).resolve().parent.parent.parent / "campaigns" / "sample"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DUNBOT_HOME", str(home))
    monkeypatch.delenv("DUNBOT_DB", raising=False)
    monkeypatch.delenv("DUNBOT_CONFIG", raising=False)
    assert main(["campaign", "load", str(SAMPLE / "accounts.csv"), "--campaign", "demo"]) == 0
    return home


def test_plan_prints_rule_and_next_callable_time(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["campaign", "plan", "demo", "--at", "2026-12-02 03:05"]) == 0  # 22:05 NY
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8
    first = lines[1].split()
    assert first[0] == "DEMO-0001" and first[2:4] == ["blocked", "us.hours"]
    assert "2026-12-02 08:00 EST" in lines[1] and "22:05 local" in lines[1]
    assert lines[-1] == "plan of demo at 2026-12-02 03:05Z: us.hours 6"
    assert main(["campaign", "plan", "demo", "--at", "2026-12-01 10:00-05:00",
                 "--summary"]) == 0
    assert capsys.readouterr().out.strip() == "plan of demo at 2026-12-01 15:00Z: callable 6"
    assert main(["campaign", "plan", "demo", "--at", "tomorrow"]) == 1
    assert "--at must look like" in capsys.readouterr().err


def test_dnc_load_consent_and_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dnc = tmp_path / "dnc.txt"
    dnc.write_text("# bank list\n+1 555 010 0002\n15550100003\n\n+1-555-010-0002\n",
                   encoding="utf-8")
    assert main(["campaign", "dnc", "load", str(dnc)]) == 0
    assert "2 added, 1 already listed" in capsys.readouterr().out
    csvf = tmp_path / "dnc.csv"
    csvf.write_text("name,phone,reason\nx,+15550100004,asked by letter\n", encoding="utf-8")
    assert main(["campaign", "dnc", "load", str(csvf)]) == 0
    bad = tmp_path / "bad.txt"
    bad.write_text("+1555\n", encoding="utf-8")
    assert main(["campaign", "dnc", "load", str(bad)]) == 1
    assert f"{bad} row 1" in capsys.readouterr().err

    assert main(["campaign", "set", "demo", "--window", "09:00-20:00", "--retry", "busy=10",
                 "--max-attempts", "4"]) == 0
    out = capsys.readouterr().out
    assert "window           09:00-20:00" in out and "'busy': 10" in out
    assert main(["campaign", "set", "demo", "--machine", "voicemail"]) == 1
    assert "voicemail needs" in capsys.readouterr().err
    assert main(["campaign", "consent", "DEMO-0001", "20:00-21:30"]) == 0
    assert main(["campaign", "callback", "demo", "DEMO-0005", "--at", "2026-12-01T20:00Z"]) == 0
    capsys.readouterr()
    assert main(["campaign", "plan", "demo", "--at", "2026-12-02 01:30"]) == 0  # 20:30 NY
    out = capsys.readouterr().out
    rules = {ln.split()[0]: ln.split()[3] for ln in out.splitlines()[1:-1]}
    assert rules == {"DEMO-0001": "any.campaign_window", "DEMO-0002": "any.dnc",
                     "DEMO-0003": "any.dnc", "DEMO-0004": "any.dnc",
                     "DEMO-0005": "any.campaign_window", "DEMO-0006": "any.campaign_window"}
