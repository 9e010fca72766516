"""The MQTT broker as a managed component: ``dunbot mqtt up | down | status``.

Debian's ``mosquitto`` package (installed by scripts/setup.sh) provides the program; the
project runs its own instance with its own configuration (robot/events/mosquitto.conf,
loopback only) as a daemon, so nothing depends on systemd. A broker that already answers
at the configured address (the system's own, or another Dunbot's) is used as it is.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from robot.config import Settings
from robot.errors import DunbotError

TEMPLATE = Path(__file__).with_name("mosquitto.conf")


class BrokerError(DunbotError):
    """The MQTT broker cannot be started, reached or stopped."""


def answers(settings: Settings, timeout: float = 0.5) -> bool:
    """True if something accepts TCP connections at the broker's address."""
    try:
        with socket.create_connection((settings.mqtt_host, settings.mqtt_port), timeout):
            return True
    except OSError:
        return False


def folder(settings: Settings) -> Path:
    return settings.home / "mqtt"


def conf_text(settings: Settings) -> str:
    """The shipped template with the settings filled in."""
    return (TEMPLATE.read_text(encoding="utf-8").replace("{port}", str(settings.mqtt_port))
            .replace("{host}", settings.mqtt_host).replace("{dir}", str(folder(settings))))


def _pid(settings: Settings) -> int | None:
    try:
        pid = int((folder(settings) / "mosquitto.pid").read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def up(settings: Settings, wait_s: float = 10.0) -> str:
    """Start the project's broker unless one answers; returns what happened."""
    where = f"{settings.mqtt_host}:{settings.mqtt_port}"
    if answers(settings):
        return f"MQTT broker answers at {where}"
    exe = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(p).exists()), None)
    if exe is None:
        raise BrokerError("mosquitto is not installed: run scripts/setup.sh (or"
                          " apt-get install mosquitto)")
    d = folder(settings)
    d.mkdir(parents=True, exist_ok=True)
    conf = d / "mosquitto.conf"
    conf.write_text(conf_text(settings), encoding="utf-8")
    with open(d / "mosquitto.log", "ab") as log:
        proc = subprocess.Popen([exe, "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=log,
                                stderr=log, start_new_session=True)  # fmt: skip
    (d / "mosquitto.pid").write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if answers(settings):
            return f"MQTT broker started at {where} (pid {proc.pid}, {conf})"
        if proc.poll() is not None:
            raise BrokerError(f"mosquitto exited ({proc.returncode}); see {d / 'mosquitto.log'}")
        time.sleep(0.05)
    raise BrokerError(f"mosquitto started but does not answer at {where};"
                      f" see {d / 'mosquitto.log'}")


def down(settings: Settings, wait_s: float = 5.0) -> str:
    """Stop the broker this project started (never one it did not start)."""
    pid = _pid(settings)
    if pid is None:
        return "no MQTT broker of ours is running" + (
            f" (one answers at {settings.mqtt_host}:{settings.mqtt_port}, not ours)"
            if answers(settings) else "")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it if it is our own child (tests)
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except OSError:
            return f"MQTT broker stopped (pid {pid})"
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return f"MQTT broker killed (pid {pid}) after {wait_s:g} s"


def status(settings: Settings) -> tuple[bool, str]:
    where = f"{settings.mqtt_host}:{settings.mqtt_port}"
    pid = _pid(settings)
    if answers(settings):
        return True, f"MQTT broker answers at {where}" + (f" (ours, pid {pid})" if pid else "")
    return False, f"no MQTT broker answers at {where} (start one: dunbot mqtt up)"
