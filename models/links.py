"""Signed links for customers: a ticket's page, the resolution confirmation, the survey.

A link carries its claims (ticket number, purpose, expiry, a unique id) and an HMAC-SHA256 of
them under the desk's secret key, so it needs no row to be checked, and a changed byte, an
expired time or another purpose is refused. One-time purposes (confirm, survey) are spent in
the `used_links` table by whoever acts on them (see `spend`). Pure apart from `spend`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any
from datetime import datetime, timezone

PURPOSES = ("view", "confirm", "survey")
ONE_TIME = ("confirm", "survey")


class LinkError(Exception):
    """Why a link is refused: `kind` is forged, expired, malformed or wrong_purpose."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class LinkClaims:
    number: int
    purpose: str
    expires_at: datetime
    link_id: str  # unique per link: what a one-time link is spent under


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def seal(secret: str, claims: dict[str, Any], *, domain: str = "") -> str:
    """`<claims>.<signature>`, URL-safe: the claims as JSON, signed with `secret`. A `domain`
    signs for one use only (a sign-in link never passes for a ticket's link)."""
    if not secret:
        raise ValueError("no secret key: set SERVICEDESK_SECRET_KEY")
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_mac(secret, domain + body)}"


def unseal(secret: str, token: str, *, domain: str = "") -> dict[str, Any]:
    """The claims of a token `seal` made with this secret and domain; LinkError (malformed,
    forged) otherwise. What the claims mean (expiry, purpose) is the caller's to check."""
    body, dot, mac = token.partition(".")
    if not dot or not body or not mac or len(token) > 1024:
        raise LinkError("malformed", "this link is incomplete: copy the whole link from the e-mail")
    if not hmac.compare_digest(_mac(secret, domain + body).encode(), mac.encode()):  # bytes: a non-ASCII mac is forged, not an error
        raise LinkError("forged", "this link is not one the service desk made")
    try:
        claims = json.loads(_unb64(body))
    except ValueError as err:
        raise LinkError("malformed", "this link is damaged") from err
    if not isinstance(claims, dict):
        raise LinkError("malformed", "this link is damaged")
    return claims


def sign_link(secret: str, number: int, purpose: str, expires_at: datetime, link_id: str | None = None) -> str:
    """A token for `/portal/t/<token>`: `<claims>.<signature>`, URL-safe."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    return seal(secret, {"n": number, "p": purpose, "e": int(expires_at.timestamp()),
                         "j": link_id or secrets.token_urlsafe(12)})


def verify_link(secret: str, token: str, now: datetime | None = None, purpose: str | None = None) -> LinkClaims:
    """The claims of a genuine, unexpired link (of `purpose`, if given); LinkError otherwise."""
    claims = unseal(secret, token)
    try:
        found = LinkClaims(number=int(claims["n"]), purpose=str(claims["p"]),
                           expires_at=datetime.fromtimestamp(int(claims["e"]), timezone.utc), link_id=str(claims["j"]))
    except (ValueError, KeyError, TypeError) as err:
        raise LinkError("malformed", "this link is damaged") from err
    if purpose is not None and found.purpose != purpose:
        raise LinkError("wrong_purpose", f"this link is for {found.purpose}, not {purpose}")
    if (now or datetime.now(timezone.utc)) >= found.expires_at:
        raise LinkError("expired", f"this link expired on {found.expires_at:%Y-%m-%d %H:%M} UTC")
    return found


# The request form's hidden key: `<random>.<issued, hex seconds>.<signature>`. Signed, so only a
# form this desk served can open a request, and dated, so a key harvested once cannot be replayed
# for ever; it is also the intake ledger's idempotency key, so a double submit opens one request.
FORM_KEY_MAX_AGE_SECONDS = 24 * 3600


def sign_form_key(secret: str, issued_at: datetime | None = None) -> str:
    issued = int((issued_at or datetime.now(timezone.utc)).timestamp())
    body = f"{secrets.token_urlsafe(12)}.{issued:x}"
    return f"{body}.{_mac(secret, 'form:' + body)[:22]}"


def check_form_key(secret: str, key: str, now: datetime | None = None) -> str:
    """"ok", "expired" (older than FORM_KEY_MAX_AGE_SECONDS, or from the future) or "forged"
    (not made by this desk, or damaged)."""
    body, _, mac = key.rpartition(".")
    if not body or len(key) > 80 or not hmac.compare_digest(_mac(secret, "form:" + body)[:22].encode(), mac.encode()):
        return "forged"
    issued = int(body.rpartition(".")[2], 16)
    age = (now or datetime.now(timezone.utc)).timestamp() - issued
    return "ok" if -60 <= age <= FORM_KEY_MAX_AGE_SECONDS else "expired"
