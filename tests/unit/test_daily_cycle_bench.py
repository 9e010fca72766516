"""The daily-cycle benchmark runs end to end on a small book (no timing asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from pgstore import drop_database, fresh_database, pg_server  # noqa: F401  (fixture)

BENCH = Path(__file__).resolve().parent.parent.parent / "bench" / "daily_cycle.py"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_small_cycle_runs(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    spec = importlib.util.spec_from_file_location("daily_cycle", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if kind == "sqlite":
        steps = await mod.cycle(tmp_path, 3000, 600, tmp_path / "dunbot.db")
    else:
        base = request.getfixturevalue("pg_server")
        url = await fresh_database(base)
        try:
            steps = await mod.cycle(tmp_path, 3000, 600, url)
        finally:
            await drop_database(base, url)
    assert set(steps) >= {"import_accounts", "buckets", "strategy", "allocation",
                          "import_payments", "reconcile", "total", "recall_all"}
