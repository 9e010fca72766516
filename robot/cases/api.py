"""The REST API for banks and agencies (aiohttp; spec in docs/openapi.json, guide docs/api.md).

Bearer tokens: only their sha256 is stored. A ``bank`` token sends account and payment
files and reads cases; an ``agency`` token sees and acts on the cases placed with its
collector and nothing else (``CollectorView`` enforces it; a case placed elsewhere is a
plain 404). Files are kept in ``$DUNBOT_HOME/inbox`` under their content hash, so
re-sending one answers with the first result and changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import json
import secrets
from dataclasses import asdict
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from aiohttp import web

from robot.cases import audit
from robot.cases.accounts import import_accounts
from robot.cases.onepayment import PaymentConflict, payment_from_json, record_payment
from robot.cases.payments import import_payments
from robot.cases.scope import ACTION_KINDS, CollectorView
from robot.config import load_settings
from robot.errors import AccessDenied, DunbotError, InputError
from robot.store import convert as cv
from robot.store.db import Store

MAX_UPLOAD = 512 * 1024 * 1024
STORE: web.AppKey[Store] = web.AppKey("store", Store)
INBOX: web.AppKey[Path] = web.AppKey("inbox", Path)


async def create_token(store: Store, name: str, role: str, collector: str | None = None,
                       actor: str = "system") -> str:  # fmt: skip
    """A new token (shown once); an agency token must name an existing collector."""
    if role == "agency":
        if not collector or not await store.query("SELECT 1 FROM collectors WHERE id = ?",
                                                  (collector,)):  # fmt: skip
            raise InputError(f"an agency token needs --collector naming a known collector"
                             f" (not {collector!r}); load them with dunbot cases allocate")
    elif collector:
        raise InputError("only agency tokens act for a collector")
    token = secrets.token_urlsafe(32)
    async with store.transaction(f"token {name}") as db:
        await db.execute(
            "INSERT INTO api_tokens (token_sha256, name, role, collector_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (_sha(token), name, role, collector, cv.utc_now()),
        )
        await audit.append(db, actor, "api.token", f"token:{name}", None,
                           {"role": role, "collector": collector})  # fmt: skip
    return token


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def _who(request: web.Request) -> dict[str, Any]:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        raise _error(401, "send Authorization: Bearer <token>")
    rows = await request.app[STORE].query(
        "SELECT name, role, collector_id FROM api_tokens WHERE token_sha256 = ?",
        (_sha(auth[7:].strip()),),
    )
    if not rows:
        raise _error(401, "unknown token")
    return dict(rows[0])


async def _require(request: web.Request, role: str) -> dict[str, Any]:
    who = await _who(request)
    if who["role"] != role:
        raise _error(403, f"this needs a {role} token")
    return who


def _error(status: int, message: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden,
           404: web.HTTPNotFound, 409: web.HTTPConflict,
           413: web.HTTPRequestEntityTooLarge}[status]  # fmt: skip
    kw: dict[str, Any] = {"max_size": MAX_UPLOAD, "actual_size": 0} if status == 413 else {}
    return cls(text=json.dumps({"error": message}), content_type="application/json", **kw)


async def _save_upload(request: web.Request, kind: str) -> Path:
    body = await request.read()
    if not body:
        raise _error(400, "empty body: send the CSV file as the request body")
    sha = hashlib.sha256(body).hexdigest()
    path = request.app[INBOX] / f"{kind}-{sha}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(body)
        tmp.replace(path)
    return path


def _rejects(path: str | None) -> list[dict[str, Any]]:
    if not path or not Path(path).exists():
        return []
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        return [{"row": int(r[0]), "reason": r[1]} for r in list(csv.reader(fh))[1:]]


async def post_account_file(request: web.Request) -> web.Response:
    who = await _require(request, "bank")
    try:
        today = date.fromisoformat(request.query.get("today") or date.today().isoformat())
    except ValueError:
        raise _error(400, "today must be YYYY-MM-DD") from None
    path = await _save_upload(request, "accounts")
    rep = await import_accounts(request.app[STORE], path, today=today, actor=f"api:{who['name']}")
    return web.json_response({**asdict(rep), "rejects": _rejects(rep.rejects_path)})


async def post_payment_file(request: web.Request) -> web.Response:
    who = await _require(request, "bank")
    path = await _save_upload(request, "payments")
    rep = await import_payments(request.app[STORE], path, actor=f"api:{who['name']}")
    return web.json_response({**asdict(rep), "rejects": _rejects(rep.rejects_path)})


async def post_payment(request: web.Request) -> web.Response:
    """One payment as JSON: 201 when stored, 200 with already=true when re-sent, 409 when
    the id is known with other values."""
    who = await _require(request, "bank")
    try:
        body = await request.json()
    except ValueError:
        raise _error(400, "request body: not JSON; send a payment object") from None
    try:
        pay = payment_from_json(body)
    except InputError as exc:
        raise _error(400, str(exc)) from None
    try:
        rec = await record_payment(request.app[STORE], pay, actor=f"api:{who['name']}")
    except PaymentConflict as exc:
        raise _error(409, str(exc)) from None
    return web.json_response({**rec.payment, "already": rec.already},
                             status=200 if rec.already else 201)


async def get_case(request: web.Request) -> web.Response:
    from robot.cases.accounts import case_row

    await _require(request, "bank")
    case = await case_row(request.app[STORE], request.match_info["account_id"])
    if case is None:
        raise _error(404, "no such case")
    return web.json_response({k: case[k] for k in _CASE_FIELDS})


_CASE_FIELDS = ("account_id", "status", "balance", "currency", "bucket", "dpd", "risk_score",
                "region", "compliance", "as_of")  # fmt: skip


async def agency_cases(request: web.Request) -> web.Response:
    who = await _require(request, "agency")
    view = CollectorView(request.app[STORE], who["collector_id"])
    return web.json_response({"cases": await view.cases()})


async def agency_case(request: web.Request) -> web.Response:
    who = await _require(request, "agency")
    view = CollectorView(request.app[STORE], who["collector_id"])
    try:
        return web.json_response(await view.case(request.match_info["account_id"]))
    except AccessDenied:
        raise _error(404, "no such case placed with you") from None


async def agency_action(request: web.Request) -> web.Response:
    who = await _require(request, "agency")
    try:
        body = await request.json()
        amount = Decimal(str(body["ptp_amount"])) if body.get("ptp_amount") is not None else None
        ptp_date = date.fromisoformat(body["ptp_date"]) if body.get("ptp_date") else None
        kind = str(body["kind"])
    except (ValueError, KeyError, TypeError, InvalidOperation):
        raise _error(400, f"JSON with kind ({', '.join(ACTION_KINDS)}) and optional result,"
                     " note, ptp_amount, ptp_date (YYYY-MM-DD)") from None  # fmt: skip
    view = CollectorView(request.app[STORE], who["collector_id"])
    try:
        action_id = await view.record_action(
            request.match_info["account_id"], kind, result=str(body.get("result", "")),
            note=str(body.get("note", "")), ptp_amount=amount, ptp_date=ptp_date,
            client_key=request.headers.get("Idempotency-Key"),
        )  # fmt: skip
    except AccessDenied:
        raise _error(404, "no such case placed with you") from None
    except InputError as exc:
        raise _error(400, str(exc)) from None
    return web.json_response({"id": action_id}, status=201)


async def get_openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi())


@web.middleware
async def _errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except DunbotError as exc:
        raise _error(400, str(exc)) from None


def make_app(store: Store, inbox: Path | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD, middlewares=[_errors])
    app[STORE] = store
    app[INBOX] = inbox or load_settings().home / "inbox"
    app.router.add_post("/v1/account-files", post_account_file)
    app.router.add_post("/v1/payment-files", post_payment_file)
    app.router.add_post("/v1/payments", post_payment)
    app.router.add_get("/v1/cases/{account_id}", get_case)
    app.router.add_get("/v1/agency/cases", agency_cases)
    app.router.add_get("/v1/agency/cases/{account_id}", agency_case)
    app.router.add_post("/v1/agency/cases/{account_id}/actions", agency_action)
    app.router.add_get("/v1/openapi.json", get_openapi)
    return app


async def serve(store: Store, host: str, port: int) -> None:
    import asyncio

    runner = web.AppRunner(make_app(store))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    print(f"dunbot API on http://{host}:{port} (spec: /v1/openapi.json)")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def openapi() -> dict[str, Any]:
    from robot.cases.openapi import spec

    return spec()
