"""Business-time maths (workflows/business_time.py) on calendars made by activities/calendars.py.

Examples first, each with the local wall times written out so a person can check them by
hand; then hypothesis properties over random zones, starts, targets, holidays and pauses,
checked against an independent oracle (zoneinfo wall times), not against the module itself.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activities.calendars import build_calendar, zone_offsets
from models.business_hours import parse_hhmm, weekly_minutes
from workflows.business_time import (
    add_business_time,
    business_seconds_between,
    local_to_utc,
    offset_at,
    open_windows,
)
from workflows.sla_types import Calendar

UTC = timezone.utc
H = 3600
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

NINE_FIVE = {d: [["09:00", "17:00"]] for d in WEEKDAYS}
LUNCH = {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in WEEKDAYS}  # 7 h a day
ALL_DAY = {d: [["00:00", "24:00"]] for d in ALL_DAYS}  # every local day, midnight to midnight
NIGHTS = {d: [["00:00", "06:00"], ["22:00", "24:00"]] for d in ALL_DAYS}  # 8 h a day, across midnight

# Offsets for the property tests: starts in 2025-2028 plus targets of up to ~45 days (and pauses).
HORIZON_FROM = datetime(2024, 6, 1, tzinfo=UTC)
HORIZON_TO = datetime(2030, 1, 1, tzinfo=UTC)
BUILT_AT = datetime(2026, 6, 1, tzinfo=UTC)  # build_calendar's `now`: offsets 2025-04 .. 2029-06


def at(zone: str, y: int, mo: int, d: int, hh: int = 0, mi: int = 0, ss: int = 0, us: int = 0) -> datetime:
    """A local wall time in `zone` (first occurrence in a fold) as an aware UTC datetime."""
    return datetime(y, mo, d, hh, mi, ss, us, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def cal(zone: str, weekly: dict | None, holidays: list[str] | tuple[str, ...] = ()) -> Calendar:
    return build_calendar("test", zone, weekly, list(holidays), now=BUILT_AT)


@functools.lru_cache(maxsize=None)
def _offsets(zone: str) -> tuple[tuple[int, int], ...]:
    return tuple(tuple(o) for o in zone_offsets(zone, HORIZON_FROM, HORIZON_TO))  # type: ignore[misc]  # zone_offsets yields pairs


def wide_cal(zone: str, weekly: dict | None, holidays: list[str] | tuple[str, ...] = ()) -> Calendar:
    """Like `cal` but with offsets over the whole property-test horizon (2024-06 .. 2030)."""
    c = cal(zone, weekly, holidays)
    if c.always_open:
        return c
    return dataclasses.replace(c, offsets=[list(o) for o in _offsets(zone)])


def paris(*args: int) -> datetime:
    return at("Europe/Paris", *args)


def ny(*args: int) -> datetime:
    return at("America/New_York", *args)


# --------------------------------------------------------------------------------------------
# The calendar as data (activities/calendars.py)
# --------------------------------------------------------------------------------------------


def test_weekly_minutes_and_24_00():
    assert parse_hhmm("09:30") == 570
    assert parse_hhmm("24:00") == 1440
    assert parse_hhmm("00:00") == 0
    for bad in ("24:01", "25:00", "12:60", "-1:00"):
        with pytest.raises(ValueError):
            parse_hhmm(bad)
    days = weekly_minutes({"mon": [["13:00", "17:00"], ["09:00", "12:00"]], "sun": [["00:00", "24:00"]]})
    assert days[0] == [[540, 720], [780, 1020]]  # sorted
    assert days[6] == [[0, 1440]]
    assert days[1:6] == [[], [], [], [], []]
    with pytest.raises(ValueError):
        weekly_minutes({"mon": [["09:00", "12:00"], ["11:00", "17:00"]]})  # overlap
    with pytest.raises(ValueError):
        weekly_minutes({"mon": [["17:00", "09:00"]]})  # ends before it starts
    with pytest.raises(ValueError):
        weekly_minutes({"monday": [["09:00", "17:00"]]})


def test_build_calendar_24x7_and_business():
    c = cal("Europe/Paris", None)
    assert c.always_open
    c = cal("Europe/Paris", LUNCH, ["2026-05-01"])
    assert not c.always_open
    assert c.hours[0] == [[540, 720], [780, 1020]] and c.hours[5] == [] and c.hours[6] == []
    assert c.holidays == ["2026-05-01"]


def test_zone_offsets_find_the_paris_changes_to_the_second():
    offsets = zone_offsets("Europe/Paris", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    # 2026-03-29 02:00 CET -> 03:00 CEST is 01:00 UTC; 2026-10-25 03:00 CEST -> 02:00 CET is 01:00 UTC.
    assert offsets == [
        [int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()), 3600],
        [int(datetime(2026, 3, 29, 1, tzinfo=UTC).timestamp()), 7200],
        [int(datetime(2026, 10, 25, 1, tzinfo=UTC).timestamp()), 3600],
    ]
    c = Calendar(always_open=False, offsets=offsets)
    assert offset_at(c, datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC).timestamp()) == 3600
    assert offset_at(c, datetime(2026, 3, 29, 1, tzinfo=UTC).timestamp()) == 7200


def test_zone_offsets_new_york_and_chatham():
    offsets = zone_offsets("America/New_York", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    # 2026-03-08 02:00 EST -> 03:00 EDT is 07:00 UTC; 2026-11-01 02:00 EDT -> 01:00 EST is 06:00 UTC.
    assert [o[1] for o in offsets] == [-5 * H, -4 * H, -5 * H]
    assert offsets[1][0] == int(datetime(2026, 3, 8, 7, tzinfo=UTC).timestamp())
    assert offsets[2][0] == int(datetime(2026, 11, 1, 6, tzinfo=UTC).timestamp())
    chatham = zone_offsets("Pacific/Chatham", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert [o[1] for o in chatham] == [13 * H + 2700, 12 * H + 2700, 13 * H + 2700]  # +13:45 / +12:45


def test_local_to_utc_fold_takes_the_first_occurrence_and_gap_the_old_offset():
    c = cal("Europe/Paris", LUNCH)
    local = datetime(2026, 10, 25, 2, 30, tzinfo=UTC).timestamp()  # 02:30 wall time happens twice
    assert local_to_utc(c, local) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC).timestamp()  # 02:30 CEST
    local = datetime(2026, 3, 29, 2, 30, tzinfo=UTC).timestamp()  # 02:30 does not exist
    assert local_to_utc(c, local) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC).timestamp()  # read as CET = 03:30 CEST
    local = datetime(2026, 7, 1, 9, tzinfo=UTC).timestamp()
    assert local_to_utc(c, local) == datetime(2026, 7, 1, 7, tzinfo=UTC).timestamp()  # 09:00 CEST


# --------------------------------------------------------------------------------------------
# Examples: Europe/Paris, Mon-Fri 09:00-12:00 + 13:00-17:00 (lunch break), 7 h a day
# --------------------------------------------------------------------------------------------

PARIS_LUNCH = cal("Europe/Paris", LUNCH, ["2026-04-06", "2026-05-01"])  # Easter Monday, 1 May (a Friday)


@pytest.mark.parametrize(
    ("start", "seconds", "due"),
    [
        # Mon 2 Mar 10:00 + 1 h = Mon 11:00 (CET, UTC+1)
        (paris(2026, 3, 2, 10), 1 * H, paris(2026, 3, 2, 11)),
        # Mon 11:30 + 1 h: 30 min to 12:00, lunch, 30 min from 13:00 = Mon 13:30
        (paris(2026, 3, 2, 11, 30), 1 * H, paris(2026, 3, 2, 13, 30)),
        # exactly the morning: Mon 09:00 + 3 h = Mon 12:00 (the end of a window, not 13:00)
        (paris(2026, 3, 2, 9), 3 * H, paris(2026, 3, 2, 12)),
        # start inside the lunch break: Mon 12:15 + 1 h = Mon 14:00
        (paris(2026, 3, 2, 12, 15), 1 * H, paris(2026, 3, 2, 14)),
        # start at night: Mon 20:00 + 1 h = Tue 10:00
        (paris(2026, 3, 2, 20), 1 * H, paris(2026, 3, 3, 10)),
        # start before opening: Tue 03:00 + 1 h = Tue 10:00
        (paris(2026, 3, 3, 3), 1 * H, paris(2026, 3, 3, 10)),
        # start on a weekend: Sat 7 Mar 10:00 + 1 h = Mon 9 Mar 10:00
        (paris(2026, 3, 7, 10), 1 * H, paris(2026, 3, 9, 10)),
        # over the weekend: Fri 6 Mar 16:00 + 2 h = Fri 16-17 + Mon 9-10 = Mon 9 Mar 10:00
        (paris(2026, 3, 6, 16), 2 * H, paris(2026, 3, 9, 10)),
        # a whole business day: Tue 10:00 + 7 h = Wed 10:00
        (paris(2026, 3, 3, 10), 7 * H, paris(2026, 3, 4, 10)),
        # holiday: Thu 30 Apr 16:00 + 2 h = Thu 16-17, Fri 1 May closed, weekend, Mon 4 May 9-10 = 10:00 CEST
        (paris(2026, 4, 30, 16), 2 * H, paris(2026, 5, 4, 10)),
        # start on the holiday: Fri 1 May 10:00 + 1 h = Mon 4 May 10:00
        (paris(2026, 5, 1, 10), 1 * H, paris(2026, 5, 4, 10)),
        # Easter Monday: Fri 3 Apr 16:00 + 2 h = Fri 16-17, weekend, Mon 6 Apr closed, Tue 7 Apr 9-10 = 10:00
        (paris(2026, 4, 3, 16), 2 * H, paris(2026, 4, 7, 10)),
        # spring forward (Sun 29 Mar 02:00 CET -> 03:00 CEST): Fri 27 Mar 16:00 CET (15:00 UTC)
        # + 2 h = Mon 30 Mar 10:00 CEST (08:00 UTC)
        (paris(2026, 3, 27, 16), 2 * H, datetime(2026, 3, 30, 8, tzinfo=UTC)),
        # fall back (Sun 25 Oct 03:00 CEST -> 02:00 CET): Fri 23 Oct 16:00 CEST (14:00 UTC)
        # + 2 h = Mon 26 Oct 10:00 CET (09:00 UTC)
        (paris(2026, 10, 23, 16), 2 * H, datetime(2026, 10, 26, 9, tzinfo=UTC)),
        # sub-minute: Mon 10:00:00 + 1 s = 10:00:01
        (paris(2026, 3, 2, 10), 1, paris(2026, 3, 2, 10, 0, 1)),
        # sub-minute across lunch: Mon 11:59:45 + 30 s = 15 s before 12:00, 15 s after 13:00 = 13:00:15
        (paris(2026, 3, 2, 11, 59, 45), 30, paris(2026, 3, 2, 13, 0, 15)),
        # 1 s from the weekend: Sun 8 Mar 23:59:59 + 1 s = Mon 9 Mar 09:00:01
        (paris(2026, 3, 8, 23, 59, 59), 1, paris(2026, 3, 9, 9, 0, 1)),
    ],
)
def test_paris_lunch_examples(start, seconds, due):
    got = add_business_time(PARIS_LUNCH, start, seconds)
    assert got == due
    assert business_seconds_between(PARIS_LUNCH, start, got) == pytest.approx(seconds, abs=1e-6)


def test_forty_business_days():
    # Mon 2 Mar 09:00 CET + 40 business days of 7 h (280 h). Weeks of 2, 9, 16, 23, 30 Mar, then
    # 6 Apr (Easter Monday a holiday: 4 days), 13, 20 Apr = 39 days by Fri 24 Apr; the 40th is Mon 27 Apr:
    # due at Mon 27 Apr 17:00 CEST (15:00 UTC), at the end of a window.
    start = paris(2026, 3, 2, 9)
    due = add_business_time(PARIS_LUNCH, start, 40 * 7 * H)
    assert due == paris(2026, 4, 27, 17) == datetime(2026, 4, 27, 15, tzinfo=UTC)
    # One more second: Tue 28 Apr 09:00:01 CEST.
    assert add_business_time(PARIS_LUNCH, start, 40 * 7 * H + 1) == paris(2026, 4, 28, 9, 0, 1)
    assert business_seconds_between(PARIS_LUNCH, start, due) == 40 * 7 * H


def test_business_seconds_between_examples():
    # Mon 2 Mar 08:00 -> Mon 18:00: 09-12 + 13-17 = 7 h
    assert business_seconds_between(PARIS_LUNCH, paris(2026, 3, 2, 8), paris(2026, 3, 2, 18)) == 7 * H
    # Mon 11:00 -> Mon 14:00: 11-12 + 13-14 = 2 h
    assert business_seconds_between(PARIS_LUNCH, paris(2026, 3, 2, 11), paris(2026, 3, 2, 14)) == 2 * H
    # Fri 6 Mar 17:00 -> Mon 9 Mar 09:00: nothing
    assert business_seconds_between(PARIS_LUNCH, paris(2026, 3, 6, 17), paris(2026, 3, 9, 9)) == 0
    # A whole week Mon 2 Mar 00:00 -> Mon 9 Mar 00:00: 5 x 7 h
    assert business_seconds_between(PARIS_LUNCH, paris(2026, 3, 2), paris(2026, 3, 9)) == 35 * H
    # The week of the DST change, Mon 23 Mar -> Mon 30 Mar 00:00 (a 167 h week): still 35 h
    assert business_seconds_between(PARIS_LUNCH, paris(2026, 3, 23), paris(2026, 3, 30)) == 35 * H
    # The week of 1 May (a Friday holiday): 4 x 7 h
    assert business_seconds_between(PARIS_LUNCH, paris(2026, 4, 27), paris(2026, 5, 4)) == 28 * H
    # end not after start
    assert business_seconds_between(PARIS_LUNCH, paris(2026, 3, 2, 11), paris(2026, 3, 2, 10)) == 0
    assert business_seconds_between(PARIS_LUNCH, paris(2026, 3, 2, 11), paris(2026, 3, 2, 11)) == 0


# --------------------------------------------------------------------------------------------
# Pauses
# --------------------------------------------------------------------------------------------


def test_pause_over_a_weekend_only_removes_open_hours():
    # Start Fri 6 Mar 09:00, target 8 h. Without a pause: Fri 09-12 + 13-17 = 7 h, then Mon 09:00-10:00.
    start = paris(2026, 3, 6, 9)
    assert add_business_time(PARIS_LUNCH, start, 8 * H) == paris(2026, 3, 9, 10)
    # Paused Fri 16:00 -> Mon 10:00: only Fri 16-17 and Mon 9-10 are lost (2 h), so
    # Fri 09-12 + 13-16 = 6 h, then Mon 10:00 + 2 h = Mon 12:00.
    pause = [[paris(2026, 3, 6, 16), paris(2026, 3, 9, 10)]]
    assert add_business_time(PARIS_LUNCH, start, 8 * H, pause) == paris(2026, 3, 9, 12)
    # Fri 09:00 -> Mon 12:00: 7 h + 3 h = 10 h without the pause, 10 h - 2 h = 8 h with it.
    assert business_seconds_between(PARIS_LUNCH, start, paris(2026, 3, 9, 12)) == 10 * H
    assert business_seconds_between(PARIS_LUNCH, start, paris(2026, 3, 9, 12), pause) == 8 * H


def test_pause_in_closed_hours_changes_nothing():
    start = paris(2026, 3, 2, 10)
    night = [[paris(2026, 3, 2, 18), paris(2026, 3, 3, 8)]]  # Mon 18:00 -> Tue 08:00
    lunch = [[paris(2026, 3, 3, 12), paris(2026, 3, 3, 13)]]
    # Mon 10:00 + 8 h = Mon 10-12 + 13-17 (6 h) + Tue 9-11 = Tue 11:00
    assert add_business_time(PARIS_LUNCH, start, 8 * H) == paris(2026, 3, 3, 11)
    assert add_business_time(PARIS_LUNCH, start, 8 * H, night + lunch) == paris(2026, 3, 3, 11)


def test_pause_before_start_and_several_pauses():
    start = paris(2026, 3, 2, 10)
    before = [[paris(2026, 3, 1, 10), paris(2026, 3, 2, 10, 30)]]  # ends 30 min after the start
    # Mon 10:30 + 1 h = 11:30
    assert add_business_time(PARIS_LUNCH, start, 1 * H, before) == paris(2026, 3, 2, 11, 30)
    pauses = [[paris(2026, 3, 2, 10, 15), paris(2026, 3, 2, 10, 45)],
              [paris(2026, 3, 2, 11, 50), paris(2026, 3, 2, 13, 10)]]  # 30 min, then 10 + 10 min of open time
    # Mon 10:00 + 2 h: 10:00-10:15, 10:45-11:50 (1 h 20 total), 13:10 + 40 min = 13:50
    assert add_business_time(PARIS_LUNCH, start, 2 * H, pauses) == paris(2026, 3, 2, 13, 50)
    # unordered pauses give the same answer
    assert add_business_time(PARIS_LUNCH, start, 2 * H, pauses[::-1]) == paris(2026, 3, 2, 13, 50)


def test_open_pause():
    start = paris(2026, 3, 2, 10)
    # Paused at 10:30 and still paused: a 1 h target never comes due.
    assert add_business_time(PARIS_LUNCH, start, 1 * H, [[paris(2026, 3, 2, 10, 30), None]]) is None
    # Paused since before the start: nothing at all passes.
    assert add_business_time(PARIS_LUNCH, start, 1, [[paris(2026, 3, 1, 10), None]]) is None
    # After a closed pause, a later open one.
    pauses = [[paris(2026, 3, 2, 10, 15), paris(2026, 3, 2, 10, 45)], [paris(2026, 3, 3, 9, 0), None]]
    assert add_business_time(PARIS_LUNCH, start, 8 * H, pauses) is None
    # Mon 10:00-10:15 + 10:45-12:00 + 13:00-17:00 = 5 h 30 before the open pause began on Tue 09:00
    assert business_seconds_between(PARIS_LUNCH, start, paris(2026, 3, 10), pauses) == 5.5 * H
    # A due that falls before the open pause begins is still computed: Mon 10:00 + 10 min.
    assert add_business_time(PARIS_LUNCH, start, 600, pauses) == paris(2026, 3, 2, 10, 10)
    # Open pause in closed hours (Mon 20:00): Mon 10:00 + 7 h would be Tue 10:00 -> None.
    assert add_business_time(PARIS_LUNCH, start, 7 * H, [[paris(2026, 3, 2, 20), None]]) is None
    assert add_business_time(PARIS_LUNCH, start, 6 * H, [[paris(2026, 3, 2, 20), None]]) == paris(2026, 3, 2, 17)


# --------------------------------------------------------------------------------------------
# DST in New York; windows at 00:00 and 24:00; 24x7; no open hours
# --------------------------------------------------------------------------------------------

NY_NINE_FIVE = cal("America/New_York", NINE_FIVE)


def test_new_york_dst_changes():
    # spring forward Sun 8 Mar 2026: Fri 6 Mar 16:00 EST (21:00 UTC) + 2 h = Mon 9 Mar 10:00 EDT (14:00 UTC)
    assert add_business_time(NY_NINE_FIVE, ny(2026, 3, 6, 16), 2 * H) == datetime(2026, 3, 9, 14, tzinfo=UTC)
    # fall back Sun 1 Nov 2026: Fri 30 Oct 16:00 EDT (20:00 UTC) + 2 h = Mon 2 Nov 10:00 EST (15:00 UTC)
    assert add_business_time(NY_NINE_FIVE, ny(2026, 10, 30, 16), 2 * H) == datetime(2026, 11, 2, 15, tzinfo=UTC)
    # Monday after each change: 09:00-17:00 local, 8 h
    assert business_seconds_between(NY_NINE_FIVE, ny(2026, 3, 9), ny(2026, 3, 10)) == 8 * H
    assert business_seconds_between(NY_NINE_FIVE, ny(2026, 11, 2), ny(2026, 11, 3)) == 8 * H
    # Mon 9 Mar opens at 09:00 EDT = 13:00 UTC (the week before, 09:00 EST = 14:00 UTC)
    assert add_business_time(NY_NINE_FIVE, ny(2026, 3, 8, 12), 1) == datetime(2026, 3, 9, 13, 0, 1, tzinfo=UTC)
    assert add_business_time(NY_NINE_FIVE, ny(2026, 3, 1, 12), 1) == datetime(2026, 3, 2, 14, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Paris", date(2026, 3, 29), 23),  # 02:00 -> 03:00
        ("Europe/Paris", date(2026, 10, 25), 25),  # 03:00 -> 02:00
        ("Europe/Paris", date(2026, 3, 28), 24),
        ("America/New_York", date(2026, 3, 8), 23),
        ("America/New_York", date(2026, 11, 1), 25),
        ("America/New_York", date(2026, 11, 2), 24),
    ],
)
def test_all_day_window_over_dst_days(zone, day, hours):
    c = cal(zone, ALL_DAY)
    start = at(zone, day.year, day.month, day.day)
    end = at(zone, (day + timedelta(days=1)).year, (day + timedelta(days=1)).month, (day + timedelta(days=1)).day)
    assert end - start == timedelta(hours=hours)
    assert business_seconds_between(c, start, end) == hours * H
    assert add_business_time(c, start, hours * H) == end


def test_windows_at_midnight_and_24_00():
    # Mon 00:00-06:00 only, Paris. Sun 1 Mar 23:00 + 1 h = Mon 2 Mar 01:00.
    c = cal("Europe/Paris", {"mon": [["00:00", "06:00"]]})
    assert add_business_time(c, paris(2026, 3, 1, 23), 1 * H) == paris(2026, 3, 2, 1)
    # Sat 18:00-24:00 only. Sat 7 Mar 23:30 + 1 h = 30 min to midnight, then Sat 14 Mar 18:30.
    c = cal("Europe/Paris", {"sat": [["18:00", "24:00"]]})
    assert add_business_time(c, paris(2026, 3, 7, 23, 30), 1 * H) == paris(2026, 3, 14, 18, 30)
    # ... and + 30 min exactly is the end of the window, Sun 8 Mar 00:00.
    assert add_business_time(c, paris(2026, 3, 7, 23, 30), 1800) == paris(2026, 3, 8)
    # Sat 22:00-24:00 + Sun 00:00-06:00 (a night shift across midnight): the windows join up.
    c = cal("Europe/Paris", {"sat": [["22:00", "24:00"]], "sun": [["00:00", "06:00"]]})
    # Sat 7 Mar 23:00 + 2 h = Sun 8 Mar 01:00
    assert add_business_time(c, paris(2026, 3, 7, 23), 2 * H) == paris(2026, 3, 8, 1)
    # The night of the spring change, Sat 28 Mar 22:00 CET -> Sun 29 Mar 06:00 CEST, is 7 h long:
    # 21:00 UTC -> 04:00 UTC.
    assert business_seconds_between(c, paris(2026, 3, 28, 12), paris(2026, 3, 29, 12)) == 7 * H
    assert add_business_time(c, paris(2026, 3, 28, 22), 7 * H) == datetime(2026, 3, 29, 4, tzinfo=UTC)
    # The night of the autumn change, Sat 24 Oct 22:00 CEST -> Sun 25 Oct 06:00 CET, is 9 h long.
    assert business_seconds_between(c, paris(2026, 10, 24, 12), paris(2026, 10, 25, 12)) == 9 * H
    assert add_business_time(c, paris(2026, 10, 24, 22), 9 * H) == datetime(2026, 10, 25, 5, tzinfo=UTC)


def test_24x7_is_plain_arithmetic():
    c = cal("Europe/Paris", None)
    start = datetime(2026, 3, 28, 23, 17, 5, tzinfo=UTC)
    for seconds in (1, 30, 59, 3600, 86_400, 40 * 86_400, 123_457):
        assert add_business_time(c, start, seconds) == start + timedelta(seconds=seconds)
        assert business_seconds_between(c, start, start + timedelta(seconds=seconds)) == seconds
    # microseconds survive
    start = datetime(2026, 10, 25, 0, 30, 0, 123_456, tzinfo=UTC)
    assert add_business_time(c, start, 7200) == start + timedelta(seconds=7200)
    # with a pause: + its length
    pause = [[start + timedelta(hours=1), start + timedelta(hours=3)]]
    assert add_business_time(c, start, 7200, pause) == start + timedelta(hours=4)
    assert add_business_time(c, start, 7200, [[start + timedelta(hours=1), None]]) is None


def test_calendar_with_no_open_hours():
    c = cal("Europe/Paris", {})
    start = paris(2026, 3, 2, 10)
    assert add_business_time(c, start, 1) is None
    assert add_business_time(c, start, 3600) is None
    assert business_seconds_between(c, start, start + timedelta(days=365)) == 0
    # The bare dataclass, not 24x7 and without hours or offsets.
    c = Calendar(name="none", timezone="UTC", always_open=False)
    assert add_business_time(c, start, 1) is None


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_time(PARIS_LUNCH, datetime(2026, 3, 2, 10), 60)


# New York, Sunday 00:00-02:30 and 03:00-05:00. On Sun 8 Mar 2026 the wall clock jumps from 02:00 EST
# to 03:00 EDT, so 02:30 does not exist. Whatever 02:30 is taken to mean, that day's open time lies
# between 00:00 EST (05:00 UTC) and 05:00 EDT (09:00 UTC): 4 h of real time at the most, and no
# instant may count twice. (local_to_utc reads 02:30 with the old offset: 07:30 UTC = 03:30 EDT,
# after 03:00 EDT = 07:00 UTC where the next window begins.)
NY_GAP = cal("America/New_York", {"sun": [["00:00", "02:30"], ["03:00", "05:00"]]})


def test_dst_gap_boundary_windows_do_not_overlap():
    start, end = ny(2026, 3, 8), ny(2026, 3, 9)
    assert end - start == timedelta(hours=23)
    windows = []
    for a, b in open_windows(NY_GAP, start.timestamp()):
        if a >= end.timestamp():
            break
        windows.append((a, b))
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(windows, windows[1:])), f"open windows overlap: {windows}"


def test_dst_gap_boundary_business_time_not_above_real_time():
    # Sun 8 Mar 00:00 EST (05:00 UTC) -> 09:00 UTC (05:00 EDT): 4 h of real time.
    assert business_seconds_between(NY_GAP, ny(2026, 3, 8), datetime(2026, 3, 8, 9, tzinfo=UTC)) <= 4 * H


def test_dst_gap_boundary_longer_target_never_due_earlier():
    start = ny(2026, 3, 8)
    assert add_business_time(NY_GAP, start, 2.5 * H) <= add_business_time(NY_GAP, start, 2.5 * H + 600)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Pacific/Chatham")
WEEKLIES = {"nine_five": NINE_FIVE, "lunch": LUNCH, "all_day": ALL_DAY, "nights": NIGHTS, "24x7": None}
FIRST, LAST = datetime(2025, 1, 1, tzinfo=UTC), datetime(2028, 12, 31, tzinfo=UTC)
SPAN = int((LAST - FIRST).total_seconds())
MAX_TARGET = 45 * 86_400

PROPS = settings(max_examples=150, deadline=None)

starts = st.integers(0, SPAN).map(lambda s: FIRST + timedelta(seconds=s))
targets = st.integers(1, MAX_TARGET)
holiday_lists = st.lists(st.dates(date(2025, 1, 1), date(2029, 2, 28)), max_size=25).map(
    lambda ds: sorted({d.isoformat() for d in ds}))


@st.composite
def calendars(draw, kinds=tuple(WEEKLIES)):
    zone = draw(st.sampled_from(ZONES))
    kind = draw(st.sampled_from(kinds))
    holidays = draw(holiday_lists)
    return kind, zone, holidays, wide_cal(zone, WEEKLIES[kind], holidays)


@st.composite
def closed_pauses(draw, start: datetime):
    """Up to 3 closed pauses, from a day before the start to ~60 days after, 1 s to 10 days long."""
    out = []
    for _ in range(draw(st.integers(0, 3))):
        a = start + timedelta(seconds=draw(st.integers(-86_400, 60 * 86_400)))
        b = a + timedelta(seconds=draw(st.integers(1, 10 * 86_400)))
        out.append([a, b])
    return out


def is_open(kind: str, zone: str, holidays: list[str], t: datetime) -> bool:
    """Oracle: is instant t inside an open window or at its end (zoneinfo wall time, no module code)."""
    weekly = WEEKLIES[kind]
    if weekly is None:
        return True
    hours = weekly_minutes(weekly)
    loc = t.astimezone(ZoneInfo(zone))
    sec = loc.hour * 3600 + loc.minute * 60 + loc.second + loc.microsecond / 1e6
    day = loc.date()
    if day.isoformat() not in holidays and any(b * 60 < sec <= e * 60 for b, e in hours[day.weekday()]):
        return True
    prev = day - timedelta(days=1)
    return sec == 0 and prev.isoformat() not in holidays and any(e == 1440 for _, e in hours[prev.weekday()])


@PROPS
@given(calendars(), starts, targets)
def test_prop_between_inverts_add(c, start, seconds):
    _, _, _, cal_ = c
    due = add_business_time(cal_, start, seconds)
    assert due is not None
    assert due > start
    assert business_seconds_between(cal_, start, due) == pytest.approx(seconds, abs=1e-6)


@PROPS
@given(st.data(), calendars(), starts, targets)
def test_prop_between_inverts_add_with_pauses(data, c, start, seconds):
    _, _, _, cal_ = c
    pauses = data.draw(closed_pauses(start))
    due = add_business_time(cal_, start, seconds, pauses)
    assert due is not None
    assert business_seconds_between(cal_, start, due, pauses) == pytest.approx(seconds, abs=1e-6)


@PROPS
@given(calendars(), starts, targets, targets)
def test_prop_monotonic_in_target(c, start, s1, s2):
    _, _, _, cal_ = c
    lo, hi = sorted((s1, s2))
    d_lo, d_hi = add_business_time(cal_, start, lo), add_business_time(cal_, start, hi)
    assert d_lo <= d_hi
    if lo < hi:
        assert d_lo < d_hi


@PROPS
@given(st.data(), calendars(), starts, targets)
def test_prop_due_is_in_open_hours_and_not_paused(data, c, start, seconds):
    kind, zone, holidays, cal_ = c
    pauses = data.draw(closed_pauses(start))
    due = add_business_time(cal_, start, seconds, pauses)
    assert due is not None
    assert is_open(kind, zone, holidays, due), f"{due.astimezone(ZoneInfo(zone))} is not in open hours"
    for p0, p1 in pauses:
        assert not (p0 < due < p1), f"due {due} inside pause {p0} .. {p1}"


@PROPS
@given(st.data(), calendars(), starts, targets)
def test_prop_pauses_never_make_a_due_earlier(data, c, start, seconds):
    _, _, _, cal_ = c
    pauses = data.draw(closed_pauses(start))
    plain = add_business_time(cal_, start, seconds)
    paused = add_business_time(cal_, start, seconds, pauses)
    assert paused >= plain
    # ... and an open pause added after the last closed one makes it never, or leaves it alone.
    if pauses:
        last = max(p[1] for p in pauses)
        with_open = add_business_time(cal_, start, seconds, pauses + [[last, None]])
        assert with_open is None or with_open == paused


@PROPS
@given(calendars(), starts, st.integers(0, 60 * 86_400))
def test_prop_business_time_never_exceeds_real_time(c, start, length):
    _, _, _, cal_ = c
    end = start + timedelta(seconds=length)
    assert 0 <= business_seconds_between(cal_, start, end) <= length


@PROPS
@given(calendars(kinds=("nine_five", "lunch", "nights", "all_day")), st.dates(date(2025, 1, 1), date(2028, 12, 31)))
def test_prop_hours_per_local_day_whatever_the_dst(c, day):
    kind, zone, holidays, cal_ = c
    nxt = day + timedelta(days=1)
    start = at(zone, day.year, day.month, day.day)
    end = at(zone, nxt.year, nxt.month, nxt.day)
    got = business_seconds_between(cal_, start, end)
    closed = day.isoformat() in holidays or (kind in ("nine_five", "lunch") and day.weekday() >= 5)
    if closed and kind != "nights":
        assert got == 0  # no business time on holidays and weekends
    elif kind == "nine_five":
        assert got == 8 * H  # every non-holiday weekday, DST or not
    elif kind == "lunch":
        assert got == 7 * H
    elif kind == "all_day":
        assert got == (end - start).total_seconds()  # 23, 24 or 25 h
    # nights: 00:00-06:00 and 22:00-24:00 of this local day, minus whatever a holiday closes
    if kind == "nights":
        expected = 0.0
        if day.isoformat() not in holidays:
            six = at(zone, day.year, day.month, day.day, 6)
            ten = at(zone, day.year, day.month, day.day, 22)
            expected = (six - start).total_seconds() + (end - ten).total_seconds()
        assert got == expected


@PROPS
@given(calendars(kinds=("nine_five", "lunch")), st.dates(date(2025, 1, 1), date(2028, 12, 31)), targets)
def test_prop_no_business_time_on_weekends_and_holidays(c, day, seconds):
    kind, zone, holidays, cal_ = c
    # whatever the start, a due never falls strictly inside a weekend or holiday
    start = at(zone, day.year, day.month, day.day, 12)
    due = add_business_time(cal_, start, seconds)
    loc = due.astimezone(ZoneInfo(zone))
    assert loc.weekday() < 5 and loc.date().isoformat() not in holidays
    assert 9 * 60 < loc.hour * 60 + loc.minute + loc.second / 60 <= 17 * 60
    # and a weekend day or holiday holds none
    if day.weekday() >= 5 or day.isoformat() in holidays:
        nxt = day + timedelta(days=1)
        assert business_seconds_between(cal_, at(zone, day.year, day.month, day.day),
                                        at(zone, nxt.year, nxt.month, nxt.day)) == 0
