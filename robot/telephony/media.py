"""Call audio over chan_websocket: caller audio in, robot audio out, barge-in by flush.

Why chan_websocket rather than RTP ExternalMedia: Asterisk does the framing and the 20 ms
timing of what we send, can drop what it has queued (``FLUSH_MEDIA``, our barge-in), and
tells us when a buffered prompt has gone out (``MEDIA_BUFFERING_COMPLETED``). With RTP we
would pace packets ourselves and could never take back audio already sent.

Facts this module relies on (checked against Asterisk 22):

* The channel is made by ``POST /ari/channels/externalMedia`` with
  ``external_host=INCOMING, transport=websocket, encapsulation=none,
  connection_type=server``; the reply's ``channelvars`` hold
  ``MEDIA_WEBSOCKET_CONNECTION_ID``, and we connect to ``/media/<that id>`` on the ARI
  HTTP server. That WebSocket needs neither ARI credentials nor a subprotocol: the
  unguessable connection id is the only key (so keep the HTTP server on loopback).
* Until that WebSocket connects, the channel is not dialled, not in Stasis and cannot be
  bridged; once it connects Asterisk answers it and it enters Stasis.
* Asterisk first sends the text message ``MEDIA_START`` (``optimal_frame_size`` etc.),
  then binary frames of 16-bit **little-endian** samples, 640 bytes = 20 ms at 16 kHz.
  Frames come only while the far end sends audio: silence must be timed by the clock.
* ``STOP_MEDIA_BUFFERING <id>`` is answered by ``MEDIA_BUFFERING_COMPLETED <id>`` when
  the last frame has gone to the core, i.e. about when the far end has heard it (measured:
  20 ms after the last tone frame reached the other side of a SIP call).
  ``FLUSH_MEDIA`` drops the queue at once and sends no completion.
* Control messages are plain text (``NAME key:value ...``) by default, or JSON when
  ``chan_websocket.conf`` says ``control_message_format = json``; both are understood, and
  commands are sent in the format the ``MEDIA_START`` came in.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from robot.errors import TelephonyError
from robot.telephony.ari import AriClient

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
FRAME_BYTES = 640  # 20 ms of 16 kHz int16
BYTES_PER_MS = SAMPLE_RATE * 2 // 1000
#: Largest binary message we send; Asterisk closes the socket above 65,500 bytes.
MAX_MESSAGE = 32000
#: If Asterisk never reports the end of a playback, give up waiting this long after the
#: audio should have ended and resolve it by the clock.
CLOCK_GRACE_S = 2.0

_ids = itertools.count(1)


def _wake(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_result(None)


@dataclass
class ControlMessage:
    """One text message from chan_websocket, whichever format it came in."""

    name: str
    fields: dict[str, str] = field(default_factory=dict)
    arg: str | None = None  # the bare word after the name (plain-text correlation ids)

    @classmethod
    def parse(cls, text: str) -> ControlMessage:
        text = text.strip()
        if text.startswith("{"):
            data: dict[str, Any] = json.loads(text)
            name = str(data.pop("event", data.pop("command", "")))
            values = {k: str(v) for k, v in data.items()}
            return cls(name, values, values.get("correlation_id"))
        name, _, rest = text.partition(" ")
        values: dict[str, str] = {}
        arg: str | None = None
        for word in rest.split():
            key, sep, value = word.partition(":")
            if sep:
                values[key] = value
            elif arg is None:
                arg = word
        return cls(name, values, values.get("correlation_id", arg))


@dataclass
class Playback:
    """One prompt handed to Asterisk.

    ``done`` resolves to True when Asterisk reports the audio has been played to the end,
    to False when it was flushed (barge-in); ``played_ms`` then says how much was heard.
    ``started_at`` is the event-loop time the audio is expected to start being heard.
    """

    correlation_id: str
    duration_ms: int
    started_at: float
    done: asyncio.Future[bool]
    played_ms: int | None = None
    #: Keep-alive silence, not a prompt: dropped as soon as a real prompt is queued.
    filler: bool = False

    @property
    def ends_at(self) -> float:
        return self.started_at + self.duration_ms / 1000

    def _finish(self, completed: bool, now: float) -> None:
        if self.done.done():
            return
        if completed:
            self.played_ms = self.duration_ms
        else:
            elapsed = int((now - self.started_at) * 1000)
            self.played_ms = max(0, min(self.duration_ms, elapsed))
        self.done.set_result(completed)


class MediaSession:
    """The robot's audio path for one call: an ExternalMedia channel on chan_websocket."""

    def __init__(self, client: AriClient, channel: dict[str, Any]) -> None:
        self.client = client
        self.channel = channel
        self.channel_id: str = channel["id"]
        vars_ = channel.get("channelvars") or {}
        self.connection_id: str = vars_.get("MEDIA_WEBSOCKET_CONNECTION_ID", "")
        if not self.connection_id:
            raise TelephonyError(f"externalMedia reply has no MEDIA_WEBSOCKET_CONNECTION_ID: {vars_}")
        self.frame_size = int(vars_.get("MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE") or FRAME_BYTES)
        self.started: dict[str, str] = {}
        self.closed = asyncio.Event()
        self._json = False
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._frames: asyncio.Queue[bytes] = asyncio.Queue()
        self._partial = bytearray()
        self._media_started = asyncio.Event()
        self._xon = asyncio.Event()
        self._xon.set()
        self._send_lock = asyncio.Lock()
        self._pending: dict[str, Playback] = {}
        self._senders: set[asyncio.Task[None]] = set()
        self._queue_end = 0.0  # loop time when everything sent so far will have played
        self._keepalive: asyncio.Task[None] | None = None
        self._waiter: asyncio.Future[None] | None = None  # a read() waiting for a frame

    @classmethod
    async def create(
        cls, client: AriClient, app: str, *, format: str = "slin16", timeout: float = 5.0
    ) -> MediaSession:
        """Create the ExternalMedia channel and connect to it; it is then in Stasis ``app``.

        Asterisk dials and answers a server-mode WebSocket channel only once our WebSocket
        connects, and until then the channel is not in Stasis and cannot join a bridge
        (HTTP 422). So the connection is made here, and the session returned is ready to
        be bridged; :meth:`connect` is then a no-op.
        """
        channel_id = f"media-{uuid.uuid4().hex}"
        events = client.channel_events(channel_id)
        try:
            channel = await client.external_media(app=app, channel_id=channel_id, format=format)
            session = cls(client, channel)
            await session.connect(timeout)
            try:
                async with asyncio.timeout(timeout):
                    while (await events.get()).get("type") != "StasisStart":
                        pass
            except TimeoutError:
                await session.close()
                raise TelephonyError(f"media channel {channel_id} never entered Stasis") from None
            return session
        finally:
            client.release(channel_id)

    # -- connection ------------------------------------------------------------------
    async def connect(self, timeout: float = 5.0) -> None:
        """Open the media WebSocket and wait for Asterisk's ``MEDIA_START`` (once)."""
        if self._ws is not None:
            return
        url = "ws" + self.client.base_url.removeprefix("http") + f"/media/{self.connection_id}"
        try:
            self._ws = await self.client.http.ws_connect(url, protocols=("media",), heartbeat=None)
        except (aiohttp.ClientError, OSError) as exc:
            raise TelephonyError(f"media WebSocket {url}: {exc}") from exc
        self._reader = asyncio.create_task(self._read_loop(), name=f"media-{self.channel_id}")
        try:
            await asyncio.wait_for(self._media_started.wait(), timeout)
        except TimeoutError:
            await self.close()
            raise TelephonyError(f"no MEDIA_START on {url} within {timeout:g} s") from None

    async def close(self) -> None:
        """Hang up the media channel and drop the WebSocket; safe to call twice."""
        if self._keepalive is not None:
            self._keepalive.cancel()
        for task in list(self._senders):
            task.cancel()
        now = asyncio.get_running_loop().time()
        for pb in list(self._pending.values()):
            pb._finish(False, now)
        self._pending.clear()
        with contextlib.suppress(TelephonyError):
            await self.client.hangup(self.channel_id)
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        self.closed.set()

    @property
    def held(self) -> bool:
        """True between Asterisk's MEDIA_XOFF and MEDIA_XON: audio waits to be sent."""
        return not self._xon.is_set()

    # -- caller audio in -------------------------------------------------------------
    async def read(self, timeout: float) -> bytes | None:
        """One 20 ms frame (640 bytes, 16 kHz int16 LE), or None if none came in time.

        No frames arrive while the far end is silent, so None is normal. Raises
        TelephonyError once the media WebSocket is closed and every frame was read.
        """
        try:
            return self._frames.get_nowait()
        except asyncio.QueueEmpty:
            pass
        if self.closed.is_set():
            raise TelephonyError(f"media channel {self.channel_id} is closed")
        if timeout <= 0:
            return None
        # One future and one timer per wait: the call loop waits here 50-100 times a
        # second per call, and asyncio.wait_for (a task per wait) cost a tenth of the
        # event loop's time at 30 calls.
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(timeout, _wake, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None
        try:
            return self._frames.get_nowait()
        except asyncio.QueueEmpty:
            return None

    # -- robot audio out -------------------------------------------------------------
    async def play(self, pcm: bytes) -> Playback:
        """Queue ``pcm`` (16 kHz int16 LE) for the caller; returns at once.

        Sent as one buffered transfer so Asterisk frames and times it; prompts queue up
        behind each other. ``Playback.done`` resolves when Asterisk says it went out.
        """
        if self._ws is None or self.closed.is_set():
            raise TelephonyError(f"media channel {self.channel_id} is not connected")
        if self._pending and all(p.filler for p in self._pending.values()):
            await self.flush()  # keep-alive silence must never delay a prompt
        return self._queue(pcm, filler=False)

    def _queue(self, pcm: bytes, *, filler: bool) -> Playback:
        loop = asyncio.get_running_loop()
        now = loop.time()
        duration_ms = len(pcm) // BYTES_PER_MS
        pb = Playback(f"{'k' if filler else 'p'}{next(_ids)}", duration_ms,
                      max(now, self._queue_end), loop.create_future(), filler=filler)
        self._queue_end = pb.ends_at
        self._pending[pb.correlation_id] = pb
        task = asyncio.create_task(self._send(pb, pcm))
        self._senders.add(task)
        task.add_done_callback(self._senders.discard)
        return pb

    def keep_alive(self, chunk_ms: int = 600) -> None:
        """Send silence whenever nothing else plays, until :meth:`close`.

        chan_websocket sends nothing while we are silent, and then Asterisk has no frames
        for the far end: AMD cannot measure the silence after a greeting (it answers
        NOTSURE instead of HUMAN) and MixMonitor's file is shorter than the call. A
        little queued silence keeps the media flowing; :meth:`play` drops it first.
        """
        if self._keepalive is None:
            self._keepalive = asyncio.create_task(self._keep_alive(chunk_ms))

    async def _keep_alive(self, chunk_ms: int) -> None:
        loop = asyncio.get_running_loop()
        filler = bytes(chunk_ms * BYTES_PER_MS)
        while not self.closed.is_set():
            if self._queue_end - loop.time() < chunk_ms / 2000 and (
                not self._pending or all(p.filler for p in self._pending.values())
            ):
                self._queue(filler, filler=True)
            await asyncio.sleep(chunk_ms / 4000)

    async def _send(self, pb: Playback, pcm: bytes) -> None:
        assert self._ws is not None
        step = max(self.frame_size, MAX_MESSAGE // self.frame_size * self.frame_size)
        try:
            async with self._send_lock:
                await self._command("START_MEDIA_BUFFERING")
                for i in range(0, len(pcm), step):
                    await self._xon.wait()
                    await self._ws.send_bytes(pcm[i : i + step])
                    await asyncio.sleep(0)  # let a MEDIA_XOFF that came in be seen
                await self._command("STOP_MEDIA_BUFFERING", pb.correlation_id)
            await asyncio.sleep(max(0.0, pb.ends_at - asyncio.get_running_loop().time()) + CLOCK_GRACE_S)
            if not pb.done.done():
                log.debug("no MEDIA_BUFFERING_COMPLETED for %s; ended by the clock", pb.correlation_id)
                self._complete(pb.correlation_id)
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
            log.warning("media %s: sending failed: %s", self.channel_id, exc)
            self._pending.pop(pb.correlation_id, None)
            pb._finish(False, asyncio.get_running_loop().time())

    async def flush(self) -> int:
        """Barge-in: drop everything queued; return how many ms of the current prompt played.

        The current and queued playbacks resolve as interrupted (``done`` is False).
        """
        loop = asyncio.get_running_loop()
        for task in list(self._senders):
            task.cancel()
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
                await self._command("FLUSH_MEDIA")
        now = loop.time()
        played = 0
        for pb in sorted(self._pending.values(), key=lambda p: p.started_at):
            pb._finish(False, now)
            if pb.started_at <= now:
                played = pb.played_ms or 0
        self._pending.clear()
        self._queue_end = now
        return played

    async def _command(self, name: str, correlation_id: str | None = None) -> None:
        assert self._ws is not None
        if self._json:
            msg: dict[str, str] = {"command": name}
            if correlation_id:
                msg["correlation_id"] = correlation_id
            await self._ws.send_str(json.dumps(msg))
        else:
            await self._ws.send_str(f"{name} {correlation_id}" if correlation_id else name)

    def _complete(self, correlation_id: str | None) -> None:
        loop = asyncio.get_running_loop()
        pb = self._pending.pop(correlation_id or "", None)
        if pb is None and not correlation_id and self._pending:
            pb = self._pending.pop(next(iter(self._pending)))
        if pb is not None:
            pb._finish(True, loop.time())
        if not self._pending:  # nothing queued: the next prompt starts when it is sent
            self._queue_end = min(self._queue_end, loop.time())

    # -- the WebSocket reader --------------------------------------------------------
    async def _read_loop(self) -> None:
        assert self._ws is not None
        try:
            async for msg in self._ws:
                if msg.type is aiohttp.WSMsgType.BINARY:
                    self._on_audio(msg.data)
                elif msg.type is aiohttp.WSMsgType.TEXT:
                    self._on_control(msg.data)
                elif msg.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                    break
        finally:
            self.closed.set()
            if self._waiter is not None:
                _wake(self._waiter)
            self._xon.set()  # unblock senders; their sends then fail
            now = asyncio.get_running_loop().time()
            for pb in list(self._pending.values()):
                pb._finish(False, now)
            self._pending.clear()

    def _on_audio(self, data: bytes) -> None:
        if not self._partial and len(data) == FRAME_BYTES:  # the usual case: one frame
            self._frames.put_nowait(data)
        else:
            self._partial.extend(data)
            while len(self._partial) >= FRAME_BYTES:
                self._frames.put_nowait(bytes(self._partial[:FRAME_BYTES]))
                del self._partial[:FRAME_BYTES]
        if self._waiter is not None:
            _wake(self._waiter)

    def _on_control(self, text: str) -> None:
        try:
            msg = ControlMessage.parse(text)
        except ValueError:
            log.warning("media %s: unreadable control message %.200r", self.channel_id, text)
            return
        log.debug("media %s: %s", self.channel_id, text)
        if msg.name == "MEDIA_START":
            self._json = text.lstrip().startswith("{")
            self.started = msg.fields
            self.frame_size = int(msg.fields.get("optimal_frame_size") or self.frame_size)
            self._media_started.set()
        elif msg.name == "MEDIA_XOFF":
            self._xon.clear()
        elif msg.name == "MEDIA_XON":
            self._xon.set()
        elif msg.name in ("MEDIA_BUFFERING_COMPLETED", "MEDIA_MARK_PROCESSED"):
            self._complete(msg.arg)
        elif msg.name == "ERROR":
            log.warning("media %s: Asterisk reported %s", self.channel_id, text)
