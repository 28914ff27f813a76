"""Scheduled report mails (docs/reports.md, "Reports by mail"): a supervisor's subscription is a
Temporal Schedule, `report-mail-<agent id>-<n>` (the schedule is the record: no table of its
own); each run mails the report of the days before it through the notification outbox.

A report mail's outbox row (`notifications`) has no ticket, so its key says which subscription
and which scheduled time it is: `number` is minus (agent id x 100 + n), below every ticket
number, and `seq` the scheduled minute since the epoch. A run repeated for the same scheduled
time (a retried activity, a workflow run again) finds the row and mails nothing more."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db import dialect_insert
from models.tables import Notification

KIND = "report"  # the outbox row's kind and its templates (activities/templates/report.*)
MAX_PER_AGENT = 10  # subscriptions one supervisor may have (ids report-mail-<agent id>-1 .. -10)
CADENCES = ("daily", "weekly")
# As the reports page and Temporal's calendar count them: Temporal's day_of_week 0 is Sunday.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ID = re.compile(r"^report-mail-(\d+)-(\d+)$")


def schedule_id(agent_id: int, n: int) -> str:
    return f"report-mail-{agent_id}-{n}"


def parse_schedule_id(value: str) -> tuple[int, int] | None:
    """(agent id, n) of a subscription's schedule id, or None for any other id."""
    found = _ID.match(value)
    return (int(found.group(1)), int(found.group(2))) if found else None


def temporal_weekday(weekday: str) -> int:
    """0 (Sunday) .. 6 (Saturday), as Temporal's calendar spec counts."""
    return (WEEKDAYS.index(weekday) + 1) % 7


def outbox_key(agent_id: int, n: int, scheduled_at: datetime) -> tuple[int, int]:
    """(number, seq) of the mail of subscription n of the agent for the time it was scheduled."""
    return -(agent_id * 100 + n), int(scheduled_at.timestamp() // 60)


def period(cadence: str, scheduled_at: datetime, zone: str) -> tuple[date, date]:
    """The days (first, last, both included; UTC days, as the reports count them) a mail
    scheduled at `scheduled_at` reports: the day before its day in the subscriber's time zone
    (daily), or the seven days before it (weekly)."""
    today = scheduled_at.astimezone(ZoneInfo(zone)).date()
    last = today - timedelta(days=1)
    return (last if cadence == "daily" else today - timedelta(days=7)), last


def utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def find(s: Session, number: int, seq: int, kind: str = KIND) -> tuple[int, str] | None:
    """(id, status) of the mail already recorded for this subscription and time, if any. (The
    knowledge base's review reminders, another mail about no ticket, use both with their kind.)"""
    row = s.execute(select(Notification.id, Notification.status).where(
        Notification.number == number, Notification.seq == seq, Notification.kind == kind)).first()
    return None if row is None else (row.id, row.status)


def enqueue(s: Session, *, number: int, seq: int, recipient: str, subject: str, data: dict[str, Any],
            kind: str = KIND) -> tuple[int, str]:
    """Record the mail in the outbox (once: the unique key), in the caller's transaction;
    (id, status) of its row, new or found."""
    row = {"number": number, "seq": seq, "kind": kind, "recipient": recipient, "subject": subject[:300], "data": data,
           "channel": "email", "audience": "agent", "status": "pending", "attempts": 0, "links": []}
    s.execute(dialect_insert(s, Notification).values(**row).on_conflict_do_nothing(
        index_elements=["number", "seq", "recipient", "kind"]))
    found = find(s, number, seq, kind)
    assert found is not None  # inserted, or there before
    return found
