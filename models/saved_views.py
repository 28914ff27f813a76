"""Saved views of the console: a queue with the filters and order an agent chose, under a name,
for themselves or shared with one of their teams."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import ForeignKey, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.tables import Base, Team, TeamMember, utcnow
from models.utc import UtcDateTime

MAX_NAME = 80


class SavedView(Base):
    __tablename__ = "saved_views"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    owner_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    # Shared with this team's members (None: the owner's own).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    queue: Mapped[str] = mapped_column(String(20))
    # The filters and order as the queue page's query string (status=open&priority=high&sort=...).
    query: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def visible_views(s: Session, agent_id: int) -> list[tuple[SavedView, str | None]]:
    """The agent's own views and those shared with their teams, with the team's slug."""
    my_teams = select(TeamMember.team_id).where(TeamMember.agent_id == agent_id)
    rows = s.execute(select(SavedView, Team.slug).outerjoin(Team, Team.id == SavedView.team_id)
                     .where(or_(SavedView.owner_id == agent_id, SavedView.team_id.in_(my_teams)))
                     .order_by(SavedView.name, SavedView.id))
    return [(v, slug) for v, slug in rows]


def save_view(s: Session, *, owner_id: int, name: str, queue: str, params: list[tuple[str, str]],
              team_id: int | None) -> SavedView:
    view = SavedView(name=name, owner_id=owner_id, team_id=team_id, queue=queue, query=urlencode(params))
    s.add(view)
    s.flush()
    return view


def delete_view(s: Session, view_id: int, agent_id: int) -> bool:
    """Delete a view its owner no longer wants (only the owner may)."""
    view = s.get(SavedView, view_id)
    if view is None or view.owner_id != agent_id:
        return False
    s.delete(view)
    return True


