"""Deliver one outbox row (`deliver_notification`, run by the NotificationDelivery workflow
with retries), and give one up (`mark_notification_failed`).

Exactly once in effect: a row already sent is not sent again, whoever asks; the Message-ID is
fixed (and recorded for threading) before the first try, so a retry after a lost answer sends
the same mail, which mail systems recognise as one. Links are signed here, at send time, and
only into the customer's own mail."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.defn import sync_activity
from activities.mailer import DeliveryError, SmtpMailer, build_email, check_address
from activities.rendering import Rendered, render, ticket_context
from activities.webhooks import post_webhook
from models import customer_sessions
from models import notification_preferences as preferences
from models import outbox
from models.links import sign_link
from models.mail import MailMessage, new_message_id, normalise_message_id, record_outbound
from models.settings import Settings
from models.tables import Notification
from models.webhooks import get_webhook
from models.utc import as_utc

DELIVER_ACTIVITY = "deliver_notification"  # workflows/delivery.py calls them by these names
MARK_FAILED_ACTIVITY = "mark_notification_failed"
PERMANENT_FAILURE = "PermanentDeliveryFailure"
RETRYABLE_FAILURE = "DeliveryFailed"
VIEW_LINK_DAYS = 90
MAX_REFERENCES = 10
DESK_NAME = "Service desk"


@dataclass
class Outgoing:
    """What one delivery needs, read in one transaction before anything is sent."""

    id: int
    number: int
    seq: int
    kind: str
    channel: str
    audience: str
    recipient: str
    subject: str
    data: dict[str, Any]
    requester_name: str
    links: list[str]
    links_expire_at: datetime | None
    key: str
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    webhook: tuple[str, str] | None = None  # url, secret


def link_id(row: Outgoing, purpose: str) -> str:
    """The same link id for every attempt at one mail: a re-sent mail's one-time link is the
    same link, spent once."""
    return hashlib.sha256(f"{row.key}:{row.id}:{purpose}".encode()).hexdigest()[:20]


def signed_links(row: Outgoing, settings: Settings, now: datetime) -> dict[str, str]:
    """purpose -> URL. A view link lasts 90 days (or until links_expire_at, if later); a
    confirm or survey link until links_expire_at."""
    if row.audience != "customer" or not row.links:
        return {}
    base = settings.public_url.rstrip("/")
    if row.kind == customer_sessions.MAIL_KIND:  # a portal sign-in link, for no ticket
        token = customer_sessions.sign_sign_in(settings.link_secret, row.recipient, row.links_expire_at or now,
                                               str(row.data.get("link_id", "")))
        return {"sign_in": f"{base}/portal/sign-in/{token}"}
    view_until = now + timedelta(days=VIEW_LINK_DAYS)
    out = {}
    for purpose in row.links:
        expires = row.links_expire_at or view_until
        if purpose == "view":
            expires = max(view_until, expires)
        token = sign_link(settings.link_secret, row.number, purpose, expires, link_id=link_id(row, purpose))
        out[purpose] = f"{base}/portal/t/{token}"
    return out


def template_context(row: Outgoing, links: dict[str, str]) -> dict[str, Any]:
    data = {k: v for k, v in row.data.items() if k != "ticket"}
    ticket = ticket_context(row.number, row.data, row.requester_name)
    return {"kind": row.kind, "audience": row.audience, "subject": row.subject, "recipient": row.recipient,
            "name": row.requester_name or ticket.get("requester_name") or "", "ticket": ticket, "data": data,
            "links": links, "links_expire_at": row.links_expire_at, "desk_name": DESK_NAME}


def webhook_payload(row: Outgoing) -> dict[str, Any]:
    """What a webhook receives: never the links (customers' credentials)."""
    return {"kind": row.kind, "key": row.key, "subject": row.subject,
            "ticket": ticket_context(row.number, row.data, row.requester_name),
            "data": {k: v for k, v in row.data.items() if k != "ticket"}}


def _threading(s: Session, number: int, own: str) -> tuple[str | None, list[str]]:
    """In-Reply-To and References of a customer mail: the ticket's first received Message-ID,
    then the desk's earlier mails about it (the newest ten), so the reply threads back."""
    first_in = s.scalars(select(MailMessage.message_id).where(MailMessage.number == number, MailMessage.direction == "in")
                         .order_by(MailMessage.id).limit(1)).first()
    own_row = s.scalars(select(MailMessage.id).where(MailMessage.message_id == own)).first()
    q = select(MailMessage.message_id).where(MailMessage.number == number, MailMessage.direction == "out",
                                             MailMessage.message_id != own)
    if own_row is not None:
        q = q.where(MailMessage.id < own_row)
    earlier = list(reversed(s.scalars(q.order_by(MailMessage.id.desc()).limit(MAX_REFERENCES)).all()))
    refs = ([first_in] if first_in else []) + earlier
    return (first_in or (earlier[-1] if earlier else None)), refs


class DeliveryActivities:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings, mailer: SmtpMailer | None = None) -> None:
        self._sessions = sessions
        self._settings = settings
        self._mailer = mailer or SmtpMailer(settings)

    def _load(self, notification_id: int) -> Outgoing | str:
        """The row to send, with its Message-ID fixed; or why there is nothing to send."""
        with self._sessions.begin() as s:
            row = s.get(Notification, notification_id, with_for_update=s.get_bind().dialect.name == "postgresql")
            if row is None:
                raise ApplicationError(f"no notification {notification_id}", type=PERMANENT_FAILURE, non_retryable=True)
            if row.status != "pending":
                return f"already {row.status}"
            if row.channel == "email" and preferences.switched_off(s, row.recipient, row.kind):
                # Switched off since the row was recorded (it waited for a retry): kept back, and said why.
                row.status, row.last_error = preferences.SUPPRESSED, preferences.suppressed_reason(row.recipient, row.kind)
                return row.last_error
            out = Outgoing(id=row.id, number=row.number, seq=row.seq, kind=row.kind, channel=row.channel,
                           audience=row.audience, recipient=row.recipient, subject=row.subject, data=dict(row.data or {}),
                           requester_name=row.requester_name, links=list(row.links or []),
                           links_expire_at=as_utc(row.links_expire_at), key=outbox.delivery_key(row))
            if row.channel == "webhook":
                hook = get_webhook(s, row.recipient.removeprefix(outbox.WEBHOOK_PREFIX))
                if hook is None or not hook.active:
                    raise ApplicationError(f"webhook {row.recipient.removeprefix(outbox.WEBHOOK_PREFIX)!r} was deleted "
                                           "or deactivated", type=PERMANENT_FAILURE, non_retryable=True)
                out.webhook = (hook.url, hook.secret)
                return out
            if row.message_id is None:  # the first try fixes it; retries send the same mail
                row.message_id = normalise_message_id(new_message_id(row.number, row.seq, self._settings.mail_domain))
                if row.audience == "customer" and row.number > 0:  # the customer's reply to it threads into the ticket
                    record_outbound(s, row.number, row.message_id)
            out.message_id = row.message_id
            if row.audience == "customer" and row.number > 0:
                out.in_reply_to, out.references = _threading(s, row.number, row.message_id)
            return out

    @sync_activity(DELIVER_ACTIVITY)
    def deliver_notification(self, notification_id: int) -> str:
        out = self._load(notification_id)
        if isinstance(out, str):
            return out  # sent (or given up) before: never twice
        try:
            if out.channel == "webhook":
                assert out.webhook is not None
                status = post_webhook(out.webhook[0], out.webhook[1], webhook_payload(out),
                                      timeout=self._settings.webhook_timeout_seconds)
                result = f"webhook answered {status}"
            else:
                self._send_mail(out)
                result = f"mailed {out.message_id}"
        except DeliveryError as err:
            with self._sessions.begin() as s:
                outbox.record_attempt(s, out.id, err.message)
            if err.permanent:
                raise ApplicationError(err.message, type=PERMANENT_FAILURE, non_retryable=True) from None
            raise ApplicationError(err.message, type=RETRYABLE_FAILURE) from None
        with self._sessions.begin() as s:
            outbox.mark_sent(s, out.id)
        return result

    def _send_mail(self, out: Outgoing) -> None:
        check_address(out.recipient)
        rendered = self.render(out)
        msg = build_email(kind=out.kind, sender=self._settings.mail_from, to=out.recipient, subject=rendered.subject,
                          text=rendered.text, html=rendered.html, message_id=out.message_id or "",
                          in_reply_to=out.in_reply_to, references=out.references)
        self._mailer.send(msg, out.recipient)

    def render(self, out: Outgoing) -> Rendered:
        try:
            return render(out.kind, template_context(out, signed_links(out, self._settings, datetime.now(timezone.utc))))
        except Exception as err:  # a template that cannot render this data will not on a retry either
            raise DeliveryError(f"cannot render {out.kind}: {type(err).__name__}: {err}", permanent=True) from None

    @sync_activity(MARK_FAILED_ACTIVITY)
    def mark_notification_failed(self, notification_id: int, reason: str) -> bool:
        with self._sessions.begin() as s:
            marked = outbox.mark_failed(s, notification_id, reason)
        if marked:
            activity.logger.warning("notification %s failed: %s", notification_id, reason)
        return marked
