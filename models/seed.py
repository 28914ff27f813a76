"""A small demo organisation, so a fresh `make run` has someone to route tickets to.
Idempotent: rows that exist (by their natural key) are left as they are."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import Agent, RoutingRule, SlaPolicy, Team, TriageRule

TEAMS = [
    ("support", "Service desk", True),
    ("network", "Network operations", False),
    ("billing", "Billing", False),
]
AGENTS = [
    # email, name, role, team
    ("admin@demo.example", "Ada Admin", "admin", None),
    ("sam@demo.example", "Sam Support", "agent", "support"),
    ("sky@demo.example", "Sky Support", "agent", "support"),
    ("nina@demo.example", "Nina Network", "agent", "network"),
    ("bill@demo.example", "Bill Billing", "agent", "billing"),
    ("sue@demo.example", "Sue Supervisor", "supervisor", "support"),
    ("audrey@demo.example", "Audrey Auditor", "auditor", None),
]
SLA_POLICIES = [
    # name, priority, first response, next response, resolution (minutes)
    ("Critical", "critical", 15, 30, 4 * 60),
    ("High", "high", 60, 120, 8 * 60),
    ("Normal", "normal", 4 * 60, 8 * 60, 3 * 24 * 60),
    ("Low", "low", 8 * 60, 24 * 60, 5 * 24 * 60),
]
TRIAGE_RULES = [
    # name, pattern, category, priority, tags
    ("Outages are high priority", r"\b(outage|down|unreachable)\b", None, "high", ["outage"]),
    ("Network words", r"\b(vpn|wi-?fi|network|dns|firewall)\b", "network", None, []),
    ("Billing words", r"\b(invoice|billing|refund|payment)\b", "billing", None, []),
]
ROUTING_RULES = [("network", "network"), ("billing", "billing")]


def seed_demo(s: Session) -> None:
    teams = {t.slug: t for t in s.scalars(select(Team))}
    for slug, name, default in TEAMS:
        if slug not in teams:
            teams[slug] = Team(slug=slug, name=name, is_default=default)
            s.add(teams[slug])
    s.flush()
    known = set(s.scalars(select(Agent.email)))
    for email, name, role, team in AGENTS:
        if email not in known:
            s.add(Agent(email=email, name=name, role=role, team_id=teams[team].id if team else None))
    known = set(s.scalars(select(SlaPolicy.name)))
    for name, priority, first, nxt, resolution in SLA_POLICIES:
        if name not in known:
            s.add(SlaPolicy(name=name, priority=priority, first_response_minutes=first,
                            next_response_minutes=nxt, resolution_minutes=resolution))
    known = set(s.scalars(select(TriageRule.name)))
    for position, (name, pattern, category, priority, tags) in enumerate(TRIAGE_RULES):
        if name not in known:
            s.add(TriageRule(name=name, position=(position + 1) * 10, pattern=pattern, set_category=category,
                             set_priority=priority, add_tags=tags))
    if s.scalar(select(RoutingRule.id).limit(1)) is None:
        for position, (category, team) in enumerate(ROUTING_RULES):
            s.add(RoutingRule(position=(position + 1) * 10, category=category, team_id=teams[team].id))
    s.flush()
