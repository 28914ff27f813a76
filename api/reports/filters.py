"""The period and dimensions a report covers, from its query (the JSON/CSV routes and the
reports page read the same ones)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Literal

from fastapi import Query

from api.deps import SessionsDep
from api.errors import ApiError
from models.reports import Filters, team_exists
from workflows.messages import CHANNELS, PRIORITIES

MAX_DAYS = 3 * 366


def _bad(field: str, message: str) -> ApiError:
    return ApiError("ValidationError", f"{field}: {message}", [{"field": f"query parameter {field}", "message": message}])


def report_filters(
    sessions: SessionsDep,
    from_: Annotated[date | None, Query(alias="from", description="First day (ISO date, UTC); default: 29 days before `to`")] = None,
    to: Annotated[date | None, Query(description="Last day, included (ISO date, UTC); default: today")] = None,
    team: Annotated[str | None, Query(max_length=64, description="A team's slug")] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    channel: Annotated[Literal[CHANNELS] | None, Query()] = None,  # type: ignore[valid-type]  # a Literal built from the vocabulary's words, so the docs list them
    priority: Annotated[Literal[PRIORITIES] | None, Query()] = None,  # type: ignore[valid-type]  # a Literal built from the vocabulary's words, so the docs list them
) -> Filters:
    last = to or datetime.now(timezone.utc).date()
    first = from_ or last - timedelta(days=29)
    if first > last:
        raise _bad("from", f"must not be after to ({last.isoformat()})")
    if (last - first).days >= MAX_DAYS:
        raise _bad("from", f"a report covers at most {MAX_DAYS} days")
    if team is not None:
        with sessions() as s:
            if not team_exists(s, team):
                raise ApiError("UnknownTeam", f"no team {team!r}", [{"field": "query parameter team", "message": "unknown team"}])
    return Filters(start=datetime.combine(first, time(), timezone.utc),
                   end=datetime.combine(last + timedelta(days=1), time(), timezone.utc),
                   team=team, category=category, channel=channel, priority=priority)
