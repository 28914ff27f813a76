"""Keeps the SQL read model in step with the workflows.

Idempotent by construction: events are keyed by (number, seq) and inserted only once; the
ticket row moves forward only (a retried or late call carrying an older snapshot is a
no-op), so retries and replays never duplicate or rewind anything.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from activities.defn import sync_activity
from models.db import dialect_insert as _insert
from models.kb.ticket_help import record_links
from models.search import Document, index
from models.search.tickets import event_documents, ticket_document
from models.tables import SlaMilestoneRow, SurveyResponse, TicketEventRow, TicketRow
from workflows.activity_io import ProjectionInput
from workflows.messages import PROJECT_ACTIVITY, TicketSnapshot


def ticket_values(snap: TicketSnapshot) -> dict[str, Any]:
    """The ticket row's values: every field of the snapshot (the row's columns are the snapshot's
    fields and the description, which tests/unit/test_ticket_fields.py holds to each other)."""
    return {f.name: getattr(snap, f.name) for f in fields(TicketSnapshot) if f.name != "number"} | {"tags": list(snap.tags)}


def project(session: Session, inp: ProjectionInput) -> None:
    snap = inp.snapshot
    values = ticket_values(snap)
    insert_ticket = _insert(session, TicketRow).values(number=snap.number, description=inp.description or "", **values)
    session.execute(insert_ticket.on_conflict_do_nothing(index_elements=["number"]))
    # Only move forward: an older snapshot arriving late must not overwrite a newer one.
    session.execute(
        update(TicketRow).where(TicketRow.number == snap.number, TicketRow.last_seq <= snap.last_seq).values(**values)
    )
    if inp.description is not None:
        session.execute(update(TicketRow).where(TicketRow.number == snap.number).values(description=inp.description))
    # The search index, in the same transaction: the subject and description once (they come
    # with the `created` event), and each event that carries text; one upsert for the batch.
    docs: list[Document] = [ticket_document(snap.number, snap.subject, inp.description)] if inp.description is not None else []
    index(session, docs + event_documents(snap.number, ((e.seq, e.kind, e.data) for e in inp.events)))
    # An article linked in a reply or a note helped the ticket: recorded with the event, once.
    record_links(session, snap.number, ((e.seq, e.kind, e.data, e.actor.id) for e in inp.events))
    for e in inp.events:
        row = {
            "number": e.number,
            "seq": e.seq,
            "kind": e.kind,
            "at": e.at,
            "actor_kind": e.actor.kind,
            "actor_id": e.actor.id,
            "status_from": e.status_from,
            "status_to": e.status_to,
            "data": e.data,
        }
        session.execute(_insert(session, TicketEventRow).values(**row).on_conflict_do_nothing(index_elements=["number", "seq"]))
        if e.kind == "survey_answer":
            d = e.data
            session.execute(_insert(session, SurveyResponse).values(
                number=e.number, csat=d["csat"], nps=d.get("nps"), comment=d.get("comment", ""), answered_at=e.at,
                team=snap.team, assignee=snap.assignee).on_conflict_do_nothing(index_elements=["number"]))
        if e.kind == "sla_milestone":
            d = e.data
            milestone = {"number": e.number, "milestone": d["milestone"], "seq": e.seq, "clock": d["clock"],
                         "cycle": d["cycle"], "kind": d["kind"], "n": d["n"],
                         "due_at": datetime.fromisoformat(d["due_at"]), "fired_at": datetime.fromisoformat(d["fired_at"]),
                         "lateness_ms": d["lateness_ms"]}
            session.execute(_insert(session, SlaMilestoneRow).values(**milestone)
                            .on_conflict_do_nothing(index_elements=["number", "milestone"]))


class ProjectionActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @sync_activity(PROJECT_ACTIVITY)
    def project_ticket(self, inp: ProjectionInput) -> None:
        with self._sessions.begin() as s:
            project(s, inp)

