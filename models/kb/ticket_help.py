"""The knowledge base at an agent's reply (docs/console.md, "Knowledge base"): the published
articles that match a ticket, what inserting one puts in the reply or the note, and which
articles a sent reply or note links to (so each article lists the tickets it helped).

Agents read public and internal articles alike; what keeps an internal article's text from a
customer is `Insertion.into`: an internal article goes into the internal note only, with a link
to its console page (which a customer cannot open), never into the public reply."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import nh3
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.kb import rendering
from models.kb.articles import current, get_published
from models.kb.suggestions import query_of
from models.kb.tables import Article
from models.kb.usage import link_article_to_ticket
from models.search import search

SUGGESTED = 5
# An article's address as the desk writes it: its portal page (by slug or id) or its console page.
# A path that goes on (/portal/kb/category/printers, /portal/kb/files/3) is no article's page.
_LINK = re.compile(r"/(?:portal/kb/([a-z0-9][a-z0-9-]{0,79})|console/kb/([0-9]{1,18}))(?![a-z0-9/-])")
# The events whose text an agent sends with an article in it (a macro's reply is a `reply`).
LINKING_EVENTS = {"reply": "body", "note": "body"}


@dataclass(frozen=True)
class Suggestion:
    id: int
    title: str
    visibility: str
    snippet_html: str  # search's snippet: escaped text, <mark> around the matches
    link: Insertion | None  # "Insert link": public articles only
    text: Insertion  # "Insert text"


@dataclass(frozen=True)
class Insertion:
    into: Literal["reply", "note"]  # which box it goes in: an internal article only ever into the note
    text: str


def snippet(html: str) -> str:
    """Search's snippet held to what it promises (escaped text and <mark>), as pages show it unescaped."""
    return nh3.clean(html, tags={"mark"}, attributes={})


def address(article: Article, base_url: str) -> str:
    """Where a reader opens the article: a public one on the portal, an internal one in the console."""
    base = base_url.rstrip("/")
    return f"{base}/portal/kb/{article.slug}" if article.visibility == "public" else f"{base}/console/kb/{article.id}"


def link_of(article: Article, base_url: str) -> Insertion | None:
    """The article's portal link for the reply; None for an internal one (a customer cannot open it)."""
    return Insertion("reply", f"{article.title}: {address(article, base_url)}") if article.visibility == "public" else None


def text_of(article: Article, markdown: str, base_url: str) -> Insertion:
    """The article's text, then where it came from: a public one for the reply, an internal one
    for the note only."""
    into: Literal["reply", "note"] = "reply" if article.visibility == "public" else "note"
    return Insertion(into, f"{rendering.plain(markdown)}\n\n(From the article \"{article.title}\": "
                           f"{address(article, base_url)})")


def for_ticket(s: Session, *, subject: str, description: str, latest: str = "", base_url: str,
               limit: int = SUGGESTED) -> list[Suggestion]:
    """The published articles (public and internal) that best match the ticket's subject, its
    description and the customer's latest message: one search, and the articles read back
    (published still: search may lag an unpublishing by nothing, but the page must not)."""
    query = query_of(subject, description, latest)
    if not query:
        return []
    hits = [h for h in search(s, query, kinds={"article"}, audience="internal", limit=limit).hits if h.kind == "article"]
    if not hits:
        return []
    rows = {a.id: a for a in s.scalars(select(Article).where(Article.id.in_([h.ref for h in hits]),
                                                             Article.status == "published"))}
    out = []
    for h in hits:
        if (a := rows.get(h.ref)) is not None:
            out.append(Suggestion(a.id, a.title, a.visibility, snippet(h.snippet_html), link_of(a, base_url),
                                  text_of(a, current(s, a).body, base_url)))
    return out


def insertion(s: Session, article_id: str, how: str, base_url: str) -> Insertion | None:
    """What "Insert link" (`how` "link") or "Insert text" puts in the box, for a published
    article; an internal article's is its text for the note, whatever was asked."""
    if not article_id.isdigit():
        return None
    found = get_published(s, id_or_slug=int(article_id), audience="internal")
    if found is None:
        return None
    article, version = found
    link = link_of(article, base_url) if how == "link" else None
    return link or text_of(article, version.body, base_url)


def linked_articles(s: Session, text: str) -> list[int]:
    """The articles a text links to (their portal or console address), by id."""
    if "/kb/" not in text:  # the cheap test first: most replies link to none
        return []
    ids, slugs = set(), set()
    for slug, number in _LINK.findall(text):
        if number or slug.isdigit():
            ids.add(int(number or slug))
        else:
            slugs.add(slug)
    if not ids and not slugs:
        return []
    return sorted(s.scalars(select(Article.id).where(or_(Article.id.in_(sorted(ids)), Article.slug.in_(sorted(slugs))))))


def record_links(s: Session, number: int, events: Iterable[tuple[int, str, dict[str, Any], str]]) -> None:
    """Each article a reply or note of the ticket links to helped it: (seq, kind, data, actor)
    per event; recorded once per article and event (the projection may run a batch twice)."""
    for seq, kind, data, actor in events:
        body = (data or {}).get(LINKING_EVENTS.get(kind, ""), "")
        if isinstance(body, str) and "/kb/" in body:
            for article_id in linked_articles(s, body):
                link_article_to_ticket(s, article_id=article_id, number=number, seq=seq, actor=actor)
