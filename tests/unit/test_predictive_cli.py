"""``dunbot campaign set --mode predictive`` and ``dunbot campaign status`` (no Asterisk:
the status command must still report the store's numbers when AMI does not answer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.cli import main
from robot.dialer.agents import AgentCounts
from robot.dialer.pacestats import PaceStats
from robot.dialer.settings import DialerSettings
from robot.dialer.status import CampaignStatus, format_status

SAMPLE = Path(__file__).resolve().parent.parent.parent / "campaigns" / "sample"


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DUNBOT_HOME", str(home))
    monkeypatch.setenv("DUNBOT_AMI_PORT", "9")  # nothing listens there
    monkeypatch.delenv("DUNBOT_DB", raising=False)
    monkeypatch.delenv("DUNBOT_CONFIG", raising=False)
    assert main(["campaign", "load", str(SAMPLE / "accounts.csv"), "--campaign", "demo"]) == 0
    return home


def test_set_predictive_needs_the_message_fields(home: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["campaign", "set", "demo", "--mode", "predictive"]) == 1
    assert "needs business_name and callback_number" in capsys.readouterr().err
    assert main(["campaign", "set", "demo", "--mode", "predictive", "--business-name",
                 "Acme Services", "--callback-number", "+15550109999", "--abandon-cap",
                 "0.02", "--trunk-cps", "3", "--agent-wait", "1"]) == 0
    out = capsys.readouterr().out
    assert "mode             predictive" in out and "abandon_cap      0.02" in out
    assert main(["campaign", "set", "demo", "--agent-wait", "5"]) == 1
    assert "agent_wait_s must be" in capsys.readouterr().err


def test_status_without_asterisk_reports_the_store(home: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["campaign", "status", "demo"]) == 0
    out = capsys.readouterr().out
    assert "agents (collectors): unknown - AMI at 127.0.0.1:9 not reachable" in out
    assert "abandoned (30 days): 0 of 0 live answers = 0.00% (cap 3%)" in out
    assert main(["campaign", "status", "nosuch"]) == 1


def test_status_text_flags_a_campaign_over_its_cap() -> None:
    s = DialerSettings(mode="predictive", business_name="Acme Services",
                       callback_number="+15550109999")
    st = CampaignStatus("june", s, PaceStats(dials=400, answer_rate=0.25, mean_answer_s=7.5,
                                             mean_talk_s=120, window_answered=100,
                                             window_abandoned=4),
                        AgentCounts(free=1, talking=5, wrap=2, paused=1))
    text = format_status(st)
    assert "agents (collectors): free 1, talking 5, wrap-up 2, paused 1, unavailable 0" in text
    assert "answer rate: 25.0% over the last 400 dials" in text
    assert "4 of 100 live answers = 4.00% (cap 3%) - OVER THE CAP" in text
    assert "trunk: 30 channels, 5 calls/s" in text
