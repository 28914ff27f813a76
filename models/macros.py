"""Canned responses (macros): a reply text with placeholders and what it sets on the ticket
(status, priority, tags), personal, a team's or global (docs/macros.md).

The table and the queries the rules need; who may use and manage which macro is
api/macros/service.py, the rendering api/macros/rendering.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Select, String, Text, UniqueConstraint, or_, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.tables import Base, TeamMember, utcnow
from models.utc import UtcDateTime

SCOPES = ("personal", "team", "global")


class Macro(Base):
    __tablename__ = "macros"
    __table_args__ = (UniqueConstraint("scope_key", "name", name="uq_macros_scope_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # a Jinja2 template, checked when saved
    scope: Mapped[str] = mapped_column(String(10))  # personal | team | global
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)  # personal
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)  # team
    # "personal:<agent id>", "team:<team id>" or "global": a name is unique within it.
    scope_key: Mapped[str] = mapped_column(String(40))
    # What applying it sets besides the reply (None / empty: nothing).
    status: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[str | None] = mapped_column(String(20))
    add_tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    remove_tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    created_by: Mapped[str] = mapped_column(String(320))  # the agent's e-mail
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def scope_key(scope: str, owner_id: int | None, team_id: int | None) -> str:
    if scope == "personal":
        return f"personal:{owner_id}"
    if scope == "team":
        return f"team:{team_id}"
    return "global"


def team_ids_of(s: Session, agent_id: int) -> set[int]:
    """The teams an agent is a member of."""
    return set(s.scalars(select(TeamMember.team_id).where(TeamMember.agent_id == agent_id)))


def visible(agent_id: int, team_ids: set[int], *, all_teams: bool = False) -> Select[tuple[Macro]]:
    """The macros an agent may see: their own, their teams' (every team's with `all_teams`)
    and the global ones, by name."""
    team_clause = Macro.scope == "team" if all_teams else Macro.team_id.in_(sorted(team_ids))
    return select(Macro).where(or_(Macro.owner_id == agent_id, team_clause, Macro.scope == "global")).order_by(
        Macro.name, Macro.id)


def get(s: Session, macro_id: int) -> Macro | None:
    return s.get(Macro, macro_id)


def name_taken(s: Session, key: str, name: str, but: int | None = None) -> bool:
    q = select(Macro.id).where(Macro.scope_key == key, Macro.name == name)
    if but is not None:
        q = q.where(Macro.id != but)
    return s.scalars(q).first() is not None
