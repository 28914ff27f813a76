"""Find a ticket's SLA policy (priority, narrowed by category and customer tier) and hand
it to the workflow as data, calendar included."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.defn import sync_activity
from activities.calendars import build_calendar
from models.customers import customer_tier
from models.tables import BusinessCalendar, SlaPolicy
from workflows.activity_io import SlaPolicyInput, SlaPolicyResult
from workflows.messages import SLA_POLICY_ACTIVITY
from workflows.sla_types import EscalationLevel, SlaPolicyData, SlaWarning


def choose_policy(policies: list[SlaPolicy], priority: str, category: str | None, tier: str | None) -> SlaPolicy | None:
    """The most specific policy that matches: category and tier beat category, which beats
    tier, which beats neither; ties go to the lowest position."""
    matching = [p for p in policies
                if p.priority == priority
                and (p.category is None or p.category == category)
                and (p.customer_tier is None or p.customer_tier == tier)]
    matching.sort(key=lambda p: (-(2 * (p.category is not None) + (p.customer_tier is not None)), p.position, p.id))
    return matching[0] if matching else None


def policy_data(policy: SlaPolicy, calendar: BusinessCalendar | None, now: datetime) -> SlaPolicyData:
    cal = (build_calendar(calendar.name, calendar.timezone, calendar.weekly_hours, calendar.holidays or [], now)
           if calendar is not None else build_calendar("24x7", "UTC", None, [], now))
    return SlaPolicyData(
        name=policy.name,
        first_response_seconds=policy.first_response_seconds,
        next_response_seconds=policy.next_response_seconds,
        resolution_seconds=policy.resolution_seconds,
        calendar=cal,
        pause_statuses=list(policy.pause_statuses or ["pending"]),
        warnings=[SlaWarning(percent=w["percent"], notify=list(w.get("notify", ["assignee"]))) for w in policy.warnings or []],
        escalations=[EscalationLevel(level=e["level"], after_minutes=e.get("after_minutes", 0), notify=list(e.get("notify", [])),
                                     reassign_team=e.get("reassign_team"), reassign_agent=e.get("reassign_agent"),
                                     raise_priority=bool(e.get("raise_priority", False)))
                     for e in policy.escalations or []],
        version=policy.version,
        confirm_within_seconds=policy.confirm_within_seconds,
        survey_within_seconds=policy.survey_within_seconds,
    )


class SlaPolicyActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @sync_activity(SLA_POLICY_ACTIVITY)
    def load_sla_policy(self, inp: SlaPolicyInput) -> SlaPolicyResult:
        with self._sessions() as s:
            tier = customer_tier(s, inp.requester_email)
            policy = choose_policy(list(s.scalars(select(SlaPolicy))), inp.priority, inp.category, tier)
            if policy is None:
                return SlaPolicyResult(policy=None, tier=tier,
                                       reason=f"no SLA policy for priority {inp.priority!r}, category {inp.category!r}, tier {tier!r}")
            calendar = s.get(BusinessCalendar, policy.calendar_id) if policy.calendar_id else None
            narrowed = ", ".join(f"{k} {v!r}" for k, v in (("category", policy.category), ("tier", policy.customer_tier)) if v)
            # The calendar's offsets are centred on the server's time (a test server may skip ahead).
            now = activity.info().scheduled_time if activity.in_activity() else datetime.now(timezone.utc)
            return SlaPolicyResult(policy=policy_data(policy, calendar, now), tier=tier,
                                   reason=f"priority {inp.priority!r}" + (f", {narrowed}" if narrowed else ""))
