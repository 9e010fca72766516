"""The streamed read of a call list (big files) gives exactly the rows of the full read."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.cases.csvload import read_call_list
from robot.errors import InputError

TEXT = ("Account ID,Name,Phone,Amount Due,Due Date,note\r\n"
        "Z-1,王芳,+8613800000001,100.00,2026-10-01,\"two\nlines\"\r\n"
        ",,,,,\r\n"
        "\r\n"
        "Z-2,李静,12,1.00,2026-10-10,x\r\n"
        "Z-3,张伟,+8613800000003,3.00,2026-10-10\r\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_stream_equals_full_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(TEXT.encode(encoding))
    full = read_call_list(path)
    streamed = read_call_list(path, stream=True)
    assert (streamed.encoding, streamed.header, streamed.columns) == (
        full.encoding, full.header, full.columns)
    assert list(streamed.rows) == full.rows
    assert [n for n, _ in full.rows] == [2, 5, 6]  # record numbers, blank rows skipped


def test_stream_errors_match(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        read_call_list(empty, stream=True)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"account_id,name\n\xff\xfe\xfa\n")
    with pytest.raises(InputError):
        read_call_list(bad, stream=True)
