"""The knowledge base at an agent's reply (models/kb/ticket_help.py) on a migrated read model,
SQLite and PostgreSQL: a ticket's words find published articles, public and internal; an
internal article's text only ever goes to the note; a reply or note linking an article (its
portal page by slug or id, or its console page) is recorded once per article and event, through
the projection, and a path that only looks like one is not."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from activities.projection import project
from models.kb import articles, ticket_help
from models.kb.articles import Text
from models.kb.usage import TicketLink
from models.tables import Agent
from workflows.activity_io import ProjectionInput
from workflows.messages import TicketSnapshot
from workflows.records import Actor, TicketEvent

BASE = "https://help.example/"
AT = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)


def _published(s, title: str, body: str, visibility: str) -> articles.Article:
    a = articles.create(s, Text(title=title, body=body, visibility=visibility),
                        author_id=s.scalar(select(Agent.id).order_by(Agent.id)))
    return articles.move(s, a.id, "publish")


def test_a_ticket_s_words_find_articles_and_an_internal_one_goes_to_the_note_only(database):
    with database.sessions.begin() as s:
        public = _published(s, "Clear a paper jam", "Open **tray 2**, pull the paper out.", "public")
        internal = _published(s, "Jam codes for agents", "Paper jam code E42: call the vendor.", "internal")
        draft = articles.create(s, Text(title="Paper jam draft", body="paper jam"), author_id=public.owner_id)
        ids = public.id, internal.id, draft.id, public.slug
    with database.sessions() as s:
        found = ticket_help.for_ticket(s, subject="Paper jam", description="A jam in tray 2", base_url=BASE)
        assert {f.id for f in found} == {ids[0], ids[1]}  # the draft is not published
        by_id = {f.id: f for f in found}
        assert by_id[ids[0]].link == ticket_help.Insertion("reply", f"Clear a paper jam: https://help.example/portal/kb/{ids[3]}")
        assert by_id[ids[0]].text.into == "reply" and by_id[ids[0]].text.text.startswith("Open tray 2, pull the paper out.")
        assert by_id[ids[1]].link is None and by_id[ids[1]].text.into == "note"
        assert by_id[ids[1]].text.text.endswith(f"https://help.example/console/kb/{ids[1]})")
        for how in ("link", "text", "anything"):
            inserted = ticket_help.insertion(s, str(ids[1]), how, BASE)
            assert inserted is not None and inserted.into == "note" and "E42" in inserted.text
        assert ticket_help.insertion(s, str(ids[0]), "link", BASE).into == "reply"
        assert ticket_help.insertion(s, str(ids[2]), "text", BASE) is None  # a draft is not inserted
        assert ticket_help.insertion(s, "x1", "text", BASE) is None


def test_a_reply_or_note_linking_an_article_is_recorded_once(database):
    with database.sessions.begin() as s:
        a = _published(s, "Reset the VPN", "Reconnect.", "public")
        b = _published(s, "VPN internals", "Keys.", "internal")
        a_id, b_id, slug = a.id, b.id, a.slug
    snap = TicketSnapshot(number=7, subject="VPN", requester_email="d@x.example", requester_name="D", channel="api",
                          status="open", priority="normal", category=None, tags=[], team=None, assignee=None,
                          created_at=AT, updated_at=AT, last_seq=3)
    agent = Actor(kind="agent", id="sam@demo.example")
    events = [TicketEvent(7, 1, "reply", AT, agent, {"body": f"See https://help.example/portal/kb/{slug} ."}),
              TicketEvent(7, 2, "note", AT, agent, {"body": f"And /console/kb/{b_id}, /portal/kb/{a_id}"}),
              TicketEvent(7, 3, "reply", AT, agent,
                          {"body": "Not one: /portal/kb/category/vpn and /portal/kb/search?q=vpn /kb/files/3"})]
    for _ in range(2):  # a retried projection records nothing twice
        with database.sessions.begin() as s:
            project(s, ProjectionInput(snapshot=snap, events=events, description="VPN"))
    with database.sessions() as s:
        links = sorted((r.article_id, r.seq, r.actor) for r in s.scalars(select(TicketLink).where(TicketLink.number == 7)))
    assert links == sorted([(a_id, 1, "sam@demo.example"), (b_id, 2, "sam@demo.example"), (a_id, 2, "sam@demo.example")])
