"""Bodies for routing: agents' availability, skills, capacity and teams; teams' skills and
routing mode; routing rules. Requests are strict; a bad one is a 422 naming the field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.admin.schemas import AgentOut, TeamOut
from api.schemas import Category, Slug, Strict, Tag

Availability = Literal["online", "away", "offline"]
RoutingMode = Literal["round_robin", "least_loaded", "skill_match"]
# A skill is spelled like a tag (one lower-case word), so ticket tags can name the skills they need.
Skills = Annotated[list[Tag], Field(max_length=50)]
Capacity = Annotated[int, Field(ge=0, le=1000, description="Most open tickets routing gives the agent")]


class AvailabilityIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"availability": "online"}]})
    availability: Availability


class AvailabilityOut(BaseModel):
    email: str
    availability: Availability
    # Queued tickets asked to route again because this agent came online.
    dispatched: list[int] = []


class AgentPatch(Strict):
    """Only the fields sent change. `teams` replaces the agent's team memberships."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"skills": ["vpn", "dns"], "capacity": 8, "teams": ["network", "support"]}]})
    skills: Skills | None = None
    capacity: Capacity | None = None
    teams: Annotated[list[Slug], Field(max_length=50)] | None = None


TicketAccess = Literal["all", "team", "default"]


class TeamPatch(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"skills": ["vpn", "wifi"], "routing_mode": "skill_match"}, {"ticket_access": "team"}]})
    skills: Skills | None = None
    routing_mode: RoutingMode | None = None
    ticket_access: TicketAccess | None = Field(
        default=None, description="Whose are the team's tickets: every agent's (`all`), its members' only (`team`; "
                                  "admins and auditors see them too), or SERVICEDESK_TICKET_ACCESS (`default`)")


class RoutingRuleIn(Strict):
    """Tickets of `category` (and, if set, carrying `tag`) go to `team`; first match by
    position wins. `skills` are what such a ticket needs in a skill-match team."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"position": 10, "category": "network", "tag": "vpn", "team": "network", "skills": ["vpn"]}]})
    position: Annotated[int, Field(ge=0, le=100_000)] = 100
    category: Category | None = None
    tag: Tag | None = None
    team: Slug
    skills: Skills = []


class RoutingRuleOut(RoutingRuleIn):
    id: int


class AgentRoutingOut(AgentOut):
    """`team` is the agent's home team; `teams` every team whose queue they work."""

    teams: list[str]
    skills: list[str]
    availability: Availability
    open_tickets: int


class TeamRoutingOut(TeamOut):
    skills: list[str]
    routing_mode: RoutingMode
    members: list[str]  # e-mails of the active members who take tickets
    queued: int  # tickets waiting in the team queue
    ticket_access: TicketAccess


class QueuedTicket(BaseModel):
    number: int
    subject: str
    priority: str
    status: str
    category: str | None
    created_at: datetime
