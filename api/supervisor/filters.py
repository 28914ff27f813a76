"""The page's filter form: the same filters, and the same checks, as GET /reports/... (the
period, its length and the team are checked by api.reports.filters.report_filters itself), with
each problem said next to its field instead of a 422 body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError
from api.reports.filters import report_filters
from api.tickets.scope import scoped_filters
from models.reports import Filters
from models.tables import Team
from models.team_scope import Scope
from workflows.messages import CHANNELS, PRIORITIES

FIELDS = ("from", "to", "team", "category", "channel", "priority")
LABELS = {"from": "From", "to": "To", "team": "Team", "category": "Category", "channel": "Channel",
          "priority": "Priority"}


@dataclass
class FilterForm:
    values: dict[str, str]  # as typed (the period filled in once valid), to show in the form again
    errors: dict[str, str] = field(default_factory=dict)
    filters: Filters | None = None

    def query(self) -> str:
        """The filters as a query string, for the CSV links (only the fields that are set)."""
        return urlencode({k: v for k, v in self.values.items() if v})


def read(params: Mapping[str, str], sessions: sessionmaker[Session], scope: Scope) -> FilterForm:
    """The form's answers as report filters, narrowed to the teams the reader may see."""
    values = {k: (params.get(k) or "").strip() for k in FIELDS}
    errors: dict[str, str] = {}
    dates: dict[str, date] = {}
    for name in ("from", "to"):
        if values[name]:
            try:
                dates[name] = date.fromisoformat(values[name])
            except ValueError:
                errors[name] = f"{LABELS[name]}: enter a date like 2026-03-01."
    for name, allowed in (("channel", CHANNELS), ("priority", PRIORITIES)):
        if values[name] and values[name] not in allowed:
            errors[name] = f"{LABELS[name]}: choose one of {', '.join(allowed)}."
    for name, longest in (("team", 64), ("category", 100)):  # the API's max_length
        if len(values[name]) > longest:
            errors[name] = f"{LABELS[name]}: at most {longest} characters."
    if errors:
        return FilterForm(values, errors)
    try:
        f = report_filters(sessions, from_=dates.get("from"), to=dates.get("to"), team=values["team"] or None,
                           category=values["category"] or None, channel=values["channel"] or None,  # type: ignore[arg-type]  # checked above to be one of the allowed words
                           priority=values["priority"] or None)  # type: ignore[arg-type]  # checked above to be one of the allowed words
        f = scoped_filters(f, scope)
    except ApiError as err:
        for problem in err.fields or [{"field": "query parameter from", "message": err.message}]:
            name = problem["field"].removeprefix("query parameter ")
            message = problem["message"].replace("after to (", "after the To date (")  # the API's words, for the form
            errors[name] = f"{LABELS.get(name, name)}: {message}."
        return FilterForm(values, errors)
    values["from"], values["to"] = f.start.date().isoformat(), (f.end - timedelta(days=1)).date().isoformat()
    return FilterForm(values, {}, f)


def team_choices(s: Session, scope: Scope) -> list[tuple[str, str]]:
    """(slug, name) of every team the reader may see, for the team menu."""
    return [(slug, name) for slug, name in s.execute(select(Team.slug, Team.name).order_by(Team.name))
            if scope.allows(slug)]
