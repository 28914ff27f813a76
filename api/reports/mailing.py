"""Reports by mail, the service: a supervisor subscribes to the report of each day or week,
mailed to their own address at a time of day in their time zone, with the filters GET /reports/...
takes (docs/reports.md, "Reports by mail"). The JSON API (api/reports/subscriptions.py) and the
reports page's form (api/supervisor/subscriptions.py) both call it; who may (the roles that read
reports) is theirs to check.

Each subscription is one Temporal Schedule, `report-mail-<agent id>-<n>` (n from 1 to 10, the
first free one): the schedule is the durable record, its action's input (ReportMailInput) says
what to mail, and its spec when; there is no table of subscriptions. Listing describes the ten
ids a supervisor may have (strongly consistent: a subscription just made is listed at once,
where the schedules' visibility list would lag). Each run starts the ReportMail workflow
(workflows/report_mail.py), whose activity records the mail in the outbox (activities/report_mail.py).

Errors are ApiErrors naming the field (`ValidationError`, `UnknownTeam`, `Forbidden` for a team
out of scope, `NotFound`, `TemporalUnavailable`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleDescription,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Principal
from api.errors import ApiError
from api.tickets.scope import scope_of
from models import report_mail
from models.reports import team_exists
from models.settings import Settings
from workflows.activity_io import ReportMailInput
from workflows.report_mail import REPORT_MAIL_WORKFLOW
from workflows.vocabulary import CHANNELS, PRIORITIES

Cadence = Literal["daily", "weekly"]
Weekday = Literal[report_mail.WEEKDAYS]  # type: ignore[valid-type]  # a Literal built from the words, so the docs list them
Channel = Literal[CHANNELS]  # type: ignore[valid-type]  # a Literal built from the vocabulary's words, so the docs list them
PriorityWord = Literal[PRIORITIES]  # type: ignore[valid-type]  # a Literal built from the vocabulary's words, so the docs list them
EXAMPLE = {"cadence": "weekly", "weekday": "monday", "time": "08:00", "timezone": "Europe/Paris", "team": "network"}
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
# A run may start this late (the server was down at the time): later, it is skipped.
CATCHUP = timedelta(hours=12)


class SubscriptionIn(BaseModel):
    """A report mailed to the caller's own address: each day (the day before) or each week (the
    seven days before), at `time` in `timezone`, for the tickets the filters select."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})
    cadence: Cadence
    weekday: Weekday | None = Field(None, description="A weekly mail's day (default monday); not for a daily one")
    time: str = Field("08:00", pattern=TIME_PATTERN, description="HH:MM, 00:00 to 23:59")
    timezone: str = Field("UTC", min_length=1, max_length=64, description="An IANA time zone, e.g. Europe/Paris")
    team: str | None = Field(None, max_length=64, description="A team's slug")
    category: str | None = Field(None, max_length=100)
    channel: Channel | None = None
    priority: PriorityWord | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Paris or UTC") from None
        return value


class SubscriptionFilters(BaseModel):
    team: str | None
    category: str | None
    channel: str | None
    priority: str | None


class SubscriptionOut(BaseModel):
    id: str = Field(examples=["report-mail-7-1"], description="The subscription's Temporal Schedule")
    recipient: str = Field(description="The subscriber's own address (the mail follows it if it changes)")
    cadence: Cadence
    weekday: str | None
    time: str
    timezone: str
    filters: SubscriptionFilters
    next_mail_at: datetime | None = Field(description="When the next mail is due (UTC)")


def bad(field: str, message: str, type: str = "ValidationError") -> ApiError:
    return ApiError(type, f"{field}: {message}", [{"field": field, "message": message}])


def _unavailable(err: RPCError) -> ApiError:
    return ApiError("TemporalUnavailable", f"the workflow service did not answer: {err.message}")


def schedule_of(inp: ReportMailInput, task_queue: str) -> Schedule:
    hour, minute = (int(x) for x in inp.time.split(":"))
    days = [ScheduleRange(report_mail.temporal_weekday(inp.weekday))] if inp.weekday else [ScheduleRange(0, 6)]
    sid = report_mail.schedule_id(inp.agent_id, inp.n)
    return Schedule(
        action=ScheduleActionStartWorkflow(REPORT_MAIL_WORKFLOW, inp, id=f"{sid}-run", task_queue=task_queue,
                                           execution_timeout=timedelta(hours=1),
                                           static_summary=f"{inp.cadence} report mail"),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(second=[ScheduleRange(0)], minute=[ScheduleRange(minute)],
                                                          hour=[ScheduleRange(hour)], day_of_week=days)],
                          time_zone_name=inp.timezone),
        # One mail at a time; a mail missed by more than CATCHUP is not sent late.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP),
        state=ScheduleState(note=f"report mail {inp.n} of agent {inp.agent_id} (docs/reports.md)"),
    )


async def _describe(client: Client, agent_id: int, n: int) -> tuple[int, ScheduleDescription] | None:
    try:
        return n, await client.get_schedule_handle(report_mail.schedule_id(agent_id, n)).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise _unavailable(err) from err


async def _out(client: Client, me: Principal, n: int, d: ScheduleDescription) -> SubscriptionOut:
    action = d.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    (inp,) = await client.data_converter.decode(list(action.args), [ReportMailInput])  # type: ignore[arg-type]  # a described action's args are the payloads
    return SubscriptionOut(id=report_mail.schedule_id(me.agent_id, n), recipient=me.email, cadence=inp.cadence,
                           weekday=inp.weekday, time=inp.time, timezone=inp.timezone,
                           filters=SubscriptionFilters(team=inp.team, category=inp.category, channel=inp.channel,
                                                       priority=inp.priority),
                           next_mail_at=d.info.next_action_times[0] if d.info.next_action_times else None)


async def own_subscriptions(client: Client, me: Principal) -> list[SubscriptionOut]:
    """The caller's subscriptions (nobody else's), in the order made."""
    found = await asyncio.gather(*(_describe(client, me.agent_id, n) for n in range(1, report_mail.MAX_PER_AGENT + 1)))
    return [await _out(client, me, n, d) for n, d in (x for x in found if x is not None)]


def check(body: SubscriptionIn, me: Principal, *, sessions: sessionmaker[Session], settings: Settings) -> None:
    """What the body's schema cannot say: the weekday with the cadence, the team, its scope.
    Reads the database: call it on a thread."""
    if body.cadence == "daily" and body.weekday is not None:
        raise bad("weekday", "only for a weekly mail")
    if body.team is not None:
        with sessions() as s:
            if not team_exists(s, body.team):
                raise bad("team", "unknown team", "UnknownTeam")
        if not scope_of(sessions, me, settings).allows(body.team):
            raise ApiError("Forbidden", f"team {body.team!r}'s tickets are for its members only",
                           [{"field": "team", "message": "its tickets are for its members only"}])


async def subscribe(client: Client, body: SubscriptionIn, me: Principal, *, sessions: sessionmaker[Session],
                    settings: Settings) -> SubscriptionOut:
    """Make the caller's next subscription (the first free number): one Temporal Schedule."""
    await asyncio.to_thread(check, body, me, sessions=sessions, settings=settings)
    weekday = (body.weekday or "monday") if body.cadence == "weekly" else None
    for n in range(1, report_mail.MAX_PER_AGENT + 1):
        inp = ReportMailInput(agent_id=me.agent_id, n=n, cadence=body.cadence, time=body.time, timezone=body.timezone,
                              weekday=weekday, team=body.team, category=body.category, channel=body.channel,
                              priority=body.priority)
        try:
            await client.create_schedule(report_mail.schedule_id(me.agent_id, n), schedule_of(inp, settings.task_queue))
        except ScheduleAlreadyRunningError:
            continue  # that number is taken: the next
        except RPCError as err:
            if err.status == RPCStatusCode.INVALID_ARGUMENT:  # the one thing Temporal checks that we pass on as is
                raise bad("timezone", f"the workflow service does not take this time zone: {err.message}") from err
            raise _unavailable(err) from err
        found = await _describe(client, me.agent_id, n)
        assert found is not None  # just made
        return await _out(client, me, n, found[1])
    raise bad("body", f"you have {report_mail.MAX_PER_AGENT} subscriptions, the most one may have: delete one first")


async def unsubscribe(client: Client, subscription_id: str, me: Principal) -> None:
    """Delete a subscription of the caller's (its schedule: no more mails); another's is NotFound."""
    parsed = report_mail.parse_schedule_id(subscription_id)
    if parsed is None or parsed[0] != me.agent_id:  # another's is not there for you
        raise ApiError("NotFound", f"you have no subscription {subscription_id!r}")
    try:
        await client.get_schedule_handle(subscription_id).delete()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise ApiError("NotFound", f"you have no subscription {subscription_id!r}") from err
        raise _unavailable(err) from err
