"""One search over tickets' conversations and the knowledge base (docs/search.md).

Callers index documents (a ticket's subject and description, each conversation entry, an
article's text) and search them, ranked, with highlighted snippets; a query word that is in
no indexed document is corrected to the nearest indexed word. The backend is the session's
dialect's: FTS5 on SQLite (models/search/sqlite.py), full-text search and pg_trgm on
PostgreSQL (models/search/postgresql.py); the query around them is here, the same for both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, delete, false, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement

from models.db import dialect_insert
from models.search import postgresql, sqlite
from models.search.tables import documents as D
from models.search.tables import words as W
from models.search.text import MAX_QUERY_CHARS, Query, best_correction, clean, marked_html, parse, replace_word, vocabulary
from models.tables import TicketRow
from models.team_scope import Scope as TeamScope

__all__ = ["MAX_QUERY_CHARS", "Document", "Hit", "SearchHits", "forget", "index", "search", "tickets_matching"]

KINDS = frozenset({"ticket", "article"})
# At most this many matching documents are ranked: the newest (highest id). A word in nearly
# every ticket would otherwise score and window all of them (half a million documents: a
# second, docs/benchmarks.md "Search"); past the cap the hits are the best of the newest and
# the total says "at least" (SearchHits.total_capped). Read at each call (a test lowers it).
RANK_CAP = 10_000
_BACKENDS: dict[str, ModuleType] = {"sqlite": sqlite, "postgresql": postgresql}


@dataclass(frozen=True)
class Document:
    kind: Literal["ticket", "article"]
    ref: int  # the ticket's number or the article's id
    part: str  # "ticket" (subject+description), "event:<seq>" (one conversation entry), "article"
    audience: Literal["public", "internal"]  # internal: agents only (notes, internal articles)
    title: str  # ticket subject / article title (ranked above the body)
    body: str  # plain text


@dataclass(frozen=True)
class Hit:
    kind: str
    ref: int
    title: str
    snippet_html: str  # the text escaped, <mark>...</mark> around the matches
    score: float


@dataclass
class SearchHits:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    corrected: str | None = None  # the query as corrected, when the typo tolerance changed it
    total_capped: bool = False  # more than RANK_CAP documents matched: total counts the newest RANK_CAP's only


def _backend(s: Session) -> ModuleType:
    return _BACKENDS[s.get_bind().dialect.name]


def index(s: Session, docs: Iterable[Document]) -> None:
    """Upsert each document by (kind, ref, part): one statement for them all, one for their words."""
    rows: dict[tuple[str, int, str], dict[str, Any]] = {(d.kind, d.ref, d.part): {"kind": d.kind, "ref": d.ref, "part": d.part, "audience": d.audience,
                                      "title": clean(d.title), "body": clean(d.body)} for d in docs}
    if not rows:
        return
    ins = dialect_insert(s, D)
    changed = or_(D.c.title != ins.excluded.title, D.c.body != ins.excluded.body, D.c.audience != ins.excluded.audience)
    s.execute(ins.on_conflict_do_update(index_elements=["kind", "ref", "part"], where=changed,
                                        set_={"audience": ins.excluded.audience, "title": ins.excluded.title,
                                              "body": ins.excluded.body}), list(rows.values()))
    new_words = sorted(vocabulary(*(r["title"] + " " + r["body"] for r in rows.values())))  # sorted: no deadlock
    if new_words:
        s.execute(dialect_insert(s, W).on_conflict_do_nothing(index_elements=["word"]), [{"word": w} for w in new_words])


def forget(s: Session, kind: str, ref: int) -> None:
    s.execute(delete(D).where(D.c.kind == kind, D.c.ref == ref))


def search(s: Session, query: str, *, kinds: set[str] | frozenset[str] = KINDS,
           audience: Literal["public", "internal"] = "internal", scope: TeamScope | None = None,
           limit: int = 20, offset: int = 0) -> SearchHits:
    """Ranked hits, one per ticket or article (its best matching part). audience="public" sees
    public articles only; `scope` hides the tickets of teams closed to the caller."""
    if audience == "public":
        kinds = set(kinds) & {"article"}
    kinds = set(kinds) & KINDS
    parsed = parse(query)
    if not kinds or not parsed.groups:
        return SearchHits()
    hits = _run(s, parsed, kinds, audience, scope or TeamScope(), limit, offset)
    if hits.total or offset:
        return hits
    corrected = _corrected(s, query, parsed)
    if corrected is not None:
        again = _run(s, parse(corrected), kinds, audience, scope or TeamScope(), limit, offset)
        if again.total:
            again.corrected = corrected
            return again
    return hits


def _run(s: Session, q: Query, kinds: set[str], audience: str, scope: TeamScope, limit: int, offset: int) -> SearchHits:
    backend = _backend(s)
    source, matches, score = backend.match(q)
    conditions: list[Any] = [matches, D.c.kind.in_(sorted(kinds))]
    if audience == "public":
        conditions.append(D.c.audience == "public")
    if scope.hidden:  # a ticket of a team closed to the caller (a ticket no team has is open to all)
        closed = select(TicketRow.number).where(TicketRow.team.in_(sorted(scope.hidden)))
        conditions.append(or_(D.c.kind != "ticket", D.c.ref.not_in(closed)))
    # No join to the tickets here: their subjects are read for the page's hits only, below.
    # At most RANK_CAP+1 documents, the newest: a common word is read newest first through the
    # index and stops there; an ordinary query's few thousand are all scored, as without a cap.
    cap = RANK_CAP
    scored = (select(D.c.id, D.c.kind, D.c.ref, D.c.title, score.label("score"))
              .select_from(source).where(*conditions).order_by(backend.NEWEST.desc()).limit(cap + 1).subquery())
    # The best part of each ticket or article among the newest `cap` (the score is computed
    # below the windows: FTS5's bm25() may not be called inside one); `matched` > cap: capped.
    newest = select(*scored.c, func.row_number().over(order_by=scored.c.id.desc()).label("newest"),
                    func.count().over().label("matched")).subquery()
    best = func.row_number().over(partition_by=(newest.c.kind, newest.c.ref),
                                  order_by=(newest.c.score.desc(), newest.c.id)).label("n")
    parts = select(*newest.c, best).where(newest.c.newest <= cap).subquery()
    page = (select(parts.c.id, parts.c.kind, parts.c.ref, parts.c.title, parts.c.score, parts.c.matched,
                   func.count().over().label("total"))
            .where(parts.c.n == 1).order_by(parts.c.score.desc(), parts.c.kind, parts.c.ref.desc())
            .limit(limit).offset(offset))
    rows = s.execute(page).all()
    if not rows:
        return _count(s, parts, cap) if offset else SearchHits()
    snippets = backend.snippets(s, [r.id for r in rows], q)
    numbers = [r.ref for r in rows if r.kind == "ticket"]
    subjects = {n: t for n, t in s.execute(select(TicketRow.number, TicketRow.subject).where(TicketRow.number.in_(numbers)))}
    return SearchHits(hits=[Hit(kind=r.kind, ref=r.ref, title=subjects.get(r.ref, r.title) if r.kind == "ticket" else r.title,
                                snippet_html=marked_html(snippets.get(r.id, "")),
                                score=float(r.score)) for r in rows], total=rows[0].total,
                      total_capped=rows[0].matched > cap)


def _count(s: Session, parts: Any, cap: int) -> SearchHits:
    total, matched = s.execute(select(func.count(), func.max(parts.c.matched)).where(parts.c.n == 1)).one()
    return SearchHits(total=total, total_capped=(matched or 0) > cap)


def _corrected(s: Session, query: str, q: Query) -> str | None:
    """`query` with each word no document has replaced by the nearest indexed word (None: no change)."""
    words = sorted(set(q.words()))
    known = set(s.scalars(select(W.c.word).where(W.c.word.in_(words))))
    backend = _backend(s)
    corrected = query
    for word in words:
        if word in known or len(word) < 4 or word.isdigit():
            continue
        better = best_correction(word, backend.candidates(s, word))
        if better:
            corrected = replace_word(corrected, word, better)
    return corrected if corrected != query else None


class _TicketsMatching(ColumnElement[bool]):
    """A condition on a ticket-number column: the tickets with a document matching a query
    (compiled for the dialect it is run on, so that models/queries.filtered stays one Select)."""

    inherit_cache = False

    def __init__(self, column: Any, query: str) -> None:
        self.column = column
        self.query = parse(query)
        self.type = false().type


def tickets_matching(column: Any, query: str) -> ColumnElement[bool]:
    """`column` (a ticket number) is a ticket whose subject, description or conversation has
    the query's words."""
    return _TicketsMatching(column, query)


def _refs(backend: ModuleType, q: Query) -> Select[Any]:
    source, matches, _ = backend.match(q)
    return select(D.c.ref).select_from(source).where(matches, D.c.kind == "ticket")


@compiles(_TicketsMatching)
def _compile(element: _TicketsMatching, compiler: Any, **kw: Any) -> str:
    if not element.query.groups:
        return str(compiler.process(false(), **kw))
    backend = _BACKENDS[compiler.dialect.name]
    condition: ClauseElement = element.column.in_(_refs(backend, element.query))
    return str(compiler.process(condition, **kw))

