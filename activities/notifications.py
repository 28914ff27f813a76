"""Notifications: resolve who should hear about a ticket event and record one notification
per (ticket, event, recipient, kind) in the outbox. The unique key makes it exactly-once in
effect: a retried activity or a replayed workflow finds the row and adds nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from models.db import dialect_insert
from models.routing import team_member_emails
from models.tables import Notification, Team
from workflows.activity_io import NotifyInput, NotifyResult
from workflows.messages import NOTIFY_ACTIVITY


def resolve_recipients(s: Session, inp: NotifyInput) -> tuple[list[str], list[str]]:
    """E-mail addresses for the roles and addresses in `inp.recipients`; and the roles nobody fills."""
    team = s.scalars(select(Team).where(Team.slug == inp.team)).first() if inp.team else None
    found: list[str] = []
    unresolved: list[str] = []
    for who in inp.recipients:
        if "@" in who:
            emails = [who.lower()]
        elif who == "assignee":
            emails = [inp.assignee] if inp.assignee else []
        elif who == "team_lead":
            emails = [team.lead_email] if team and team.lead_email else []
        elif who == "manager":
            emails = [team.manager_email] if team and team.manager_email else []
        elif who == "team":
            emails = team_member_emails(s, team.id) if team else []  # every member, not just home-team ones
        else:
            emails = []
        if not emails:
            unresolved.append(who)
        found += [e for e in emails if e not in found]
    return found, unresolved


class NotificationActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @activity.defn(name=NOTIFY_ACTIVITY)
    def notify(self, inp: NotifyInput) -> NotifyResult:
        with self._sessions.begin() as s:
            recipients, unresolved = resolve_recipients(s, inp)
            recorded, already = [], []
            for email in recipients:
                row = {"number": inp.number, "seq": inp.seq, "kind": inp.kind, "recipient": email,
                       "subject": inp.subject, "data": inp.data}
                # RETURNING tells a new row from a conflict (rowcount does not, on every driver).
                inserted = s.execute(dialect_insert(s, Notification).values(**row).on_conflict_do_nothing(
                    index_elements=["number", "seq", "recipient", "kind"]).returning(Notification.id)).first()
                (recorded if inserted is not None else already).append(email)
        if unresolved:
            activity.logger.info("ticket %s %s: nobody fills %s", inp.number, inp.kind, unresolved)
        return NotifyResult(recorded=recorded, already=already, unresolved=unresolved)
