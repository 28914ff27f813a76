"""Weekly business hours as stored ({"mon": [["09:00", "12:30"], ...]}): parsing and
validation, shared by the admin API (to refuse bad input) and the SLA activity; and a time
zone's UTC offsets, which the SLA activity and the reports turn into calendar data."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_hhmm(value: str) -> int:
    """'09:30' -> 570; '24:00' is the end of the day (1440)."""
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a time of day (HH:MM, 00:00 to 24:00)")
    h, m = int(match.group(1)), int(match.group(2))
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > 1440:
        raise ValueError(f"{value!r} is not a time of day (HH:MM, 00:00 to 24:00)")
    return h * 60 + m


def weekly_minutes(weekly: dict[str, list[list[str]]]) -> list[list[list[int]]]:
    """{"mon": [["09:00", "12:00"], ["13:00", "17:00"]], ...} -> per weekday [[540, 720], [780, 1020]]."""
    unknown = set(weekly) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"unknown weekday {sorted(unknown)[0]!r}; use {', '.join(WEEKDAYS)}")
    days: list[list[list[int]]] = []
    for day in WEEKDAYS:
        spans = sorted([parse_hhmm(a), parse_hhmm(b)] for a, b in weekly.get(day, []))
        for (a, b), nxt in zip(spans, spans[1:] + [None]):
            if b <= a:
                raise ValueError(f"{day}: {a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d} ends before it starts")
            if nxt is not None and nxt[0] < b:
                raise ValueError(f"{day}: opening hours overlap")
        days.append(spans)
    return days


def zone_offsets(zone_name: str, start: datetime, end: datetime) -> list[list[int]]:
    """[[utc_epoch, offset_seconds], ...]: the zone's offset from each change on, over [start, end]."""
    zone = ZoneInfo(zone_name)

    def offset(t: int) -> int:
        return int(datetime.fromtimestamp(t, zone).utcoffset().total_seconds())  # type: ignore[union-attr]  # an aware datetime in a ZoneInfo always has an offset

    t, stop = int(start.timestamp()), int(end.timestamp())
    result = [[t, offset(t)]]
    step = 86_400  # zones change offset at most a few times a year, never twice in a day
    while t < stop:
        nxt = t + step
        if offset(nxt) != result[-1][1]:
            lo, hi = t, nxt  # offset(lo) is the old one, offset(hi) the new: find the second it changes
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == result[-1][1] else (lo, mid)
            result.append([hi, offset(hi)])
        t = nxt
    return result
