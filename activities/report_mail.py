"""A scheduled report mail (`mail_report`, run by the ReportMail workflow of a subscription's
Temporal Schedule): the report of the days before the scheduled time, with the subscription's
filters and the subscriber's team scope, recorded in the notification outbox for the
subscriber's own address and delivered like every notification (docs/notifications.md).

Once per subscription and scheduled time: the row's key is both (models/report_mail.py), so a
retried activity or a workflow run again for the same time finds it and records nothing more
(and starts its delivery only if it is still pending, which the delivery workflow's fixed id
makes a no-op when it already runs). A subscriber who may no longer read reports (deactivated,
another role) gets nothing: the run says why, and the schedule waits to be deleted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.defn import sync_activity
from activities.notifications import NotificationActivities, Pending
from models import report_mail
from models.reporting import figures
from models.reporting.digest import all_tables, duration, key_figures
from models.reports import Filters
from models.settings import Settings
from models.tables import Agent
from models.team_scope import scope_for
from workflows.activity_io import REPORT_MAIL_ACTIVITY, ReportMailInput, ReportMailResult
from workflows.vocabulary import MANAGER_ROLES

FILTERS = ("team", "category", "channel", "priority")


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:g} %"


def filters_in_words(inp: ReportMailInput) -> str:
    chosen = [f"{name} {getattr(inp, name)}" for name in FILTERS if getattr(inp, name)]
    return ", ".join(chosen) if chosen else "all tickets"


def subject(inp: ReportMailInput, first: str, last: str) -> str:
    days = first if first == last else f"{first} to {last}"
    scope = "" if not any(getattr(inp, name) for name in FILTERS) else f" ({filters_in_words(inp)})"
    return f"{inp.cadence.capitalize()} report, {days}{scope}"


def report_data(tables: dict[str, figures.Table], inp: ReportMailInput, first: str, last: str, link: str) -> dict[str, Any]:
    """What the mail's templates show: the key figures, per team the times, SLA compliance and
    reopen rate, per agent what they handled; and the link to the reports page of those days."""
    rt, sl, ro = (tables[name].data for name in ("response-times", "sla", "reopens"))
    teams: dict[str | None, dict[str, str]] = {}
    for r in rt["by_team"]:
        teams.setdefault(r["team"], {}).update({m: duration(r[m]["median"]) for m in figures.METRICS})
    for r in sl["by_team"]:
        teams.setdefault(r["team"], {})["sla"] = _pct(r["compliance_pct"])
    for r in ro["by_team"]:
        teams.setdefault(r["team"], {})["reopen"] = _pct(r["reopen_pct"])
    blank = {m: "–" for m in (*figures.METRICS, "sla", "reopen")}
    return {"cadence": inp.cadence, "from": first, "to": last, "filters": filters_in_words(inp), "link": link,
            "key_figures": [[label, value] for label, value in key_figures(tables)],
            "teams": [{"team": "(no team)" if t is None else t, **(blank | v)}
                      for t, v in sorted(teams.items(), key=lambda x: (x[0] is None, x[0] or ""))],
            "agents": [{"name": r["name"] or r["assignee"], "email": r["assignee"], "handled": r["handled"],
                        "resolved": r["resolved"], "median_resolution": duration(r["median_resolution_seconds"])}
                       for r in tables["agents"].data["rows"]]}


class ReportMailActivities:
    """`notifications` starts the outbox row's delivery, as for every notification."""

    def __init__(self, sessions: sessionmaker[Session], notifications: NotificationActivities,
                 settings: Settings | None = None) -> None:
        self._sessions = sessions
        self._notifications = notifications
        self._settings = settings or Settings()

    @sync_activity(REPORT_MAIL_ACTIVITY)
    def mail_report(self, inp: ReportMailInput) -> ReportMailResult:
        assert inp.scheduled_at is not None  # the workflow sets it
        scheduled = datetime.fromisoformat(inp.scheduled_at)
        number, seq = report_mail.outbox_key(inp.agent_id, inp.n, scheduled)
        with self._sessions.begin() as s:
            found = report_mail.find(s, number, seq)
            if found is not None:
                result = ReportMailResult(notification_id=found[0], already=True)
                status = found[1]
            else:
                made = self._record(s, inp, scheduled, number, seq)
                if isinstance(made, str):
                    activity.logger.info("report subscription %s of agent %s: %s", inp.n, inp.agent_id, made)
                    return ReportMailResult(skipped=made)
                result = ReportMailResult(notification_id=made[0])
                status = made[1]
        if status == "pending":
            assert result.notification_id is not None
            self._notifications.start_deliveries([Pending(result.notification_id, number, seq,
                                                          f"{inp.cadence} report mail {inp.n} of agent {inp.agent_id}")])
        return result

    def _record(self, s: Session, inp: ReportMailInput, scheduled: datetime, number: int,
                seq: int) -> tuple[int, str] | str:
        """The mail's outbox row (id, status), or why there is none."""
        agent = s.get(Agent, inp.agent_id)
        if agent is None or not agent.active:
            return "the subscriber's account is gone or deactivated"
        if agent.role not in MANAGER_ROLES:
            return f"the subscriber is now an {agent.role}, who may not read reports"
        scope = scope_for(s, agent.id, agent.role, self._settings.ticket_access)
        if not scope.allows(inp.team):
            return f"the subscriber may no longer see team {inp.team!r}'s tickets"
        first, last = report_mail.period(inp.cadence, scheduled, inp.timezone)
        f = Filters(start=report_mail.utc_midnight(first), end=report_mail.utc_midnight(last + timedelta(days=1)),
                    team=inp.team, category=inp.category, channel=inp.channel, priority=inp.priority, scope=scope)
        tables = all_tables(s, f, datetime.now(timezone.utc))
        query = {"from": first.isoformat(), "to": last.isoformat(), **{k: getattr(inp, k) for k in FILTERS if getattr(inp, k)}}
        link = f"{self._settings.public_url.rstrip('/')}/supervisor/reports?{urlencode(query)}"
        data = report_data(tables, inp, first.isoformat(), last.isoformat(), link)
        return report_mail.enqueue(s, number=number, seq=seq, recipient=agent.email,
                                   subject=subject(inp, first.isoformat(), last.isoformat()), data={"report": data})
