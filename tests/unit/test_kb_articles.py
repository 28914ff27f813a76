"""The articles' service (models/kb/articles.py) on a real read model, SQLite and PostgreSQL:
every version kept with its author and time, an edit from an old version refused, the status
moves MOVES allows and no other, a refused text writing nothing, and what each audience reads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from models.kb import articles
from models.kb.articles import Refused, Text
from models.kb.tables import Article, ArticleVersion
from models.tables import Agent
from workflows.vocabulary import ErrorType

T0 = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


def agent_id(s, email: str) -> int:
    return s.scalars(select(Agent.id).where(Agent.email == email)).one()


def test_versions_are_kept_and_an_edit_from_an_old_version_is_refused(database):
    with database.sessions.begin() as s:
        sam, sue = agent_id(s, "sam@demo.example"), agent_id(s, "sue@demo.example")
        a = articles.create(s, Text("Reset the printer", "Unplug it.", category="printing", tags=("printer",)),
                            author_id=sam, now=T0)
        assert (a.slug, a.status, a.version, a.owner_id) == ("reset-the-printer", "draft", 1, sam)
        articles.edit(s, a.id, Text("Reset the printer", "Unplug it for **10 s**.", note="how long"),
                      base_version=1, author_id=sue, may_edit_published=False, now=T0 + timedelta(hours=1))
        with pytest.raises(Refused) as stale:  # sam still edits version 1
            articles.edit(s, a.id, Text("Mine", "Other text."), base_version=1, author_id=sam,
                          may_edit_published=False)
        assert stale.value.type == ErrorType.ARTICLE_CHANGED and "at version 2, not 1" in stale.value.message
        again = articles.create(s, Text("Reset the printer", "Twin."), author_id=sam)
        assert again.slug == "reset-the-printer-2"
        a_id = a.id
    with database.sessions() as s:
        a = s.get(Article, a_id)
        assert (a.version, a.title, a.tags, a.category) == (2, "Reset the printer", [], None)
        assert [(v.n, v.body, v.author_id, v.note) for v in articles.versions(s, a_id)] == [
            (2, "Unplug it for **10 s**.", sue, "how long"), (1, "Unplug it.", sam, None)]
        assert articles.version(s, a_id, 1).at == T0 and articles.current(s, a).n == 2


def test_status_moves_allowed_and_refused(database):
    with database.sessions.begin() as s:
        sam = agent_id(s, "sam@demo.example")
        a = articles.create(s, Text("VPN", "Connect."), author_id=sam)
        assert articles.move(s, a.id, "archive").status == "archived"  # a draft may be archived
        with pytest.raises(Refused) as again:
            articles.move(s, a.id, "archive")
        assert again.value.type == ErrorType.INVALID_TRANSITION
        with pytest.raises(Refused) as archived_edit:
            articles.edit(s, a.id, Text("VPN", "x"), base_version=1, author_id=sam, may_edit_published=True)
        assert archived_edit.value.type == ErrorType.INVALID_TRANSITION and "submit it for review" in archived_edit.value.message
        assert articles.move(s, a.id, "submit").status == "in_review"
        with pytest.raises(Refused):
            articles.move(s, a.id, "submit")  # in review already
        assert articles.move(s, a.id, "publish", now=T0).status == "published"
        assert s.get(Article, a.id).published_at == T0
        with pytest.raises(Refused) as twice:
            articles.move(s, a.id, "publish")
        assert "it cannot be published (only from draft, in_review)" in twice.value.message
        with pytest.raises(Refused) as agent_edit:  # an agent does not change a published article
            articles.edit(s, a.id, Text("VPN", "y"), base_version=1, author_id=sam, may_edit_published=False)
        assert agent_edit.value.type == ErrorType.FORBIDDEN
        assert articles.edit(s, a.id, Text("VPN", "y"), base_version=1, author_id=sam,
                             may_edit_published=True).status == "published"
        assert articles.move(s, a.id, "archive").status == "archived"


def test_a_refused_text_writes_nothing(database):
    with database.sessions.begin() as s:
        sam = agent_id(s, "sam@demo.example")
        for text, field in ((Text("  ", "fine"), "title"), (Text("Hi", "<script>alert(1)</script>"), "body"),
                            (Text("Hi", "[x](javascript:alert(1))"), "body")):
            with pytest.raises(Refused) as refused:
                articles.create(s, text, author_id=sam)
            assert refused.value.field == field
        assert s.scalar(select(func.count()).select_from(Article)) == 0
        a = articles.create(s, Text("Fine", "fine"), author_id=sam)
        with pytest.raises(Refused) as onerror:
            articles.edit(s, a.id, Text("Fine", "<img src=/kb/files/1 onerror=x()>"), base_version=1, author_id=sam,
                          may_edit_published=False)
        assert onerror.value.type == ErrorType.UNSAFE_MARKDOWN and "onerror" in onerror.value.message
        assert s.scalar(select(func.count()).select_from(ArticleVersion)) == 1 and s.get(Article, a.id).version == 1


def test_what_each_audience_reads_and_the_stale_list(database):
    with database.sessions.begin() as s:
        sam = agent_id(s, "sam@demo.example")

        def made(title: str, visibility: str, category: str | None, status: str, review_at=None) -> int:
            a = articles.create(s, Text(title, f"About {title}.", category=category, visibility=visibility,
                                        review_at=review_at), author_id=sam)
            for action in {"draft": [], "published": ["publish"], "archived": ["archive"]}[status]:
                articles.move(s, a.id, action)
            return a.id

        public = made("Printer", "public", "printing", "published", review_at=T0 - timedelta(days=3))
        made("Scanner", "public", "printing", "draft")
        internal = made("Server room", "internal", "facilities", "published", review_at=T0 - timedelta(days=1))
        made("Old fax", "public", "printing", "archived", review_at=T0 - timedelta(days=9))
        made("Later", "public", None, "published", review_at=T0 + timedelta(days=1))
    with database.sessions() as s:
        assert [a.title for a in articles.published(s, audience="public")] == ["Later", "Printer"]
        assert [a.title for a in articles.published(s, audience="internal")] == ["Later", "Printer", "Server room"]
        assert [a.title for a in articles.published(s, audience="internal", category="printing")] == ["Printer"]
        assert articles.categories(s, audience="public") == [("printing", 1)]
        assert articles.categories(s, audience="internal") == [("facilities", 1), ("printing", 1)]
        found = articles.get_published(s, id_or_slug="printer", audience="public")
        assert found is not None and found[0].id == public and found[1].body == "About Printer."
        assert articles.get_published(s, id_or_slug=public, audience="public") is not None
        assert articles.get_published(s, id_or_slug=internal, audience="public") is None
        assert articles.get_published(s, id_or_slug=str(internal), audience="internal") is not None
        assert [a.id for a in articles.stale(s, now=T0)] == [public, internal]
        rows, total = articles.listed(s, status="published", q="PRIN")
        assert total == 1 and [a.id for a in rows] == [public]
        assert articles.listed(s, category="printing", limit=1)[1] == 3


def test_search_finds_an_article_while_it_is_published_for_its_audience(database):
    from models import search

    with database.sessions.begin() as s:
        sam = agent_id(s, "sam@demo.example")
        a = articles.create(s, Text("Printer jams", "Open the **tray** and pull the paper.", tags=("hardware",),
                                    visibility="public"), author_id=sam)
        assert search.search(s, "tray", kinds={"article"}).total == 0  # a draft is not found
        articles.move(s, a.id, "publish")
        assert [h.ref for h in search.search(s, "tray", kinds={"article"}, audience="public").hits] == [a.id]
        assert search.search(s, "hardware", kinds={"article"}).total == 1  # its tags too
        articles.edit(s, a.id, Text("Printer jams", "Lift the lid.", visibility="internal"), base_version=1,
                      author_id=sam, may_edit_published=True)
        assert search.search(s, "tray", kinds={"article"}).total == 0  # the new version's text only
        assert search.search(s, "lid", kinds={"article"}, audience="public").total == 0  # internal now
        assert search.search(s, "lid", kinds={"article"}).total == 1
        articles.move(s, a.id, "archive")
        assert search.search(s, "lid", kinds={"article"}).total == 0
