"""The knowledge base's use (models/kb/usage.py) on a migrated read model, SQLite and PostgreSQL:
one vote per reader and changeable, views once per reader and day, a deflection counted once per
form and keeping no words, a ticket link once per (article, ticket, event)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select

from models.kb import usage
from models.kb.usage import ArticleView, ArticleVote, Deflection, TicketLink

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
