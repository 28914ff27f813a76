"""Routing: a routing rule picks the team; inside it the team's mode picks an online member
with capacity left (round-robin, least-loaded or skill match). With nobody free the ticket
waits in the team queue, and `dispatch_queue` hands it out when an agent frees capacity.

The mode choosers are pure functions over `Candidate`s; the activity gathers the candidates
under the team's lock and records each decision, keyed, in the same transaction."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from activities.defn import sync_activity
from models import routing as q
from models.tables import RoutingDecision, RoutingRule, Team
from workflows.activity_io import DispatchInput, DispatchResult, RouteInput, RouteResult
from workflows.messages import DISPATCH_ACTIVITY, ROUTE_ACTIVITY

_NEVER = datetime.min.replace(tzinfo=timezone.utc)
_KEY = re.compile(r"^\d+:(\d+)$")


# --- the pure part: choosing an agent ------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A team member who takes tickets, as routing sees them at the moment of the decision."""

    id: int
    email: str
    availability: str = "online"
    load: int = 0
    capacity: int = 20
    skills: frozenset[str] = frozenset()
    last_assigned: datetime | None = None  # None: never routed to, so idle the longest

    @property
    def free(self) -> bool:
        return self.availability == "online" and self.load < self.capacity

    def load_text(self) -> str:
        return f"{self.load} open of {self.capacity}"


@dataclass(frozen=True)
class Choice:
    agent: Candidate | None
    reason: str
    cursor: int | None  # the team's round-robin cursor after this decision


def next_round_robin(eligible: list[Candidate], cursor: int | None) -> Candidate | None:
    """The first eligible agent after `cursor` in id order, wrapping round to the lowest id."""
    ordered = sorted(eligible, key=lambda c: c.id)
    for c in ordered:
        if cursor is None or c.id > cursor:
            return c
    return ordered[0] if ordered else None


def least_loaded(eligible: list[Candidate]) -> Candidate | None:
    """Fewest open tickets; on a tie the one idle longest (never routed to first), then the lowest id."""
    return min(eligible, key=lambda c: (c.load, c.last_assigned or _NEVER, c.id), default=None)


def why_nobody(members: list[Candidate], team: str) -> str:
    if not members:
        return f"nobody available in {team}: it has no active agents"
    online = [c for c in members if c.availability == "online"]
    if not online:
        return f"nobody available in {team}: " + ", ".join(f"{c.email} {c.availability}" for c in members)
    return f"everyone online in {team} is at capacity: " + ", ".join(f"{c.email} {c.load_text()}" for c in online)


def choose(mode: str, members: list[Candidate], *, team: str, cursor: int | None = None,
           needed: frozenset[str] = frozenset()) -> Choice:
    """Pick an agent among the team's `members` by the team's `mode`; say why."""
    eligible = [c for c in members if c.free]
    if not eligible:
        return Choice(None, f"{why_nobody(members, team)}; waiting in the team queue", cursor)
    if mode == "round_robin":
        agent = next_round_robin(eligible, cursor)
        assert agent is not None
        after = next((c.email for c in members if c.id == cursor), None)
        return Choice(agent, f"round-robin in {team}: {agent.email} ({agent.load_text()}) is next"
                             f"{f' after {after}' if after else ''}", agent.id)
    if mode == "skill_match":
        wanted = ", ".join(sorted(needed))
        if not needed:
            agent = least_loaded(eligible)
            assert agent is not None
            return Choice(agent, f"skill match in {team}: the ticket needs no skill; least loaded: "
                                 f"{agent.email} with {agent.load_text()}", cursor)
        skilled = [c for c in eligible if needed <= c.skills]
        if skilled:
            agent = least_loaded(skilled)
            assert agent is not None
            return Choice(agent, f"skill match in {team}: {agent.email} has {wanted}, least loaded of "
                                 f"{len(skilled)} with {agent.load_text()}", cursor)
        agent = least_loaded(eligible)
        assert agent is not None
        return Choice(agent, f"skill match in {team}: nobody available has {wanted}; falling back to least loaded: "
                             f"{agent.email} with {agent.load_text()}", cursor)
    agent = least_loaded(eligible)
    assert agent is not None
    return Choice(agent, f"least loaded in {team}: {agent.email} with {agent.load_text()}", cursor)


# --- the team: routing rules -------------------------------------------------------------------------


def _matches(rule: RoutingRule, inp: RouteInput) -> bool:
    if rule.category is not None and rule.category != inp.category:
        return False
    return rule.tag is None or rule.tag in inp.tags


def _describe(rule: RoutingRule, team: Team) -> str:
    what = f"category {rule.category!r}" if rule.category else "any category"
    return f"rule #{rule.id} ({what}{f', tag {rule.tag!r}' if rule.tag else ''}) -> team {team.slug}"


def pick_team(s: Session, inp: RouteInput) -> tuple[Team | None, str, RoutingRule | None]:
    """The first rule by position that matches; else the default team; or the team given."""
    rules = list(s.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))
    if inp.team is not None:
        team = q.team_by_slug(s, inp.team)
        if team is None:
            return None, f"team {inp.team!r} does not exist", None
        # The rule that sent the ticket to this team still says which skills it needs.
        rule = next((r for r in rules if r.team_id == team.id and _matches(r, inp)), None)
        return team, f"in team {team.slug}", rule
    for rule in rules:
        if _matches(rule, inp):
            team = s.get(Team, rule.team_id)
            assert team is not None
            return team, _describe(rule, team), rule
    default = s.scalars(select(Team).where(Team.is_default)).first()
    if default is not None:
        return default, f"no routing rule for category {inp.category!r} -> default team {default.slug}", None
    return None, f"no routing rule for category {inp.category!r} and no default team", None


def needed_skills(team: Team, rule: RoutingRule | None, tags: list[str]) -> frozenset[str]:
    """The rule's skills; without any, the ticket's tags that are skills of the team."""
    if rule is not None and rule.skills:
        return frozenset(rule.skills)
    return frozenset(tags) & frozenset(team.skills or [])


def candidates(s: Session, team: Team, number: int) -> list[Candidate]:
    agents = q.team_agents(s, team.id)
    emails = [a.email for a in agents]
    loads = q.open_loads(s, emails, exclude=number)
    last = q.last_assigned(s, emails)
    return [Candidate(id=a.id, email=a.email, availability=a.availability, load=loads[a.email], capacity=a.capacity,
                      skills=frozenset(a.skills or []), last_assigned=last.get(a.email)) for a in agents]


# --- the activities ------------------------------------------------------------------------------------


def _result(d: RoutingDecision) -> RouteResult:
    return RouteResult(team=d.team, assignee=d.assignee, reason=d.reason)


class RoutingActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @sync_activity(ROUTE_ACTIVITY)
    def route_ticket(self, inp: RouteInput) -> RouteResult:
        key = inp.decision_key or f"{inp.number}:once-{uuid.uuid4().hex}"
        try:
            return self._decide(inp, key)
        except IntegrityError:
            # The same decision was recorded concurrently (a retry racing its first attempt).
            with self._sessions() as s:
                found = s.get(RoutingDecision, key)
                if found is None:
                    raise
                return _result(found)

    def _decide(self, inp: RouteInput, key: str) -> RouteResult:
        with self._sessions.begin() as s:
            found = s.get(RoutingDecision, key)
            if found is not None:  # a retry: the decision stands, round-robin does not move again
                return _result(found)
            team, why_team, rule = pick_team(s, inp)
            mode, assignee = None, None
            if team is None:
                reason = why_team
            else:
                q.lock_team(s, team.id)  # from here until commit, this team's decisions wait for us
                s.refresh(team)
                mode = team.routing_mode
                choice = choose(mode, candidates(s, team, inp.number), team=team.slug, cursor=team.rr_cursor,
                                needed=needed_skills(team, rule, inp.tags))
                if choice.cursor != team.rr_cursor:
                    team.rr_cursor = choice.cursor
                assignee = choice.agent.email if choice.agent else None
                reason = f"{why_team}; {choice.reason}"
            seq = _KEY.match(key)
            s.add(RoutingDecision(decision_key=key, number=inp.number, seq=int(seq.group(1)) if seq else None,
                                  team=team.slug if team else None, assignee=assignee, mode=mode, reason=reason))
            s.flush()
            return RouteResult(team=team.slug if team else None, assignee=assignee, reason=reason)

    @sync_activity(DISPATCH_ACTIVITY)
    def dispatch_queue(self, inp: DispatchInput) -> DispatchResult:
        """Queued tickets the agent could take now (none unless online with free capacity)."""
        with self._sessions() as s:
            return DispatchResult(numbers=q.queue_for_agent(s, inp.agent, exclude=inp.number))
