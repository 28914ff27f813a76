"""Limits on what one caller may make the desk do, against abuse: the portal's form (each request
mails an acknowledgement to the address typed in it, so without a limit the desk is a mail cannon
aimed at anyone), and guessing at API tokens and passwords (failed checks, per client address,
and for passwords per account too).

The counting is the `limits` library's moving window, over the storage the settings name
(`SERVICEDESK_RATE_LIMIT_*`, models/settings.py). A caller over a limit is refused with 429 and a
Retry-After of the seconds until the window lets one more through; nothing else is done for it.

The client address is the connection's peer, or the address a trusted reverse proxy forwarded
(uvicorn's `--forwarded-allow-ips` / FORWARDED_ALLOW_IPS; docs/operations.md)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection

from api.errors import ApiError
from models.settings import Settings


@dataclass(frozen=True)
class Limit:
    """One rule: its name (also the namespace of its counts) and its windows ("3/hour;10/day")."""

    name: str
    windows: tuple[RateLimitItem, ...]


class Throttle:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage))
        self.portal_client = self._rule("portal-client", settings.rate_limit_portal_per_client)
        self.portal_address = self._rule("portal-address", settings.rate_limit_portal_per_address)
        self.failed_sign_ins = self._rule("failed-sign-in", settings.rate_limit_failed_sign_ins)
        self.failed_sign_ins_per_account = self._rule("failed-sign-in-account",
                                                      settings.rate_limit_failed_sign_ins_per_account)
        self.failed_tokens = self._rule("failed-token", settings.rate_limit_failed_tokens)
        self.portal_suggest = self._rule("portal-suggest", settings.rate_limit_portal_suggest)

    @staticmethod
    def _rule(name: str, text: str) -> Limit:
        return Limit(name, tuple(parse_many(text)))

    def wait(self, limit: Limit, key: str) -> int | None:
        """Seconds until `key` may do one more under `limit`, or None if it may now. Counts nothing."""
        waits = []
        for window in limit.windows:
            if not self._limiter.test(window, limit.name, key):
                reset = self._limiter.get_window_stats(window, limit.name, key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def count(self, limit: Limit, key: str) -> None:
        """Count one against `key` in every window of `limit`."""
        for window in limit.windows:
            self._limiter.hit(window, limit.name, key)

    def admit(self, *checks: tuple[Limit, str]) -> int | None:
        """Count one against each (limit, key) if all of them let it through; else count nothing
        and answer the longest wait."""
        waits = [w for limit, key in checks if (w := self.wait(limit, key)) is not None]
        if waits:
            return max(waits)
        for limit, key in checks:
            self.count(limit, key)
        return None


def client_address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


def in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    if seconds < 90 * 60:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{math.ceil(seconds / 3600)} hours"


def too_many(what: str, seconds: int) -> ApiError:
    return ApiError("RateLimited", f"too many {what}; try again in {in_words(seconds)}",
                    headers={"Retry-After": str(seconds)})


def throttle_of(connection: HTTPConnection) -> Throttle:
    return connection.app.state.throttle
