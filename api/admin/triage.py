"""Triage rules: admins list, create, replace, delete and preview them; supervisors and
auditors may read them. A change applies to tickets opened after it (triage runs at intake)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.admin.triage_schemas import (
    TriagePreviewIn,
    TriagePreviewOut,
    TriageRuleIn,
    TriageRuleOut,
)
from api.deps import AdminDep, ManagerDep, SessionsDep
from api.errors import ApiError
from api.params import RowId as RuleId
from models import triage_admin
from models.customers import customer_tier

router = APIRouter(prefix="/admin/triage-rules", tags=["Triage rules"])
ERRORS = {403: {"description": "Not allowed for this role"}, 422: {"description": "A field is invalid; the body names it"}}


def _not_found(rule_id: int) -> ApiError:
    return ApiError("TriageRuleNotFound", f"no triage rule {rule_id}", [{"field": "id", "message": "no such rule"}])


@router.get("", response_model=list[TriageRuleOut], responses=ERRORS)
def list_rules(me: ManagerDep, sessions: SessionsDep) -> list[TriageRuleOut]:
    """Every rule, disabled ones too, in the order they apply (position, then id)."""
    with sessions() as s:
        return [TriageRuleOut(**r) for r in triage_admin.list_rules(s)]


@router.post("", response_model=TriageRuleOut, status_code=status.HTTP_201_CREATED,
             responses=ERRORS | {409: {"description": "A rule with this name exists"}})
def create_rule(body: TriageRuleIn, me: AdminDep, sessions: SessionsDep, response: Response) -> TriageRuleOut:
    with sessions.begin() as s:
        saved = triage_admin.save_rule(s, body.model_dump())
    response.headers["Location"] = f"{router.prefix}/{saved['id']}"
    return TriageRuleOut(**saved)


@router.post("/preview", response_model=TriagePreviewOut, responses=ERRORS)
def preview(body: TriagePreviewIn, me: AdminDep, sessions: SessionsDep) -> TriagePreviewOut:
    """What the enabled rules would do to this sample ticket; nothing is changed or stored."""
    with sessions() as s:
        tier = customer_tier(s, body.requester_email)
        verdict = triage_admin.evaluate(triage_admin.enabled_rules(s), body, tier)
    return TriagePreviewOut(category=verdict.category, priority=verdict.priority, tags=verdict.tags, rules=verdict.rules,
                            reasons=verdict.reasons, auto_resolve=verdict.auto_resolve, requester_tier=tier)


@router.get("/{rule_id}", response_model=TriageRuleOut, responses=ERRORS | {404: {"description": "No such rule"}})
def get_rule(rule_id: RuleId, me: ManagerDep, sessions: SessionsDep) -> TriageRuleOut:
    with sessions() as s:
        rule = triage_admin.get_rule(s, rule_id)
    if rule is None:
        raise _not_found(rule_id)
    return TriageRuleOut(**rule)


@router.put("/{rule_id}", response_model=TriageRuleOut,
            responses=ERRORS | {404: {"description": "No such rule"}, 409: {"description": "Another rule has this name"}})
def replace_rule(rule_id: RuleId, body: TriageRuleIn, me: AdminDep, sessions: SessionsDep) -> TriageRuleOut:
    """Replace the whole rule: fields left out take their defaults."""
    with sessions.begin() as s:
        return TriageRuleOut(**triage_admin.save_rule(s, body.model_dump(), rule_id=rule_id))


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS | {404: {"description": "No such rule"}})
def delete_rule(rule_id: RuleId, me: AdminDep, sessions: SessionsDep) -> Response:
    with sessions.begin() as s:
        if not triage_admin.delete_rule(s, rule_id):
            raise _not_found(rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
