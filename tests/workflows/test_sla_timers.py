"""SLA timers on the time-skipping test server: a week-long business-hours SLA in Paris
across a weekend, Easter Monday and the switch to summer time, with a pause and a priority
change, and the whole escalation chain. The real activities run against a SQLite read model.

Expected times below are worked out by hand from the calendar (Mon-Fri 09:00-12:30 and
13:30-18:00, 8 h a day; Easter Monday 2027-03-29 a holiday; clocks go forward on Sunday
2027-03-28)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from temporalio.worker import Replayer

from models.tables import BusinessCalendar, Notification, SlaMilestoneRow, SlaPolicy, TicketEventRow, TicketRow
from servicedesk.worker import build_worker
from tests.conftest import worker_settings
from workflows import messages as m
from workflows.ticket import TicketWorkflow

PARIS = ZoneInfo("Europe/Paris")
SAM = m.Actor(kind="agent", id="sam@demo.example", name="Sam Support")
DANA = m.Actor(kind="customer", id="dana@customer.example")
WARN = [{"percent": 50, "notify": ["assignee"]}, {"percent": 75, "notify": ["assignee", "team_lead"]}]
CHAIN = [
    {"level": 1, "after_minutes": 0, "notify": ["assignee", "team_lead"], "raise_priority": True},
    {"level": 2, "after_minutes": 30, "notify": ["manager"], "reassign_team": "escalations"},
]


def paris(text: str) -> datetime:
    """'2027-03-25 10:00' Paris wall time -> UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).astimezone(timezone.utc)


def _add_facilities_policies(db) -> None:
    with db.sessions.begin() as s:
        office = s.scalars(select(BusinessCalendar).where(BusinessCalendar.name == "Paris office")).one()
        office.weekly_hours = {d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
        s.add(SlaPolicy(name="Facilities", priority="normal", category="facilities", calendar_id=office.id,
                        first_response_seconds=4 * 3600, next_response_seconds=8 * 3600, resolution_seconds=40 * 3600,
                        warnings=WARN, escalations=CHAIN))
        s.add(SlaPolicy(name="Facilities, urgent", priority="high", category="facilities", calendar_id=office.id,
                        first_response_seconds=2 * 3600, next_response_seconds=4 * 3600, resolution_seconds=32 * 3600,
                        warnings=WARN, escalations=CHAIN))


async def _sleep_until(env, when: datetime) -> None:
    now = await env.get_current_time()
    assert when > now, f"test timeline went backwards: {when} <= {now}"
    await env.sleep(when - now)


async def _act(handle, action) -> m.TicketView:
    return await handle.execute_update(m.ACT_UPDATE, dataclasses.asdict(action), result_type=m.TicketView)


# The test server's clock keeps running (in real time) between a skip and the next step, and
# the worker's start-up sits in between: on a loaded machine that is a second or two. The due
# times below are worked out by hand to the minute, so a few seconds of slack loses nothing.
SLACK = timedelta(seconds=5)


async def _view(handle) -> m.TicketView:
    return await handle.query(m.VIEW_QUERY, result_type=m.TicketView)


async def _settled(handle, predicate) -> m.TicketView:
    for _ in range(400):
        view = await _view(handle)
        if predicate(view):
            return view
        await asyncio.sleep(0.025)
    raise AssertionError(f"not reached; last view {view.ticket}")


def _clock(view: m.TicketView, name: str):
    return next(c for c in view.sla if c.name == name)


async def test_week_long_business_hours_sla_with_pause_priority_change_and_escalations(own_time_skipping, sqlite_database,
                                                                                      task_queue):
    env, db = own_time_skipping, sqlite_database
    _add_facilities_policies(db)
    number = uuid.uuid4().int % 1_000_000_000
    # Thursday 25 March 2027, 10:00 in Paris (winter time, UTC+1).
    await _sleep_until(env, paris("2027-03-25 10:00"))
    async with build_worker(env.client, db.sessions, task_queue, worker_settings(task_queue)):
        handle = await env.client.start_workflow(
            TicketWorkflow.run,
            m.TicketInput(number=number, subject="Broken door lock", description="Meeting room 3",
                          requester_email=DANA.id, category="facilities", created_by=SAM),
            id=m.ticket_workflow_id(number), task_queue=task_queue)
        view = await _settled(handle, lambda v: v.ticket.sla_policy == "Facilities")
        start = view.ticket.created_at
        first, resolution = _clock(view, "first_response"), _clock(view, "resolution")
        # 4 h from Thu 10:00: 10:00-12:30 and 13:30-15:00.
        assert abs(first.due_at - paris("2027-03-25 15:00")) < SLACK
        # 40 h: Thu 7 h, Fri 8 h, (weekend, Easter Monday), Tue, Wed, Thu 8 h each = 39 h, Fri 09:00-10:00 CEST.
        assert abs(resolution.due_at - paris("2027-04-02 10:00")) < SLACK
        assert view.ticket.sla_status == "ok"

        # Thu 11:00: the first public reply meets the first-response target.
        await _sleep_until(env, paris("2027-03-25 11:00"))
        view = await _act(handle, m.Reply(actor=SAM, body="A technician is on the way."))
        assert _clock(view, "first_response").stopped_at is not None and not _clock(view, "first_response").breached

        # Fri 17:00: waiting on the customer pauses the clocks (14 h of resolution time used).
        await _sleep_until(env, paris("2027-03-26 17:00"))
        view = await _act(handle, m.Pend(actor=SAM, reason="Which key card?"))
        assert _clock(view, "resolution").paused and _clock(view, "resolution").due_at is None
        assert _clock(view, "resolution").remaining_seconds == 26 * 3600

        # Tue 30 March 10:00 (summer time, after Easter Monday): the customer answers; the
        # clock resumes and a next-response clock starts (8 h: due Wed 10:00).
        await _sleep_until(env, paris("2027-03-30 10:00"))
        await handle.signal(m.CUSTOMER_REPLY_SIGNAL, {"actor": dataclasses.asdict(DANA), "body": "Card 4411"})
        view = await _settled(handle, lambda v: v.ticket.status == "open")
        # 2 h of pause inside opening hours (Fri 17-18, Tue 9-10): due 2 h later, Fri 2 April 12:00.
        assert abs(_clock(view, "resolution").due_at - paris("2027-04-02 12:00")) < SLACK
        assert abs(_clock(view, "next_response").due_at - paris("2027-03-31 10:00")) < SLACK
        await _sleep_until(env, paris("2027-03-30 11:00"))
        await _act(handle, m.Reply(actor=SAM, body="Thanks, on it."))

        # Tue 17:00: 20 h used -> the 50 % warning fires.
        await _sleep_until(env, paris("2027-03-30 17:05"))
        view = await _settled(handle, lambda v: v.ticket.sla_status == "at_risk")

        # Wed 10:00: priority raised to high -> policy "Facilities, urgent" (32 h). 22 h used:
        # the 75 % warning (24 h) is now due Wed 12:00, the breach Thu 1 April 12:00.
        await _sleep_until(env, paris("2027-03-31 10:00"))
        view = await _act(handle, m.SetPriority(actor=SAM, priority="high"))
        view = await _settled(handle, lambda v: v.ticket.sla_policy == "Facilities, urgent")
        assert abs(_clock(view, "resolution").due_at - paris("2027-04-01 12:00")) < SLACK

        # Thu 1 April 13:35: past the breach (12:00) and escalation level 2. Level 2 comes 30
        # minutes of business time after the breach under the policy that breached ("Facilities,
        # urgent", Paris office hours), though level 1 moved the ticket to "Critical" (24x7):
        # the breach came a fraction of a second after 12:00, so the 30 minutes run past the
        # 12:30 lunch break and end at 13:30.
        await _sleep_until(env, paris("2027-04-01 13:35"))
        view = await _settled(handle, lambda v: v.ticket.team == "escalations")
        assert view.ticket.priority == "critical"  # level 1 raised it
        assert view.ticket.assignee == "eve@demo.example"  # level 2 moved it to the escalation team
        assert view.ticket.sla_status == "breached" and _clock(view, "resolution").breached
        await _act(handle, m.Resolve(actor=SAM, resolution="Lock replaced"))
        # Each SLA timer is named in the history (and so in the Temporal UI).
        summaries = [e.user_metadata.summary.data.decode() async for e in handle.fetch_history_events()
                     if e.HasField("timer_started_event_attributes")]
        assert any("SLA resolution escalation level 2 due 2027-04-01 11:30" in x for x in summaries), summaries
        # An auditor replaying this history gets the same decisions: calendars are data.
        await Replayer(workflows=[TicketWorkflow]).replay_workflow(await handle.fetch_history())

    with db.sessions() as s:
        fired = list(s.scalars(select(SlaMilestoneRow).where(SlaMilestoneRow.number == number).order_by(SlaMilestoneRow.seq)))
        events = list(s.scalars(select(TicketEventRow).where(TicketEventRow.number == number).order_by(TicketEventRow.seq)))
        notes = s.execute(select(Notification.kind, Notification.recipient).where(
            Notification.number == number, Notification.kind.startswith("sla_")).order_by(Notification.id)).all()
        row = s.get(TicketRow, number)
    expected = [
        ("resolution#0:warning:50", paris("2027-03-30 17:00")),
        ("resolution#0:warning:75", paris("2027-03-31 12:00")),
        ("resolution#0:breach:100", paris("2027-04-01 12:00")),
        ("resolution#0:escalation:1", paris("2027-04-01 12:00")),
        ("resolution#0:escalation:2", paris("2027-04-01 13:30")),
    ]
    assert [f.milestone for f in fired] == [name for name, _ in expected]
    for f, (_, due) in zip(fired, expected):
        # The ticket was created a fraction of a second after 10:00; its clocks started then.
        assert abs(f.due_at.replace(tzinfo=timezone.utc) - due) < SLACK, (f.milestone, f.due_at)
    for f in fired:
        assert 0 <= f.lateness_ms < 5_000, (f.milestone, f.lateness_ms)
        assert f.fired_at.replace(tzinfo=timezone.utc) >= f.due_at.replace(tzinfo=timezone.utc)
    # Each milestone is recorded once; each notification once per person.
    assert [e.kind for e in events].count("sla_milestone") == 5
    assert notes == [
        ("sla_warning", "sam@demo.example"),
        ("sla_warning", "sam@demo.example"), ("sla_warning", "sue@demo.example"),
        ("sla_breach", "sam@demo.example"),
        ("sla_escalation", "sam@demo.example"), ("sla_escalation", "sue@demo.example"),
        ("sla_escalation", "mo@demo.example"),
    ]
    assert row.sla_status == "breached" and row.status == "resolved" and row.priority == "critical"
    assert start < paris("2027-03-25 10:01")

