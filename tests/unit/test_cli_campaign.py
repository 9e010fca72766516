"""The campaign and export commands, end to end on a temporary DUNBOT_HOME."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from robot.cli import main

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE = Path(__file__).resolve().parent.parent.parent / "campaigns" / "sample"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DUNBOT_HOME", str(home))
    monkeypatch.delenv("DUNBOT_DB", raising=False)
    monkeypatch.delenv("DUNBOT_CONFIG", raising=False)
    return home


def test_load_list_show_export(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "broken.csv"
    src.write_bytes((DATA / "broken_accounts.csv").read_bytes())
    argv = ["campaign", "load", str(src), "--campaign", "june", "--today", "2026-11-28"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "loaded   3" in out and "updated  0" in out
    assert f"rejected 7 -> {tmp_path / 'broken.rejects.csv'}" in out
    assert (home / "dunbot.db").exists()

    assert main(["campaign", "load", str(SAMPLE / "accounts.csv"), "--campaign", "demo"]) == 0
    assert main(["campaign", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[-2].split()[:4] == ["june", "3", "3", "0"]
    assert listing[-1].split()[:4] == ["demo", "6", "6", "0"]

    assert main(["campaign", "show", "demo"]) == 0
    assert "6 accounts, 6 pending" in capsys.readouterr().out
    assert main(["campaign", "show", "nope"]) == 1
    assert "no campaign named 'nope'" in capsys.readouterr().err

    dest = tmp_path / "out" / "demo.csv"
    assert main(["export", "outcomes", "--campaign", "demo", "--out", str(dest), "--excel"]) == 0
    assert dest.read_bytes().startswith(b"\xef\xbb\xbfaccount_id,campaign,attempt_id")


def test_load_missing_script_and_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["campaign", "load", str(SAMPLE / "accounts.csv"), "--campaign", "x"]
    assert main([*args, "--script", str(tmp_path / "none.yaml")]) == 1
    assert "dialogue script not found" in capsys.readouterr().err
    assert main(["campaign", "load", str(tmp_path / "missing.csv"), "--campaign", "x"]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_run_wires_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}
    fake = types.ModuleType("robot.dialer.runner")
    fake.run_campaign_cli = lambda args: seen.update(vars(args)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "robot.dialer.runner", fake)
    argv = ["campaign", "run", "june", "--max-concurrent", "4", "--limit", "7", "--no-amd"]
    assert main(argv) == 0
    got = (seen["name"], seen["max_concurrent"], seen["limit"], seen["no_amd"])
    assert got == ("june", 4, 7, True)
    assert main(["campaign", "run", "june"]) == 0
    assert (seen["max_concurrent"], seen["limit"], seen["no_amd"]) == (2, None, False)
