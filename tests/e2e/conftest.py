"""End-to-end fixtures: a real Asterisk (the shared one on this machine).

The session fixture ``asterisk`` starts Asterisk through ``robot.telephony.asterisk.up``
only when ARI does not answer, and stops it at the end of the session only if it was
the one that started it: other people and processes may be using the same Asterisk.
Tests marked ``asterisk_restart`` (they stop Asterisk) run after every other test.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from robot.config import Settings, load_settings
from robot.errors import AsteriskNotRunning
from robot.telephony import asterisk as managed
from robot.telephony.asterisk_config import ensure_ami_secret


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "asterisk_restart: stops and restarts Asterisk; runs after all other tests"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move tests that take Asterisk down to the very end of the session."""
    last = [item for item in items if item.get_closest_marker("asterisk_restart")]
    if last:
        items[:] = [item for item in items if item not in last] + last


def ari_settings() -> Settings:
    """The settings the tests reach ARI with (DUNBOT_* environment, password ensured)."""
    settings = load_settings()
    settings.ensure_ari_password()
    return settings


def ari_answers(settings: Settings) -> bool:
    try:
        managed.ari_info(settings)
        return True
    except AsteriskNotRunning:
        return False


# One e2e session at a time per machine: the simulated debtors' ARI app is shared, and
# turn timing means little when two sessions fight over two cores.
E2E_LOCK = os.environ.get("DUNBOT_E2E_LOCK", "/run/lock/dunbot-e2e.lock")


@pytest.fixture(scope="session")
def e2e_lock() -> Iterator[None]:
    """Hold the machine-wide e2e lock for the session (waits for another session)."""
    with open(E2E_LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"\nwaiting for another e2e session ({E2E_LOCK}) ...", file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def asterisk(e2e_lock: None) -> Iterator[Settings]:
    """Settings of a running Asterisk whose ARI answers; started here if needed."""
    settings = ari_settings()
    started = False
    if not ari_answers(settings):
        managed.up(settings)
        started = True
    yield settings
    if started:
        managed.down(settings)


@pytest.fixture(scope="session")
def e2e_settings(asterisk: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Like ``asterisk``, with a data folder of its own (store, recordings, exports).

    The ARI password is carried over explicitly (it lives in the original data folder),
    numbers ring out after 8 s so the no-answer scenario does not take 20, and the robot
    registers an ARI app of its own so another robot on the same Asterisk cannot take
    its events.
    """
    home = tmp_path_factory.mktemp("dunbot-home")
    return dataclasses.replace(
        asterisk, home=home, db="", ari_password=asterisk.ensure_ari_password(), ring_timeout=8,
        ami_secret=ensure_ami_secret(asterisk),  # like the ARI password: the shared one
        ari_app=f"dunbot-e2e-{os.getpid()}",  # our own robot app on a shared Asterisk
    )


@pytest.fixture(scope="session")
def daytime() -> Callable[..., Callable[[], datetime]]:
    """``daytime(tz, hour)``: a dialer clock that shows ``hour``:00 in ``tz`` to the calling
    rules (calls go to simulated debtors; see ``robot.dialer.dialing.simulated_daytime``)."""
    from robot.dialer.dialing import simulated_daytime

    return simulated_daytime
