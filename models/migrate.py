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
    _start_ids_at(engine, "ticket_intake", "number", first, "ticket numbers")


def start_article_ids_at(engine: Engine, first: int) -> None:
    """Make the next knowledge-base article's id `first` (it names the article's review
    workflow: tests sharing one Temporal server keep their desks' workflow ids apart with it)."""
    _start_ids_at(engine, "kb_articles", "id", first, "article ids")


def _start_ids_at(engine: Engine, table: str, column: str, first: int, what: str) -> None:
    with engine.begin() as conn:
        if conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar():
            raise ValueError(f"{what} are already in use")
        if engine.dialect.name == "postgresql":
            seq = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table}', '{column}')").scalar()
            conn.exec_driver_sql(f"SELECT setval('{seq}', {int(first)}, false)")
        else:
            conn.exec_driver_sql(f"DELETE FROM sqlite_sequence WHERE name = '{table}'")
            conn.exec_driver_sql(f"INSERT INTO sqlite_sequence (name, seq) VALUES ('{table}', {int(first) - 1})")
