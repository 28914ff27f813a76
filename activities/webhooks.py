"""Webhook delivery: POST the notification as JSON, signed with the webhook's secret.

Receivers check `X-Servicedesk-Signature: sha256=<hex>` — the HMAC-SHA256 of the raw body
under their secret — and may drop a repeated `X-Servicedesk-Delivery` (the notification's
key). The body never carries the customer's signed links."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from activities.mailer import DeliveryError

SIGNATURE_HEADER = "X-Servicedesk-Signature"
DELIVERY_HEADER = "X-Servicedesk-Delivery"
EVENT_HEADER = "X-Servicedesk-Event"


def payload_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str, ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (and the tests): compare in constant time."""
    return hmac.compare_digest(signature(secret, body), header or "")


def post_webhook(url: str, secret: str, payload: dict[str, Any], *, timeout: float) -> int:
    """Deliver once; the HTTP status on success (2xx). 408, 429, 5xx and network errors are
    worth a retry; other answers are permanent failures."""
    body = payload_bytes(payload)
    headers = {"Content-Type": "application/json", "User-Agent": "servicedesk-webhooks/1",
               SIGNATURE_HEADER: signature(secret, body), DELIVERY_HEADER: str(payload["key"]),
               EVENT_HEADER: str(payload["kind"])}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            r = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as err:
        raise DeliveryError(f"POST {url}: {type(err).__name__}: {err}", permanent=False) from None
    if 200 <= r.status_code < 300:
        return r.status_code
    retry = r.status_code in (408, 429) or r.status_code >= 500
    raise DeliveryError(f"POST {url} answered {r.status_code} {r.text[:200]!r}", permanent=not retry)
