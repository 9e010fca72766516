"""Call-list import: row validation per reason, encodings, reject file, reloads."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from robot.cases.csvload import load_csv_file, read_call_list, validate_row
from robot.errors import InputError
from robot.store.db import Store

TODAY = date(2026, 11, 28)
DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE = Path(__file__).resolve().parent.parent.parent / "campaigns" / "sample"
GOOD = {
    "account_id": "A-1", "name": "Alice Walker", "phone": "+15550100001",
    "amount_due": "1250.00", "due_date": "2026-10-15",
}  # fmt: skip


def bad(**changes: str) -> str:
    with pytest.raises(InputError) as err:
        validate_row({**GOOD, **changes}, 7, TODAY, "list.csv")
    assert err.value.where == "list.csv row 7"
    return str(err.value)


def test_good_row_with_defaults() -> None:
    acc = validate_row({**GOOD, "branch": "north"}, 2, TODAY)
    assert acc.amount_due == Decimal("1250.00")
    assert acc.due_date == date(2026, 10, 15)
    assert acc.days_past_due == 44 and acc.bucket == "M1"
    assert (acc.lang, acc.currency, acc.timezone) == ("zh", "CNY", "Asia/Shanghai")
    assert acc.extra == {"branch": "north"}


def test_english_defaults_and_explicit_days() -> None:
    acc = validate_row({**GOOD, "lang": "EN", "days_past_due": "95"}, 2, TODAY)
    assert (acc.lang, acc.currency, acc.timezone) == ("en", "USD", "America/New_York")
    assert (acc.days_past_due, acc.bucket) == (95, "M3")


def test_tolerant_header_names_and_formats() -> None:
    row = {" Account ID": "A-2", "NAME": "张伟", "phone": "138-0000-0001",
           "Amount-Due": "1,234.50", "due date": "2026/9/1"}  # fmt: skip
    acc = validate_row(row, 3, TODAY)
    assert (acc.id, acc.phone, acc.amount_due) == ("A-2", "13800000001", Decimal("1234.50"))
    assert acc.due_date == date(2026, 9, 1)


@pytest.mark.parametrize("column", ["account_id", "name", "phone", "amount_due", "due_date"])
def test_missing_required(column: str) -> None:
    assert f"missing {column}" in bad(**{column: "  "})


@pytest.mark.parametrize("phone", ["12345", "+1234567890123456", "555-CALL-NOW", "++15550100001"])
def test_bad_phone(phone: str) -> None:
    assert "bad phone" in bad(phone=phone)


@pytest.mark.parametrize("amount", ["12.3.4", "abc", "-5", "0", "10.001", "NaN", "1,23"])
def test_bad_amount(amount: str) -> None:
    assert "bad amount_due" in bad(amount_due=amount)


@pytest.mark.parametrize("due", ["2026-13-45", "15/10/2026", "yesterday", "2026-02-30"])
def test_bad_date(due: str) -> None:
    assert "bad due_date" in bad(due_date=due)


def test_unknown_timezone_and_other_fields() -> None:
    assert "unknown timezone" in bad(timezone="Mars/Olympus_Mons")
    assert "unknown timezone" in bad(timezone="../etc/passwd")
    assert "bad currency" in bad(currency="dollars")
    assert "lang" in bad(lang="fr")
    assert "bad days_past_due" in bad(days_past_due="ten")


def test_all_problems_reported_together() -> None:
    msg = bad(phone="x", amount_due="y")
    assert "bad phone" in msg and "bad amount_due" in msg


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


ZH = "account_id,name,phone,amount_due,due_date\nZ-1,王小明,13800000001,3200.00,2026-10-10\n"


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")],
)
def test_encodings(tmp_path: Path, encoding: str, detected: str) -> None:
    cl = read_call_list(write(tmp_path / "l.csv", ZH, encoding))
    assert cl.encoding == detected
    assert cl.columns[0] == "account_id"  # the BOM never sticks to the first header
    assert cl.rows[0][1][1] == "王小明"


def test_header_missing_column_is_fatal(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "account_id,name,phone,due_date\n1,a,123456,2026-01-01\n",
                 "utf-8")  # fmt: skip
    with pytest.raises(InputError, match="amount_due") as err:
        read_call_list(path)
    assert err.value.where == f"{path} row 1"


@pytest.fixture
async def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with await Store.open(tmp_path / "t.db") as s:
        yield s


async def test_broken_file_rejects_with_row_numbers(store: Store, tmp_path: Path) -> None:
    rejects = tmp_path / "out" / "r.csv"
    report = await load_csv_file(store, DATA / "broken_accounts.csv", "c", today=TODAY,
                                 rejects_path=rejects)  # fmt: skip
    assert (report.loaded, report.updated, report.rejected) == (3, 0, 7)
    assert report.rejects_path == rejects
    with rejects.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["row", "reason", "Account ID", "Name"]
    got = {int(r[0]): r[1] for r in rows[1:]}
    assert sorted(got) == [3, 4, 5, 6, 7, 8, 9]
    assert got[3] == "missing name"
    assert got[4].startswith("bad phone")
    assert got[5].startswith("bad amount_due")
    assert got[6] == "11 columns, header has 10"
    assert got[7].startswith("bad due_date")
    assert got[8].startswith("unknown timezone")
    assert got[9] == "duplicate account_id 'B-001' (first at row 2)"
    assert rows[1][2:] == ["B-002", "", "+15550100002", "200.00", "2026-10-01", "USD",
                           "America/New_York", "", "en", "north"]  # fmt: skip
    camp = await store.require_campaign("c")
    loaded = await store.pending_accounts(camp["id"])
    assert [a.id for a in loaded] == ["B-001", "B-009", "B-010"]
    assert loaded[0].name == "Good One"  # the first B-001 wins, the duplicate is rejected
    assert loaded[1].amount_due == Decimal("1234.50") and loaded[1].currency == "CNY"
    assert loaded[2].days_past_due == 3 and loaded[2].extra == {"branch": "west"}


async def test_default_reject_path_beside_input(store: Store, tmp_path: Path) -> None:
    src = tmp_path / "june.csv"
    src.write_bytes((DATA / "broken_accounts.csv").read_bytes())
    report = await load_csv_file(store, src, "c", today=TODAY)
    assert report.rejects_path == tmp_path / "june.rejects.csv"
    assert report.rejects_path.exists()


async def test_gb18030_rejects_keep_the_encoding(store: Store, tmp_path: Path) -> None:
    src = write(tmp_path / "zh.csv", ZH + "Z-2,李静,12,1.00,2026-10-10\n", "gb18030")
    report = await load_csv_file(store, src, "c", today=TODAY)
    assert (report.loaded, report.rejected, report.encoding) == (1, 1, "gb18030")
    assert "李静" in report.rejects_path.read_text(encoding="gb18030")  # type: ignore[union-attr]


async def test_reload_is_idempotent(store: Store) -> None:
    first = await load_csv_file(store, SAMPLE / "accounts.csv", "demo", today=TODAY)
    second = await load_csv_file(store, SAMPLE / "accounts.csv", "demo", today=TODAY)
    assert (first.loaded, first.updated, first.rejected) == (6, 0, 0)
    assert (second.loaded, second.updated, second.rejected) == (0, 6, 0)
    assert first.rejects_path is None
    camp = await store.require_campaign("demo")
    pending = await store.pending_accounts(camp["id"])
    assert [a.phone for a in pending] == [f"+1555010000{i}" for i in range(1, 7)]
    assert {a.lang for a in pending} == {"en"}
    assert len(await store.campaigns()) == 1


async def test_sample_zh_file(store: Store) -> None:
    report = await load_csv_file(store, SAMPLE / "accounts_zh.csv", "zh", today=TODAY)
    assert (report.loaded, report.rejected, report.encoding) == (4, 0, "utf-8-sig")
    camp = await store.require_campaign("zh")
    pending = await store.pending_accounts(camp["id"])
    assert [a.phone for a in pending] == [f"1380000000{i}" for i in range(1, 5)]
    assert {(a.lang, a.currency, a.timezone) for a in pending} == {("zh", "CNY", "Asia/Shanghai")}


async def test_batches_cover_every_row(store: Store, tmp_path: Path) -> None:
    lines = ["account_id,name,phone,amount_due,due_date"]
    lines += [f"N-{i},Name {i},+1555{i:07d},{i}.50,2026-10-01" for i in range(1, 2501)]
    src = write(tmp_path / "big.csv", "\n".join(lines) + "\n", "utf-8")
    report = await load_csv_file(store, src, "big", today=TODAY)
    assert report.loaded == 2500
    camp = await store.require_campaign("big")
    pending = await store.pending_accounts(camp["id"])
    assert [a.id for a in pending[:2]] == ["N-1", "N-2"] and pending[-1].id == "N-2500"
