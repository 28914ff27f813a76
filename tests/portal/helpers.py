"""Shared by the portal's httpx tests (tests/api/test_portal_*.py) and its browser test."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from models.links import sign_link

SECRET = "portal-test-secret-key"


def link(number: int, purpose: str = "view", expires_in: timedelta = timedelta(hours=1), secret: str = SECRET,
         link_id: str | None = None) -> str:
    """The path of a signed portal link (what a mail would carry)."""
    token = sign_link(secret, number, purpose, datetime.now(timezone.utc) + expires_in, link_id=link_id)
    return f"/portal/t/{token}"


def form_key(html: str) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', html)
    assert found, "the form has no hidden form key"
    return found.group(1)


def heading(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return re.sub(r"\s+", " ", found.group(1)).strip() if found else ""
