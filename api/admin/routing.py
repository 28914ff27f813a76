"""Routing configuration: agents' skills, capacity and teams; teams' skills and routing mode;
routing rules. Admins change it; supervisors may read the rules. Raising an agent's capacity
or adding them to a team hands them queued tickets at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from starlette.concurrency import run_in_threadpool

from api.admin.availability import AgentEmail, GatewayDep, dispatch
from api.admin.routing_schemas import (
    AgentPatch,
    AgentRoutingOut,
    RoutingRuleIn,
    RoutingRuleOut,
    TeamPatch,
    TeamRoutingOut,
)
from api.deps import AdminDep, SessionsDep, SupervisorDep
from api.errors import ApiError
from api.params import RowId as RuleId
from api.schemas import Slug
from models import routing_admin

router = APIRouter(prefix="/admin", tags=["routing administration"])


@router.patch("/agents/{email}", response_model=AgentRoutingOut)
async def patch_agent(email: AgentEmail, body: AgentPatch, me: AdminDep, sessions: SessionsDep,
                      gateway: GatewayDep) -> AgentRoutingOut:
    """Change an agent's skills, capacity or teams (`teams` replaces the memberships)."""

    def save() -> tuple[dict, bool]:
        with sessions.begin() as s:
            return routing_admin.patch_agent(s, email, body.model_dump(exclude_unset=True))

    saved, more_room = await run_in_threadpool(save)
    if more_room:
        why = f"{saved['email']} capacity raised to {saved['capacity']}" if "capacity" in body.model_fields_set \
            else f"{saved['email']} joined {', '.join(saved['teams'])}"
        await dispatch(gateway, sessions, saved["email"], why)
    return AgentRoutingOut(**saved)


@router.patch("/teams/{slug}", response_model=TeamRoutingOut)
def patch_team(slug: Annotated[Slug, Path()], body: TeamPatch, me: AdminDep, sessions: SessionsDep) -> TeamRoutingOut:
    """Change a team's skills or routing mode (round_robin, least_loaded, skill_match)."""
    with sessions.begin() as s:
        return TeamRoutingOut(**routing_admin.patch_team(s, slug, body.model_dump(exclude_unset=True)))


@router.get("/routing-rules", response_model=list[RoutingRuleOut])
def list_rules(me: SupervisorDep, sessions: SessionsDep) -> list[RoutingRuleOut]:
    """The routing rules in the order they are tried."""
    with sessions() as s:
        return [RoutingRuleOut(**r) for r in routing_admin.list_rules(s)]


@router.post("/routing-rules", response_model=RoutingRuleOut, status_code=status.HTTP_201_CREATED)
def create_rule(body: RoutingRuleIn, me: AdminDep, sessions: SessionsDep) -> RoutingRuleOut:
    with sessions.begin() as s:
        return RoutingRuleOut(**routing_admin.save_rule(s, body.model_dump()))


@router.put("/routing-rules/{rule_id}", response_model=RoutingRuleOut)
def replace_rule(rule_id: RuleId, body: RoutingRuleIn, me: AdminDep, sessions: SessionsDep) -> RoutingRuleOut:
    with sessions.begin() as s:
        return RoutingRuleOut(**routing_admin.save_rule(s, body.model_dump(), rule_id=rule_id))


@router.delete("/routing-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: RuleId, me: AdminDep, sessions: SessionsDep) -> Response:
    with sessions.begin() as s:
        if not routing_admin.delete_rule(s, rule_id):
            raise ApiError("NotFound", f"no routing rule {rule_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
