"""The knowledge base's report (docs/reports.md "Knowledge base"): per article, in the period,
its views (readers a day), helpful and not helpful votes, the requests it deflected and the
tickets it was linked into; the articles most linked from tickets; and the stale ones (review
date passed, whenever). As JSON and as a CSV table like every report (models/reporting/figures.py).

Which filters apply: views, votes and deflections are customers' and belong to no ticket, so
only the period applies to them; ticket links are of tickets, so the ticket filters (team,
category, channel, priority) and the reader's team scope apply to those. A vote counts in the
period it was last given (a reader who changed their mind counts once, as they answered last)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models import reports as q
from models.kb import articles as kb
from models.kb.tables import Article
from models.kb.usage import ArticleView, ArticleVote, Deflection, TicketLink
from models.reporting.figures import ALL, Table, pct
from models.tables import Agent
from models.utc import as_utc

MOST_LINKED = 10
COLUMNS = ["article_id", "slug", "title", "views", "helpful", "not_helpful", "helpful_pct", "deflections",
           "ticket_links", "tickets", "review_at", "stale"]


def _views(s: Session, f: q.Filters) -> Counter[int]:
    rows = s.execute(select(ArticleView.article_id, func.count()).where(
        ArticleView.day >= f.start.date(), ArticleView.day < f.end.date()).group_by(ArticleView.article_id))
    return Counter({int(a): int(n) for a, n in rows})


def _votes(s: Session, f: q.Filters) -> dict[int, tuple[int, int]]:
    yes = func.sum(case((ArticleVote.helpful.is_(True), 1), else_=0))
    rows = s.execute(select(ArticleVote.article_id, yes, func.count()).where(
        ArticleVote.at >= f.start, ArticleVote.at < f.end).group_by(ArticleVote.article_id))
    return {int(a): (int(y or 0), int(n) - int(y or 0)) for a, y, n in rows}


def _deflections(s: Session, f: q.Filters) -> Counter[int]:
    rows = s.execute(select(Deflection.article_id, func.count()).where(
        Deflection.at >= f.start, Deflection.at < f.end).group_by(Deflection.article_id))
    return Counter({int(a): int(n) for a, n in rows})


def _links(s: Session, f: q.Filters) -> dict[int, tuple[int, int]]:
    """article -> (links, distinct tickets) in the period, of tickets the filters and scope keep."""
    rows = s.execute(select(TicketLink.article_id, func.count(), func.count(func.distinct(TicketLink.number)))
                     .join(q.T, q.T.c.number == TicketLink.number)
                     .where(TicketLink.at >= f.start, TicketLink.at < f.end, *q._dims(f))
                     .group_by(TicketLink.article_id))
    return {int(a): (int(n), int(t)) for a, n, t in rows}


def knowledge_base(s: Session, f: q.Filters, now: datetime) -> Table:
    views, votes, deflections, links = _views(s, f), _votes(s, f), _deflections(s, f), _links(s, f)
    stale = kb.stale(s, now=now)
    stale_ids = {a.id for a in stale}
    ids = set(views) | set(votes) | set(deflections) | set(links) | stale_ids
    found = {a.id: a for a in s.scalars(select(Article).where(Article.id.in_(ids)))} if ids else {}
    owners = {i: e for i, e in s.execute(select(Agent.id, Agent.email).where(
        Agent.id.in_({a.owner_id for a in stale})))} if stale else {}

    def row(i: int) -> dict[str, Any]:
        a = found.get(i)
        yes, no = votes.get(i, (0, 0))
        n_links, tickets = links.get(i, (0, 0))
        return {"article_id": i, "slug": a.slug if a else None, "title": a.title if a else None,
                "views": views[i], "helpful": yes, "not_helpful": no, "helpful_pct": pct(yes, yes + no),
                "deflections": deflections[i], "ticket_links": n_links, "tickets": tickets,
                "review_at": as_utc(a.review_at).isoformat() if a and a.review_at else None,
                "stale": i in stale_ids}

    rows = sorted((row(i) for i in ids), key=lambda r: (-r["views"], -r["deflections"], r["article_id"]))
    yes_all, no_all = sum(r["helpful"] for r in rows), sum(r["not_helpful"] for r in rows)
    overall = {"views": sum(r["views"] for r in rows), "helpful": yes_all, "not_helpful": no_all,
               "helpful_pct": pct(yes_all, yes_all + no_all), "deflections": sum(r["deflections"] for r in rows),
               "ticket_links": sum(r["ticket_links"] for r in rows), "stale": len(stale)}
    most_linked = sorted((r for r in rows if r["ticket_links"]), key=lambda r: (-r["ticket_links"], r["article_id"]))
    data = {"overall": overall, "articles": rows,
            "most_linked": [{k: r[k] for k in ("article_id", "slug", "title", "ticket_links", "tickets")}
                            for r in most_linked[:MOST_LINKED]],
            "stale": [{"article_id": a.id, "slug": a.slug, "title": a.title, "status": a.status,
                       "owner": owners.get(a.owner_id), "review_at": as_utc(a.review_at).isoformat()}  # type: ignore[union-attr]  # stale: review_at is set
                      for a in stale]}
    total = [ALL, None, None, overall["views"], yes_all, no_all, overall["helpful_pct"], overall["deflections"],
             overall["ticket_links"], None, None, overall["stale"]]
    return Table(data, COLUMNS, [total] + [[r[c] for c in COLUMNS] for r in rows])
