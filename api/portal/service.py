"""What the portal's pages share: checking a link, reading the ticket it is for, the public
part of that ticket, and spending a one-time link in the step that acts on it.

Every refusal is an ApiError whose type maps to its status in api/errors.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from api.tickets.gateway import TicketGateway
from api.tickets.intake import Intake
from models import portal as store
from models.links import ONE_TIME, LinkClaims, LinkError, verify_link
from models.settings import Settings
from workflows.messages import Actor, AttachmentRef, TicketView

LINK_ERRORS = {"forged": "LinkForged", "malformed": "LinkMalformed", "expired": "LinkExpired",
               "wrong_purpose": "LinkWrongPurpose"}
PURPOSE_WORDS = {"view": "viewing your request", "confirm": "confirming the resolution", "survey": "the survey"}
STATUS_WORDS = {
    "new": "Received: we will be in touch soon",
    "open": "Open: we are working on it",
    "pending": "Waiting for your reply",
    "on_hold": "On hold: we are waiting on someone else",
    "resolved": "Resolved: please tell us whether it is solved",
    "closed": "Closed",
}


@dataclass(frozen=True)
class Entry:
    """One public message of the conversation, as the customer sees it."""

    at: datetime
    author: str
    mine: bool
    body: str
    attachments: list[AttachmentRef] = field(default_factory=list)


@dataclass(frozen=True)
class PublicTicket:
    """The part of a ticket its requester may see: never internal notes, never who is assigned."""

    number: int
    subject: str
    status: str
    status_words: str
    requester_name: str
    resolution: str | None
    entries: list[Entry]
    older_hidden: bool = False  # a very long ticket keeps only its newest messages (its e-mails have them all)

    @property
    def closed(self) -> bool:
        return self.status == "closed"


def public_ticket(view: TicketView) -> PublicTicket:
    t = view.ticket
    first = Entry(at=t.created_at, author="You", mine=True, body=view.description,
                  attachments=list(view.attachments))
    entries = [first]
    for e in view.conversation:
        if e.visibility != "public":
            continue
        mine = e.author.kind == "customer"
        author = "You" if mine else (e.author.name or "Service desk")
        entries.append(Entry(at=e.at, author=author, mine=mine, body=e.body, attachments=list(e.attachments)))
    return PublicTicket(number=t.number, subject=t.subject, status=t.status,
                        status_words=STATUS_WORDS.get(t.status, t.status), requester_name=t.requester_name,
                        resolution=t.resolution, entries=entries, older_hidden=view.conversation_earlier > 0)


def public_attachment_ids(view: TicketView) -> set[int]:
    ids = {a.id for a in view.attachments}
    for e in view.conversation:
        if e.visibility == "public":
            ids.update(a.id for a in e.attachments)
    return ids


class Portal:
    """The portal's view of the desk, built per request from the app's shared clients."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], gateway: TicketGateway,
                 intake: Intake) -> None:
        self.settings = settings
        self.sessions = sessions
        self.gateway = gateway
        self.intake = intake

    # --- links ---------------------------------------------------------------------------

    def check(self, token: str, purpose: str | None = None) -> LinkClaims:
        """The claims of a genuine, unexpired link of `purpose`; a refusal otherwise."""
        try:
            claims = verify_link(self.settings.link_secret, token, purpose=purpose)
        except LinkError as err:
            raise ApiError(LINK_ERRORS.get(err.kind, "LinkMalformed"), _sentence(err.message, err.kind, purpose)) from err
        if not claims.link_id or len(claims.link_id) > store.MAX_LINK_ID or claims.number < 1:
            raise ApiError("LinkMalformed", "This link is damaged: copy the whole link from the e-mail.")
        return claims

    async def refuse_if_used(self, claims: LinkClaims) -> None:
        if claims.purpose not in ONE_TIME:
            return
        used = await run_in_threadpool(store.used_at, self.sessions, claims.link_id)
        if used is not None:
            raise ApiError("LinkUsed", f"This link was already used on {_date(used)}. Each answer can be given once, "
                                       "so nothing was changed.")

    async def spend_and(self, claims: LinkClaims, act: Callable[[], Awaitable[None]]) -> None:
        """Spend the one-time link, then act. A link spent before is refused; if the act
        itself fails (the workflow service is away), the link is given back for a retry."""
        spent = await run_in_threadpool(store.spend, self.sessions, claims.link_id, claims.number, claims.purpose)
        if not spent.first:
            raise ApiError("LinkUsed", f"This link was already used on {_date(spent.used_at)}. Each answer can be "
                                       "given once, so nothing was changed.")
        try:
            await act()
        except ApiError:
            await run_in_threadpool(store.unspend, self.sessions, claims.link_id)
            raise

    # --- the ticket ----------------------------------------------------------------------

    async def view(self, number: int) -> TicketView:
        view = await self.gateway.view(number)
        if view is None:
            raise ApiError("TicketNotFound", f"We could not find request #{number}. It may have been closed a long "
                                             "time ago; open a new request if you still need help.")
        return view

    async def wait_for(self, number: int, check: Callable[[TicketView], bool], timeout: float = 5.0) -> TicketView | None:
        """The ticket once `check` holds (a signal is applied shortly after it is sent), or
        None if it did not within `timeout`: the page then says it is on its way."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            view = await self.gateway.view(number)
            if view is not None and check(view):
                return view
            if loop.time() > deadline:
                return None
            await asyncio.sleep(0.1)

    @staticmethod
    def requester(view: TicketView) -> Actor:
        t = view.ticket
        return Actor(kind="customer", id=t.requester_email, name=t.requester_name)


def get_portal(request: Request) -> Portal:
    state = request.app.state
    return Portal(state.settings, state.sessions, state.gateway, state.intake)


def _date(value: datetime) -> str:
    value = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return f"{value.day} {value:%B %Y} at {value:%H:%M} UTC"


def _sentence(message: str, kind: str, wanted: str | None) -> str:
    """The link checker's words as a sentence for the customer."""
    if kind == "forged":
        return ("This link is not one the service desk made, or it was changed after it was sent. "
                "Open the link exactly as it is in your e-mail. Nothing was changed.")
    if kind == "expired":
        return f"{message[0].upper()}{message[1:]}. Nothing was changed; the latest e-mail about your request has a current link."
    if kind == "wrong_purpose":
        return (f"This link is not for {PURPOSE_WORDS.get(wanted or '', wanted)}. Use the link from the e-mail "
                "that asked for it. Nothing was changed.")
    return "This link is incomplete or damaged: copy the whole link from the e-mail. Nothing was changed."
