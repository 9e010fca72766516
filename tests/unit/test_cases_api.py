"""REST API: token auth, files idempotent on re-send, agencies confined to their cases."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from lifecycle_helpers import account_file, payment_file
from pgstore import either_store, pg_server  # noqa: F401  (fixture)
from robot.cases.api import create_token, make_app, openapi
from robot.cases.placement import load_plan, place, save_collectors
from robot.cases.strategy import load_strategy_text
from robot.cases.treat import run_strategy
from robot.store.db import Store

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"


@asynccontextmanager
async def bank_client(store: Store, tmp_path: Path) -> AsyncIterator[tuple[TestClient, dict[str, str]]]:
    """The API on ``store``, a bank token and the headers that send it."""
    bank = await create_token(store, "bank1", "bank")
    client = TestClient(TestServer(make_app(store, tmp_path / "inbox")))
    await client.start_server()
    try:
        yield client, {"Authorization": f"Bearer {bank}"}
    finally:
        await client.close()


def test_published_spec_is_current() -> None:
    assert json.loads((DOCS / "openapi.json").read_text()) == openapi()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_bank_and_agency_flows(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    async with either_store(kind, tmp_path, request) as store:
        async with bank_client(store, tmp_path) as (client, h):
            body = account_file(tmp_path / "a.csv", [{}, {}, {"amount_due": "x"}]).read_bytes()
            url = "/v1/account-files?today=2026-11-01"
            assert (await client.post(url, data=body)).status == 401
            bad = {"Authorization": "Bearer nope"}
            assert (await client.post(url, data=body, headers=bad)).status == 401
            r = await client.post(url, data=body, headers=h)
            first = await r.json()
            assert r.status == 200 and (first["inserted"], first["rejected"]) == (2, 1)
            assert first["rejects"] == [{"row": 4, "reason": "bad amount_due 'x' (a number"
                                         " such as 1234.50)"}]  # fmt: skip
            again = await (await client.post(url, data=body, headers=h)).json()
            assert again["already"] and again["inserted"] == 2
            assert (await store.query("SELECT COUNT(*) FROM cases"))[0][0] == 2
            pay = payment_file(tmp_path / "p.csv", [("P1", "A1", "10.00", "2026-11-02")])
            for _ in range(2):
                r = await client.post("/v1/payment-files", data=pay.read_bytes(), headers=h)
                assert r.status == 200
            assert (await store.query("SELECT COUNT(*) FROM payments"))[0][0] == 1
            case = await (await client.get("/v1/cases/A1", headers=h)).json()
            assert case["balance"] == "1000.00" and case["bucket"] == "M1"

            plan = tmp_path / "plan.yaml"
            plan.write_text("method: round_robin\ncollectors:\n"
                            "  - {id: east, kind: agency, capacity: 9}\n"
                            "  - {id: west, kind: agency, capacity: 9}\n")
            await save_collectors(store, load_plan(plan))
            await run_strategy(store, load_strategy_text("default: {treatment: agency}\n"),
                               date(2026, 11, 1))
            await place(store, date(2026, 11, 1), method="round_robin")
            east = {"Authorization": f"Bearer {await create_token(store, 'e', 'agency', 'east')}"}
            assert (await client.get("/v1/agency/cases", headers=h)).status == 403
            assert (await client.post(url, data=body, headers=east)).status == 403
            mine = await (await client.get("/v1/agency/cases", headers=east)).json()
            assert [c["account_id"] for c in mine["cases"]] == ["A1"]
            assert (await client.get("/v1/agency/cases/A2", headers=east)).status == 404
            act = {"kind": "call", "result": "right_party"}
            r = await client.post("/v1/agency/cases/A2/actions", json=act, headers=east)
            assert r.status == 404
            key = {**east, "Idempotency-Key": "k1"}
            ids = [(await (await client.post("/v1/agency/cases/A1/actions", json=act,
                                             headers=key)).json())["id"] for _ in range(2)]
            assert ids[0] == ids[1]
            r = await client.post("/v1/agency/cases/A1/actions", json={"kind": "dance"},
                                  headers=east)
            assert r.status == 400
            one = await (await client.get("/v1/agency/cases/A1", headers=east)).json()
            assert len(one["actions"]) == 1


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_single_payment_is_idempotent_validated_and_audited(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from robot.cases.audit import verify
    from robot.cases.reconcile import reconcile

    async with either_store(kind, tmp_path, request) as store:
        async with bank_client(store, tmp_path) as (client, h):
            body = account_file(tmp_path / "a.csv", [{}]).read_bytes()
            assert (await client.post("/v1/account-files?today=2026-11-01", data=body,
                                      headers=h)).status == 200  # fmt: skip
            pay = {"payment_id": "P9", "account_id": "A1", "amount": "250.50",
                   "paid_on": "2026-11-02", "channel": "alipay"}  # fmt: skip
            assert (await client.post("/v1/payments", json=pay)).status == 401
            r = await client.post("/v1/payments", json=pay, headers=h)
            first = await r.json()
            assert r.status == 201 and not first["already"]
            assert (first["amount"], first["currency"], first["status"]) == ("250.50", "USD", "new")
            r = await client.post("/v1/payments", json=pay, headers=h)
            assert r.status == 200 and (await r.json())["already"]
            r = await client.post("/v1/payments", json={**pay, "amount": "99.00"}, headers=h)
            assert r.status == 409 and "already received with other values" in (await r.json())["error"]
            r = await client.post("/v1/payments", headers=h,
                                  json={"payment_id": "P10", "account_id": "A1",
                                        "amount": "abc", "curency": "USD"})  # fmt: skip
            assert r.status == 400 and "unknown field(s) curency" in (await r.json())["error"]
            r = await client.post("/v1/payments", headers=h,
                                  json={"payment_id": "P10", "account_id": "A1", "amount": "abc"})
            err = (await r.json())["error"]
            assert r.status == 400 and err.startswith("request body:")
            assert "bad amount 'abc'" in err and "missing paid_on" in err
            r = await client.post("/v1/payments", data=b"{not json", headers=h)
            assert r.status == 400
            rows = await store.query("SELECT payment_id, amount_minor, source FROM payments")
            assert [tuple(x) for x in rows] == [("P9", 25050, "api")]
            log = await store.query("SELECT action FROM audit_log WHERE action = 'payments.record'")
            assert len(log) == 1
            assert await verify(store) == []
            await reconcile(store, date(2026, 11, 3))
            status = await store.query("SELECT status FROM payments WHERE payment_id = 'P9'")
            assert status[0][0] == "matched"
            case = await (await client.get("/v1/cases/A1", headers=h)).json()
            assert case["balance"] == "749.50"
