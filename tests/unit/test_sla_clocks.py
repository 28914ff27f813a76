"""SLA clocks of one ticket (workflows/sla.py): start, stop, pause, resume, restart; the
milestones they lead to (warnings, breach, escalations); policy changes; the view."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from activities.calendars import build_calendar
from workflows import sla
from workflows.sla import (
    adopt_policy,
    clock_views,
    current,
    mark_done,
    milestones,
    new_sla,
    next_breach_at,
    next_milestone,
    status,
)
from workflows.sla_types import Calendar, EscalationLevel, SlaPolicyData, SlaState, SlaWarning
from workflows.actions import ACTIONS

UTC = timezone.utc
H = 3600
M = 60
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def observe(state: SlaState, kind: str, status_from: str, status_to: str, now: datetime) -> SlaState:
    """The clocks after an action of `kind`, with what that action declares it does to them."""
    action = ACTIONS.get(kind)  # "status": a bare status change
    return sla.observe(state, status_from, status_to, now, answered=bool(action and action.answers_customer),
                       customer_wrote=bool(action and action.customer_wrote))


def mins(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def policy(calendar: Calendar | None = None, pause_statuses: list[str] | None = None, version: int = 1,
           first: int | None = 1 * H, nxt: int | None = 2 * H, resolution: int | None = 8 * H,
           warnings=(50, 75), escalations=((1, 0), (2, 60))) -> SlaPolicyData:
    return SlaPolicyData(
        name="test",
        first_response_seconds=first,
        next_response_seconds=nxt,
        resolution_seconds=resolution,
        calendar=calendar or Calendar(),
        pause_statuses=list(pause_statuses) if pause_statuses is not None else ["pending"],
        warnings=[SlaWarning(p) for p in warnings],
        escalations=[EscalationLevel(level=lv, after_minutes=after) for lv, after in escalations],
        version=version,
    )


def ticket(p: SlaPolicyData | None = None, at: datetime = T0) -> SlaState:
    return adopt_policy(new_sla(at), p or policy(), at)


def by_name(state: SlaState) -> dict[str, object]:
    return {c.name: c for c in state.clocks}


def ids(ms) -> list[str]:
    return [m.id for m in ms]


# --------------------------------------------------------------------------------------------
# new_sla and observe
# --------------------------------------------------------------------------------------------


def test_new_sla_starts_first_response_and_resolution():
    state = new_sla(T0)
    assert [(c.name, c.cycle, c.started_at, c.stopped_at, c.pauses) for c in state.clocks] == [
        ("first_response", 0, T0, None, []),
        ("resolution", 0, T0, None, []),
    ]
    assert state.policy is None and state.done == []
    assert milestones(state) == [] and next_milestone(state) is None and status(state, T0) is None
    assert clock_views(state, T0) == []


def test_observe_does_not_change_its_input():
    state = new_sla(T0)
    after = observe(state, "reply", "open", "open", mins(5))
    assert state.clocks[0].stopped_at is None
    assert after.clocks[0].stopped_at == mins(5)


def test_reply_stops_first_response_only():
    state = observe(ticket(), "reply", "new", "open", mins(10))
    clocks = by_name(state)
    assert clocks["first_response"].stopped_at == mins(10)
    assert clocks["resolution"].stopped_at is None
    assert "next_response" not in clocks
    # a second reply changes nothing
    again = observe(state, "reply", "open", "open", mins(20))
    assert by_name(again)["first_response"].stopped_at == mins(10)


def test_note_and_other_kinds_do_not_stop_first_response():
    state = observe(ticket(), "note", "new", "open", mins(10))
    assert by_name(state)["first_response"].stopped_at is None


def test_customer_reply_before_the_first_response_starts_nothing():
    state = observe(ticket(), "customer_reply", "new", "open", mins(5))
    assert [c.name for c in state.clocks] == ["first_response", "resolution"]


def test_customer_reply_after_a_response_starts_next_response_cycles():
    state = observe(ticket(), "reply", "new", "open", mins(10))
    state = observe(state, "customer_reply", "open", "open", mins(30))
    nr = current(state, "next_response")
    assert (nr.cycle, nr.started_at, nr.stopped_at) == (0, mins(30), None)
    # another customer message while the clock runs: same cycle, same start
    state = observe(state, "customer_reply", "open", "open", mins(40))
    nr = current(state, "next_response")
    assert (nr.cycle, nr.started_at) == (0, mins(30))
    # an agent reply stops it
    state = observe(state, "reply", "open", "open", mins(50))
    assert current(state, "next_response").stopped_at == mins(50)
    # the next customer message: a new cycle; the old one is dropped (one clock per name)
    state = observe(state, "customer_reply", "open", "open", mins(70))
    nr = current(state, "next_response")
    assert (nr.cycle, nr.started_at, nr.stopped_at) == (1, mins(70), None)
    assert [c.name for c in state.clocks].count("next_response") == 1
    state = observe(state, "reply", "open", "open", mins(80))
    state = observe(state, "customer_reply", "open", "open", mins(90))
    assert current(state, "next_response").cycle == 2
    # first response stays answered at its first reply
    assert current(state, "first_response").stopped_at == mins(10)


def test_customer_reply_that_resolves_starts_no_next_response():
    state = observe(ticket(), "reply", "new", "open", mins(10))
    state = observe(state, "customer_reply", "open", "resolved", mins(30))
    assert current(state, "next_response") is None


def test_resolved_stops_all_clocks():
    state = observe(ticket(), "reply", "new", "open", mins(10))
    state = observe(state, "customer_reply", "open", "open", mins(30))
    state = observe(state, "resolve", "open", "resolved", mins(40))
    assert all(c.stopped_at is not None for c in state.clocks)
    assert current(state, "resolution").stopped_at == mins(40)
    assert current(state, "next_response").stopped_at == mins(40)
    assert current(state, "first_response").stopped_at == mins(10)
    assert milestones(state) == [] and next_breach_at(state) is None


def test_reopening_starts_a_new_resolution_cycle():
    state = observe(ticket(), "reply", "new", "open", mins(10))
    state = observe(state, "resolve", "open", "resolved", mins(40))
    state = observe(state, "reopen", "resolved", "open", mins(100))
    res = current(state, "resolution")
    assert (res.cycle, res.started_at, res.stopped_at, res.pauses) == (1, mins(100), None, [])
    assert [c.name for c in state.clocks].count("resolution") == 1
    # its milestones belong to cycle 1
    assert {m.id for m in milestones(state)} == {
        "resolution#1:warning:50", "resolution#1:warning:75", "resolution#1:breach:100",
        "resolution#1:escalation:1", "resolution#1:escalation:2"}
    assert next_breach_at(state) == mins(100 + 8 * 60)
    # resolved again and reopened by the customer: cycle 2, and a next response clock
    state = observe(state, "resolve", "open", "resolved", mins(200))
    state = observe(state, "customer_reply", "resolved", "open", mins(300))
    assert current(state, "resolution").cycle == 2
    assert current(state, "next_response").started_at == mins(300)


def test_closing_a_resolved_ticket_does_not_reopen():
    state = observe(ticket(), "resolve", "open", "resolved", mins(40))
    state = observe(state, "close", "resolved", "closed", mins(50))
    assert current(state, "resolution").cycle == 0
    assert all(c.stopped_at is not None for c in state.clocks)


def test_pending_pauses_running_clocks_and_leaving_it_resumes():
    state = observe(ticket(), "reply", "new", "open", mins(10))
    state = observe(state, "pend", "open", "pending", mins(20))
    assert current(state, "resolution").pauses == [[mins(20), None]]
    assert current(state, "first_response").pauses == []  # stopped clocks are not paused
    # staying pending: no second pause
    state = observe(state, "note", "pending", "pending", mins(25))
    assert current(state, "resolution").pauses == [[mins(20), None]]
    state = observe(state, "resume", "pending", "open", mins(50))
    assert current(state, "resolution").pauses == [[mins(20), mins(50)]]
    state = observe(state, "pend", "open", "pending", mins(60))
    state = observe(state, "resume", "pending", "open", mins(65))
    assert current(state, "resolution").pauses == [[mins(20), mins(50)], [mins(60), mins(65)]]


def test_on_hold_does_not_pause_by_default():
    state = observe(ticket(), "hold", "open", "on_hold", mins(20))
    assert all(c.pauses == [] for c in state.clocks)
    # nor without a policy
    state = observe(new_sla(T0), "hold", "open", "on_hold", mins(20))
    assert all(c.pauses == [] for c in state.clocks)
    state = observe(new_sla(T0), "pend", "open", "pending", mins(20))
    assert all(c.pauses == [[mins(20), None]] for c in state.clocks)


def test_policy_with_pending_and_on_hold():
    state = ticket(policy(pause_statuses=["pending", "on_hold"]))
    state = observe(state, "hold", "open", "on_hold", mins(20))
    assert all(c.pauses == [[mins(20), None]] for c in state.clocks)
    # on_hold -> pending: still the same pause
    state = observe(state, "pend", "on_hold", "pending", mins(30))
    assert all(c.pauses == [[mins(20), None]] for c in state.clocks)
    state = observe(state, "resume", "pending", "open", mins(45))
    assert all(c.pauses == [[mins(20), mins(45)]] for c in state.clocks)


def test_resolving_while_paused_closes_the_pause():
    state = observe(ticket(), "pend", "open", "pending", mins(20))
    state = observe(state, "resolve", "pending", "resolved", mins(30))
    for c in state.clocks:
        assert c.stopped_at == mins(30) and c.pauses == [[mins(20), mins(30)]]


def test_reopening_into_pending_pauses_the_new_cycle_at_once():
    state = observe(ticket(), "resolve", "open", "resolved", mins(30))
    state = observe(state, "reopen", "resolved", "pending", mins(40))
    res = current(state, "resolution")
    assert (res.cycle, res.started_at, res.pauses) == (1, mins(40), [[mins(40), None]])
    assert milestones(state) == []


# --------------------------------------------------------------------------------------------
# milestones
# --------------------------------------------------------------------------------------------


def test_milestones_24x7():
    ms = milestones(ticket())
    # first response 1 h: warnings at 30 and 45 min, breach at 60 min, level 1 at once, level 2 an hour later;
    # resolution 8 h: warnings at 4 h and 6 h, breach at 8 h, level 1 at 8 h, level 2 at 9 h.
    assert [(m.id, m.due_at) for m in ms] == [
        ("first_response#0:warning:50", mins(30)),
        ("first_response#0:warning:75", mins(45)),
        ("first_response#0:breach:100", mins(60)),
        ("first_response#0:escalation:1", mins(60)),
        ("first_response#0:escalation:2", mins(120)),
        ("resolution#0:warning:50", mins(240)),
        ("resolution#0:warning:75", mins(360)),
        ("resolution#0:breach:100", mins(480)),
        ("resolution#0:escalation:1", mins(480)),
        ("resolution#0:escalation:2", mins(540)),
    ]
    m = ms[2]
    assert (m.clock, m.cycle, m.kind, m.n) == ("first_response", 0, "breach", 100)
    m = ms[4]
    assert (m.clock, m.cycle, m.kind, m.n) == ("first_response", 0, "escalation", 2)
    assert (ms[0].kind, ms[0].n) == ("warning", 50)


def test_breach_sorts_before_level_one_even_if_listed_after():
    # escalations listed in reverse, warnings unsorted: the order is by due time, then kind
    p = policy(warnings=(90, 10), escalations=((2, 30), (1, 0)), nxt=None, resolution=None)
    assert [m.id for m in milestones(ticket(p))] == [
        "first_response#0:warning:10",
        "first_response#0:warning:90",
        "first_response#0:breach:100",
        "first_response#0:escalation:1",
        "first_response#0:escalation:2",
    ]


def test_clocks_without_target_have_no_milestones():
    p = policy(first=None, resolution=4 * H)
    state = ticket(p)
    assert {m.clock for m in milestones(state)} == {"resolution"}
    assert [v.name for v in clock_views(state, mins(1))] == ["resolution"]


def test_milestones_in_business_time():
    # Paris, Mon-Fri 09:00-12:00 + 13:00-17:00. Ticket created Fri 6 Mar 2026 15:00 CET (14:00 UTC).
    zone = ZoneInfo("Europe/Paris")
    cal = build_calendar("paris", "Europe/Paris",
                         {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                         [], now=datetime(2026, 6, 1, tzinfo=UTC))

    def paris(d: int, hh: int, mm: int = 0) -> datetime:
        return datetime(2026, 3, d, hh, mm, tzinfo=zone).astimezone(UTC)

    p = policy(calendar=cal, first=1 * H, resolution=4 * H, warnings=(50,), escalations=((1, 0), (2, 60), (3, 180)))
    state = ticket(p, at=paris(6, 15))
    got = {m.id: m.due_at for m in milestones(state)}
    assert got == {
        "first_response#0:warning:50": paris(6, 15, 30),  # Fri 15:30
        "first_response#0:breach:100": paris(6, 16),  # Fri 16:00
        "first_response#0:escalation:1": paris(6, 16),  # Fri 16:00
        "first_response#0:escalation:2": paris(6, 17),  # 1 h of business time after the breach: Fri 17:00
        "first_response#0:escalation:3": paris(9, 11),  # 3 h after: Fri 16-17, Mon 09-11 = Mon 11:00
        "resolution#0:warning:50": paris(6, 17),  # 2 h: Fri 17:00
        "resolution#0:breach:100": paris(9, 11),  # 4 h: Fri 15-17 + Mon 09-11 = Mon 11:00
        "resolution#0:escalation:1": paris(9, 11),
        "resolution#0:escalation:2": paris(9, 12),  # + 1 h from Mon 11:00: Mon 12:00 (the end of the morning)
        "resolution#0:escalation:3": paris(9, 15),  # + 3 h: 11-12, 13-15 = Mon 15:00
    }
    # Equal instants: warning before breach before escalations; first response before resolution at Mon 11:00
    order = ids(milestones(state))
    assert order.index("first_response#0:breach:100") < order.index("first_response#0:escalation:1")
    # Fri 17:00 holds a first-response escalation and a resolution warning: the warning first
    assert order.index("resolution#0:warning:50") < order.index("first_response#0:escalation:2")
    assert order.index("resolution#0:breach:100") < order.index("resolution#0:escalation:1")
    dues = [m.due_at for m in milestones(state)]
    assert dues == sorted(dues)


def test_paused_clocks_have_no_milestones_and_resume_shifts_them():
    state = observe(ticket(), "pend", "open", "pending", mins(10))
    assert milestones(state) == []
    assert next_milestone(state) is None and next_breach_at(state) is None
    # resumed after 60 min: every due an hour later
    state = observe(state, "resume", "pending", "open", mins(70))
    got = {m.id: m.due_at for m in milestones(state)}
    assert got["first_response#0:warning:50"] == mins(90)
    assert got["first_response#0:breach:100"] == mins(120)
    assert got["resolution#0:breach:100"] == mins(540)
    assert next_breach_at(state) == mins(120)


def test_only_the_unpaused_clock_has_milestones():
    state = observe(ticket(), "reply", "new", "open", mins(5))
    state = observe(state, "customer_reply", "open", "open", mins(10))
    # next_response and resolution run; pausing pauses both
    state = observe(state, "pend", "open", "pending", mins(20))
    assert milestones(state) == []
    state = observe(state, "resume", "pending", "open", mins(30))
    assert {m.clock for m in milestones(state)} == {"next_response", "resolution"}
    assert {m.cycle for m in milestones(state)} == {0}


def test_next_milestone_skips_done_ids():
    state = ticket()
    m = next_milestone(state)
    assert m.id == "first_response#0:warning:50"
    state = mark_done(state, m, mins(30))
    assert next_milestone(state).id == "first_response#0:warning:75"
    state.done += ["first_response#0:warning:75", "first_response#0:breach:100"]
    assert next_milestone(state).id == "first_response#0:escalation:1"
    # once first response is answered its remaining milestones are gone
    state = observe(state, "reply", "open", "open", mins(50))
    assert next_milestone(state).id == "resolution#0:warning:50"


def test_mark_done_on_a_breach_sets_breached_at():
    state = ticket()
    warning, _, breach = milestones(state)[:3]
    state = mark_done(state, warning, mins(30))
    assert current(state, "first_response").breached_at is None
    state = mark_done(state, breach, mins(61))  # noticed a minute late
    # The clock breached when it was due, not when the breach was noticed.
    assert current(state, "first_response").breached_at == breach.due_at == mins(60)
    assert current(state, "resolution").breached_at is None
    assert "first_response#0:breach:100" in state.done
    # a second time does not move it
    state = mark_done(state, breach, mins(70))
    assert current(state, "first_response").breached_at == mins(60)


def test_mark_done_on_a_breach_of_an_old_cycle_leaves_the_new_one_alone():
    state = observe(ticket(), "resolve", "open", "resolved", mins(30))
    old_breach = next(m for m in milestones(ticket()) if m.id == "resolution#0:breach:100")
    state = observe(state, "reopen", "resolved", "open", mins(40))
    state = mark_done(state, old_breach, mins(500))
    assert current(state, "resolution").cycle == 1
    assert current(state, "resolution").breached_at is None


def test_adopt_policy_skips_past_warnings_and_escalations_but_not_the_breach():
    # No policy for the first 3 h (e.g. routing took long), then one with a 1 h first response.
    state = adopt_policy(new_sla(T0), policy(), mins(180))
    assert set(state.done) == {
        "first_response#0:warning:50", "first_response#0:warning:75",
        "first_response#0:escalation:1", "first_response#0:escalation:2",
    }
    # the breach (due at 60 min) is still pending and comes first, at once
    m = next_milestone(state)
    assert (m.id, m.due_at) == ("first_response#0:breach:100", mins(60))
    assert next_breach_at(state) == mins(60)
    state = mark_done(state, m, mins(180))
    assert current(state, "first_response").breached_at == mins(60)  # when it was due
    # resolution (8 h) has nothing in the past
    assert next_milestone(state).id == "resolution#0:warning:50"


def test_adopt_policy_keeps_done_and_only_skips_up_to_now():
    state = ticket()
    state = mark_done(state, milestones(state)[0], mins(30))
    # a stricter policy at 40 min: first response 40 min -> warnings at 20 and 30 min past, breach at 40 min future
    stricter = policy(first=40 * M, version=2)
    state = adopt_policy(state, stricter, mins(40))
    assert state.policy == stricter
    assert "first_response#0:warning:50" in state.done and "first_response#0:warning:75" in state.done
    assert state.done.count("first_response#0:warning:50") == 1
    # due exactly now counts as past for escalation level 1 (after 0 min) but the breach stays
    assert "first_response#0:escalation:1" in state.done
    assert "first_response#0:breach:100" not in state.done
    m = next_milestone(state)
    assert (m.id, m.due_at) == ("first_response#0:breach:100", mins(40))
    # resolution (8 h) unchanged, nothing skipped
    assert not any(d.startswith("resolution#") for d in state.done)


# --------------------------------------------------------------------------------------------
# status, next_breach_at, clock_views
# --------------------------------------------------------------------------------------------


def test_status_ok_at_risk_breached():
    state = ticket()
    assert status(state, mins(1)) == "ok"
    state = mark_done(state, milestones(state)[0], mins(30))  # first response warning 50 %
    assert status(state, mins(31)) == "at_risk"
    # answered: that warning no longer matters
    answered = observe(state, "reply", "open", "open", mins(40))
    assert status(answered, mins(41)) == "ok"
    # not answered in time: breached once the target has passed, even before the breach fired
    assert status(state, mins(61)) == "breached"
    # breach fired and then answered: stays breached
    fired = mark_done(state, next(m for m in milestones(state) if m.kind == "breach"), mins(60))
    fired = observe(fired, "reply", "open", "open", mins(70))
    assert status(fired, mins(71)) == "breached"


def test_status_of_a_paused_clock_does_not_breach_while_paused():
    state = observe(ticket(), "pend", "open", "pending", mins(10))
    assert status(state, mins(10 + 24 * 60)) == "ok"


def test_next_breach_at():
    state = ticket()
    assert next_breach_at(state) == mins(60)
    state = mark_done(state, milestones(state)[2], mins(60))
    assert next_breach_at(state) == mins(480)
    state = observe(state, "resolve", "open", "resolved", mins(100))
    assert next_breach_at(state) is None


def test_clock_views_freeze_while_paused_and_go_negative():
    state = ticket()
    (fr, res) = clock_views(state, mins(10))
    assert (fr.name, fr.cycle, fr.target_seconds, fr.started_at) == ("first_response", 0, H, T0)
    assert (fr.due_at, fr.remaining_seconds, fr.paused, fr.breached, fr.stopped_at) == (mins(60), 50 * M, False, False, None)
    assert (res.due_at, res.remaining_seconds) == (mins(480), 470 * M)
    state = observe(state, "pend", "open", "pending", mins(10))
    for now in (mins(10), mins(40), mins(10 + 3 * 24 * 60)):
        fr, res = clock_views(state, now)
        assert (fr.remaining_seconds, fr.paused, fr.due_at, fr.breached) == (50 * M, True, None, False)
        assert res.remaining_seconds == 470 * M
    state = observe(state, "resume", "pending", "open", mins(40))
    fr, _ = clock_views(state, mins(40))
    assert (fr.remaining_seconds, fr.paused, fr.due_at) == (50 * M, False, mins(90))
    fr, _ = clock_views(state, mins(90))
    assert (fr.remaining_seconds, fr.breached) == (0, False)
    fr, _ = clock_views(state, mins(100))
    assert (fr.remaining_seconds, fr.breached) == (-10 * M, True)
    # a reply stops it: remaining stays where it was at the reply
    state = observe(state, "reply", "open", "open", mins(100))
    fr, _ = clock_views(state, mins(500))
    assert (fr.remaining_seconds, fr.stopped_at, fr.breached) == (-10 * M, mins(100), True)


def test_clock_views_in_business_time_freeze_at_night():
    cal = build_calendar("utc", "UTC", {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}, [],
                         now=datetime(2026, 6, 1, tzinfo=UTC))
    state = ticket(policy(calendar=cal, first=2 * H), at=mins(7 * 60))  # Mon 16:00 UTC
    fr = next(v for v in clock_views(state, mins(12 * 60)) if v.name == "first_response")  # Mon 21:00
    assert fr.remaining_seconds == 1 * H and fr.due_at == datetime(2026, 3, 3, 10, tzinfo=UTC)  # Tue 10:00
    fr = next(v for v in clock_views(state, datetime(2026, 3, 3, 8, tzinfo=UTC)) if v.name == "first_response")
    assert fr.remaining_seconds == 1 * H and not fr.breached


# --------------------------------------------------------------------------------------------
# Property: random ticket histories
# --------------------------------------------------------------------------------------------

STATUSES = ("new", "open", "pending", "on_hold", "resolved")

events = st.lists(
    st.tuples(st.sampled_from(("reply", "customer_reply", "status", "note")),
              st.sampled_from(STATUSES),
              st.integers(0, 3 * 24 * 3600)),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(events, st.sampled_from((["pending"], ["pending", "on_hold"])), st.booleans())
def test_prop_random_histories_keep_clocks_consistent(history, pause_statuses, business):
    cal = Calendar()
    if business:
        cal = build_calendar("ny", "America/New_York", {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                             [], now=datetime(2026, 6, 1, tzinfo=UTC))
    state = ticket(policy(calendar=cal, pause_statuses=pause_statuses))
    now, current_status = T0, "new"
    for kind, to, delta in history:
        now = now + timedelta(seconds=delta)
        if kind in ("reply", "note") and to == "new":
            to = "open"
        state = observe(state, kind, current_status, to, now)
        current_status = to
        names = [c.name for c in state.clocks]
        assert len(names) == len(set(names)), "one clock per name"
        for clock in state.clocks:
            open_pauses = [i for i, p in enumerate(clock.pauses) if p[1] is None]
            if clock.stopped_at is None:
                assert open_pauses in ([], [len(clock.pauses) - 1])
                # paused exactly when the ticket is in a pause status
                assert bool(open_pauses) == (current_status in pause_statuses)
            else:
                assert open_pauses == []
                assert clock.stopped_at >= clock.started_at
            for a, b in clock.pauses:
                assert a >= clock.started_at
                assert b is None or b >= a
            assert all(p[0] >= q[1] for q, p in zip(clock.pauses, clock.pauses[1:]))
        if current_status == "resolved":
            assert sla.running(state) == []
        starts = {c.name: c.started_at for c in state.clocks}
        ms = milestones(state)
        for m in ms:
            assert m.due_at >= starts[m.clock]
        assert [m.due_at for m in ms] == sorted(m.due_at for m in ms)


# --- rules 2 (pinned-sla-terms): breached clocks keep their terms; escalations never loosen ---


def named(name: str, **kw) -> SlaPolicyData:
    p = policy(**kw)
    p.name = name
    return p


def pinned_ticket(p: SlaPolicyData) -> SlaState:
    state = new_sla(T0)
    state.rules = sla.RULES_PINNED_TERMS
    return adopt_policy(state, p, T0)


def breach_first_response(state: SlaState, team: str = "support") -> SlaState:
    m = next(x for x in milestones(state) if x.id == "first_response#0:breach:100")
    return mark_done(state, m, m.due_at, team=team)


def test_rules_2_a_breached_clock_keeps_the_chain_of_the_policy_it_breached_under():
    low = named("low", first=10 * M, escalations=((1, 0), (2, 1)))
    normal = named("normal", first=4 * H, escalations=((1, 0), (2, 30)))
    state = breach_first_response(pinned_ticket(low), team="support")
    state = adopt_policy(state, normal, mins(10), never_later=True)
    level2 = next(x for x in milestones(state) if x.id == "first_response#0:escalation:2")
    assert level2.due_at == mins(11)  # under "low", whatever the ticket's policy is now
    clock = current(state, "first_response")
    assert clock.policy.name == "low" and clock.breach_team == "support"
    view = next(v for v in clock_views(state, mins(12)) if v.name == "first_response")
    assert view.due_at == mins(10) and view.target_seconds == 10 * M and view.remaining_seconds == -2 * M


def test_rules_1_histories_keep_following_the_current_policy():
    low = named("low", first=10 * M, escalations=((1, 0), (2, 1)))
    normal = named("normal", first=4 * H, escalations=((1, 0), (2, 30)))
    state = adopt_policy(new_sla(T0), low, T0)
    state = breach_first_response(state)
    state = adopt_policy(state, normal, mins(10), never_later=True)
    level2 = next(x for x in milestones(state) if x.id == "first_response#0:escalation:2")
    assert level2.due_at == mins(40) and current(state, "first_response").policy is None


def test_rules_2_an_escalation_never_moves_a_due_time_later_but_an_agent_may_and_it_is_said():
    strict, loose = named("strict", resolution=2 * H), named("loose", resolution=8 * H)
    before = pinned_ticket(strict)
    kept = adopt_policy(before, loose, mins(10), never_later=True)
    assert next_breach_at(kept) == T0 + timedelta(hours=1)  # first response, under strict
    resolution = next(v for v in clock_views(kept, mins(10)) if v.name == "resolution")
    assert resolution.due_at == T0 + timedelta(hours=2)
    assert sla.due_changes(before, kept, mins(10)) == []
    moved = adopt_policy(before, loose, mins(10))  # an agent lowered the priority
    changes = {c["clock"]: c for c in sla.due_changes(before, moved, mins(10))}
    assert changes["resolution"] == {"clock": "resolution", "from": (T0 + timedelta(hours=2)).isoformat(),
                                     "to": (T0 + timedelta(hours=8)).isoformat(), "later": True}
    assert "first_response" not in changes  # same target in both


def test_rules_2_a_stricter_policy_replaces_kept_terms():
    strict, loose, stricter = named("strict", resolution=2 * H), named("loose", resolution=8 * H), named("x", resolution=H)
    state = adopt_policy(pinned_ticket(strict), loose, mins(10), never_later=True)
    assert current(state, "resolution").policy.name == "strict"
    state = adopt_policy(state, stricter, mins(20), never_later=True)
    assert current(state, "resolution").policy is None
    assert next(v for v in clock_views(state, mins(20)) if v.name == "resolution").due_at == T0 + timedelta(hours=1)


def test_rules_2_a_paused_clock_compares_as_if_resumed_now():
    strict, loose = named("strict", resolution=2 * H), named("loose", resolution=8 * H)
    state = observe(pinned_ticket(strict), "pend", "open", "pending", mins(30))
    state = adopt_policy(state, loose, mins(60), never_later=True)
    assert current(state, "resolution").policy.name == "strict"
