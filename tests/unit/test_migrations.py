"""Upgrading an existing read model keeps its ticket numbering (SQLite recreates the intake
ledger when it changes a column, and must not start numbering again)."""

from __future__ import annotations

from sqlalchemy import text

from models.db import make_engine
from models.migrate import start_ticket_numbers_at, upgrade


def _next_number(engine) -> int:
    with engine.begin() as c:
        c.execute(text("INSERT INTO ticket_intake (agent_id, request_hash, request, created_at, source) "
                       "VALUES (1, 'h', '{}', '2026-01-01', 'api')"))
        return c.execute(text("SELECT MAX(number) FROM ticket_intake")).scalar()


def _one_agent(engine) -> None:
    with engine.begin() as c:
        c.execute(text("INSERT INTO teams (slug, name, is_default) VALUES ('support', 'Support', 1)"))
        c.execute(text("INSERT INTO agents (email, name, role, team_id, active, capacity, created_at) "
                       "VALUES ('a@example.com', 'A', 'agent', 1, 1, 5, '2026-01-01')"))


def test_upgrade_from_the_first_schema_keeps_a_numbering_set_ahead(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    start_ticket_numbers_at(engine, 5000)  # an empty ledger whose numbers start at 5000
    _one_agent(engine)
    upgrade(engine)
    assert _next_number(engine) == 5000
    engine.dispose()


def test_upgrade_keeps_numbers_after_the_last_ticket(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    _one_agent(engine)
    with engine.begin() as c:
        for key in ("a", "b", "c"):
            c.execute(text("INSERT INTO ticket_intake (agent_id, idempotency_key, request_hash, request, created_at) "
                           "VALUES (1, :k, 'h', '{}', '2026-01-01')"), {"k": key})
    upgrade(engine)
    assert _next_number(engine) == 4
    engine.dispose()
