"""A small asyncio client for the Asterisk Manager Interface (AMI).

Why our own and not a library: the dialer needs four things - log in, send an action
and get its response (or, for list actions such as ``QueueStatus``, the events up to
``EventList: Complete``), receive every event, and come back after Asterisk restarts -
and each is a few lines over the protocol, which is plain ``Key: Value`` lines ended by
an empty line. Parsing is pure (:func:`parse_message`, :func:`format_action`) and unit
tested; :class:`AmiClient` only moves bytes.

After a reconnect the client logs in again and calls the ``on_connect`` callbacks, so a
state tracker can ask for a fresh snapshot (events sent while it was away are lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from robot.errors import TelephonyError

log = logging.getLogger(__name__)

Message = dict[str, str]
Handler = Callable[[Message], Awaitable[None] | None]


class AmiError(TelephonyError):
    """AMI refused an action, the login failed, or Asterisk is not reachable."""


def parse_message(block: str) -> Message:
    """One AMI message (lines ``Key: Value``) -> dict.

    Repeated ``ChanVariable``-style headers (``ChanVariable: NAME=value``, also
    ``DestChanVariable``) become ``ChanVariable(NAME)`` keys so none is lost; any other
    repeated key keeps its values joined by newlines (``Output:`` of a command)."""
    msg: Message = {}
    for line in block.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            msg.setdefault("Output", "")
            msg["Output"] = (msg["Output"] + "\n" + line).lstrip("\n")
            continue
        key, value = key.strip(), value.strip()
        if key.endswith("ChanVariable") and "=" in value:
            name, _, var = value.partition("=")
            msg[f"{key}({name})"] = var
        elif key in msg:
            msg[key] += "\n" + value
        else:
            msg[key] = value
    return msg


def format_action(name: str, action_id: str, headers: Mapping[str, Any]) -> bytes:
    """An action as bytes on the wire; a list value sends the header once per item
    (``Variable: A=1``, ``Variable: B=2``)."""
    lines = [f"Action: {name}", f"ActionID: {action_id}"]
    for key, value in headers.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            text = str(v)
            if "\r" in text or "\n" in text:
                raise AmiError(f"AMI header {key}: a value may not contain a line break")
            lines.append(f"{key}: {text}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chan_var(msg: Mapping[str, str], name: str, prefix: str = "") -> str | None:
    """A channel variable copied into an event (manager.conf ``channelvars``)."""
    return msg.get(f"{prefix}ChanVariable({name})") or None


class AmiClient:
    """Logged-in AMI connection with event dispatch and automatic reconnect."""

    def __init__(self, host: str, port: int, user: str, secret: str, *,
                 reconnect_delay: float = 1.0) -> None:
        self.host, self.port, self.user, self.secret = host, port, user, secret
        self.reconnect_delay = reconnect_delay
        self.connected = asyncio.Event()
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Message]] = {}
        self._lists: dict[str, list[Message]] = {}
        self._handlers: dict[str, list[Handler]] = {}
        self._on_connect: list[Callable[[], Awaitable[None]]] = []
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @classmethod
    def from_settings(cls, settings: Any) -> AmiClient:
        from robot.telephony.asterisk_config import ensure_ami_secret

        return cls(settings.ami_host, settings.ami_port, settings.ami_user,
                   ensure_ami_secret(settings))

    def on(self, event: str, handler: Handler) -> None:
        """Call ``handler(msg)`` for every event named ``event`` (``*``: every event)."""
        self._handlers.setdefault(event, []).append(handler)

    def on_connect(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback()`` after every (re)login, e.g. to re-read a snapshot."""
        self._on_connect.append(callback)

    async def start(self, timeout: float = 10.0) -> None:
        """Connect and log in; a wrong secret or no AMI fails here, not later."""
        await asyncio.wait_for(self._connect(), timeout)
        self._task = asyncio.create_task(self._run())
        for cb in self._on_connect:
            await cb()

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
        self._fail_pending(AmiError("AMI connection closed"))

    async def __aenter__(self) -> AmiClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- actions -----------------------------------------------------------------------
    async def action(self, name: str, timeout: float = 10.0, **headers: Any) -> Message:
        """Send an action; its response, or :class:`AmiError` naming AMI's message.

        An ``ActionID`` header is used as given (events an async action sends later,
        such as ``OriginateResponse``, carry it), else one is chosen."""
        headers = dict(headers)
        msg = await self._send(name, headers, timeout, action_id=headers.pop("ActionID", None))
        if msg.get("Response", "").lower() == "error":
            raise AmiError(f"AMI {name}: {msg.get('Message', 'error')}")
        return msg

    async def action_list(self, name: str, timeout: float = 10.0,
                          **headers: Any) -> list[Message]:
        """A list action (``QueueStatus`` ...): the events it sent, in order."""
        action_id = str(next(self._ids))
        self._lists[action_id] = []
        try:
            await self._send(name, headers, timeout, action_id=action_id, until_complete=True)
            return self._lists[action_id]
        finally:
            self._lists.pop(action_id, None)

    async def _send(self, name: str, headers: Mapping[str, Any], timeout: float, *,
                    action_id: str | None = None, until_complete: bool = False) -> Message:
        if not self.connected.is_set():
            await asyncio.wait_for(self.connected.wait(), timeout)
        action_id = action_id or str(next(self._ids))
        key = f"{action_id}:complete" if until_complete else action_id
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[key] = fut
        if until_complete:
            self._pending[action_id] = asyncio.get_running_loop().create_future()
        try:
            assert self._writer is not None
            self._writer.write(format_action(name, action_id, headers))
            await self._writer.drain()
            if until_complete:
                first = await asyncio.wait_for(self._pending[action_id], timeout)
                if first.get("Response", "").lower() == "error":
                    raise AmiError(f"AMI {name}: {first.get('Message', 'error')}")
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise AmiError(f"AMI {name}: no answer within {timeout:g} s") from None
        except (ConnectionError, OSError) as exc:
            raise AmiError(f"AMI {name}: {exc}") from None
        finally:
            self._pending.pop(key, None)
            self._pending.pop(action_id, None)

    # -- connection --------------------------------------------------------------------
    async def _connect(self) -> None:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise AmiError(f"AMI at {self.host}:{self.port} not reachable: {exc} (is Asterisk "
                           "up with manager.conf? `dunbot asterisk up`)") from None
        banner = await reader.readline()
        if not banner.startswith(b"Asterisk Call Manager"):
            writer.close()
            raise AmiError(f"{self.host}:{self.port} is not AMI (said {banner[:40]!r})")
        writer.write(format_action("Login", "login", {"Username": self.user,
                                                      "Secret": self.secret, "Events": "on"}))
        await writer.drain()
        while True:
            msg = await self._read(reader)
            if msg.get("ActionID") == "login":
                break
        if msg.get("Response", "").lower() != "success":
            writer.close()
            raise AmiError(f"AMI login as {self.user!r} refused: {msg.get('Message', '')}")
        self._reader, self._writer = reader, writer
        self.connected.set()

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Message:
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            raise ConnectionError("AMI connection closed by Asterisk") from None
        return parse_message(raw.decode("utf-8", "replace"))

    async def _run(self) -> None:
        while not self._closing:
            try:
                while True:
                    await self._dispatch(await self._read(self._reader))
            except (ConnectionError, OSError, asyncio.LimitOverrunError) as exc:
                if self._closing:
                    return
                log.warning("AMI connection lost (%s); reconnecting", exc)
            self.connected.clear()
            self._fail_pending(AmiError("AMI connection lost"))
            while not self._closing:
                await asyncio.sleep(self.reconnect_delay)
                try:
                    await self._connect()
                except (AmiError, OSError) as exc:
                    log.info("AMI reconnect failed: %s", exc)
                    continue
                for cb in self._on_connect:
                    try:
                        await cb()
                    except AmiError as exc:
                        log.warning("AMI resync failed: %s", exc)
                break

    async def _dispatch(self, msg: Message) -> None:
        action_id = msg.get("ActionID")
        if "Response" in msg and action_id in self._pending:
            fut = self._pending[action_id]
            if not fut.done():
                fut.set_result(msg)
            return
        if action_id in self._lists and "Event" in msg:
            if msg.get("EventList", "").lower() == "complete":
                fut = self._pending.get(f"{action_id}:complete")
                if fut is not None and not fut.done():
                    fut.set_result(msg)
            else:
                self._lists[action_id].append(msg)
            return
        name = msg.get("Event")
        if not name:
            return
        for handler in self._handlers.get(name, []) + self._handlers.get("*", []):
            try:
                out = handler(msg)
                if inspect.isawaitable(out):
                    await out
            except Exception:  # noqa: BLE001 - one bad handler must not stop the stream
                log.exception("AMI handler for %s failed", name)

    def _fail_pending(self, exc: Exception) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(exc)
