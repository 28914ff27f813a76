"""The activities against real databases (SQLite and PostgreSQL), called directly with the
SDK's ActivityEnvironment."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from temporalio.testing import ActivityEnvironment

from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from activities.routing import RoutingActivities
from activities.sla_policy import SlaPolicyActivities
from activities.triage import TriageActivities
from models.tables import Agent, Notification, SlaPolicy, Team, TicketEventRow, TicketRow, TriageRule
from workflows import activity_io as io
from workflows import messages as m

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
SAM = m.Actor(kind="agent", id="sam@demo.example")


def _snapshot(number: int, seq: int, status: str = "new", assignee: str | None = None, team: str | None = "support",
              subject: str = "Printer") -> m.TicketSnapshot:
    return m.TicketSnapshot(number=number, subject=subject, requester_email="dana@customer.example", requester_name="Dana",
                            channel="web", status=status, priority="normal", category=None, tags=[], team=team,
                            assignee=assignee, created_at=NOW, updated_at=NOW + timedelta(minutes=seq), last_seq=seq)


def _event(number: int, seq: int, kind: str = "note") -> m.TicketEvent:
    return m.TicketEvent(number=number, seq=seq, kind=kind, at=NOW + timedelta(minutes=seq), actor=SAM, data={"seq": seq})


def test_projection_is_idempotent_and_never_rewinds(database):
    project = ProjectionActivities(database.sessions).project_ticket
    env = ActivityEnvironment()
    first = io.ProjectionInput(snapshot=_snapshot(7, 1), events=[_event(7, 1, "created")], description="It jams")
    env.run(project, first)
    env.run(project, first)  # a retry
    newer = io.ProjectionInput(snapshot=_snapshot(7, 3, status="open", assignee="sam@demo.example"),
                              events=[_event(7, 2), _event(7, 3)])
    env.run(project, newer)
    env.run(project, io.ProjectionInput(snapshot=_snapshot(7, 2, status="new"), events=[_event(7, 2)]))  # late, older
    with database.sessions() as s:
        row = s.get(TicketRow, 7)
        assert (row.status, row.assignee, row.last_seq, row.description) == ("open", "sam@demo.example", 3, "It jams")
        events = list(s.scalars(select(TicketEventRow).where(TicketEventRow.number == 7).order_by(TicketEventRow.seq)))
        assert [(e.seq, e.kind, e.data) for e in events] == [(1, "created", {"seq": 1}), (2, "note", {"seq": 2}), (3, "note", {"seq": 3})]


def _triage_input(**kw) -> io.TriageInput:
    base = dict(number=1, subject="Hello", description="", requester_email="dana@customer.example", channel="web",
                priority=None, category=None, tags=[])
    return io.TriageInput(**(base | kw))


def test_triage_rules_from_the_database(database):
    triage = TriageActivities(database.sessions).triage_ticket
    env = ActivityEnvironment()
    plain = env.run(triage, _triage_input(subject="Password reset"))
    assert (plain.category, plain.priority, plain.tags, plain.rules) == (None, "normal", [], [])

    both = env.run(triage, _triage_input(subject="Billing portal DOWN", description="invoice page"))
    assert both.category == "billing" and both.priority == "high" and both.tags == ["outage"]
    assert both.rules == ["Outages are high priority", "Billing words"]

    # The requester's own category and a higher priority are kept: rules only raise priority.
    kept = env.run(triage, _triage_input(subject="network outage", category="facilities", priority="critical"))
    assert (kept.category, kept.priority) == ("facilities", "critical")

    # The seeded "VIP requester" rule: the customer tier (here @bigcorp.example) raises priority one step.
    tier = env.run(triage, _triage_input(requester_email="ceo@bigcorp.example", priority="low"))
    assert tier.priority == "normal" and tier.rules == ["VIP requester"]
    assert "rule 'VIP requester' (requester tier vip): priority low -> normal" in tier.reasons

    with database.sessions.begin() as s:
        s.add(TriageRule(name="VIP domain", position=1, pattern=None, requester_domain="bigcorp.example",
                         set_priority="high", add_tags=["vip"]))
        s.add(TriageRule(name="Phone calls", position=2, pattern=None, channels=["phone"], add_tags=["phoned"]))
        s.add(TriageRule(name="Broken regex", position=3, pattern="([", add_tags=["never"]))
    vip = env.run(triage, _triage_input(requester_email="ceo@eu.bigcorp.example", channel="phone"))
    assert vip.priority == "high" and vip.tags == ["vip", "phoned"] and vip.rules == ["VIP domain", "Phone calls"]
    # A regex that cannot run is skipped with a reason; triage goes on.
    assert any(r.startswith("rule 'Broken regex' skipped") for r in vip.reasons)


def test_routing_least_loaded_with_capacity_and_team_queue(database):
    route = RoutingActivities(database.sessions).route_ticket
    project = ProjectionActivities(database.sessions).project_ticket
    env = ActivityEnvironment()
    # No rule for "printers": the default team (support: sam and sky).
    r = env.run(route, io.RouteInput(number=100, category="printers", tags=[], priority="normal"))
    assert r.team == "support" and r.assignee == "sam@demo.example" and "default team" in r.reason

    # Sam has two open tickets, Sky one: Sky is least loaded.
    for number, who in [(101, "sam@demo.example"), (102, "sam@demo.example"), (103, "sky@demo.example")]:
        env.run(project, io.ProjectionInput(snapshot=_snapshot(number, 1, status="open", assignee=who), events=[]))
    r = env.run(route, io.RouteInput(number=104, category=None, tags=[], priority="normal"))
    assert r.assignee == "sky@demo.example" and "1 open of 20" in r.reason

    # Everyone at capacity: the ticket waits in the team queue.
    with database.sessions.begin() as s:
        for agent in s.scalars(select(Agent).where(Agent.email.in_(["sam@demo.example", "sky@demo.example"]))):
            agent.capacity = 1
    r = env.run(route, io.RouteInput(number=105, category=None, tags=[], priority="normal"))
    assert (r.team, r.assignee) == ("support", None) and "capacity" in r.reason

    # A category rule picks its team; an away (inactive) agent is never picked.
    with database.sessions.begin() as s:
        s.scalars(select(Agent).where(Agent.email == "nina@demo.example")).one().active = False
    r = env.run(route, io.RouteInput(number=106, category="network", tags=[], priority="high"))
    assert (r.team, r.assignee) == ("network", None) and "nobody available" in r.reason

    with database.sessions.begin() as s:
        s.scalars(select(Team).where(Team.is_default)).one().is_default = False
        assert s.scalar(select(func.count()).select_from(Team).where(Team.is_default)) == 0
    r = env.run(route, io.RouteInput(number=107, category="printers", tags=[], priority="normal"))
    assert (r.team, r.assignee) == (None, None) and "no default team" in r.reason


def _policy_input(**kw) -> io.SlaPolicyInput:
    return io.SlaPolicyInput(**(dict(number=1, priority="normal", category=None, requester_email="dana@customer.example") | kw))


def test_sla_policy_by_priority_category_and_tier(database):
    load = SlaPolicyActivities(database.sessions).load_sla_policy
    env = ActivityEnvironment()
    normal = env.run(load, _policy_input())
    assert normal.policy.name == "Normal" and normal.tier is None
    assert normal.policy.resolution_seconds == 24 * 3600 and normal.policy.calendar.timezone == "Europe/Paris"
    assert not normal.policy.calendar.always_open and normal.policy.calendar.hours[0] == [[540, 750], [810, 1080]]
    assert [w.percent for w in normal.policy.warnings] == [50, 75]
    assert [(e.level, e.after_minutes, e.reassign_team) for e in normal.policy.escalations] == [(1, 0, None), (2, 30, "escalations")]

    vip = env.run(load, _policy_input(requester_email="ceo@BigCorp.example"))  # tier from the "@bigcorp.example" entry
    assert (vip.policy.name, vip.tier) == ("Normal, VIP", "vip")
    critical = env.run(load, _policy_input(priority="critical"))
    assert critical.policy.name == "Critical" and critical.policy.calendar.always_open

    # A category-specific policy beats the generic one; category + tier beats both.
    with database.sessions.begin() as s:
        s.add(SlaPolicy(name="Normal billing", priority="normal", category="billing", first_response_seconds=60,
                        next_response_seconds=None, resolution_seconds=600))
        s.add(SlaPolicy(name="Normal billing VIP", priority="normal", category="billing", customer_tier="vip",
                        first_response_seconds=30, next_response_seconds=None, resolution_seconds=300))
    assert env.run(load, _policy_input(category="billing")).policy.name == "Normal billing"
    assert env.run(load, _policy_input(category="billing", requester_email="x@bigcorp.example")).policy.name == "Normal billing VIP"
    nothing = env.run(load, _policy_input(priority="urgent"))
    assert nothing.policy is None and "no SLA policy" in nothing.reason


def test_notifications_resolve_roles_and_never_repeat(database):
    notify = NotificationActivities(database.sessions).notify
    env = ActivityEnvironment()
    inp = io.NotifyInput(number=9, seq=12, kind="sla_escalation", recipients=["assignee", "team_lead", "manager", "ops@demo.example"],
                        assignee="sam@demo.example", team="support", subject="[#9] SLA resolution escalation level 1")
    first = env.run(notify, inp)
    assert first.recorded == ["sam@demo.example", "sue@demo.example", "mo@demo.example", "ops@demo.example"]
    again = env.run(notify, inp)  # a retry of the same activity
    assert again.recorded == [] and again.already == first.recorded
    orphan = env.run(notify, io.NotifyInput(number=9, seq=13, kind="sla_breach", recipients=["assignee", "team"],
                                           assignee=None, team="billing", subject="x"))
    assert orphan.recorded == ["bill@demo.example"] and orphan.unresolved == ["assignee"]
    with database.sessions() as s:
        rows = s.execute(select(Notification.seq, Notification.recipient).where(Notification.number == 9).order_by(Notification.id)).all()
    assert [tuple(r) for r in rows] == [(12, "sam@demo.example"), (12, "sue@demo.example"), (12, "mo@demo.example"),
                                       (12, "ops@demo.example"), (13, "bill@demo.example")]
