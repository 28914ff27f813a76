"""The reports' durations (models/reporting/clock.py): business time minus the time a ticket waited.

Examples with the wall times written out, then hypothesis properties checked against oracles
that do not share the module's code: a minute-by-minute count on a UTC 09:00-17:00 weekday
calendar, a minute-by-minute replay of the status history, and the SLA clocks themselves
(workflows/sla.py `observe`), whose pause rule the reports must follow."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from activities.calendars import build_calendar
from models.reporting.clock import active_seconds, merged, pause_statuses, pauses_from_events
from models.seed import OFFICE_HOURS
from workflows import sla
from workflows.business_time import business_seconds_between
from workflows.sla_types import Calendar, SlaPolicyData

UTC = timezone.utc
H = 3600
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)  # 00:00 UTC, a Monday
# Weekdays 09:00-17:00 UTC. Written as data so the oracle below can say "is minute m open"
# without the business-time module.
NINE_FIVE_UTC = Calendar(name="9-17 UTC", timezone="UTC", always_open=False,
                         hours=[[[9 * 60, 17 * 60]] if d < 5 else [] for d in range(7)])
PARIS = build_calendar("Paris office", "Europe/Paris", OFFICE_HOURS, [], now=datetime(2026, 3, 1, tzinfo=UTC))


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall time in Paris in March 2026 before the change to summer time (UTC+1)."""
    return datetime(2026, 3, day, hour - 1, minute, tzinfo=UTC)


def minute(m: int) -> datetime:
    return MONDAY + timedelta(minutes=m)


# --- examples ---------------------------------------------------------------------------------


def test_a_pause_across_the_night_takes_away_only_its_office_hours():
    # Created Monday 9 March 10:00, resolved Tuesday 15:00 (Paris office: 09:00-12:30, 13:30-18:00).
    # Whole span: Mon 10:00-12:30 + 13:30-18:00 = 7 h, Tue 09:00-12:30 + 13:30-15:00 = 5 h: 12 h.
    # Waiting Mon 12:00 -> Tue 10:00: Mon 12:00-12:30 + 13:30-18:00 = 5 h, Tue 09:00-10:00 = 1 h: 6 h
    # (the 15 h of night are not business time, so they are not taken away twice).
    start, end = paris(9, 10), paris(10, 15)
    assert active_seconds(PARIS, start, end) == 12 * H
    assert active_seconds(PARIS, start, end, [(paris(9, 12), paris(10, 10))]) == 6 * H


def test_a_pause_outside_office_hours_changes_nothing():
    start, end = paris(9, 10), paris(10, 15)
    assert active_seconds(PARIS, start, end, [(paris(9, 18, 30), paris(10, 8)), (paris(10, 12, 45), paris(10, 13, 15))]) \
        == 12 * H


def test_nested_overlapping_and_still_open_pauses_count_once():
    start, end = minute(8 * 60), minute(16 * 60)  # Monday 08:00-16:00 UTC: 7 business hours (09-16)
    nested = [(minute(10 * 60), minute(12 * 60)), (minute(10 * 60 + 30), minute(11 * 60))]
    assert active_seconds(NINE_FIVE_UTC, start, end, nested) == 5 * H  # 09-10, 12-16
    overlapping = [(minute(10 * 60), minute(12 * 60)), (minute(11 * 60), minute(13 * 60))]
    assert active_seconds(NINE_FIVE_UTC, start, end, overlapping) == 4 * H  # 09-10, 13-16
    # Still waiting since 14:00 (end None), with a closed pause overlapping its start.
    still_open = [(minute(14 * 60), None), (minute(13 * 60), minute(15 * 60))]
    assert merged(still_open) == [(minute(13 * 60), None)]
    assert active_seconds(NINE_FIVE_UTC, start, end, still_open) == 4 * H  # 09-13
    # A pause that began before the span and one that ends after it: only their part inside counts.
    assert active_seconds(NINE_FIVE_UTC, start, end, [(minute(0), minute(10 * 60)), (minute(15 * 60), minute(30 * 60))]) \
        == 5 * H  # 10-15


def test_pauses_from_the_status_history():
    t = [minute(60 * h) for h in range(8)]
    events = [(t[1], None), (t[2], "pending"), (t[3], "on_hold"), (t[4], "pending"), (t[5], "open"), (t[6], "pending")]
    # Only pending pauses (the default): on_hold 3-4 runs the clocks; still pending since 6.
    assert pauses_from_events(events, ("pending",)) == [(t[2], t[3]), (t[4], t[5]), (t[6], None)]
    # A policy that pauses on hold too: pending -> on_hold -> pending is one pause.
    assert pauses_from_events(events, ("pending", "on_hold")) == [(t[2], t[5]), (t[6], None)]
    # "new" as a pause status pauses from the first action after creation (as observe does), not
    # from the creation itself.
    assert pauses_from_events(events, ("new",)) == [(t[1], t[2])]
    assert pause_statuses(None) == ("pending",) and pause_statuses([]) == ("pending",)
    assert pause_statuses(["pending", "on_hold"]) == ("pending", "on_hold")


# --- properties -------------------------------------------------------------------------------

SPAN = 4 * 24 * 60  # minutes: Monday to Thursday, nights in between
minutes = st.integers(min_value=0, max_value=SPAN)
pauses_st = st.lists(st.tuples(minutes, st.one_of(st.none(), minutes)), max_size=6)
# Pauses close together, so that touching, nested and repeated ones are common.
near = st.integers(min_value=0, max_value=30)
close_pauses_st = st.lists(st.tuples(near, st.one_of(st.none(), near)), max_size=6)


def as_pauses(raw: list[tuple[int, int | None]]) -> list[tuple[datetime, datetime | None]]:
    return [(minute(a), None if b is None else minute(b)) for a, b in raw]


def oracle_active_seconds(start: int, end: int, raw: list[tuple[int, int | None]]) -> int:
    """Business seconds of the union of active intervals, a minute at a time: minutes in
    [start, end) that are open on NINE_FIVE_UTC and inside no pause."""
    def open_at(m: int) -> bool:
        t = minute(m)
        return t.weekday() < 5 and 9 * 60 <= t.hour * 60 + t.minute < 17 * 60

    def paused_at(m: int) -> bool:
        return any(a <= m and (b is None or m < b) for a, b in raw)

    return 60 * sum(1 for m in range(start, end) if open_at(m) and not paused_at(m))


@settings(max_examples=150, deadline=None)
@given(minutes, minutes, pauses_st)
def test_subtracting_pauses_is_business_time_of_the_active_intervals(start, end, raw):
    assert active_seconds(NINE_FIVE_UTC, minute(start), minute(end), as_pauses(raw)) == \
        oracle_active_seconds(start, end, raw)


@settings(max_examples=150, deadline=None)
@given(minutes, minutes, pauses_st)
def test_paused_time_is_never_more_than_the_total(start, end, raw):
    for cal in (NINE_FIVE_UTC, PARIS, Calendar()):
        total = business_seconds_between(cal, minute(start), minute(end))
        active = active_seconds(cal, minute(start), minute(end), as_pauses(raw))
        assert 0 <= active <= total


@settings(max_examples=100, deadline=None)
@given(minutes, minutes)
def test_no_pauses_change_nothing(start, end):
    for cal in (NINE_FIVE_UTC, PARIS, Calendar()):
        total = business_seconds_between(cal, minute(start), minute(end))
        assert active_seconds(cal, minute(start), minute(end)) == active_seconds(cal, minute(start), minute(end), []) == total


@settings(max_examples=150, deadline=None)
@given(st.one_of(pauses_st, close_pauses_st), st.randoms(use_true_random=False))
def test_merged_is_a_sorted_disjoint_union_whatever_the_order(raw, rnd):
    union = merged(as_pauses(raw))
    shuffled = as_pauses(raw) * 2
    rnd.shuffle(shuffled)
    assert merged(shuffled) == union  # order and repeats do not matter
    assert all(b is None or a < b for a, b in union)
    assert all(b is not None for _, b in union[:-1])  # only the last one may be open
    assert all(union[i][1] < union[i + 1][0] for i in range(len(union) - 1))  # type: ignore[operator]  # only the last one may be open (asserted above)


@settings(max_examples=200, deadline=None)
@given(st.one_of(pauses_st, close_pauses_st))
def test_merged_covers_the_same_minutes_as_the_pauses(raw):
    union = merged(as_pauses(raw))
    for m in range(-1, SPAN + 2):
        t = minute(m)
        inside_raw = any(a <= m and (b is None or m < b) for a, b in raw)
        assert any(a <= t and (b is None or t < b) for a, b in union) == inside_raw, m


STATUS = st.sampled_from(["new", "open", "pending", "on_hold"])
events_st = st.lists(st.tuples(st.integers(min_value=0, max_value=120), st.one_of(st.none(), STATUS)), max_size=12)
pause_sets = st.sets(STATUS, min_size=1)


def timeline(raw: list[tuple[int, str | None]]) -> list[tuple[datetime, str | None]]:
    """Events at non-decreasing times: each step waits 0..120 minutes after the previous one."""
    out, m = [], 0
    for step, status in raw:
        m += step
        out.append((minute(m), status))
    return out


@settings(max_examples=200, deadline=None)
@given(events_st, pause_sets)
def test_pauses_cover_exactly_the_minutes_spent_in_a_pause_status(raw, paused_in):
    events = timeline(raw)
    pauses = pauses_from_events(events, paused_in)
    last = (events[-1][0] - MONDAY) // timedelta(minutes=1) + 60 if events else 60
    for m in range(last):
        t = minute(m)
        status = None  # before the first action the clocks have not looked at the status
        for at, status_to in events:
            if at > t:
                break
            status = status_to or status or "new"
        expected = status in paused_in
        assert any(a <= t and (b is None or t < b) for a, b in pauses) == expected, (m, status)


@settings(max_examples=200, deadline=None)
@given(events_st, pause_sets, st.booleans())
def test_the_pauses_are_the_sla_clocks_own(raw, paused_in, resolve):
    """Fed the same history, the SLA clocks (workflows/sla.py) pause at the same instants."""
    events = timeline(raw)
    if resolve and events:
        events.append((events[-1][0] + timedelta(minutes=5), "resolved"))
    state = sla.new_sla(MONDAY)
    state.policy = SlaPolicyData(name="p", first_response_seconds=H, next_response_seconds=None,
                                 resolution_seconds=8 * H, pause_statuses=sorted(paused_in))
    status = "new"
    for at, status_to in events:
        state = sla.observe(state, status, status_to or status, at)
        status = status_to or status
    ours = pauses_from_events(events, paused_in)
    for name in ("first_response", "resolution"):
        clock = sla.current(state, name)
        assert clock is not None
        assert [(a, b) for a, b in clock.pauses] == ours, name
