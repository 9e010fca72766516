"""Asterisk as a managed component: build it once, configure, start, stop, inspect.

Two ways to get an Asterisk 22+:

* **installed** -- the host's ``asterisk -V`` says 22 or later: Dunbot runs it with
  ``-C`` on a private configuration folder (``$DUNBOT_HOME/asterisk/etc``), leaving
  /etc/asterisk alone;
* **private** -- otherwise, a Debian sid root built once with debootstrap under
  ``$DUNBOT_CACHE/asterisk-root`` (see :mod:`robot.telephony.asterisk_root`), run with
  ``chroot``. The setting ``asterisk_root`` forces a root path (or ``host``).

Either way the process is started detached (its own session), its output goes to
``$DUNBOT_HOME/logs/asterisk.log`` and "up" means: ARI answers with our credentials.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robot.config import Settings
from robot.errors import AsteriskNotRunning, TelephonyError
from robot.telephony import asterisk_config, asterisk_root
from robot.telephony.asterisk_root import Progress

MIN_MAJOR = 22
START_TIMEOUT = 60.0


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class Layout:
    """Where this Asterisk lives and how to run its binary."""

    mode: str  # "private" or "installed"
    root: Path | None  # the chroot (private) or None (installed)
    etc_dir: Path  # host path of the configuration folder
    spool_dir: Path  # host path of astspooldir
    log_dir: Path  # host path of astlogdir
    prefix: tuple[str, ...]  # command that runs the asterisk binary with our config

    def command(self, *args: str) -> list[str]:
        return [*self.prefix, *args]


def installed_version(binary: str = "asterisk") -> tuple[int, str] | None:
    """(major, version) of the host's Asterisk, or None when there is none."""
    try:
        out = subprocess.run([binary, "-V"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"Asterisk\s+(?:certified[/-])?((\d+)\.[\w.~+-]*)", out)
    return (int(match.group(2)), match.group(1)) if match else None


def layout(settings: Settings) -> Layout:
    """Decide which Asterisk to use (without building anything)."""
    choice = settings.asterisk_root.strip()
    if choice in ("host", "/") or not choice and _host_ok():
        etc = settings.home / "asterisk" / "etc"
        return Layout(
            mode="installed",
            root=None,
            etc_dir=etc,
            spool_dir=Path("/var/spool/asterisk"),
            log_dir=Path("/var/log/asterisk"),
            prefix=("asterisk", "-C", str(etc / "asterisk.conf")),
        )
    root = Path(choice) if choice else settings.cache / "asterisk-root"
    return Layout(
        mode="private",
        root=root,
        etc_dir=root / "etc/asterisk",
        spool_dir=root / "var/spool/asterisk",
        log_dir=root / "var/log/asterisk",
        prefix=("chroot", str(root), "/usr/sbin/asterisk"),
    )


def _host_ok() -> bool:
    found = installed_version()
    return bool(found and found[0] >= MIN_MAJOR)


def spool_dir(settings: Settings) -> Path:
    """Host path of Asterisk's spool folder; MixMonitor files are in monitor/dunbot/."""
    return layout(settings).spool_dir


def _log_path(settings: Settings) -> Path:
    return settings.home / "logs" / "asterisk.log"


def _pid_path(settings: Settings) -> Path:
    return settings.home / "run" / "asterisk.pid"


# -- ARI probe -----------------------------------------------------------------------
def ari_info(settings: Settings, timeout: float = 3.0) -> dict[str, Any]:
    """``GET /ari/asterisk/info``; raises AsteriskNotRunning when ARI does not answer."""
    url = f"{settings.ari_base}/ari/asterisk/info"
    token = f"{settings.ari_user}:{settings.ensure_ari_password()}".encode()
    request = urllib.request.Request(
        url, headers={"Authorization": "Basic " + base64.b64encode(token).decode()}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode())
    except urllib.error.HTTPError as exc:
        raise AsteriskNotRunning(f"ARI at {url} answered HTTP {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise AsteriskNotRunning(f"ARI at {url} does not answer ({exc})") from None


def _ari_ok(settings: Settings) -> dict[str, Any] | None:
    try:
        return ari_info(settings)
    except AsteriskNotRunning:
        return None


def is_running(settings: Settings) -> bool:
    """True when ARI answers with our credentials (the meaning of "up")."""
    return _ari_ok(settings) is not None


# -- processes -----------------------------------------------------------------------
def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def pids(settings: Settings, lay: Layout | None = None) -> list[int]:
    """Running Asterisk processes of this layout."""
    lay = lay or layout(settings)
    if lay.root is not None:
        return [p for p in asterisk_root.pids_in_root(lay.root) if _alive(p)]
    try:
        pid = int(_pid_path(settings).read_text().strip())
    except (OSError, ValueError):
        return []
    return [pid] if _alive(pid) else []


def _signal(pid: int, sig: int) -> None:
    try:
        pgid = os.getpgid(pid)
        if pgid == pid and pgid != os.getpgrp():
            os.killpg(pgid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _wait_gone(settings: Settings, lay: Layout, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not pids(settings, lay):
            return True
        time.sleep(0.2)
    return not pids(settings, lay)


def log_tail(settings: Settings, lines: int = 25) -> str:
    """The end of Asterisk's output (or of its messages.log) for error reports."""
    lay = layout(settings)
    for path in (_log_path(settings), lay.log_dir / "messages.log"):
        try:
            text = path.read_text(errors="replace").strip()
        except OSError:
            continue
        if text:
            return f"--- {path} (last {lines} lines) ---\n" + "\n".join(
                text.splitlines()[-lines:]
            )
    return "(no Asterisk output was logged)"


# -- public operations ---------------------------------------------------------------
def ensure_built(settings: Settings, progress: Progress = _quiet) -> Layout:
    """The layout, building the private root first if it is missing."""
    lay = layout(settings)
    if lay.root is not None:
        asterisk_root.build(lay.root, progress)
    return lay


def install_config(settings: Settings, lay: Layout | None = None) -> list[Path]:
    """Install the project's asterisk/etc plus generated ARI user and HTTP bind files."""
    lay = lay or layout(settings)
    astetcdir = str(lay.etc_dir) if lay.mode == "installed" else None
    return asterisk_config.install(settings, lay.etc_dir, astetcdir=astetcdir)


def up(settings: Settings, progress: Progress = _quiet) -> dict[str, Any]:
    """Start Asterisk unless it already answers on ARI; return :func:`status`."""
    if _ari_ok(settings):
        return status(settings)
    lay = ensure_built(settings, progress)
    if not pids(settings, lay):
        install_config(settings, lay)
        if lay.root is not None:
            asterisk_root.prepare(lay.root)
            asterisk_root.ensure_proc(lay.root)
        else:
            for rel in asterisk_root.EXTRA_DIRS:  # recording folders of the spool
                (Path("/") / rel).mkdir(parents=True, exist_ok=True)
        log = _log_path(settings)
        log.parent.mkdir(parents=True, exist_ok=True)
        _pid_path(settings).parent.mkdir(parents=True, exist_ok=True)
        progress(f"starting Asterisk ({lay.mode}); output in {log}")
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                lay.command("-f", "-n"),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        _pid_path(settings).write_text(f"{proc.pid}\n")
    progress(f"waiting for ARI at {settings.ari_base} ...")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if _ari_ok(settings):
            return status(settings)
        if not pids(settings, lay):
            time.sleep(0.5)  # it may still be exec'ing from chroot into asterisk
            if not pids(settings, lay) and not _ari_ok(settings):
                raise TelephonyError("Asterisk exited during start-up\n" + log_tail(settings))
        time.sleep(0.3)
    try:
        ari_info(settings)
        return status(settings)
    except AsteriskNotRunning as exc:
        last = str(exc)
    raise TelephonyError(
        f"Asterisk did not answer on ARI within {START_TIMEOUT:.0f} s: {last}\n"
        + log_tail(settings)
    )


def down(settings: Settings, progress: Progress = _quiet) -> None:
    """Stop Asterisk and unmount what it needed. Idempotent; verifies the result."""
    lay = layout(settings)
    if pids(settings, lay):
        progress("asking Asterisk to stop (core stop now) ...")
        try:
            subprocess.run(lay.command("-rx", "core stop now"), capture_output=True, timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if not _wait_gone(settings, lay, 10):
            progress("sending SIGTERM ...")
            for pid in pids(settings, lay):
                _signal(pid, signal.SIGTERM)
            if not _wait_gone(settings, lay, 5):
                progress("sending SIGKILL ...")
                for pid in pids(settings, lay):
                    _signal(pid, signal.SIGKILL)
                _wait_gone(settings, lay, 5)
    if lay.root is not None:
        asterisk_root.unmount_under(lay.root)
    left = pids(settings, lay)
    mounts = asterisk_root.mounts_under(lay.root) if lay.root is not None else []
    if left or mounts:
        raise TelephonyError(f"Asterisk did not stop cleanly: pids {left}, mounts {mounts}")
    _pid_path(settings).unlink(missing_ok=True)


def status(settings: Settings) -> dict[str, Any]:
    """What is running: mode, root, pids, ARI URL and, when ARI answers, the version."""
    lay = layout(settings)
    info = _ari_ok(settings)
    return {
        "running": info is not None,
        "mode": lay.mode,
        "root": str(lay.root) if lay.root else None,
        "built": asterisk_root.is_complete(lay.root) if lay.root else True,
        "pids": pids(settings, lay),
        "version": (info or {}).get("system", {}).get("version"),
        "ari_url": f"{settings.ari_base}/ari",
        "config": str(lay.etc_dir),
        "spool": str(lay.spool_dir),
        "log": str(_log_path(settings)),
    }


def rx(settings: Settings, command: str, timeout: float = 30) -> str:
    """Run one Asterisk CLI command (``asterisk -rx``) and return its output."""
    lay = layout(settings)
    if not pids(settings, lay):
        raise AsteriskNotRunning("Asterisk is not running (try: dunbot asterisk up)")
    result = subprocess.run(lay.command("-rx", command), capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise TelephonyError(f"asterisk -rx {command!r} failed: {result.stderr.strip()}")
    return result.stdout


def cli(settings: Settings, command: str | None = None) -> int:
    """Run a CLI command (``-rx``), or attach an interactive console (``-r``)."""
    lay = layout(settings)
    if not pids(settings, lay):
        raise AsteriskNotRunning("Asterisk is not running (try: dunbot asterisk up)")
    args = ("-rx", command) if command is not None else ("-r",)
    return subprocess.call(lay.command(*args))
