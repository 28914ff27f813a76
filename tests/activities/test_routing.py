"""Routing against real databases (SQLite and PostgreSQL): keyed decisions, the team lock
under concurrent routings, loads from the read model and from decisions it does not show
yet, skill match, multi-team membership, and the queue handed to an agent with room."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from temporalio.testing import ActivityEnvironment

from activities.projection import ProjectionActivities
from activities.routing import RoutingActivities
from models import routing as q
from models.tables import Agent, RoutingDecision, RoutingRule, Team, TeamMember
from workflows import activity_io as io
from workflows import messages as m

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SAM, SKY, NINA = "sam@demo.example", "sky@demo.example", "nina@demo.example"


def _route(number: int, key: str | None = None, **kw) -> io.RouteInput:
    base = dict(number=number, category=None, tags=[], priority="normal", decision_key=key or f"{number}:3")
    return io.RouteInput(**(base | kw))


def _project(database, number: int, *, assignee: str | None, status: str = "open", team: str = "support",
             priority: str = "normal", seq: int = 4, age_minutes: int = 0) -> None:
    at = NOW - timedelta(minutes=age_minutes)
    snap = m.TicketSnapshot(number=number, subject=f"Ticket {number}", requester_email="dana@customer.example",
                            requester_name="Dana", channel="web", status=status, priority=priority, category=None,
                            tags=[], team=team, assignee=assignee, created_at=at, updated_at=at, last_seq=seq)
    ActivityEnvironment().run(ProjectionActivities(database.sessions).project_ticket,
                              io.ProjectionInput(snapshot=snap, events=[]))


def _configure(database, team: str = "support", **changes) -> None:
    with database.sessions.begin() as s:
        row = s.scalars(select(Team).where(Team.slug == team)).one()
        for key, value in changes.items():
            setattr(row, key, value)


def _agent(database, email: str, **changes) -> None:
    with database.sessions.begin() as s:
        row = s.scalars(select(Agent).where(Agent.email == email)).one()
        for key, value in changes.items():
            setattr(row, key, value)


def test_a_retried_decision_is_returned_unchanged_and_round_robin_moves_once(database):
    _configure(database, routing_mode="round_robin")
    route = RoutingActivities(database.sessions).route_ticket
    env = ActivityEnvironment()
    first = env.run(route, _route(501, "501:3"))
    retry = env.run(route, _route(501, "501:3"))
    assert retry == first and first.assignee == SAM and "round-robin in support" in first.reason
    # The next ticket goes to the next agent: the retry did not advance the cursor.
    assert env.run(route, _route(502, "502:3")).assignee == SKY
    assert env.run(route, _route(503, "503:3")).assignee == SAM
    with database.sessions() as s:
        decisions = s.scalars(select(RoutingDecision).order_by(RoutingDecision.decided_at)).all()
        assert [(d.decision_key, d.seq, d.assignee, d.mode) for d in decisions] == [
            ("501:3", 3, SAM, "round_robin"), ("502:3", 3, SKY, "round_robin"), ("503:3", 3, SAM, "round_robin")]
        sam_id = s.scalar(select(Agent.id).where(Agent.email == SAM))
        assert s.scalar(select(Team.rr_cursor).where(Team.slug == "support")) == sam_id


def test_concurrent_routings_never_exceed_capacity(database):
    _agent(database, SAM, capacity=3)
    _agent(database, SKY, capacity=3)
    _project(database, 600, assignee=SKY)  # Sky has one open ticket already: two slots left
    route = RoutingActivities(database.sessions).route_ticket

    def one(number: int) -> io.RouteResult:
        return ActivityEnvironment().run(route, _route(number))

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(601, 621)))
    given = [r.assignee for r in results if r.assignee]
    assert sorted(given) == [SAM] * 3 + [SKY] * 2
    waiting = [r for r in results if r.assignee is None]
    assert len(waiting) == 15
    assert all("everyone online in support is at capacity" in r.reason and r.reason.endswith("waiting in the team queue")
               for r in waiting)
    with database.sessions() as s:
        assert q.open_loads(s, [SAM, SKY]) == {SAM: 3, SKY: 3}


def test_least_loaded_with_uneven_existing_loads_counts_decisions_not_yet_projected(database):
    for number in (700, 701, 702):
        _project(database, number, assignee=SAM)
    _project(database, 703, assignee=SKY)
    _project(database, 704, assignee=SKY, status="resolved")  # resolved: not a load
    route = RoutingActivities(database.sessions).route_ticket
    env = ActivityEnvironment()
    # Nothing routed here is projected: each decision must still count in its agent's load.
    picks = [env.run(route, _route(n)) for n in range(710, 714)]
    assert [p.assignee for p in picks] == [SKY, SKY, SAM, SKY]
    assert picks[0].reason.endswith("least loaded in support: sky@demo.example with 1 open of 20")
    # The tie at 3 each went to Sam, who had never been routed to (idle the longest).
    assert "sam@demo.example with 3 open of 20" in picks[2].reason
    with database.sessions() as s:
        assert q.open_loads(s, [SAM, SKY]) == {SAM: 4, SKY: 4}
    # Once the read model shows ticket 710 reassigned to Sam after the decision (a later
    # seq), it counts for Sam only.
    _project(database, 710, assignee=SAM, seq=9)
    with database.sessions() as s:
        assert q.open_loads(s, [SAM, SKY]) == {SAM: 5, SKY: 3}


def test_unavailable_agents_and_members_of_other_teams(database):
    route = RoutingActivities(database.sessions).route_ticket
    env = ActivityEnvironment()
    _agent(database, NINA, availability="away")
    r = env.run(route, _route(800, category="network"))
    assert (r.team, r.assignee) == ("network", None)
    assert r.reason.endswith("nobody available in network: nina@demo.example away; waiting in the team queue")
    # Sky joins network too (home team stays support): network tickets can go to Sky.
    with database.sessions.begin() as s:
        sky = s.scalars(select(Agent).where(Agent.email == SKY)).one()
        network = s.scalars(select(Team).where(Team.slug == "network")).one()
        q.set_teams(s, sky, [sky.team_id, network.id])
    r = env.run(route, _route(801, category="network"))
    assert (r.team, r.assignee) == ("network", SKY)
    _agent(database, SKY, availability="offline")
    _agent(database, SAM, availability="offline")
    r = env.run(route, _route(802))
    assert r.assignee is None and "sam@demo.example offline, sky@demo.example offline" in r.reason


def test_skill_match_from_the_rule_or_the_tickets_tags(database):
    _configure(database, "network", routing_mode="skill_match", skills=["dns", "vpn"])
    with database.sessions.begin() as s:
        network = s.scalars(select(Team).where(Team.slug == "network")).one()
        for email, skills in [(SKY, ["dns"]), (SAM, ["vpn", "dns"])]:
            agent = s.scalars(select(Agent).where(Agent.email == email)).one()
            agent.skills = skills
            s.add(TeamMember(team_id=network.id, agent_id=agent.id))
        s.add(RoutingRule(position=1, category="network", tag="firewall", team_id=network.id, skills=["vpn"]))
    _project(database, 900, assignee=SAM, team="network")
    route = RoutingActivities(database.sessions).route_ticket
    env = ActivityEnvironment()
    # The rule needs vpn: only Sam has it, however loaded.
    r = env.run(route, _route(901, category="network", tags=["firewall"]))
    assert r.assignee == SAM and "#" in r.reason and "sam@demo.example has vpn, least loaded of 1" in r.reason
    # No rule skills: the ticket's tags that are team skills (dns) -> Sky and Sam have it; Sky has fewer.
    r = env.run(route, _route(902, category="network", tags=["dns", "urgent"]))
    assert r.assignee == SKY and "has dns, least loaded of 2" in r.reason
    # Re-routing inside the team (the route signal) still applies the rule's skills.
    r = env.run(route, _route(903, category="network", tags=["firewall"], team="network"))
    assert r.assignee == SAM and r.reason.startswith("in team network; skill match")
    # Nobody has "wifi" (not a team skill, so only a rule can ask for it): least loaded instead.
    with database.sessions.begin() as s:
        s.add(RoutingRule(position=0, category="network", tag="wifi", team_id=network.id, skills=["wifi"]))
    r = env.run(route, _route(904, category="network", tags=["wifi"]))
    assert r.assignee == NINA and "nobody available has wifi; falling back to least loaded" in r.reason


def test_dispatch_hands_an_agent_with_room_the_most_urgent_then_oldest_queued_tickets(database):
    dispatch = RoutingActivities(database.sessions).dispatch_queue
    env = ActivityEnvironment()
    _project(database, 1000, assignee=None, priority="normal", age_minutes=30)
    _project(database, 1001, assignee=None, priority="high", age_minutes=5)
    _project(database, 1002, assignee=None, priority="normal", age_minutes=50)
    _project(database, 1003, assignee=None, priority="critical", team="network")  # not Sam's team
    _project(database, 1004, assignee=None, status="resolved")
    _project(database, 1005, assignee=SAM)
    _project(database, 1006, assignee=SAM, status="resolved")  # the ticket Sam just freed
    _agent(database, SAM, capacity=3)
    assert env.run(dispatch, io.DispatchInput(agent=SAM, number=1006, reason="resolved")).numbers == [1001, 1002]
    _agent(database, SAM, capacity=10)
    assert env.run(dispatch, io.DispatchInput(agent=SAM, number=1000, reason="x")).numbers == [1001, 1002]
    assert env.run(dispatch, io.DispatchInput(agent=SAM, number=0, reason="x")).numbers == [1001, 1002, 1000]
    # A queued ticket already decided for someone (not yet projected) is not handed out twice.
    ActivityEnvironment().run(RoutingActivities(database.sessions).route_ticket, _route(1001, "1001:7"))
    assert env.run(dispatch, io.DispatchInput(agent=SKY, number=0, reason="x")).numbers == [1002, 1000]
    _agent(database, SAM, availability="away")
    assert env.run(dispatch, io.DispatchInput(agent=SAM, number=0, reason="x")).numbers == []
    assert env.run(dispatch, io.DispatchInput(agent="ghost@demo.example", number=0, reason="x")).numbers == []
    with database.sessions() as s:
        assert [t.number for t in q.team_queue(s, "support")] == [1002, 1000]
        assert s.scalar(select(func.count()).select_from(RoutingDecision)) == 1


def test_cli_creates_an_agent_in_several_teams_with_skills(sqlite_database, monkeypatch, capsys):
    from servicedesk.cli import main

    monkeypatch.setenv("DATABASE_URL", sqlite_database.url)
    assert main(["agent", "create", "--email", "Lou@Demo.example", "--name", "Lou", "--team", "network",
                 "--team", "support", "--skill", "DNS", "--skill", "vpn", "--capacity", "5"]) == 0
    assert main(["agent", "create", "--email", "max@demo.example", "--name", "Max", "--team", "nope"]) == 2
    assert "no team nope" in capsys.readouterr().err
    with sqlite_database.sessions() as s:
        lou = s.scalars(select(Agent).where(Agent.email == "lou@demo.example")).one()
        assert (lou.skills, lou.capacity, lou.availability) == (["dns", "vpn"], 5, "online")
        assert q.teams_of(s, [lou.id]) == {lou.id: ["network", "support"]}  # home team first
        assert s.scalar(select(Agent.id).where(Agent.email == "max@demo.example")) is None
    _agent(sqlite_database, NINA, availability="away")
    r = ActivityEnvironment().run(RoutingActivities(sqlite_database.sessions).route_ticket, _route(1100, category="network"))
    assert r.assignee == "lou@demo.example"
