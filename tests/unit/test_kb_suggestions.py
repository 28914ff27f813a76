"""Suggested articles (models/kb/suggestions.py) on a migrated read model, SQLite and
PostgreSQL: what the customer wrote finds the published public articles that match any of its
telling words, never an internal or unpublished one; a new ticket's acknowledgement carries up
to three, as portal links (activities/notifications.py), and other notices none."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from activities.notifications import NotificationActivities
from models.kb import suggestions
from models.kb.tables import Article
from models.search import Document, index
from models.settings import Settings
from models.tables import Agent, Notification, TicketRow
from workflows.activity_io import NotifyInput

AT = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)


def _article(s, slug: str, body: str, *, visibility="public", status="published") -> int:
    owner = s.scalar(select(Agent.id).order_by(Agent.id))
    a = Article(slug=slug, title=slug.replace("-", " ").capitalize(), category="printing", tags=[], visibility=visibility,
                status=status, owner_id=owner, version=1, created_at=AT, updated_at=AT)
    s.add(a)
    s.flush()
    index(s, [Document("article", a.id, "article", "public" if visibility == "public" else "internal", a.title, body)])
    return a.id


def _articles(s) -> dict[str, int]:
    return {"jam": _article(s, "printer-paper-jams", "Open the tray, take out the stuck paper, close the tray."),
            "toner": _article(s, "printer-toner", "Replace the toner cartridge when the print is faint."),
            "internal": _article(s, "printer-firmware", "Flash the printer firmware (agents only).", visibility="internal"),
            "unpublished": _article(s, "printer-recall", "The printer recall: paper jams.", status="archived"),
            "vpn": _article(s, "vpn-setup", "Install the VPN client and sign in.")}


def test_what_the_customer_wrote_finds_public_published_articles_only(database):
    assert suggestions.query_of("My printer", "It jams all the time, please help!") == "printer OR jams OR time"
    with database.sessions.begin() as s:
        ids = _articles(s)
    with database.sessions() as s:
        found = suggestions.best(s, "Printer keeps jamming paper", "The paper is stuck in the tray", limit=5)
        assert found and found[0].id == ids["jam"] and found[0].path == "/portal/kb/printer-paper-jams"
        assert {m.id for m in found} <= {ids["jam"], ids["toner"]}
        assert "<mark>" in found[0].snippet_html
        assert suggestions.best(s, "", "   ") == []
        typed = suggestions.find(s, "firmware")  # the search page: internal articles never show
        assert typed.matches == [] and typed.total == 0


def test_a_new_tickets_acknowledgement_carries_the_best_matching_articles(database):
    with database.sessions.begin() as s:
        _articles(s)
        s.add(TicketRow(number=7, subject="Paper jam", description="The printer tray is stuck with paper.",
                        requester_email="dana@customer.example", requester_name="Dana", channel="web", status="new",
                        priority="normal", tags=[], created_at=AT, updated_at=AT, last_seq=1))
    notices = NotificationActivities(database.sessions, settings=Settings(public_url="https://desk.example/"))

    def notify(kind: str, seq: int) -> dict:
        inp = NotifyInput(number=7, seq=seq, kind=kind, recipients=["requester"], assignee=None, team=None,
                          subject="[#7] We received your request: Paper jam", data={"ticket": {"subject": "Paper jam"}},
                          requester_email="dana@customer.example", requester_name="Dana", links=["view"])
        with database.sessions.begin() as s:
            notices.record(s, inp)
        with database.sessions() as s:
            return s.scalars(select(Notification.data).where(Notification.number == 7, Notification.seq == seq)).one()

    data = notify("ticket_received", 1)
    assert data["articles"][0] == {"title": "Printer paper jams", "url": "https://desk.example/portal/kb/printer-paper-jams"}
    assert 1 <= len(data["articles"]) <= 3 and data["ticket"] == {"subject": "Paper jam"}
    assert not {"firmware", "recall", "vpn"} & {a["url"].rsplit("-", 1)[-1] for a in data["articles"]}
    assert "articles" not in notify("status_changed", 2)
