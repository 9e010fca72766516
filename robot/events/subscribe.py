"""Reading live events back: the one subscriber loop ``dunbot qa watch``, the live-QA
benchmark and the end-to-end test share."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from robot.config import Settings


async def messages(settings: Settings, topics: Sequence[str],
                   ready: asyncio.Event | None = None) -> AsyncIterator[tuple[str, dict[str, Any]]]:  # fmt: skip
    """(topic, payload) of each message on ``topics``; ``ready`` is set once subscribed.

    Raises ``aiomqtt.MqttError`` when no broker answers (callers say what to do).
    """
    import aiomqtt

    async with aiomqtt.Client(settings.mqtt_host, settings.mqtt_port, timeout=5) as client:
        for topic in topics:
            await client.subscribe(topic, qos=1)
        if ready is not None:
            ready.set()
        async for m in client.messages:
            yield str(m.topic), json.loads(bytes(m.payload))  # type: ignore[arg-type]
