"""Managing routing: agents' availability, skills, capacity and teams; teams' skills and
routing mode; routing rules. Functions take and return plain dicts; the API validates them
first. Each change that can give an agent more room reports it, so the caller can hand the
agent queued tickets (see `models.routing.queue_for_agent`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import routing as q
from models.sla_admin import ConfigError
from models.tables import Agent, RoutingRule, Team, TeamMember


def _agent(s: Session, email: str) -> Agent:
    agent = s.scalars(select(Agent).where(Agent.email == email.lower())).first()
    if agent is None:
        raise ConfigError("NotFound", "email", f"no agent {email}")
    return agent


def _team(s: Session, slug: str, field: str, type: str = "UnknownTeam") -> Team:
    team = q.team_by_slug(s, slug)
    if team is None:
        raise ConfigError(type, field, f"no team {slug!r}")
    return team


# --- agents ---------------------------------------------------------------------------------------


def agent_dicts(s: Session, agents: list[Agent]) -> list[dict]:
    teams = q.teams_of(s, [a.id for a in agents])
    loads = q.open_loads(s, [a.email for a in agents])
    homes = dict(s.execute(select(Team.id, Team.slug)).all())
    return [{"email": a.email, "name": a.name, "role": a.role, "team": homes.get(a.team_id), "teams": teams[a.id],
             "active": a.active, "capacity": a.capacity, "skills": list(a.skills or []), "availability": a.availability,
             "open_tickets": loads[a.email]} for a in agents]


def list_agents(s: Session) -> list[dict]:
    return agent_dicts(s, list(s.scalars(select(Agent).order_by(Agent.email))))


def patch_agent(s: Session, email: str, data: dict) -> tuple[dict, bool]:
    """Change the fields in `data`; also says whether the agent may now take more tickets
    (capacity raised, or a team added)."""
    agent = _agent(s, email)
    more_room = False
    if data.get("skills") is not None:
        agent.skills = sorted(set(data["skills"]))
    if data.get("capacity") is not None:
        more_room |= data["capacity"] > agent.capacity
        agent.capacity = data["capacity"]
    if data.get("teams") is not None:
        ids = [_team(s, slug, f"teams.{i}").id for i, slug in enumerate(data["teams"])]
        before = set(s.scalars(select(TeamMember.team_id).where(TeamMember.agent_id == agent.id)))
        more_room |= bool(set(ids) - before)
        q.set_teams(s, agent, ids)
    s.flush()
    return agent_dicts(s, [agent])[0], more_room


def set_availability(s: Session, email: str, availability: str) -> tuple[dict, bool]:
    """Set the agent's availability; also says whether they just came online."""
    agent = _agent(s, email)
    came_online = availability == "online" and agent.availability != "online"
    agent.availability = availability
    s.flush()
    return agent_dicts(s, [agent])[0], came_online


# --- teams -----------------------------------------------------------------------------------------


def team_dicts(s: Session, teams: list[Team]) -> list[dict]:
    queued = q.queued_counts(s)
    return [{"slug": t.slug, "name": t.name, "is_default": t.is_default, "skills": list(t.skills or []),
             "routing_mode": t.routing_mode, "members": [a.email for a in q.team_agents(s, t.id)],
             "queued": queued.get(t.slug, 0), "ticket_access": t.ticket_access or "default"} for t in teams]


def list_teams(s: Session) -> list[dict]:
    return team_dicts(s, list(s.scalars(select(Team).order_by(Team.slug))))


def patch_team(s: Session, slug: str, data: dict) -> dict:
    team = _team(s, slug, "slug", type="NotFound")
    if data.get("skills") is not None:
        team.skills = sorted(set(data["skills"]))
    if data.get("routing_mode") is not None:
        team.routing_mode = data["routing_mode"]
    if data.get("ticket_access") is not None:
        team.ticket_access = None if data["ticket_access"] == "default" else data["ticket_access"]
    s.flush()
    return team_dicts(s, [team])[0]


# --- routing rules ------------------------------------------------------------------------------------


def rule_dict(r: RoutingRule, slug: str) -> dict:
    return {"id": r.id, "position": r.position, "category": r.category, "tag": r.tag, "team": slug,
            "skills": list(r.skills or [])}


def list_rules(s: Session) -> list[dict]:
    rows = s.execute(select(RoutingRule, Team.slug).join(Team, Team.id == RoutingRule.team_id)
                     .order_by(RoutingRule.position, RoutingRule.id)).all()
    return [rule_dict(r, slug) for r, slug in rows]


def save_rule(s: Session, data: dict, *, rule_id: int | None = None) -> dict:
    """Create a rule (rule_id None) or replace rule `rule_id`."""
    if data.get("category") is None and data.get("tag") is None:
        raise ConfigError("ValidationError", "category",
                          "a rule needs a category or a tag (tickets no rule claims go to the default team)")
    team = _team(s, data["team"], "team")
    if rule_id is None:
        row = RoutingRule()
        s.add(row)
    else:
        row = s.get(RoutingRule, rule_id)
        if row is None:
            raise ConfigError("NotFound", "id", f"no routing rule {rule_id}")
    row.position, row.category, row.tag = data["position"], data.get("category"), data.get("tag")
    row.team_id, row.skills = team.id, sorted(set(data.get("skills") or []))
    s.flush()
    return rule_dict(row, team.slug)


def delete_rule(s: Session, rule_id: int) -> bool:
    row = s.get(RoutingRule, rule_id)
    if row is None:
        return False
    s.delete(row)
    return True
