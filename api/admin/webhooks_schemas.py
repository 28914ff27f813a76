"""Bodies for webhook administration (/admin/webhooks). The secret is write-only: it is
accepted on create and replace, and never answered."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from api.schemas import Slug, Strict
from models.outbox import KINDS

Secret = Annotated[str, StringConstraints(min_length=16, max_length=200)]
Kinds = Annotated[list[str], Field(min_length=1, max_length=len(KINDS) + 1, description=(
    'Notification kinds it receives, or ["*"] for all: ' + ", ".join(KINDS)))]
EXAMPLE = {"url": "https://chat.example/hooks/servicedesk", "secret": "a-long-random-shared-secret",
           "kinds": ["sla_breach", "sla_escalation"], "active": True}


class WebhookUpdate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="http(s) URL the notifications are POSTed to")
    secret: Secret | None = Field(default=None, description=(
        "HMAC-SHA256 key of X-Servicedesk-Signature (16 to 200 characters); write-only. Left out on replace: kept"))
    kinds: Kinds
    active: bool = True

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an http:// or https:// URL with a host")
        if parts.username or parts.password:
            raise ValueError("no credentials in the URL: the signature authenticates the desk")
        return v

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        unknown = [k for k in v if k != "*" and k not in KINDS]
        if unknown:
            raise ValueError(f"unknown kind {unknown[0]!r}; expected \"*\" or some of {', '.join(KINDS)}")
        return ["*"] if "*" in v else list(dict.fromkeys(v))


class WebhookIn(WebhookUpdate):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "chatops"} | EXAMPLE]})
    name: Slug = Field(description="lower-case letters, digits and dashes")
    secret: Secret = Field(description="HMAC-SHA256 key of X-Servicedesk-Signature (16 to 200 characters); write-only")


class WebhookOut(BaseModel):
    name: str
    url: str
    kinds: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class OutboxEntryOut(BaseModel):
    id: int
    number: int
    seq: int
    kind: str
    channel: str
    recipient: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
