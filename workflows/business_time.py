"""Business-time arithmetic on a `Calendar` given as data. Pure and deterministic: no clock,
no file, no time-zone database (the calendar carries its UTC offsets).

Times are handled as UTC epoch seconds (floats) inside, datetimes at the edges. Pauses are
[start, end) intervals (end None: still paused) during which no business time passes.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

from workflows.sla_types import Calendar

DAY = 86_400
# Nothing is due further away than this; a calendar with no open hours never comes due.
HORIZON_DAYS = 3_700
EPOCH_DATE = date(1970, 1, 1)

Interval = tuple[float, float]


def to_epoch(dt: datetime) -> float:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: SLA maths needs timezone-aware UTC datetimes")
    return dt.timestamp()


def from_epoch(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc)


def offset_at(cal: Calendar, t: float) -> int:
    """The calendar's UTC offset (seconds) in force at instant t."""
    if not cal.offsets:
        return 0
    starts = [o[0] for o in cal.offsets]
    i = bisect.bisect_right(starts, t) - 1
    return cal.offsets[max(i, 0)][1]


def local_to_utc(cal: Calendar, local: float) -> float:
    """A local wall time (written as if it were UTC epoch seconds) to a UTC instant. In a fold
    the first occurrence wins; a time in a DST gap is read with the offset from before the
    change, so it lands just after the gap."""
    approx = local - offset_at(cal, local)
    before, after = offset_at(cal, approx - DAY), offset_at(cal, approx + DAY)
    valid = [local - o for o in {before, after} if offset_at(cal, local - o) == o]
    return min(valid) if valid else local - before


def _local_date(cal: Calendar, t: float) -> date:
    return EPOCH_DATE + timedelta(days=int((t + offset_at(cal, t)) // DAY))


def open_windows(cal: Calendar, start: float) -> Iterator[Interval]:
    """The calendar's open intervals from `start` on, in order, clipped to start."""
    if cal.always_open:
        yield (start, start + HORIZON_DAYS * DAY)
        return
    holidays = set(cal.holidays)
    day = _local_date(cal, start) - timedelta(days=1)  # a window may begin the local day before
    floor = start  # windows never overlap, even where a DST gap swallows a boundary
    for _ in range(HORIZON_DAYS):
        if day.isoformat() not in holidays:
            midnight = (day - EPOCH_DATE).days * DAY
            for begin, end in cal.hours[day.weekday()]:
                a = max(local_to_utc(cal, midnight + begin * 60), floor)
                b = local_to_utc(cal, midnight + end * 60)
                if b > a:
                    yield (a, b)
                    floor = b
        day += timedelta(days=1)


def _minus_pauses(windows: Iterator[Interval], pauses: list[tuple[float, float | None]]) -> Iterator[Interval]:
    """Remove paused intervals from the windows. An open pause (end None) removes everything after it."""
    # An open pause sorts as ending last (a pause that ended and one that began at the same
    # instant are both there after a ticket left pending and went back at once).
    ordered = sorted(pauses, key=lambda p: (p[0], float("inf") if p[1] is None else p[1]))
    for a, b in windows:
        pieces = [(a, b)]
        for p0, p1 in ordered:
            end = float("inf") if p1 is None else p1
            nxt: list[Interval] = []
            for x, y in pieces:
                if end <= x or p0 >= y:
                    nxt.append((x, y))
                    continue
                if p0 > x:
                    nxt.append((x, p0))
                if end < y:
                    nxt.append((end, y))
            pieces = nxt
        yield from pieces
        if any(p1 is None and p0 <= b for p0, p1 in ordered):
            return


def _pauses(pauses: list[list[datetime | None]]) -> list[tuple[float, float | None]]:
    return [(to_epoch(p[0]), to_epoch(p[1]) if p[1] is not None else None) for p in pauses]  # type: ignore[arg-type]  # a pause always has its start; only its end may be None


def add_business_time(cal: Calendar, start: datetime, seconds: float,
                      pauses: list[list[datetime | None]] | None = None) -> datetime | None:
    """The instant when `seconds` of business time have passed since `start`, pauses excluded.
    None if that never happens (a pause still running, or no open hours in the horizon)."""
    remaining = float(seconds)
    s = to_epoch(start)
    windows = _minus_pauses(open_windows(cal, s), _pauses(pauses or []))
    for a, b in windows:
        if remaining <= b - a:
            return from_epoch(a + remaining)
        remaining -= b - a
    return None


def business_seconds_between(cal: Calendar, start: datetime, end: datetime,
                             pauses: list[list[datetime | None]] | None = None) -> float:
    """Business time between two instants (0 if end is not after start), pauses excluded."""
    s, e = to_epoch(start), to_epoch(end)
    total = 0.0
    if e <= s:
        return 0.0
    for a, b in _minus_pauses(open_windows(cal, s), _pauses(pauses or [])):
        if a >= e:
            break
        total += min(b, e) - a
    return total
