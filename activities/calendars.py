"""Turn a stored business-hours calendar into `Calendar` data for the workflow: weekly
hours as minutes, holidays as dates, and the time zone's UTC offsets for a horizon, read
here (in an activity) from the time-zone database, never inside a workflow."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models.business_hours import weekly_minutes, zone_offsets
from workflows.sla_types import Calendar

# Offsets are given from a year back (clocks of old tickets) to three years ahead.
HORIZON_BACK = timedelta(days=400)
HORIZON_AHEAD = timedelta(days=3 * 366)


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
