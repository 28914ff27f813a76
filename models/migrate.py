"""Apply the schema migrations: `servicedesk migrate`, and at every start of `servicedesk dev`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def start_ticket_numbers_at(engine: Engine, first: int) -> None:
    """Make the next ticket number `first` (for an installation that continues an older
    desk's numbering; tests use it to keep workflow ids apart). Only on an empty ledger."""
    with engine.begin() as conn:
        if conn.exec_driver_sql("SELECT COUNT(*) FROM ticket_intake").scalar():
            raise ValueError("ticket numbers are already in use")
        if engine.dialect.name == "postgresql":
            seq = conn.exec_driver_sql("SELECT pg_get_serial_sequence('ticket_intake', 'number')").scalar()
            conn.exec_driver_sql(f"SELECT setval('{seq}', {int(first)}, false)")
        else:
            conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'ticket_intake'")
            conn.exec_driver_sql(f"INSERT INTO sqlite_sequence (name, seq) VALUES ('ticket_intake', {int(first) - 1})")
