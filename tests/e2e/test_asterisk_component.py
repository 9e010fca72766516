"""Asterisk as a component: ARI answers, a real SIP call crosses the simulator loop and
is recorded, AMD judges a short greeting, and `down` leaves nothing behind.

Plain aiohttp (REST + events WebSocket) on purpose: these tests check Asterisk and its
configuration, independently of the project's ARI client.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from robot.config import Settings
from robot.telephony import asterisk as managed
from robot.telephony import asterisk_root

pytestmark = pytest.mark.e2e


class Ari:
    """A minimal ARI connection: REST calls and a queue of events for our apps."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base = f"{settings.ari_base}/ari"
        token = f"{settings.ari_user}:{settings.ensure_ari_password()}".encode()
        self.headers = {"Authorization": "Basic " + base64.b64encode(token).decode()}
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def __aenter__(self) -> Ari:
        self.http = aiohttp.ClientSession(headers=self.headers)
        apps = f"{self.settings.ari_app},{self.settings.sim_app}"
        self.ws = await self.http.ws_connect(f"{self.base}/events?app={apps}")
        self.reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.events.put_nowait(msg.json())

    async def __aexit__(self, *exc: object) -> None:
        self.reader.cancel()
        await self.ws.close()
        await self.http.close()

    async def rest(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.http.request(method, f"{self.base}{path}", **kwargs) as resp:
            text = await resp.text()
            assert resp.status < 300, f"{method} {path} -> {resp.status}: {text}"
            return await resp.json() if text else None

    async def wait_for(self, kind: str, timeout: float = 20, **match: Any) -> dict[str, Any]:
        """The next event of ``kind`` whose top-level fields equal ``match``."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.events.get()
                if event.get("type") == kind and all(event.get(k) == v for k, v in match.items()):
                    return event


@pytest.fixture
async def ari(asterisk: Settings) -> AsyncIterator[Ari]:
    async with Ari(asterisk) as conn:
        yield conn


async def originate(ari: Ari, number: str, attempt: str, amd: bool) -> str:
    s = ari.settings
    channel = await ari.rest(
        "POST", "/channels",
        params={"endpoint": f"PJSIP/{number}@{s.trunk}", "context": s.outbound_context,
                "extension": "s", "priority": "1", "timeout": "20"},
        json={"variables": {"DUNBOT_ATTEMPT": attempt, "DUNBOT_AMD": "1" if amd else "0"}},
    )
    return channel["id"]


def test_ari_reports_asterisk_22_or_later(asterisk: Settings) -> None:
    version = managed.ari_info(asterisk)["system"]["version"]
    assert int(version.split(".")[0]) >= 22, version
    assert managed.status(asterisk)["running"]


async def test_sip_call_through_simulator_is_recorded(ari: Ari) -> None:
    s = ari.settings
    attempt = f"e2e-{uuid.uuid4().hex[:12]}"
    robot_id = await originate(ari, "100", attempt, amd=False)
    far = await ari.wait_for("StasisStart", application=s.sim_app)
    assert far["args"] == ["100"]
    assert far["channel"]["name"].startswith("PJSIP/simphone-"), far["channel"]["name"]
    far_id = far["channel"]["id"]
    try:
        await ari.rest("POST", f"/channels/{far_id}/answer")
        near = await ari.wait_for("StasisStart", application=s.ari_app)
        assert near["channel"]["id"] == robot_id
        assert near["args"] == ["direct"]
        assert near["channel"]["channelvars"]["DUNBOT_ATTEMPT"] == attempt
        # Sound both ways so every recording leg has audio in it.
        await ari.rest("POST", f"/channels/{far_id}/play", params={"media": "sound:hello-world"})
        await ari.wait_for("PlaybackFinished")
        await ari.rest("POST", f"/channels/{robot_id}/play", params={"media": "sound:beep"})
        await ari.wait_for("PlaybackFinished")
    finally:
        for cid in (robot_id, far_id):
            async with ari.http.delete(f"{ari.base}/channels/{cid}"):
                pass
    folder = managed.spool_dir(s) / "monitor" / "dunbot"
    files = [folder / f"{attempt}{suffix}.wav" for suffix in ("", "-rx", "-tx")]
    try:
        for _ in range(100):  # MixMonitor closes its files once the channel is gone
            if all(p.exists() and p.stat().st_size > 1000 for p in files):
                break
            await asyncio.sleep(0.1)
        for path in files:
            assert path.exists(), f"no recording {path}"
            assert path.read_bytes()[:4] == b"RIFF" and path.stat().st_size > 1000, path
    finally:
        for path in files:
            path.unlink(missing_ok=True)


async def test_amd_calls_a_short_greeting_human(ari: Ari) -> None:
    s = ari.settings
    attempt = f"e2e-amd-{uuid.uuid4().hex[:8]}"
    robot_id = await originate(ari, "+15550100", attempt, amd=True)
    far = await ari.wait_for("StasisStart", application=s.sim_app)
    assert far["args"] == ["+15550100"]
    far_id = far["channel"]["id"]
    try:
        await ari.rest("POST", f"/channels/{far_id}/answer")
        # "Hello world", then silence that keeps RTP flowing like a real handset does.
        await ari.rest("POST", f"/channels/{far_id}/play",
                       params={"media": "sound:hello-world,sound:silence/5"})
        near = await ari.wait_for("StasisStart", application=s.ari_app)
        assert near["channel"]["id"] == robot_id
        assert near["args"][0] == "amd"
        assert near["args"][1] == "HUMAN", near["args"]
    finally:
        for cid in (robot_id, far_id):
            async with ari.http.delete(f"{ari.base}/channels/{cid}"):
                pass
        folder = managed.spool_dir(s) / "monitor" / "dunbot"
        await asyncio.sleep(0.5)
        for path in folder.glob(f"{attempt}*.wav"):
            path.unlink()


def _left_behind(settings: Settings) -> tuple[list[int], list[str]]:
    lay = managed.layout(settings)
    pids = managed.pids(settings, lay)
    mounts = asterisk_root.mounts_under(lay.root) if lay.root else []
    return pids, mounts


@pytest.mark.asterisk_restart
def test_down_leaves_nothing_then_up_again(asterisk: Settings) -> None:
    try:
        managed.down(asterisk)
        pids, mounts = _left_behind(asterisk)
        assert pids == [] and mounts == []
        lay = managed.layout(asterisk)
        if lay.root is not None:  # no asterisk process anywhere runs from our root
            root = str(Path(lay.root).resolve())
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        assert Path(f"/proc/{entry.name}/root").readlink() != Path(root)
                    except OSError:
                        pass
        managed.down(asterisk)  # idempotent
    finally:
        info = managed.up(asterisk)
    assert info["running"] and info["pids"]
