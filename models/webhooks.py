"""Webhooks: systems (chat-ops, paging, a CRM) that receive notifications as signed JSON.
Admins manage them (/admin/webhooks); the notify activity adds one outbox row per active
webhook that wants the kind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.tables import Base, utcnow
from models.utc import UtcDateTime


class Webhook(Base):
    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    # The HMAC-SHA256 key of X-Servicedesk-Signature. Write-only through the API.
    secret: Mapped[str] = mapped_column(String(200))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # notification kinds, or ["*"]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def public(hook: Webhook) -> dict:
    """What the API shows of a webhook: everything but the secret."""
    return {"name": hook.name, "url": hook.url, "kinds": list(hook.kinds), "active": hook.active,
            "created_at": hook.created_at, "updated_at": hook.updated_at}


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.name)))


def get_webhook(session: Session, name: str) -> Webhook | None:
    return session.scalars(select(Webhook).where(Webhook.name == name)).first()


def webhooks_for(session: Session, kind: str) -> list[Webhook]:
    """Active webhooks that want notifications of `kind`."""
    return [h for h in session.scalars(select(Webhook).where(Webhook.active).order_by(Webhook.name))
            if kind in h.kinds or "*" in h.kinds]


def create_webhook(session: Session, *, name: str, url: str, secret: str, kinds: list[str], active: bool) -> Webhook | None:
    """The new webhook; None if one has this name."""
    if get_webhook(session, name) is not None:
        return None
    hook = Webhook(name=name, url=url, secret=secret, kinds=kinds, active=active)
    session.add(hook)
    session.flush()
    return hook


def replace_webhook(session: Session, name: str, *, url: str, secret: str | None, kinds: list[str],
                    active: bool) -> Webhook | None:
    """Replace a webhook's settings (the secret only when given); None if there is none."""
    hook = get_webhook(session, name)
    if hook is None:
        return None
    hook.url, hook.kinds, hook.active, hook.updated_at = url, kinds, active, utcnow()
    if secret is not None:
        hook.secret = secret
    session.flush()
    return hook


def delete_webhook(session: Session, name: str) -> bool:
    hook = get_webhook(session, name)
    if hook is None:
        return False
    session.delete(hook)
    return True
