"""Local-calendar arithmetic on plain UTC timestamps, exact across DST changes.

The compliance rules speak of the borrower's *local* clock (08:00, "the same day", "seven
consecutive days") while the dialer lives in UTC. Converting every instant through
``zoneinfo`` is exact but slow when a million accounts are planned, so each time zone's
UTC offsets are sampled once into an :class:`OffsetTable` (a sorted list of the instants
at which the offset changes). After that, the local date and time of an instant is one
binary search and two additions, and the instants at which the local clock crosses a
given wall-clock time can be listed directly, including the DST jumps themselves.

Times are float seconds since the epoch; local days are integers (days since
1970-01-01 in local wall time) so that day arithmetic is integer arithmetic.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from robot.errors import InputError

DAY = 86_400
#: Offsets are sampled this often; real zones never change offset twice within it.
_STEP = 6 * 3_600
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def epoch_day(d: date) -> int:
    """A calendar date as days since 1970-01-01 (the integer the rules compare)."""
    return d.toordinal() - _EPOCH_ORDINAL


def day_date(day: int) -> date:
    """Inverse of :func:`epoch_day`."""
    return date.fromordinal(day + _EPOCH_ORDINAL)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is bad input, not a crash."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {name!r} ({exc})") from None


def _offset(tz: ZoneInfo, ts: float) -> int:
    off = datetime.fromtimestamp(ts, tz).utcoffset()
    assert off is not None
    return int(off.total_seconds())


@dataclass(frozen=True)
class OffsetTable:
    """UTC offsets of one zone over ``[lo, hi)``: ``offsets[i]`` holds from ``starts[i]``."""

    tz: str
    starts: tuple[int, ...]
    offsets: tuple[int, ...]
    lo: int
    hi: int

    def offset_at(self, ts: float) -> int:
        if not self.lo <= ts < self.hi:
            return _offset(zone(self.tz), ts)
        return self.offsets[bisect.bisect_right(self.starts, ts) - 1]

    def local(self, ts: float) -> tuple[int, float]:
        """``(local day, seconds since local midnight)`` of instant ``ts``."""
        wall = ts + self.offset_at(ts)
        day = int(wall // DAY)
        return day, wall - day * DAY

    def segments(self, start: float, end: float) -> Iterator[tuple[float, float, int]]:
        """Constant-offset pieces ``(from, to, offset)`` covering ``[start, min(end, hi))``."""
        i = max(bisect.bisect_right(self.starts, start) - 1, 0)
        n = len(self.starts)
        while i < n and self.starts[i] < end:
            s1 = self.starts[i + 1] if i + 1 < n else self.hi
            lo = max(self.starts[i], start)
            if lo < s1:
                yield lo, min(s1, end), self.offsets[i]
            i += 1


@lru_cache(maxsize=256)
def _table(tz_name: str, year: int) -> OffsetTable:
    tz = zone(tz_name)
    lo = int(datetime(year - 1, 1, 1, tzinfo=UTC).timestamp())
    hi = int(datetime(year + 2, 1, 1, tzinfo=UTC).timestamp()) + 40 * DAY
    starts, offsets = [lo], [_offset(tz, lo)]
    t = lo
    while t < hi:
        nxt = min(t + _STEP, hi)
        if _offset(tz, nxt) != offsets[-1]:
            a, b = t, nxt  # offset(a) == previous, offset(b) != previous
            while b - a > 1:
                mid = (a + b) // 2
                if _offset(tz, mid) == offsets[-1]:
                    a = mid
                else:
                    b = mid
            starts.append(b)
            offsets.append(_offset(tz, b))
        t = nxt
    return OffsetTable(tz_name, tuple(starts), tuple(offsets), lo, hi)


def offset_table(tz_name: str, ts: float) -> OffsetTable:
    """The table of zone ``tz_name`` covering a year before to a year after ``ts``."""
    return _table(tz_name, datetime.fromtimestamp(ts, UTC).year)


def wall_crossings(
    table: OffsetTable, start: float, end: float, walls: tuple[int, ...]
) -> Iterator[float]:
    """Every instant in ``(start, end)`` at which a local predicate may change, ascending.

    ``walls`` are seconds after local midnight (include 0 so date changes are seen).
    Between two consecutive yielded instants the local clock runs without jumping and
    crosses no wall, so anything that depends only on the local date and on which side
    of each wall the local time lies is constant there. Yields the wall instants of each
    constant-offset piece and the DST jumps themselves (a wall time skipped by a
    spring-forward gap takes effect at the jump; one repeated by a fall-back fold is
    yielded twice).
    """
    last = start
    for s0, s1, off in table.segments(start, end):
        if s0 > last:
            yield s0
            last = s0
        day = int((s0 + off) // DAY)
        while True:
            base = day * DAY - off
            if base >= s1:
                break
            for w in walls:
                t = base + w
                if t >= s1:
                    break
                if t > last:
                    yield t
                    last = t
            day += 1
