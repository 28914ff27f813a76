"""Webhooks (admins only) and the notification outbox (admins and supervisors): who receives
notifications as signed JSON, and what was delivered, is pending or failed and why."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status

from api.admin.webhooks_schemas import OutboxEntryOut, WebhookIn, WebhookOut, WebhookUpdate
from api.deps import AdminDep, SessionsDep, SupervisorDep
from api.errors import ApiError
from api.params import MAX_ID
from models import outbox, webhooks

router = APIRouter(tags=["Notifications"])
Name = Annotated[str, Path(min_length=1, max_length=64)]
ERRORS = {403: {"description": "Not allowed for this role"}, 422: {"description": "A field is invalid; the body names it"}}
NOT_FOUND = {404: {"description": "No such webhook"}}


def _not_found(name: str) -> ApiError:
    return ApiError("WebhookNotFound", f"no webhook {name!r}", [{"field": "name", "message": "no such webhook"}])


@router.get("/admin/webhooks", response_model=list[WebhookOut], responses=ERRORS)
def list_webhooks(me: AdminDep, sessions: SessionsDep) -> list[WebhookOut]:
    with sessions() as s:
        return [WebhookOut(**webhooks.public(h)) for h in webhooks.list_webhooks(s)]


@router.post("/admin/webhooks", response_model=WebhookOut, status_code=status.HTTP_201_CREATED,
             responses=ERRORS | {409: {"description": "A webhook with this name exists"}})
def create_webhook(body: WebhookIn, me: AdminDep, sessions: SessionsDep, response: Response) -> WebhookOut:
    with sessions.begin() as s:
        hook = webhooks.create_webhook(s, name=body.name, url=body.url, secret=body.secret, kinds=body.kinds,
                                       active=body.active)
        if hook is None:
            raise ApiError("WebhookExists", f"a webhook named {body.name!r} exists",
                           [{"field": "name", "message": "already taken"}])
        out = WebhookOut(**webhooks.public(hook))
    response.headers["Location"] = f"/admin/webhooks/{out.name}"
    return out


@router.get("/admin/webhooks/{name}", response_model=WebhookOut, responses=ERRORS | NOT_FOUND)
def get_webhook(name: Name, me: AdminDep, sessions: SessionsDep) -> WebhookOut:
    with sessions() as s:
        hook = webhooks.get_webhook(s, name)
        if hook is None:
            raise _not_found(name)
        return WebhookOut(**webhooks.public(hook))


@router.put("/admin/webhooks/{name}", response_model=WebhookOut, responses=ERRORS | NOT_FOUND)
def replace_webhook(name: Name, body: WebhookUpdate, me: AdminDep, sessions: SessionsDep) -> WebhookOut:
    """Replace URL, kinds and active; the secret only when the body has one."""
    with sessions.begin() as s:
        hook = webhooks.replace_webhook(s, name, url=body.url, secret=body.secret, kinds=body.kinds, active=body.active)
        if hook is None:
            raise _not_found(name)
        return WebhookOut(**webhooks.public(hook))


@router.delete("/admin/webhooks/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS | NOT_FOUND)
def delete_webhook(name: Name, me: AdminDep, sessions: SessionsDep) -> Response:
    """Deliveries to it that are still pending fail ("deleted") instead of being sent."""
    with sessions.begin() as s:
        if not webhooks.delete_webhook(s, name):
            raise _not_found(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/admin/notifications", response_model=list[OutboxEntryOut], responses=ERRORS)
def list_notifications(me: SupervisorDep, sessions: SessionsDep,
                       number: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                       status_: Annotated[Literal["pending", "sent", "failed", "suppressed"] | None, Query(alias="status")] = None,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[OutboxEntryOut]:
    """The outbox, newest first: every notification with its channel, status, attempts and last error
    (for a suppressed one, why it was not sent)."""
    with sessions() as s:
        return [OutboxEntryOut(**vars(e)) for e in outbox.list_outbox(s, number=number, status=status_, limit=limit)]
