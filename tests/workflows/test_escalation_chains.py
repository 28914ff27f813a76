"""Escalation chains that never cut themselves, on the time-skipping test server, with the real
activities on a SQLite read model: the two runs of issue [1/6] tried as a new user would.

A low-priority ticket breaches its first response; escalation level 1 raises the priority, which
switches the ticket to another policy; level 2, one minute later, moves it to the escalation
team and tells the manager. Level 2 must still fire, under the policy that was breached, and
tell the manager of the team that held the ticket then (not the escalation team's); the new
policy's looser resolution target must not move that clock's due time later; and the view must
keep the breached clock's due time."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from models.tables import BusinessCalendar, Notification, SlaMilestoneRow, SlaPolicy, Team, TicketEventRow
from servicedesk.worker import build_worker
from tests.conftest import worker_settings
from tests.workflows.test_sla_timers import DANA, SAM, SLACK, _clock, _settled, _sleep_until
from workflows import messages as m
from workflows.ticket import TicketWorkflow

SUPPORT_MANAGER = "pat.manager@demo.example"
LOW_CHAIN = [
    {"level": 1, "after_minutes": 0, "notify": ["assignee"], "raise_priority": True},
    {"level": 2, "after_minutes": 1, "notify": ["manager"], "reassign_team": "escalations"},
]
NORMAL_CHAIN = [
    {"level": 1, "after_minutes": 0, "notify": ["team_lead"]},
    {"level": 2, "after_minutes": 30, "notify": ["assignee"]},
]


def _add_chain_policies(db) -> None:
    with db.sessions.begin() as s:
        always = s.scalars(select(BusinessCalendar).where(BusinessCalendar.name == "24x7")).one()
        s.add(SlaPolicy(name="Chains, low", priority="low", category="chains", calendar_id=always.id,
                        first_response_seconds=10 * 60, next_response_seconds=3600, resolution_seconds=2 * 3600,
                        escalations=LOW_CHAIN))
        s.add(SlaPolicy(name="Chains, normal", priority="normal", category="chains", calendar_id=always.id,
                        first_response_seconds=4 * 3600, next_response_seconds=4 * 3600, resolution_seconds=8 * 3600,
                        escalations=NORMAL_CHAIN))
        s.scalars(select(Team).where(Team.slug == "support")).one().manager_email = SUPPORT_MANAGER


async def test_a_chain_runs_to_its_last_level_under_the_policy_that_breached(own_time_skipping, sqlite_database,
                                                                             task_queue):
    env, db = own_time_skipping, sqlite_database
    _add_chain_policies(db)
    number = uuid.uuid4().int % 1_000_000_000
    async with build_worker(env.client, db.sessions, task_queue, worker_settings(task_queue)):
        handle = await env.client.start_workflow(
            TicketWorkflow.run,
            m.TicketInput(number=number, subject="Badge reader beeps", description="Third floor",
                          requester_email=DANA.id, priority="low", category="chains", created_by=SAM),
            id=m.ticket_workflow_id(number), task_queue=task_queue)
        view = await _settled(handle, lambda v: v.ticket.sla_policy == "Chains, low")
        assert view.ticket.team == "support"
        breach_at = _clock(view, "first_response").due_at
        resolution_due = _clock(view, "resolution").due_at

        # Breach + level 1 (priority low -> normal: the ticket's policy becomes "Chains, normal"),
        # then level 2 one minute later, still under "Chains, low".
        await _sleep_until(env, breach_at + timedelta(minutes=2))
        view = await _settled(handle, lambda v: v.ticket.team == "escalations")
        assert view.ticket.priority == "normal" and view.ticket.sla_policy == "Chains, normal"
        assert view.ticket.assignee == "eve@demo.example"
        first = _clock(view, "first_response")
        # The breached clock keeps its due time and its target, and says how late it is.
        assert first.breached and first.due_at == breach_at
        assert first.target_seconds == 10 * 60 and first.remaining_seconds < 0
        # The priority raised by level 1 did not loosen the resolution clock (8 h under the
        # new policy would have moved it six hours later).
        resolution = _clock(view, "resolution")
        assert resolution.due_at == resolution_due and resolution.target_seconds == 2 * 3600

    with db.sessions() as s:
        fired = s.execute(select(SlaMilestoneRow.milestone, SlaMilestoneRow.due_at).where(
            SlaMilestoneRow.number == number).order_by(SlaMilestoneRow.seq)).all()
        notes = s.execute(select(Notification.kind, Notification.recipient, Notification.data).where(
            Notification.number == number, Notification.kind.startswith("sla_")).order_by(Notification.id)).all()
        switches = list(s.scalars(select(TicketEventRow.data).where(
            TicketEventRow.number == number, TicketEventRow.kind == "sla_policy").order_by(TicketEventRow.seq)))
    assert [f.milestone for f in fired] == ["first_response#0:breach:100", "first_response#0:escalation:1",
                                            "first_response#0:escalation:2"]
    assert abs(fired[2].due_at.replace(tzinfo=breach_at.tzinfo) - (breach_at + timedelta(minutes=1))) < SLACK
    # Level 2 told the manager of the team whose SLA was breached, not the escalation team's.
    level2 = [(kind, to) for kind, to, data in notes if data.get("label") == "level 2"]
    assert level2 == [("sla_escalation", SUPPORT_MANAGER)], notes
    # The switch says which clock kept its terms, and why.
    raised = switches[-1]
    assert raised["policy"] == "Chains, normal" and raised["reason"].startswith("escalation raised the priority")
    assert raised["kept_terms"] == {"first_response": {"policy": "Chains, low", "why": "breached"},
                                    "resolution": {"policy": "Chains, low", "why": "stricter"}}
    assert "due_later" not in raised


async def test_a_level_that_moves_the_ticket_tells_the_manager_of_the_team_that_breached(own_time_skipping,
                                                                                       sqlite_database, task_queue):
    env, db = own_time_skipping, sqlite_database
    with db.sessions.begin() as s:
        always = s.scalars(select(BusinessCalendar).where(BusinessCalendar.name == "24x7")).one()
        s.add(SlaPolicy(name="Move at once", priority="normal", category="moves", calendar_id=always.id,
                        first_response_seconds=10 * 60, resolution_seconds=8 * 3600,
                        escalations=[{"level": 1, "after_minutes": 0, "notify": ["manager", "team_lead"],
                                      "reassign_team": "escalations"}]))
        s.scalars(select(Team).where(Team.slug == "support")).one().manager_email = SUPPORT_MANAGER
    number = uuid.uuid4().int % 1_000_000_000
    async with build_worker(env.client, db.sessions, task_queue, worker_settings(task_queue)):
        # The request arrived five minutes before its workflow first ran (a backlog): the
        # clocks start at its arrival.
        arrived = await env.get_current_time() - timedelta(minutes=5)
        handle = await env.client.start_workflow(
            TicketWorkflow.run,
            m.TicketInput(number=number, subject="Projector flickers", description="Room 2", requester_email=DANA.id,
                          category="moves", created_by=SAM, received_at=arrived),
            id=m.ticket_workflow_id(number), task_queue=task_queue)
        view = await _settled(handle, lambda v: v.ticket.sla_policy == "Move at once")
        assert view.ticket.created_at == arrived
        assert _clock(view, "first_response").due_at == arrived + timedelta(minutes=10)
        await _sleep_until(env, arrived + timedelta(minutes=11))
        await _settled(handle, lambda v: v.ticket.team == "escalations")
    with db.sessions() as s:
        told = s.execute(select(Notification.recipient).where(
            Notification.number == number, Notification.kind == "sla_escalation").order_by(Notification.id)).scalars().all()
    # Support's manager and lead (sue), not the escalation team's (mo), who held it only after.
    assert told == [SUPPORT_MANAGER, "sue@demo.example"]
