"""What the simulators (debtors, agents) share about the channels they answer."""

from __future__ import annotations

import asyncio

from robot.telephony.ari import AriClient

GONE = ("ChannelDestroyed", "StasisEnd", "ChannelLost")


def watch_hangup(ari: AriClient, channel_id: str) -> tuple[asyncio.Event, asyncio.Task[None]]:
    """An event set once the channel is gone, and the task watching for it (cancel it
    when the call is done)."""
    events = ari.channel_events(channel_id)
    gone = asyncio.Event()

    async def watch() -> None:
        while True:
            ev = await events.get()
            if ev.get("type") in GONE:
                gone.set()
                return

    return gone, asyncio.create_task(watch())
