"""For supervisors: the tickets about to breach their SLA."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Query

from api.admin.sla_schemas import UpcomingBreach
from api.deps import SessionsDep, SupervisorDep
from api.tickets.scope import ScopeDep
from models import sla_admin

router = APIRouter(prefix="/sla", tags=["SLA"])


@router.get("/upcoming", response_model=list[UpcomingBreach])
def upcoming(me: SupervisorDep, scope: ScopeDep, sessions: SessionsDep,
             within_minutes: Annotated[int, Query(ge=1, le=60 * 24 * 30)] = 60,
             team: Annotated[str | None, Query(max_length=64)] = None,
             limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[UpcomingBreach]:
    """Open tickets whose next SLA breach is due within `within_minutes`, soonest first."""
    now = datetime.now(timezone.utc)
    with sessions() as s:
        rows = sla_admin.upcoming_breaches(s, now + timedelta(minutes=within_minutes), team, limit, scope)
        out = []
        for r in rows:
            due = r.sla_next_breach_at if r.sla_next_breach_at.tzinfo else r.sla_next_breach_at.replace(tzinfo=timezone.utc)
            out.append(UpcomingBreach(number=r.number, subject=r.subject, priority=r.priority, team=r.team,
                                      assignee=r.assignee, sla_policy=r.sla_policy, sla_status=r.sla_status,
                                      due_at=due, minutes_left=round((due - now).total_seconds() / 60, 1)))
        return out
