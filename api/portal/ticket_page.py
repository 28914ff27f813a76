"""A ticket's page from a signed link: its status and public conversation, its files, and
the customer's reply. A confirm or survey link shows the same page with its form on top."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api.errors import ApiError
from api.portal import customer, uploads
from api.portal.customer import SignedIn, zones
from api.portal.pages import HEADERS, refusal, render
from api.portal.service import Portal, get_portal, public_attachment_ids, public_ticket
from api.tickets.downloads import file_download
from models.links import LinkClaims
from models.mail import get_attachment
from models.portal import form_key_ok, new_form_key
from workflows.messages import MAX_BODY_CHARS, CustomerReply, TicketView

router = APIRouter(prefix="/portal/t/{token}", include_in_schema=False)
PortalDep = Annotated[Portal, Depends(get_portal)]
NOTICES = {"reply": "Thank you: your reply was sent and is shown below."}


def survey_open(view: TicketView) -> bool:
    survey = getattr(view, "survey", None)
    return (survey is not None and survey.answered_at is None and not survey.expired
            and survey.expires_at > datetime.now(timezone.utc))


def require_state(claims: LinkClaims, view: TicketView) -> None:
    """A confirm link needs a resolved ticket, a survey link an open survey."""
    number = view.ticket.number
    if claims.purpose == "confirm" and view.ticket.status != "resolved":
        now = {"closed": "it is closed", "resolved": "it is resolved"}.get(view.ticket.status, "it was reopened")
        raise ApiError("NotWaitingForConfirmation", f"Request #{number} is no longer waiting for your confirmation: "
                                                    f"{now}. Nothing was changed.")
    if claims.purpose == "survey" and not survey_open(view):
        survey = getattr(view, "survey", None)
        why = ("it was already answered" if survey is not None and survey.answered_at is not None
               else "its time to answer has passed" if survey is not None else "this request has no survey")
        raise ApiError("SurveyNotOpen", f"The survey about request #{number} is closed: {why}. Nothing was changed.")


def page(token: str, claims: LinkClaims, view: TicketView, *, status: int = 200, errors: dict[str, str] | None = None,
         values: dict[str, Any] | None = None, notice: str | None = None, tz: str = "UTC") -> HTMLResponse:
    """The page of a signed link: its purpose's form on top, if any."""
    return ticket_html(f"/portal/t/{quote(token, safe='.-_')}", claims.purpose, view, status=status, errors=errors,
                       values=values, notice=notice, tz=tz)


def ticket_html(base: str, purpose: str, view: TicketView, *, status: int = 200, errors: dict[str, str] | None = None,
                values: dict[str, Any] | None = None, notice: str | None = None,
                who: SignedIn | None = None, tz: str = "UTC") -> HTMLResponse:
    """A ticket's page at `base` (a signed link's, or a signed-in customer's /portal/requests/{n}),
    its times in the signed-in customer's zone, else in `tz`."""
    ticket = public_ticket(view)
    return render("ticket.html", status=status, base=base, ticket=ticket, purpose=purpose,
                  errors=errors or {}, values={"body": "", "comment": "", "decision": "", "csat": "", "nps": "",
                                               "survey_comment": ""} | (values or {}),
                  notice=notice, form_key=new_form_key(), who=who, tz=who.timezone if who else tz,
                  zones=zones() if who else [], here=base,
                  confirmation_due_at=getattr(view, "confirmation_due_at", None),
                  can_reply=not ticket.closed and purpose == "view")


@router.get("", response_class=HTMLResponse)
async def ticket_page(token: str, request: Request, portal: PortalDep, sent: str = "") -> HTMLResponse:
    try:
        claims = portal.check(token)
        await portal.refuse_if_used(claims)
        view = await portal.view(claims.number)
        require_state(claims, view)
    except ApiError as err:
        return refusal(err)
    # The requester, signed in, sees the link's page in their own zone too (anyone else holding
    # the link sees UTC, named).
    who = await customer.current(request)
    mine = who is not None and view.ticket.requester_email.strip().lower() == who.email
    return page(token, claims, view, notice=NOTICES.get(sent), tz=who.timezone if who and mine else "UTC")


@router.post("/reply", response_class=HTMLResponse)
async def reply(token: str, request: Request, portal: PortalDep) -> Response:
    form = await request.form()
    try:
        claims = portal.check(token, purpose="view")
        view = await portal.view(claims.number)
    except ApiError as err:
        return refusal(err)
    return await send_reply(portal, view, form, f"/portal/t/{quote(token, safe='.-_')}")


async def send_reply(portal: Portal, view: TicketView, form: FormData, base: str,
                     who: SignedIn | None = None) -> Response:
    """The customer's reply (with its files) from the page at `base`; back there once it shows."""
    number = view.ticket.number
    body = str(form.get("body") or "").strip()
    key = str(form.get("form_key") or "")
    try:
        if view.ticket.status == "closed":
            raise ApiError("TicketClosed", f"Request #{number} is closed, so it cannot take replies. "
                                           "Your message was not sent; open a new request if you still need help.")
        files = await uploads.read(form, portal.settings.max_attachment_bytes)
        errors = {}
        if not body or len(body) > MAX_BODY_CHARS:
            errors["body"] = "Write your reply first." if not body else f"A reply can be at most {MAX_BODY_CHARS} characters long."
        if files.refused:
            errors["files"] = files.refused
        if errors:
            return ticket_html(base, "view", view, status=422, errors=errors, values={"body": body}, who=who)
        before = view.conversation_earlier + len(view.conversation)  # a long ticket keeps only its newest entries
        # The form's key is the message's id: a double submit is one reply (the ticket drops the repeat).
        message_id = f"<portal-{key if form_key_ok(key) else new_form_key()}@{portal.settings.mail_domain}>"
        refs = await run_in_threadpool(uploads.store, portal.sessions, number, message_id, files)
        await portal.gateway.customer_reply(number, CustomerReply(
            actor=portal.requester(view), body=body, channel="web", recorded_by="portal", message_id=message_id,
            attachments=refs))
    except ApiError as err:
        return refusal(err)
    await portal.wait_for(number, lambda v: v.conversation_earlier + len(v.conversation) > before, timeout=3.0)
    return RedirectResponse(f"{base}?sent=reply", status_code=303, headers=HEADERS)


@router.get("/files/{attachment_id}")
async def download(token: str, attachment_id: str, portal: PortalDep) -> Response:
    """A file of the public conversation (or of the request itself), never an internal note's."""
    try:
        claims = portal.check(token)
        await portal.refuse_if_used(claims)
        view = await portal.view(claims.number)
        return await public_file(portal, view, attachment_id)
    except ApiError as err:
        return refusal(err)


async def public_file(portal: Portal, view: TicketView, attachment_id: str) -> Response:
    """A file of the ticket's public conversation (or of the request itself); NotFound for any other."""
    number = view.ticket.number
    wanted = int(attachment_id) if attachment_id.isdigit() and len(attachment_id) < 19 else -1
    if wanted not in public_attachment_ids(view):
        raise ApiError("NotFound", "This file is not part of your request's conversation.")

    def load():
        with portal.sessions() as s:
            return get_attachment(s, number, wanted)

    row = await run_in_threadpool(load)
    if row is None:
        raise ApiError("NotFound", "This file is no longer kept.")
    return file_download(row, **{"Referrer-Policy": "no-referrer"})
