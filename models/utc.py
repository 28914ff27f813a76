"""Timestamps read back from the read model, as aware UTC datetimes.

Every time the desk stores is UTC. PostgreSQL gives it back with its zone; SQLite gives it back
naive, and this says it is UTC (an aware value from elsewhere is converted)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import overload

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


@overload
def as_utc(at: datetime) -> datetime: ...
@overload
def as_utc(at: None) -> None: ...
def as_utc(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp column that stores UTC and always reads back aware UTC, on SQLite as on
    PostgreSQL, so nothing above the read model ever sees a naive time (an API answer without
    its offset breaks its declared `date-time`)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return as_utc(value)  # an aware time in another zone is stored as the same instant in UTC

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return as_utc(value)
