"""The knowledge base's API service: the articles' service (models/kb/articles.py) with the
caller's identity, its refusals as API errors, and the review reminder set in the same
transaction as the write (a reminder that cannot be set rolls the write back: nothing half
done). Runs on a worker thread (the routes' run_in_threadpool); the reminder's signal is sent
from it to the event loop."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime

from anyio import from_thread
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from api.deps import Principal
from api.errors import ApiError
from api.kb.reminders import set_reminder
from api.kb.schemas import ArticleDetail, ArticleIn, ArticleOut, ArticleUpdate, FileOut, VersionOut
from models.kb import articles, rendering
from models.kb.articles import Refused, Text
from models.kb.tables import Article
from models.tables import Agent
from models.utc import as_utc
from workflows.vocabulary import Role

Remind = Callable[[int, datetime | None], None]


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except Refused as err:
        fields = [{"field": err.field, "message": err.message.removeprefix(f"{err.field}: ")}] if err.field else []
        raise ApiError(err.type, err.message, fields) from None


def reminder(client: Client, task_queue: str) -> Remind:
    """Sets a reminder from the worker thread a route's write runs on."""
    return lambda article_id, at: from_thread.run(set_reminder, client, task_queue, article_id, at)


def emails(s: Session, ids: set[int]) -> dict[int, str]:
    return {i: email for i, email in s.execute(select(Agent.id, Agent.email).where(Agent.id.in_(sorted(ids))))}


def owners(s: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    """id -> (e-mail, name) of some agents."""
    rows = s.execute(select(Agent.id, Agent.email, Agent.name).where(Agent.id.in_(sorted(ids))))
    return {i: (email, name) for i, email, name in rows}


def owner_id(s: Session, email: str | None) -> int | None:
    if email is None:
        return None
    found = s.scalars(select(Agent.id).where(Agent.email == email, Agent.active.is_(True))).first()
    if found is None:
        raise ApiError("UnknownAgent", f"owner: no active agent {email}", [{"field": "owner", "message": "no such agent"}])
    return found


def detail(s: Session, article: Article) -> ArticleDetail:
    version = articles.current(s, article)
    names = emails(s, {article.owner_id, version.author_id})
    return ArticleDetail(**ArticleOut.of(article, names).model_dump(), body=version.body,
                         html=rendering.render(version.body), current=VersionOut.of(version, names),
                         files=[FileOut.of(f) for f in articles.files(s, article.id)])


def _remind_if_dated(remind: Remind, article: Article, before: datetime | None) -> None:
    wanted = None if article.status == "archived" else as_utc(article.review_at)
    if wanted is not None or before is not None:
        remind(article.id, wanted)


def create(sessions: sessionmaker[Session], me: Principal, body: ArticleIn, remind: Remind) -> ArticleDetail:
    try:
        with sessions.begin() as s, refusals():
            text = Text(title=body.title, body=body.body, category=body.category, tags=tuple(body.tags),
                        visibility=body.visibility, review_at=body.review_at, note=body.note)
            article = articles.create(s, text, author_id=me.agent_id, owner_id=owner_id(s, body.owner), slug=body.slug)
            _remind_if_dated(remind, article, None)
            return detail(s, article)
    except IntegrityError:  # another article took the slug between the check and the insert
        raise ApiError("ArticleExists", "slug: another article was given this address at the same moment; send it again",
                       [{"field": "slug", "message": "taken"}]) from None


def edit(sessions: sessionmaker[Session], me: Principal, article_id: int, body: ArticleUpdate,
         remind: Remind) -> ArticleDetail:
    given = body.model_fields_set
    with sessions.begin() as s, refusals():
        article = articles.get(s, article_id)
        before = as_utc(article.review_at)
        text = Text(title=body.title, body=body.body, note=body.note,
                    category=body.category if "category" in given else article.category,
                    tags=tuple(body.tags if body.tags is not None else article.tags or []),
                    visibility=body.visibility or article.visibility,
                    review_at=body.review_at if "review_at" in given else before)
        article = articles.edit(s, article_id, text, base_version=body.version, author_id=me.agent_id,
                                may_edit_published=me.role in (Role.SUPERVISOR, Role.ADMIN),
                                owner_id=owner_id(s, body.owner))
        if as_utc(article.review_at) != before:
            _remind_if_dated(remind, article, before)
        return detail(s, article)


def move(sessions: sessionmaker[Session], article_id: int, action: str, remind: Remind) -> ArticleDetail:
    with sessions.begin() as s, refusals():
        before = articles.get(s, article_id).status
        article = articles.move(s, article_id, action)
        if "archived" in (before, article.status):  # archiving stops the reminder, coming back sets it again
            _remind_if_dated(remind, article, as_utc(article.review_at))
        return detail(s, article)
