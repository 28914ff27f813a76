"""The knowledge base's use (models/kb/usage.py) on a migrated read model, SQLite and PostgreSQL:
one vote per reader and changeable, views once per reader and day, a deflection counted once per
form and keeping no words, a ticket link once per (article, ticket, event)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select

from api.supervisor import sections
from models.kb import usage
from models.kb.tables import Article
from models.kb.usage import ArticleView, ArticleVote, Deflection, TicketLink
from models.reporting import knowledge
from models.reports import Filters
from models.tables import Agent, TicketRow

AT = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)


def test_one_vote_per_reader_and_it_can_be_changed(database):
    with database.sessions.begin() as s:
        usage.vote(s, article_id=1, reader="r1", helpful=True, at=AT)
        usage.vote(s, article_id=1, reader="r2", helpful=True, at=AT)
        usage.vote(s, article_id=1, reader="r1", helpful=False, at=AT)  # r1 changes their mind
        usage.vote(s, article_id=2, reader="r1", helpful=True, at=AT)
    with database.sessions() as s:
        assert usage.vote_of(s, article_id=1, reader="r1") is False
        assert usage.vote_of(s, article_id=1, reader="r3") is None
        votes = s.execute(select(ArticleVote.reader, ArticleVote.helpful).where(ArticleVote.article_id == 1)
                          .order_by(ArticleVote.reader)).all()
        assert [tuple(v) for v in votes] == [("r1", False), ("r2", True)]


def test_a_view_counts_once_per_reader_and_day(database):
    with database.sessions.begin() as s:
        first = usage.record_view(s, article_id=1, reader="r1", day=date(2026, 11, 20))
        again = usage.record_view(s, article_id=1, reader="r1", day=date(2026, 11, 20))
        usage.record_view(s, article_id=1, reader="r1", day=date(2026, 11, 21))
        usage.record_view(s, article_id=1, reader="r2", day=date(2026, 11, 20))
    assert (first, again) == (True, False)
    with database.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ArticleView)) == 3


def test_a_deflection_counts_once_per_form_and_keeps_no_words(database):
    with database.sessions.begin() as s:
        assert usage.record_deflection(s, article_id=4, query="Printer jams at Anna's desk", key="form-1", at=AT)
        assert not usage.record_deflection(s, article_id=4, query="Printer jams at Anna's desk", key="form-1", at=AT)
        assert usage.record_deflection(s, article_id=4, query="desk ANNA'S printer jams at", key="form-2", at=AT)
    with database.sessions() as s:
        rows = s.scalars(select(Deflection)).all()
        assert len(rows) == 2
        assert rows[0].query_hash == rows[1].query_hash  # the same words in another order and case
        assert all("printer" not in (r.query_hash + r.key).lower() and r.key != "form-1" for r in rows)


def test_a_ticket_link_is_recorded_once_per_article_ticket_and_event(database):
    with database.sessions.begin() as s:
        assert usage.link_article_to_ticket(s, article_id=3, number=10, seq=4, actor="Sam@Demo.example", at=AT)
        assert not usage.link_article_to_ticket(s, article_id=3, number=10, seq=4, actor="sam@demo.example", at=AT)
        assert usage.link_article_to_ticket(s, article_id=3, number=10, seq=6, actor="sam@demo.example", at=AT)
    with database.sessions() as s:
        links = s.execute(select(TicketLink.number, TicketLink.seq, TicketLink.actor).order_by(TicketLink.seq)).all()
        assert [tuple(r) for r in links] == [(10, 4, "sam@demo.example"), (10, 6, "sam@demo.example")]


def _article(s, slug: str, *, review_at=None, status="published", visibility="public") -> int:
    owner = s.scalar(select(Agent.id).order_by(Agent.id))
    a = Article(slug=slug, title=slug.replace("-", " ").title(), category="printing", tags=[], visibility=visibility,
                status=status, owner_id=owner, review_at=review_at, version=1, created_at=AT, updated_at=AT)
    s.add(a)
    s.flush()
    return a.id


def test_the_report_counts_the_period_and_the_ticket_filters_apply_to_links_only(database):
    start, end = datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 12, 1, tzinfo=timezone.utc)
    with database.sessions.begin() as s:
        jam = _article(s, "printer-jams")
        old = _article(s, "old-vpn", review_at=datetime(2026, 11, 25, tzinfo=timezone.utc), visibility="internal")
        for number, team in ((1, "support"), (2, "billing")):
            s.add(TicketRow(number=number, subject="t", description="", requester_email="c@example.com",
                            requester_name="C", channel="email", status="open", priority="normal", tags=[], team=team,
                            created_at=AT, updated_at=AT, last_seq=5))
        for reader in ("r1", "r2", "r3"):
            usage.record_view(s, article_id=jam, reader=reader, day=date(2026, 11, 20))
        usage.record_view(s, article_id=jam, reader="r1", day=date(2026, 10, 31))  # before the period
        usage.vote(s, article_id=jam, reader="r1", helpful=True, at=AT)
        usage.vote(s, article_id=jam, reader="r2", helpful=True, at=AT)
        usage.vote(s, article_id=jam, reader="r3", helpful=False, at=AT)
        usage.record_deflection(s, article_id=jam, query="printer jams", key="k1", at=AT)
        usage.record_deflection(s, article_id=jam, query="printer jams", key="k0", at=datetime(2026, 12, 1, tzinfo=timezone.utc))
        usage.link_article_to_ticket(s, article_id=jam, number=1, seq=3, actor="sam@demo.example", at=AT)
        usage.link_article_to_ticket(s, article_id=jam, number=1, seq=5, actor="sam@demo.example", at=AT)
        usage.link_article_to_ticket(s, article_id=jam, number=2, seq=2, actor="sam@demo.example", at=AT)
    now = datetime(2026, 11, 30, tzinfo=timezone.utc)
    with database.sessions() as s:
        everything = knowledge.knowledge_base(s, Filters(start=start, end=end), now)
        support = knowledge.knowledge_base(s, Filters(start=start, end=end, team="support"), now)
    overall = everything.data["overall"]
    assert overall == {"views": 3, "helpful": 2, "not_helpful": 1, "helpful_pct": 66.7, "deflections": 1,
                       "ticket_links": 3, "stale": 1}
    assert everything.data["most_linked"] == [{"article_id": jam, "slug": "printer-jams", "title": "Printer Jams",
                                               "ticket_links": 3, "tickets": 2}]
    assert [a["slug"] for a in everything.data["stale"]] == ["old-vpn"]
    assert {r["article_id"]: r["stale"] for r in everything.data["articles"]} == {jam: False, old: True}
    # the team filter keeps the links of that team's tickets; views, votes and deflections are no team's
    assert support.data["overall"] | {"ticket_links": 2} == support.data["overall"]
    assert support.data["overall"]["views"] == 3 and support.data["most_linked"][0]["tickets"] == 1
    section = sections.knowledge_base(everything)  # the reports page's part
    assert section.empty is None and len(section.charts) == 2 and "Printer Jams" in section.charts[0]
    assert section.figures is not None and section.figures.rows[1][-1] == "review due 2026-11-25"
    lines = everything.csv().splitlines()
    assert lines[0].startswith("article_id,slug,title,views,helpful,not_helpful,helpful_pct,deflections,ticket_links")
    assert lines[1].startswith("(all),,,3,2,1,66.7,1,3,")
