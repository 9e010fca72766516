"""SMS reminders behind a pluggable gateway; the default writes an outbox file.

A gateway is anything with ``send(message) -> str`` (a provider message id). Gateways
are registered by name (``register_gateway``) so a bank's provider plugs in without
touching the dispatch. The outbox gateway appends one JSON line per message to
``$DUNBOT_HOME/outbox/sms-YYYY-MM-DD.jsonl`` for a separate sender (or a person).
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from robot.cases import audit
from robot.cases.money import minor_text_sql
from robot.errors import ConfigError, InputError
from robot.logs import mask_phone
from robot.store import convert as cv
from robot.store.db import Store

FIELDS = ("name", "amount_due", "currency", "due_date", "account_id")


@dataclass(frozen=True)
class SmsMessage:
    account_id: str
    to: str
    text: str
    day: str


class SmsGateway(Protocol):
    def send(self, message: SmsMessage) -> str: ...


class OutboxGateway:
    """Appends messages to a JSON-lines file per day; returns ``outbox:<file>:<line>``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(self, message: SmsMessage) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"sms-{message.day}.jsonl"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({**asdict(message), "queued_at": cv.utc_now()},
                                ensure_ascii=False) + "\n")  # fmt: skip
            line = fh.tell()
        return f"outbox:{path.name}:{line}"


_GATEWAYS: dict[str, Callable[[Path], SmsGateway]] = {"outbox": OutboxGateway}


def register_gateway(name: str, factory: Callable[[Path], SmsGateway]) -> None:
    _GATEWAYS[name] = factory


def gateway(name: str, home: Path) -> SmsGateway:
    if name not in _GATEWAYS:
        raise ConfigError(f"no SMS gateway {name!r} (known: {', '.join(sorted(_GATEWAYS))})")
    return _GATEWAYS[name](home / "outbox")


def render(template: str, fields: dict[str, Any], where: str) -> str:
    """Fill ``{name}``-style fields; an unknown field is an error naming the rule."""
    for _, fname, _, _ in string.Formatter().parse(template):
        if fname is not None and fname not in FIELDS:
            raise InputError(f"SMS text uses unknown field {{{fname}}} (known: "
                             f"{', '.join(FIELDS)})", where=where)  # fmt: skip
    return template.format_map(fields)


async def dispatch_sms(store: Store, day: date, gw: SmsGateway, actor: str = "system") -> int:
    """Send the day's new ``sms`` work items; each is marked done as it is sent."""
    rows = await store.query(
        "SELECT w.account_id, w.rule_id, json_extract(w.params, '$.text') AS text,"
        f" a.phone, a.name, a.currency, a.due_date, {minor_text_sql('c.balance_minor')} AS due"
        " FROM work_items w JOIN accounts a ON a.id = w.account_id"
        " JOIN cases c ON c.account_id = w.account_id"
        " WHERE w.day = ? AND w.treatment = 'sms' AND w.status = 'new' ORDER BY w.account_id",
        (day.isoformat(),),
    )
    sent = 0
    for r in rows:
        fields = {"name": r["name"], "amount_due": r["due"], "currency": r["currency"],
                  "due_date": r["due_date"], "account_id": r["account_id"]}
        text = render(r["text"], fields, f"rule {r['rule_id']}")
        ref = gw.send(SmsMessage(r["account_id"], r["phone"], text, day.isoformat()))
        async with store.transaction(f"sms to {mask_phone(r['phone'])}") as db:
            await db.execute("UPDATE work_items SET status = 'done' WHERE day = ? AND"
                             " account_id = ?", (day.isoformat(), r["account_id"]))  # fmt: skip
            await audit.append(db, actor, "sms.send", f"account:{r['account_id']}", None,
                               {"ref": ref, "rule": r["rule_id"]})  # fmt: skip
        sent += 1
    return sent
