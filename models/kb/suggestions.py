"""The public articles that match what a customer wrote: the portal's search and its suggestions
while a request is typed (api/portal/kb_pages.py, kb_answers.py), and the acknowledgement mail
of a new ticket (activities/notifications.py). One place, so all three find the same.

Matching is models.search's (audience "public": never an internal article, never a ticket).
Each hit is read back from kb_articles as well, published and public, so a page or a mail
never shows an article that was unpublished after it was indexed."""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.kb.tables import Article
from models.search import search

MAX_QUERY_WORDS = 12  # a long description: its first words say what it is about, the rest only slow the search
MAX_QUERY_CHARS = 300
# Words that say nothing about what is asked: a suggestion matches on the others (search ranks
# an article higher the more of them it has, so the common ones would only add noise).
STOP_WORDS = frozenset("""a about after again all also am an and any are as at be been before but by can cannot could
dear did do does doing done for from get got had has have hello help hi how i if in into is it its just me my no not
now of on or our please since so some still than thank thanks that the their them then there these this those to
too tried try us was we were what when where which while who why will with would yes you your""".split())


@dataclass(frozen=True)
class Match:
    id: int
    slug: str
    title: str
    category: str | None
    snippet_html: str  # escaped text, <mark> around what matched; nothing else

    @property
    def path(self) -> str:
        return f"/portal/kb/{self.slug}"


@dataclass(frozen=True)
class Found:
    matches: list[Match]
    total: int
    corrected: str | None  # the query as search spelled it, when its typo tolerance changed it
    total_capped: bool = False  # the search ranked its newest documents only: total is "at least"


def query_of(*parts: str) -> str:
    """What a customer's text is about, as a search query: its first telling words, any of
    which may match ("printer OR jams OR tray"), so that an article need not have them all."""
    seen: list[str] = []
    for word in re.findall(r"\w+", " ".join(parts).lower()):
        if len(word) > 2 and word not in STOP_WORDS and word not in seen:
            seen.append(word)
    return " OR ".join(seen[:MAX_QUERY_WORDS])[:MAX_QUERY_CHARS]


def _snippet(html: str) -> str:
    return nh3.clean(html, tags={"mark"}, attributes={})  # search's snippet, held to what it promises


def plain_snippet(html: str) -> str:
    """A snippet as text (for a script to set as text, never as HTML)."""
    return html_module.unescape(re.sub(r"</?mark>", "", html))


def find(s: Session, query: str, *, limit: int = 10, offset: int = 0) -> Found:
    """Published public articles matching `query` (search's syntax: all its words, "a phrase",
    -left out, OR), best first."""
    query = query.strip()[:MAX_QUERY_CHARS]
    if not query:
        return Found([], 0, None)
    hits = search(s, query, kinds={"article"}, audience="public", limit=limit, offset=offset)
    refs = [h.ref for h in hits.hits if h.kind == "article"]
    rows = {a.id: a for a in s.scalars(select(Article).where(
        Article.id.in_(refs), Article.status == "published", Article.visibility == "public"))} if refs else {}
    matches = [Match(a.id, a.slug, a.title, a.category, _snippet(h.snippet_html))
               for h in hits.hits if (a := rows.get(h.ref)) is not None and h.kind == "article"]
    return Found(matches, hits.total, hits.corrected, hits.total_capped)


def best(s: Session, *parts: str, limit: int = 3) -> list[Match]:
    """The few articles most likely to answer a request with this subject and description."""
    return find(s, query_of(*parts), limit=limit).matches
