"""Turn a stored business-hours calendar into `Calendar` data for the workflow: weekly
hours as minutes, holidays as dates, and the time zone's UTC offsets for a horizon, read
here (in an activity) from the time-zone database, never inside a workflow."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from models.business_hours import weekly_minutes
from workflows.sla_types import Calendar

# Offsets are given from a year back (clocks of old tickets) to three years ahead.
HORIZON_BACK = timedelta(days=400)
HORIZON_AHEAD = timedelta(days=3 * 366)


def zone_offsets(zone_name: str, start: datetime, end: datetime) -> list[list[int]]:
    """[[utc_epoch, offset_seconds], ...]: the zone's offset from each change on, over [start, end]."""
    zone = ZoneInfo(zone_name)

    def offset(t: int) -> int:
        return int(datetime.fromtimestamp(t, zone).utcoffset().total_seconds())  # type: ignore[union-attr]

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


def build_calendar(name: str, zone_name: str, weekly: dict[str, list[list[str]]] | None, holidays: list[str],
                   now: datetime | None = None) -> Calendar:
    """A calendar as data. `weekly` None means open around the clock (24x7)."""
    now = now or datetime.now(timezone.utc)
    if weekly is None:
        return Calendar(name=name, timezone=zone_name, always_open=True)
    return Calendar(
        name=name,
        timezone=zone_name,
        always_open=False,
        hours=weekly_minutes(weekly),
        holidays=sorted(holidays),
        offsets=zone_offsets(zone_name, now - HORIZON_BACK, now + HORIZON_AHEAD),
    )
