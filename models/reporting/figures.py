"""Reports for managers, built from the read model (models/reports.py): durations in business
time on each ticket's SLA calendar, statistics, and each report as JSON and as a CSV table.

Business time: a ticket's durations are measured on the calendar of its SLA policy (24x7 UTC for
a ticket without a policy, or a policy without a calendar), minus the time its SLA clocks were
paused (its policy's pause statuses, `pending` by default), read from the status changes in
ticket_events (models/reporting/clock.py). Statistics: mean; median (the mean of the middle two for
an even count); p90 by nearest rank (the ceil(0.9 n)-th smallest value)."""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from models.reporting import clock as report_clock
from models import reports as q
from models.business_hours import weekly_minutes, zone_offsets
from workflows.sla_types import Calendar
from workflows.vocabulary import DONE_STATUSES

ALL = "(all)"  # the team column of a CSV row that counts every team
NONE = "(none)"  # ... of tickets without a team (null in JSON)


@dataclass
class Table:
    """A report as returned: `data` is the JSON body, `columns` and `rows` the CSV."""

    data: dict[str, Any]
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows([["" if v is None else v for v in row] for row in self.rows])
        return out.getvalue()


# --- business time --------------------------------------------------------------------------


class BusinessClock:
    """Business seconds from a ticket's creation to an instant, on its policy's calendar, minus
    the business part of its pauses. Calendars, pause statuses and pauses are loaded once, for
    the tickets created in the period `f`."""

    def __init__(self, s: Session, f: q.Filters, tickets: list[q.TicketTimes], also: Iterable[datetime] = ()) -> None:
        policies = {t.sla_policy for t in tickets if t.sla_policy}
        rows = q.policy_calendars(s, policies)
        instants = [t.created_at for t in tickets] + [x for t in tickets for x in (t.first_response_at, t.resolved_at) if x]
        instants += list(also)  # other instants measured from (next-response waits)
        lo = min(instants, default=datetime.now(timezone.utc)) - timedelta(days=2)
        hi = max(instants, default=datetime.now(timezone.utc)) + timedelta(days=2)
        self._calendars: dict[str, Calendar] = {}
        for policy, row in rows.items():
            if row is not None and row.weekly_hours is not None:
                self._calendars[policy] = Calendar(name=row.name, timezone=row.timezone, always_open=False,
                                                   hours=weekly_minutes(row.weekly_hours), holidays=sorted(row.holidays),
                                                   offsets=zone_offsets(row.timezone, lo, hi))
        self._always = Calendar()
        # The current policy's pause statuses apply to the whole history of the ticket.
        paused_in = q.policy_pause_statuses(s, policies)
        events = q.status_events(s, f) if tickets else {}
        self._pauses = {t.number: report_clock.pauses_from_events(
            events.get(t.number, []), report_clock.pause_statuses(paused_in.get(t.sla_policy or "")))
            for t in tickets}

    def seconds(self, t: q.TicketTimes, end: datetime | None, start: datetime | None = None) -> float | None:
        """Business seconds from t's creation (or `start`) to `end` (None if `end` is None),
        pauses excluded."""
        if end is None:
            return None
        cal = self._calendars.get(t.sla_policy or "", self._always)
        return report_clock.active_seconds(cal, start or t.created_at, end, self._pauses.get(t.number, []))


def next_response_waits(events: Iterable[tuple[datetime, str, str | None]]) -> list[tuple[datetime, datetime]]:
    """(customer wrote, agent answered) of each answered wait of one ticket, from its events in
    seq order (at, kind, status after it), by the next-response clock's rule (workflows/sla.py
    `observe`): once the first-response clock has stopped (a public reply, or a resolution), a
    customer's message starts a wait unless one is running; the next public reply ends it; a
    resolution or closing ends it unanswered (not counted)."""
    first_stopped = False
    since: datetime | None = None
    out: list[tuple[datetime, datetime]] = []
    for at, kind, status_to in events:
        if kind in q.ANSWER_KINDS:
            if since is not None:
                out.append((since, at))
                since = None
            first_stopped = True
        elif kind in q.CUSTOMER_KINDS:
            if first_stopped and since is None and status_to not in DONE_STATUSES:
                since = at
        if status_to in DONE_STATUSES:
            since = None
            first_stopped = True
    return out


# --- statistics -----------------------------------------------------------------------------


def nearest_rank(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(pct / 100 * len(ordered)), 1) - 1]


def stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    return {"count": len(values), "mean": round(statistics.fmean(values), 1),
            "median": round(statistics.median(values), 1), "p90": round(nearest_rank(values, 90), 1)}  # type: ignore[arg-type]  # nearest_rank of a non-empty list is a number


def pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def _team_label(team: str | None) -> str:
    return NONE if team is None else team


# --- the reports ----------------------------------------------------------------------------


def days(f: q.Filters) -> list[date]:
    first, last = f.start.date(), (f.end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def volume(s: Session, f: q.Filters, by: str) -> Table:
    def bucket(d: date) -> date:
        return d - timedelta(days=d.weekday()) if by == "week" else d

    created = Counter(bucket(t.date()) for t in q.created_times(s, f))
    resolved = Counter(bucket(t.date()) for t in q.resolved_times(s, f))
    buckets = sorted({bucket(d) for d in days(f)})
    rows = [{"period": b.isoformat(), "created": created[b], "resolved": resolved[b]} for b in buckets]
    data = {"by": by, "created": sum(created.values()), "resolved": sum(resolved.values()), "rows": rows}
    return Table(data, ["period", "created", "resolved"], [[r["period"], r["created"], r["resolved"]] for r in rows])


def backlog(s: Session, f: q.Filters, now: datetime) -> Table:
    by_status: Counter[str] = Counter()
    by_team: Counter[str | None] = Counter()
    by_priority: Counter[str] = Counter()
    for status, team, priority, n in q.open_now(s, f):
        by_status[status] += n
        by_team[team] += n
        by_priority[priority] += n
    spans = q.open_spans(s, f)
    daily = []
    for d in days(f):
        if datetime.combine(d, time(), timezone.utc) > now:
            break
        at = min(datetime.combine(d + timedelta(days=1), time(), timezone.utc), now)
        daily.append({"date": d.isoformat(), "open": sum(1 for c, e in spans if c < at and (e is None or e > at))})
    total = sum(by_status.values())
    data = {"open_now": {"total": total, "by_status": dict(sorted(by_status.items())),
                         "by_team": [{"team": t, "open": n} for t, n in sorted(by_team.items(), key=lambda x: (x[0] is None, x[0] or ""))],
                         "by_priority": dict(sorted(by_priority.items()))},
            "daily": daily}
    rows: list[list[Any]] = [["open_now", "total", total]]
    rows += [["status", k, n] for k, n in data["open_now"]["by_status"].items()]
    rows += [["team", _team_label(r["team"]), r["open"]] for r in data["open_now"]["by_team"]]
    rows += [["priority", k, n] for k, n in data["open_now"]["by_priority"].items()]
    rows += [["day_end", r["date"], r["open"]] for r in daily]
    return Table(data, ["section", "key", "open"], rows)


METRICS = ("first_response", "next_response", "resolution")


def response_times(s: Session, f: q.Filters) -> Table:
    tickets = q.ticket_times(s, f)
    conversation = q.conversation_events(s, f) if tickets else {}
    waits = {n: next_response_waits(events) for n, events in conversation.items()}
    clock = BusinessClock(s, f, tickets, also=[x for w in waits.values() for pair in w for x in pair])
    values: dict[str, dict[str | None, list[float]]] = {m: defaultdict(list) for m in METRICS}
    teams: set[str | None] = set()
    for t in tickets:
        teams.add(t.team)
        for metric, end in (("first_response", t.first_response_at), ("resolution", t.resolved_at)):
            seconds = clock.seconds(t, end)
            if seconds is not None:
                values[metric][t.team].append(seconds)
        for wrote, answered in waits.get(t.number, []):
            values["next_response"][t.team].append(clock.seconds(t, answered, start=wrote))  # type: ignore[arg-type]  # an end is given, so a number
    overall = {m: stats([v for vals in values[m].values() for v in vals]) for m in METRICS}
    by_team: list[dict[str, Any]] = [{"team": team, **{m: stats(values[m][team]) for m in METRICS}}
               for team in sorted(teams, key=lambda x: (x is None, x or ""))]
    data = {"unit": "business seconds", "tickets": len(tickets), "overall": overall, "by_team": by_team}
    rows = []
    for label, part in [(ALL, overall)] + [(_team_label(r["team"]), r) for r in by_team]:
        for metric in METRICS:
            st = part[metric]
            rows.append([label, metric, st["count"], st["mean"], st["median"], st["p90"]])
    return Table(data, ["team", "metric", "count", "mean_seconds", "median_seconds", "p90_seconds"], rows)


def sla(s: Session, f: q.Filters) -> Table:
    teams = q.sla_counts(s, f)

    def summary(rows: list[q.SlaTeamCounts]) -> dict[str, Any]:
        with_policy = sum(r.with_policy for r in rows)
        breached = sum(r.breached_tickets for r in rows)
        return {"with_policy": with_policy, "breached_tickets": breached, "compliant": with_policy - breached,
                "compliance_pct": pct(with_policy - breached, with_policy),
                "breaches": sum(r.breaches for r in rows), "escalations": sum(r.escalations for r in rows)}

    data = {"overall": summary(teams), "by_team": [{"team": r.team, **summary([r])} for r in teams]}
    keys = ["with_policy", "breached_tickets", "compliant", "compliance_pct", "breaches", "escalations"]
    rows = [[ALL, *(data["overall"][k] for k in keys)]]
    rows += [[_team_label(r["team"]), *(r[k] for k in keys)] for r in data["by_team"]]
    return Table(data, ["team", *keys], rows)


def agents(s: Session, f: q.Filters) -> Table:
    tickets = q.ticket_times(s, f)
    clock = BusinessClock(s, f, tickets)
    handled: Counter[str] = Counter()
    resolution: dict[str, list[float]] = defaultdict(list)
    for t in tickets:
        if t.assignee is None:
            continue
        handled[t.assignee] += 1
        seconds = clock.seconds(t, t.resolved_at)
        if seconds is not None:
            resolution[t.assignee].append(seconds)
    csat = q.csat_by_assignee(s, f)
    names = q.agent_names(s, set(handled))
    rows = []
    for who in sorted(handled):
        answers, mean = csat.get(who, (0, None))
        med = statistics.median(resolution[who]) if resolution[who] else None
        rows.append({"assignee": who, "name": names.get(who), "handled": handled[who], "resolved": len(resolution[who]),
                     "median_resolution_seconds": None if med is None else round(med, 1),
                     "csat_mean": None if mean is None else round(mean, 2), "csat_answers": answers})
    columns = ["assignee", "name", "handled", "resolved", "median_resolution_seconds", "csat_mean", "csat_answers"]
    return Table({"unit": "business seconds", "rows": rows}, columns, [[r[c] for c in columns] for r in rows])


def reopens(s: Session, f: q.Filters) -> Table:
    """Of the tickets resolved in the period, the share reopened after it (whenever)."""
    found = q.resolutions(s, f)
    teams = sorted({r.team for r in found}, key=lambda x: (x is None, x or ""))

    def summary(rows: list[q.Resolution]) -> dict[str, Any]:
        reopened = sum(1 for r in rows if r.reopened_at)
        return {"resolved": len(rows), "reopened": reopened, "reopen_pct": pct(reopened, len(rows)),
                "reopens": sum(len(r.reopened_at) for r in rows)}

    data: dict[str, Any] = {"overall": summary(found),
                            "by_team": [{"team": t, **summary([r for r in found if r.team == t])} for t in teams]}
    keys = ["resolved", "reopened", "reopen_pct", "reopens"]
    rows = [[ALL, *(data["overall"][k] for k in keys)]]
    rows += [[_team_label(r["team"]), *(r[k] for k in keys)] for r in data["by_team"]]
    return Table(data, ["team", *keys], rows)


def satisfaction(s: Session, f: q.Filters) -> Table:
    answers = q.survey_answers(s, f)
    csats = [c for c, _ in answers]
    npss = [n for _, n in answers if n is not None]
    promoters, detractors = sum(1 for n in npss if n >= 9), sum(1 for n in npss if n <= 6)
    nps_score = None if not npss else round(100 * (promoters - detractors) / len(npss), 1)
    dist = Counter(csats)
    data = {"csat": {"count": len(csats), "mean": round(statistics.fmean(csats), 2) if csats else None,
                     "distribution": {str(k): dist[k] for k in range(1, 6)}},
            "nps": {"count": len(npss), "promoters": promoters, "passives": len(npss) - promoters - detractors,
                    "detractors": detractors, "score": nps_score}}
    c, n = data["csat"], data["nps"]
    columns = ["csat_count", "csat_mean", *(f"csat_{k}" for k in range(1, 6)),
               "nps_count", "promoters", "passives", "detractors", "nps_score"]
    row = [c["count"], c["mean"], *c["distribution"].values(), n["count"], n["promoters"], n["passives"],
           n["detractors"], n["score"]]
    return Table(data, columns, [row])


def categories(s: Session, f: q.Filters, limit: int) -> Table:
    total, counts = q.category_counts(s, f)
    rows = [{"category": c, "count": n, "share_pct": pct(n, total)} for c, n in counts[:limit]]
    return Table({"tickets": total, "rows": rows}, ["category", "count", "share_pct"],
                 [[NONE if r["category"] is None else r["category"], r["count"], r["share_pct"]] for r in rows])
