"""Timestamps read back from the read model, as aware UTC datetimes.

Every time the desk stores is UTC. PostgreSQL gives it back with its zone; SQLite gives it back
naive, and this says it is UTC (an aware value from elsewhere is converted)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import overload


@overload
def as_utc(at: datetime) -> datetime: ...
@overload
def as_utc(at: None) -> None: ...
def as_utc(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
