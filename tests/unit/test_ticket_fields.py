"""A ticket field is declared once, on the workflow's snapshot (workflows/records.TicketSnapshot):
the projection writes every field of it (activities/projection.ticket_values), the API's summary
is built from it (api/schemas.TicketSummary), and these tests hold the read model's column and
its migration to it. Adding a field means: the snapshot (with a default, for old histories),
the column (models/tables.TicketRow) and a migration; a test here names whichever is missing."""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from activities.projection import ticket_values
from api.tickets.schemas import TicketOut, TicketSummary
from models.db import make_engine
from models.migrate import upgrade
from models.tables import Base, TicketRow
from workflows import messages as m

SNAPSHOT = {f.name: f for f in dataclasses.fields(m.TicketSnapshot)}
HINTS = typing.get_type_hints(m.TicketSnapshot)
ROW_ONLY = {"description"}  # kept with the row; the workflow's view carries it beside the snapshot


def optional(name: str) -> bool:
    return type(None) in typing.get_args(HINTS[name])


def test_the_ticket_rows_columns_are_the_snapshots_fields_with_the_same_nullability():
    columns = TicketRow.__table__.columns
    assert set(columns.keys()) - ROW_ONLY == set(SNAPSHOT)
    assert {name: columns[name].nullable for name in SNAPSHOT if name != "number"} == {
        name: optional(name) for name in SNAPSHOT if name != "number"}
    assert columns["subject"].type.length == m.MAX_SUBJECT_CHARS


def test_the_projection_writes_every_field_of_the_snapshot():
    now = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    snap = m.TicketSnapshot(number=7, subject="s", requester_email="c@example.com", requester_name="C", channel="api",
                            status="open", priority="high", category="network", tags=["vpn"], team="support",
                            assignee="ann@demo.example", created_at=now, updated_at=now, last_seq=3)
    values = ticket_values(snap)
    assert set(values) == set(SNAPSHOT) - {"number"}
    assert all(values[name] == getattr(snap, name) for name in values)


def test_the_api_summary_has_the_snapshots_fields_and_the_full_ticket_its_views():
    assert set(TicketSummary.model_fields) == set(SNAPSHOT)
    assert {name: not TicketSummary.model_fields[name].is_required() or optional(name) for name in SNAPSHOT} == {
        name: optional(name) or SNAPSHOT[name].default is not dataclasses.MISSING for name in SNAPSHOT}
    view_fields = {f.name for f in dataclasses.fields(m.TicketView)} - {"ticket", "alert", "alerts"}
    assert view_fields <= set(TicketOut.model_fields)
    assert "alert_group" in TicketOut.model_fields  # the view's alert source and its alerts, together


def test_the_migrations_build_the_tables_the_models_declare(tmp_path):
    """A column, table or index added to the models without a migration (or the other way
    round) shows here. (Column types are left out: SQLite reports its own names for them.)"""
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    upgrade(engine)
    with engine.connect() as c:
        opts = {"compare_type": False, "include_name": _declared_by_sqlalchemy}
        diff = compare_metadata(MigrationContext.configure(c, opts=opts), Base.metadata)
    engine.dispose()
    assert diff == []


def _declared_by_sqlalchemy(name, type_, parent_names) -> bool:
    """Not the FTS5 table of the search (models/search/tables.py) and its shadow tables, which
    SQLAlchemy cannot declare: SQLite makes them with the virtual table."""
    return not (type_ == "table" and name and name.startswith("search_fts"))
