"""The daily-cycle benchmark runs end to end on a small book (no timing asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent.parent / "bench" / "daily_cycle.py"


async def test_small_cycle_runs(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("daily_cycle", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    steps = await mod.cycle(tmp_path, 3000, 600)
    assert set(steps) >= {"import_accounts", "buckets", "strategy", "allocation",
                          "import_payments", "reconcile", "total", "recall_all"}
