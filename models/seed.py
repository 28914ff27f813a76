"""A small demo organisation, so a fresh `make run` has someone to route tickets to.
Idempotent: rows that exist (by their natural key) are left as they are."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.tables import Agent, BusinessCalendar, Customer, RoutingRule, SlaPolicy, Team, TeamMember, TriageRule

TEAMS = [
    # slug, name, default, lead, manager
    ("support", "Service desk", True, "sue@demo.example", "mo@demo.example"),
    ("network", "Network operations", False, "sue@demo.example", "mo@demo.example"),
    ("billing", "Billing", False, "sue@demo.example", "mo@demo.example"),
    ("escalations", "Escalations", False, "mo@demo.example", "mo@demo.example"),
]
AGENTS = [
    # email, name, role, team
    ("admin@demo.example", "Ada Admin", "admin", None),
    ("sam@demo.example", "Sam Support", "agent", "support"),
    ("sky@demo.example", "Sky Support", "agent", "support"),
    ("nina@demo.example", "Nina Network", "agent", "network"),
    ("bill@demo.example", "Bill Billing", "agent", "billing"),
    ("eve@demo.example", "Eve Escalations", "agent", "escalations"),
    ("sue@demo.example", "Sue Supervisor", "supervisor", "support"),
    ("mo@demo.example", "Mo Manager", "supervisor", None),
    ("audrey@demo.example", "Audrey Auditor", "auditor", None),
]
# One demo agent of each role, the first of it above: whom the API tests and the benchmarks act as.
ONE_AGENT_PER_ROLE = {role: next(email for email, _, r, _ in AGENTS if r == role)
                      for role in dict.fromkeys(role for _, _, role, _ in AGENTS)}
OFFICE_HOURS = {day: [["09:00", "12:30"], ["13:30", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
CALENDARS = [
    # name, zone, weekly hours (None: 24x7), holidays
    ("24x7", "UTC", None, []),
    ("Paris office", "Europe/Paris", OFFICE_HOURS,
     ["2026-12-25", "2027-01-01", "2027-03-29", "2027-05-01", "2027-05-08", "2027-07-14", "2027-12-25"]),
]
WARNINGS = [{"percent": 50, "notify": ["assignee"]}, {"percent": 75, "notify": ["assignee", "team_lead"]}]
ESCALATIONS = [
    {"level": 1, "after_minutes": 0, "notify": ["assignee", "team_lead"], "raise_priority": True},
    {"level": 2, "after_minutes": 30, "notify": ["manager"], "reassign_team": "escalations"},
]
H = 3600
SLA_POLICIES = [
    # name, priority, tier, calendar, first response, next response, resolution (seconds)
    ("Critical", "critical", None, "24x7", 15 * 60, 30 * 60, 4 * H),
    ("High", "high", None, "Paris office", 1 * H, 2 * H, 8 * H),
    ("Normal", "normal", None, "Paris office", 4 * H, 8 * H, 3 * 8 * H),
    ("Normal, VIP", "normal", "vip", "Paris office", 2 * H, 4 * H, 2 * 8 * H),
    ("Low", "low", None, "Paris office", 8 * H, 16 * H, 5 * 8 * H),
]
CUSTOMERS = [("@bigcorp.example", "BigCorp", "vip")]
TRIAGE_RULES = [
    # name, pattern, category, priority, tags
    ("Outages are high priority", r"\b(outage|down|unreachable)\b", None, "high", ["outage"]),
    ("Network words", r"\b(vpn|wi-?fi|network|dns|firewall)\b", "network", None, []),
    ("Billing words", r"\b(invoice|billing|refund|payment)\b", "billing", None, []),
]
# A VIP requester raises priority: a rule, so admins see it, edit it or switch it off.
VIP_RULE = {"name": "VIP requester", "position": 40, "requester_tier": "vip", "raise_priority": True,
            "description": "Requesters whose customer tier is vip (by address or @domain) get one priority step up."}
ROUTING_RULES = [("network", "network"), ("billing", "billing")]


def seed_demo(s: Session) -> None:
    teams = {t.slug: t for t in s.scalars(select(Team))}
    for slug, name, default, lead, manager in TEAMS:
        if slug not in teams:
            teams[slug] = Team(slug=slug, name=name, is_default=default, lead_email=lead, manager_email=manager)
            s.add(teams[slug])
    s.flush()
    known = set(s.scalars(select(Agent.email)))
    for email, name, role, team in AGENTS:
        if email not in known:
            agent = Agent(email=email, name=name, role=role, team_id=teams[team].id if team else None,
                          availability="online")
            s.add(agent)
            if team:  # the home team is also where the agent works the queue
                s.flush()
                s.add(TeamMember(team_id=teams[team].id, agent_id=agent.id))
    calendars = {c.name: c for c in s.scalars(select(BusinessCalendar))}
    for name, zone, weekly, holidays in CALENDARS:
        if name not in calendars:
            calendars[name] = BusinessCalendar(name=name, timezone=zone, weekly_hours=weekly, holidays=holidays)
            s.add(calendars[name])
    s.flush()
    known = set(s.scalars(select(SlaPolicy.name)))
    for name, priority, tier, calendar, first, nxt, resolution in SLA_POLICIES:
        if name not in known:
            s.add(SlaPolicy(name=name, priority=priority, customer_tier=tier, calendar_id=calendars[calendar].id,
                            first_response_seconds=first, next_response_seconds=nxt, resolution_seconds=resolution,
                            pause_statuses=["pending"], warnings=WARNINGS, escalations=ESCALATIONS))
    known = set(s.scalars(select(Customer.email)))
    for email, name, tier in CUSTOMERS:
        if email not in known:
            s.add(Customer(email=email, name=name, tier=tier))
    known = set(s.scalars(select(TriageRule.name)))
    for position, (name, pattern, category, priority, tags) in enumerate(TRIAGE_RULES):
        if name not in known:
            s.add(TriageRule(name=name, position=(position + 1) * 10, pattern=pattern, set_category=category,
                             set_priority=priority, add_tags=tags))
    if VIP_RULE["name"] not in known:
        s.add(TriageRule(**VIP_RULE))
    if s.scalar(select(RoutingRule.id).limit(1)) is None:
        for position, (category, team) in enumerate(ROUTING_RULES):
            s.add(RoutingRule(position=(position + 1) * 10, category=category, team_id=teams[team].id))
    s.flush()


def seeded_database(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """The read model at `url` (SQLite or PostgreSQL) migrated and seeded with the demo
    organisation, for the end-to-end tests and the benchmarks: (engine, sessions)."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        seed_demo(s)
    return engine, sessions
