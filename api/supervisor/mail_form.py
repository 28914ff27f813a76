"""The reports page's "Mail me this report" form: the cadence, weekday, time and time zone as
typed, the page's filters (hidden fields) with them, read into the service's SubscriptionIn
(api/reports/mailing.py) with each problem said next to its field; and the supervisor's own
subscriptions in words, for the list beside it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from api.errors import ApiError
from api.reports.mailing import SubscriptionIn, SubscriptionOut
from models import report_mail

FIELDS = ("cadence", "weekday", "time", "timezone")
WEEKDAYS = report_mail.WEEKDAYS  # the weekday menu
DEFAULTS = {"cadence": "weekly", "weekday": "monday", "time": "08:00", "timezone": "UTC"}
FILTERS = ("team", "category", "channel", "priority")  # what a mail carries of the page's filters (not the period)
LABELS = {"cadence": "How often", "weekday": "Day", "time": "Time of day", "timezone": "Time zone", "team": "Team",
          "category": "Category", "channel": "Channel", "priority": "Priority"}
HINTS = {"cadence": "choose day or week", "weekday": "choose a day of the week",
         "time": "enter a time like 08:00 (00:00 to 23:59)"}
# Offered as suggestions in the time zone box; any IANA name is taken.
ZONES = ("UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "America/New_York",
         "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata",
         "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney")
STATUS = {"added": "Done: the report will be mailed to you.", "deleted": "Done: that mail is stopped."}
_SECONDS = re.compile(r"^(\d\d:\d\d):00$")  # a browser's time box may add the seconds


@dataclass
class MailForm:
    values: dict[str, str] = field(default_factory=lambda: dict(DEFAULTS))
    errors: dict[str, str] = field(default_factory=dict)  # field -> message ("body": about the whole form)
    status: int = 200
    note: str | None = None  # what was just done, said at the top of the section


def read(form: Mapping[str, str], filters: Mapping[str, str]) -> tuple[MailForm, SubscriptionIn | None]:
    """The form's answers as a subscription (None with the problems said), with the page's
    filters as they were checked for the page."""
    values = {k: str(form.get(k) or "").strip() for k in FIELDS}
    values["time"] = _SECONDS.sub(r"\1", values["time"])
    weekly = values["cadence"] == "weekly"
    body = {"cadence": values["cadence"], "weekday": (values["weekday"] or None) if weekly else None,
            "time": values["time"], "timezone": values["timezone"],
            **{k: filters.get(k) or None for k in FILTERS}}
    try:
        return MailForm(values), SubscriptionIn.model_validate(body)
    except ValidationError as err:
        errors: dict[str, str] = {}
        for problem in err.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "body"
            if name == "timezone" and not values["timezone"]:
                message = "enter one, such as UTC or Europe/Paris"
            else:
                message = HINTS.get(name) or str(problem["msg"]).removeprefix("Value error, ")
            errors.setdefault(name, f"{LABELS.get(name, name)}: {message}.")
        return MailForm(values, errors, 422), None


def refused(mail: MailForm, err: ApiError) -> MailForm:
    """The form again with what the service refused (its fields named), and the service's status."""
    errors = {f["field"]: (f"{LABELS[f['field']]}: {f['message']}." if f["field"] in LABELS else f"{f['message']}.")
              for f in err.fields} or {"body": f"{err.message}."}
    return MailForm(mail.values, errors, err.status)


@dataclass(frozen=True)
class Listed:
    """One of the supervisor's subscriptions, in words."""

    id: str
    what: str
    when: str
    next_at: datetime | None  # UTC, for the <time> element
    next_words: str


def filters_in_words(filters: Mapping[str, str | None], team_names: Mapping[str, str]) -> str:
    """A mail's filters as read: "team Network, priority high", or "all teams"."""
    team = filters.get("team")
    words = [f"team {team_names.get(team, team)}" if team else "all teams"]
    words += [f"{name} {filters[name]}" for name in ("category", "channel", "priority") if filters.get(name)]
    return ", ".join(words)


def listed(sub: SubscriptionOut, team_names: Mapping[str, str]) -> Listed:
    days = f"Every {sub.weekday.capitalize()}" if sub.weekday else "Every day"
    period = "the week before" if sub.cadence == "weekly" else "the day before"
    next_words = "none scheduled"
    if sub.next_mail_at is not None:
        local = sub.next_mail_at.astimezone(ZoneInfo(sub.timezone))
        next_words = f"{local:%A %Y-%m-%d %H:%M} ({sub.timezone})"
    return Listed(id=sub.id, what=f"{sub.cadence.capitalize()} report ({period}): {filters_in_words(sub.filters.model_dump(), team_names)}",
                  when=f"{days} at {sub.time} ({sub.timezone})", next_at=sub.next_mail_at,
                  next_words=next_words)

