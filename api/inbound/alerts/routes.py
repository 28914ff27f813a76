"""Inbound monitoring alerts: the Prometheus Alertmanager webhook.

Alertmanager authenticates with an API token of an agent, supervisor or admin (its
`http_config.authorization`). It retries on 5xx and gives up on 4xx, so a payload that is
not Alertmanager's is refused with 422 and anything transient answers 503.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import AgentDep
from api.inbound.alerts.alertmanager import AlertmanagerPayload, parse_payload
from api.inbound.alerts.groups import AlertService

router = APIRouter(prefix="/inbound", tags=["inbound"])


def alert_service(request: Request) -> AlertService:
    state = request.app.state
    return AlertService(state.sessions, state.intake, state.gateway, state.settings)


AlertServiceDep = Annotated[AlertService, Depends(alert_service)]


class AlertOutcomeOut(BaseModel):
    outcome: Literal["opened", "appended", "unchanged", "ignored"] = Field(
        description="opened: a new ticket; appended: delivered to the group's open ticket; unchanged: a repeat, "
                    "the open ticket already has these alerts as they are; ignored: nothing to do")
    number: int | None = Field(default=None, description="The alert group's ticket", examples=[42])
    reason: str | None = Field(default=None, description="Why nothing was done (ignored only)")


# The body is read and validated by hand so that anything that is not an Alertmanager
# payload, JSON or not, is one 422 naming the field; the schema is still documented.
def _inlined(schema: dict) -> dict:
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": _inlined(AlertmanagerPayload.model_json_schema())}}}}


@router.post("/alertmanager", response_model=AlertOutcomeOut, response_model_exclude_none=True,
             openapi_extra=_BODY, responses={
                 201: {"description": "A ticket was opened for the alert group", "model": AlertOutcomeOut},
                 401: {"description": "No or bad token"}, 403: {"description": "Role not allowed"},
                 422: {"description": "Not an Alertmanager webhook payload (version 4); the body names each field"},
                 503: {"description": "Temporal or the database is unavailable; Alertmanager retries"}})
async def alertmanager_webhook(request: Request, me: AgentDep, service: AlertServiceDep) -> JSONResponse:
    """Receive one Alertmanager notification: open the alert group's ticket (201), deliver
    it to the group's open ticket (200, `appended`), find it a repeat of what that ticket has (200,
    `unchanged`), or do nothing (200, `ignored`)."""
    payload = parse_payload(await request.body())
    outcome = await service.receive(payload)
    body = AlertOutcomeOut(outcome=outcome.outcome, number=outcome.number, reason=outcome.reason)
    status = 201 if outcome.outcome == "opened" else 200
    headers = {"Location": f"/tickets/{outcome.number}"} if outcome.number is not None else None
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)
