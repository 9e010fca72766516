"""A publisher that never makes a call wait: bounded queue, background task, reconnects.

A call's turn loop must not stall because a broker is slow or away, so ``publish`` only
puts the message on a queue. A background task sends them (QoS 1) and, when the broker
goes away, reconnects with backoff; meanwhile the queue fills up to ``maxsize`` and
further messages are dropped, with one warning per outage rather than one per message.
The message being sent when the connection breaks is sent again after the reconnect (it
may arrive twice). These are live views; the store keeps the record.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

from robot.config import Settings

log = logging.getLogger(__name__)


class Publisher:
    """Publishes JSON messages to the configured MQTT broker in the background."""

    def __init__(self, settings: Settings, maxsize: int = 2000) -> None:
        self.settings = settings
        self.queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize)
        self.sent = 0
        self.dropped = 0
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._warned = False

    def start(self) -> Publisher:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="mqtt-publisher")
        return self

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """Queue one message; never blocks, never raises for broker trouble."""
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            self.queue.put_nowait((topic, data))
        except asyncio.QueueFull:
            self.dropped += 1
            self._warn("MQTT queue full (broker slow or away): dropping live events")

    def _warn(self, message: str) -> None:
        if not self._warned:
            log.warning(message)
            self._warned = True

    async def _run(self) -> None:
        import aiomqtt

        s = self.settings
        backoff = 0.5
        pending: tuple[str, bytes] | None = None
        while True:
            try:
                async with aiomqtt.Client(s.mqtt_host, s.mqtt_port, timeout=5,
                                          identifier=f"dunbot-{os.getpid()}-{id(self):x}") as c:
                    self.connected.set()
                    if self._warned:
                        log.info("MQTT broker %s:%d reachable again", s.mqtt_host, s.mqtt_port)
                    self._warned, backoff = False, 0.5
                    while True:
                        pending = pending or await self.queue.get()
                        await c.publish(pending[0], pending[1], qos=1)
                        pending = None
                        self.sent += 1
            except aiomqtt.MqttError as exc:
                self.connected.clear()
                self._warn(f"MQTT broker {s.mqtt_host}:{s.mqtt_port} unreachable ({exc});"
                           " live events wait, then are dropped (start one: dunbot mqtt up)")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def aclose(self, timeout: float = 3.0) -> None:
        """Send what is queued (for at most ``timeout`` seconds), then stop."""
        if self._task is None:
            return
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.queue.empty() and self.connected.is_set():
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)  # the message just taken off the queue
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
            pass
        self._task = None
