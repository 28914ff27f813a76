"""Bodies for SLA administration (calendars, policies, customer tiers, team contacts) and
for the SLA parts of ticket views. Requests are strict and checked in full here, so a bad
policy is a 422 naming the field, never a ticket whose clocks cannot be planned."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.schemas import Email, Slug, Strict
from models.business_hours import weekly_minutes
from workflows import messages as m

Role = Literal["assignee", "team", "team_lead", "manager"]
Recipient = Role | Email
Tier = Literal["standard", "vip"]
Seconds = Annotated[int, Field(ge=1, le=366 * 24 * 3600)]
# [start, end] in HH:MM. A list of two, not a tuple: a tuple's `prefixItems` inside a map is more
# than some OpenAPI tools read (schemathesis refused the calendar's response schema).
Span = Annotated[list[str], Field(min_length=2, max_length=2)]


class CalendarIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "timezone": "Europe/Paris",
        "weekly_hours": {d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": ["2026-12-25", "2027-01-01"],
    }]})
    timezone: str = "UTC"
    weekly_hours: dict[str, list[Span]] | None = Field(
        default=None, description="Open hours per weekday (mon..sun), [start, end] in HH:MM; null means 24x7")
    holidays: list[date] = []

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not an IANA time zone (e.g. Europe/Paris)") from None
        return v

    @field_validator("weekly_hours")
    @classmethod
    def _hours(cls, v: dict[str, list[list[str]]] | None) -> dict[str, list[list[str]]] | None:
        if v is None:
            return v
        minutes = weekly_minutes({day: [list(span) for span in spans] for day, spans in v.items()})
        if not any(minutes):
            raise ValueError("no open hours at all: nothing would ever come due (use null for 24x7)")
        return v


class CalendarOut(CalendarIn):
    name: str


class WarningIn(Strict):
    percent: Annotated[int, Field(ge=1, le=99)]
    notify: list[Recipient] = ["assignee"]


class EscalationIn(Strict):
    level: Annotated[int, Field(ge=1, le=20)]
    after_minutes: Annotated[int, Field(ge=0, le=60 * 24 * 90, description="Business minutes after the breach")] = 0
    notify: list[Recipient] = []
    reassign_team: Slug | None = None
    reassign_agent: Email | None = None
    raise_priority: bool = False


class SlaPolicyIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "High", "priority": "high", "calendar": "Paris office",
        "first_response_seconds": 3600, "next_response_seconds": 7200, "resolution_seconds": 28800,
        "pause_statuses": ["pending"],
        "warnings": [{"percent": 50, "notify": ["assignee"]}, {"percent": 75, "notify": ["assignee", "team_lead"]}],
        "escalations": [
            {"level": 1, "after_minutes": 0, "notify": ["assignee", "team_lead"], "raise_priority": True},
            {"level": 2, "after_minutes": 30, "notify": ["manager"], "reassign_team": "escalations"},
        ],
    }]})
    name: Annotated[str, Field(min_length=1, max_length=200)]
    priority: m.Priority
    category: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    customer_tier: Tier | None = None
    position: Annotated[int, Field(ge=0, le=100_000)] = 100
    calendar: str | None = Field(default=None, description="A calendar's name; null means 24x7 UTC")
    first_response_seconds: Seconds | None = None
    next_response_seconds: Seconds | None = None
    resolution_seconds: Seconds | None = None
    pause_statuses: list[Literal["new", "open", "pending", "on_hold"]] = ["pending"]
    warnings: list[WarningIn] = []
    escalations: list[EscalationIn] = []
    confirm_within_seconds: Annotated[int, Field(ge=60, le=90 * 86400, description=(
        "After resolving: how long the customer has to confirm before the ticket closes itself"))] = 3 * 86400
    survey_within_seconds: Annotated[int, Field(ge=60, le=90 * 86400, description=(
        "After closing: how long the satisfaction survey stays open"))] = 7 * 86400

    @model_validator(mode="after")
    def _consistent(self) -> SlaPolicyIn:
        if not any((self.first_response_seconds, self.next_response_seconds, self.resolution_seconds)):
            raise ValueError("at least one target (first_response_seconds, next_response_seconds, resolution_seconds)")
        levels = [e.level for e in self.escalations]
        if len(set(levels)) != len(levels):
            raise ValueError("escalations: each level number once")
        percents = [w.percent for w in self.warnings]
        if len(set(percents)) != len(percents):
            raise ValueError("warnings: each percent once")
        return self


class SlaPolicyOut(SlaPolicyIn):
    version: int


class CustomerIn(Strict):
    name: Annotated[str, Field(max_length=200)] = ""
    tier: Tier = "standard"


class CustomerOut(CustomerIn):
    email: str


class TeamContactsIn(Strict):
    lead_email: Email | None = None
    manager_email: Email | None = None


class UpcomingBreach(BaseModel):
    number: int
    subject: str
    priority: str
    team: str | None
    assignee: str | None
    sla_policy: str | None
    sla_status: str | None
    due_at: datetime
    minutes_left: float
