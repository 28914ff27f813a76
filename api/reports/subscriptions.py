"""Reports by mail, the JSON API: POST, GET and DELETE /reports/subscriptions (docs/reports.md,
"Reports by mail"). Only the roles that read reports may (supervisor, admin, auditor), each to
their own address. What a subscription is, and the Temporal Schedule that holds it, is the
service's: api/reports/mailing.py, which the reports page's form calls as well."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from fastapi.responses import Response

from api.deps import ManagerDep, SessionsDep, SettingsDep, TemporalDep
from api.reports import mailing
from api.reports.mailing import SubscriptionIn, SubscriptionOut

router = APIRouter(prefix="/reports/subscriptions", tags=["Reports"])
ERRORS = {403: {"description": "Not a role that reads reports, or a team whose tickets the caller may not see"},
          422: {"description": "A field is invalid (the body names it), or the caller has the most subscriptions"}}
NOT_FOUND = {404: {"description": "No such subscription of the caller's"}}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SubscriptionOut, responses=ERRORS)
async def subscribe(body: SubscriptionIn, me: ManagerDep, sessions: SessionsDep, settings: SettingsDep,
                    temporal: TemporalDep) -> SubscriptionOut:
    """Have a report mailed to yourself each day or week (one Temporal Schedule per subscription)."""
    return await mailing.subscribe(temporal, body, me, sessions=sessions, settings=settings)


@router.get("", response_model=list[SubscriptionOut], responses=ERRORS)
async def subscriptions(me: ManagerDep, temporal: TemporalDep) -> list[SubscriptionOut]:
    """Your report subscriptions (nobody else's), in the order made."""
    return await mailing.own_subscriptions(temporal, me)


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS | NOT_FOUND)
async def unsubscribe(subscription_id: Annotated[str, Path(max_length=64, examples=["report-mail-7-1"])], me: ManagerDep,
                      temporal: TemporalDep) -> Response:
    """Stop a subscription of yours: its schedule is deleted, no more mails."""
    await mailing.unsubscribe(temporal, subscription_id, me)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
