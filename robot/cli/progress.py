"""Live progress of a campaign run in the terminal (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from robot.dialer.runner import Observer
from robot.logs import mask_phone
from robot.store.models import Account


class CampaignProgress(Observer):
    """A progress bar with the live calls and the dispositions so far."""

    def __init__(self, settings: Any, name: str, console: Console | None = None) -> None:
        self.name = name
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("{task.fields[status]}"),
            console=self.console, transient=False,
        )
        self.task = self.progress.add_task("calls", total=None, status="")
        self.live: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    async def __aenter__(self) -> "CampaignProgress":
        self.progress.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.progress.stop()

    def _refresh(self) -> None:
        done = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        live = f"on the line: {len(self.live)}" if self.live else ""
        self.progress.update(self.task, status="  ".join(x for x in (live, done) if x))

    def planned(self, count: int) -> None:
        self.progress.update(self.task, total=count)
        self._refresh()

    def dialing(self, account: Account, attempt_id: str) -> None:
        self.live[attempt_id] = account.id
        self._refresh()

    def done(self, account: Account, result: Any) -> None:
        self.live.pop(result.attempt_id, None)
        self.counts[result.disposition] = self.counts.get(result.disposition, 0) + 1
        self.progress.advance(self.task)
        self.progress.console.print(
            f"  {account.id:<12} {mask_phone(account.phone):>14}  {result.result:<12}"
            f" {result.disposition:<14} {result.duration_s or 0:6.1f}s"
        )
        self._refresh()
