"""Collection buckets at every boundary, and custom boundaries."""

from __future__ import annotations

import pytest

from robot.store.models import bucket_for


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, "current"), (0, "current"), (1, "M0"), (30, "M0"), (31, "M1"), (60, "M1"),
        (61, "M2"), (90, "M2"), (91, "M3"), (120, "M3"), (121, "M4-M6"), (180, "M4-M6"),
        (181, "M6+"), (3650, "M6+"),
    ],
)  # fmt: skip
def test_default_bounds(days: int, bucket: str) -> None:
    assert bucket_for(days) == bucket


def test_custom_bounds() -> None:
    bounds = ((29, "B1"), (59, "B2"))
    assert bucket_for(29, bounds) == "B1"
    assert bucket_for(30, bounds) == "B2"
    assert bucket_for(60, bounds, overflow="write-off") == "write-off"
