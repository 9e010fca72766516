"""``dunbot mqtt``: the MQTT broker live call events go to (Mosquitto)."""

from __future__ import annotations

import argparse
from typing import Any

DESCRIPTION = """\
Manage the MQTT broker that receives live call events: every turn of every robot call
and every QA finding, as it happens (topics: docs/mqtt.md; watch them with
`dunbot qa watch`).

`up` starts Debian's mosquitto (installed by scripts/setup.sh) with the project's
configuration (robot/events/mosquitto.conf: loopback only, no persistence), its log in
$DUNBOT_HOME/mqtt/mosquitto.log; if a broker already answers at mqtt_host:mqtt_port it
is used as it is. `down` stops only a broker `up` started."""

EPILOG = """\
examples:
  dunbot mqtt up                       start the broker (or find the running one)
  dunbot mqtt status                   exit code 0 if a broker answers
  DUNBOT_MQTT_PORT=1884 dunbot mqtt up another port
  DUNBOT_MQTT_ENABLED=0 dunbot campaign run june    calls without live events"""


def register(sub: Any) -> None:
    p = sub.add_parser("mqtt", help="start/stop the MQTT broker for live call events",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    s = p.add_subparsers(dest="mqtt_command", metavar="ACTION", required=True)
    s.add_parser("up", help="start the broker unless one answers").set_defaults(func=_up)
    s.add_parser("down", help="stop the broker `up` started").set_defaults(func=_down)
    s.add_parser("status", help="does a broker answer?").set_defaults(func=_status)


def _up(args: argparse.Namespace) -> int:
    from robot.config import load_settings
    from robot.events import broker

    print(broker.up(load_settings()))
    return 0


def _down(args: argparse.Namespace) -> int:
    from robot.config import load_settings
    from robot.events import broker

    print(broker.down(load_settings()))
    return 0


def _status(args: argparse.Namespace) -> int:
    from robot.config import load_settings
    from robot.events import broker

    ok, text = broker.status(load_settings())
    print(text)
    return 0 if ok else 1
