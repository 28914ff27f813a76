"""The search (models/search) on both databases: stemming, a typo corrected, the whole
conversation searched, what a customer may never see, ranking, snippets escaped, team scope,
forget(); and the tickets list's q= through the same index."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select, text

from models import queries
from models.search import Document, forget, index, search
from models.search.tables import documents
from models.search.tickets import event_documents, ticket_document
from models.tables import TicketRow
from models.team_scope import Scope

NOW = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)


def _ticket(s, number: int, subject: str, description: str = "", team: str | None = "support",
            events: list[tuple[int, str, dict]] | None = None) -> None:
    s.add(TicketRow(number=number, subject=subject, description=description, requester_email="c@example.com",
                    requester_name="C", channel="email", status="open", priority="normal", tags=[], team=team,
                    assignee=None, created_at=NOW, updated_at=NOW, last_seq=1 + len(events or [])))
    s.flush()
    index(s, [ticket_document(number, subject, description), *event_documents(number, events or [])])


def _desk(database) -> None:
    with database.sessions.begin() as s:
        _ticket(s, 1, "Printer on floor 3", "It shows an error.",
                events=[(2, "customer_reply", {"body": "The toner light blinks since Monday. It prints blank pages."}),
                        (3, "note", {"body": "Probably the firmware rollout, ask Kim."}),
                        (4, "resolve", {"resolution": "Replaced the drum unit."})])
        _ticket(s, 2, "VPN drops", "My VPN disconnects; the printer works though.", team="network")
        index(s, [Document(kind="article", ref=10, part="article", audience="public", title="Clearing a paper jam",
                           body="Open the printer's front door and pull the paper out gently."),
                  Document(kind="article", ref=11, part="article", audience="internal", title="Firmware rollout plan",
                           body="Printers get the new firmware on Fridays.")])


def _refs(hits) -> list[tuple[str, int]]:
    return [(h.kind, h.ref) for h in hits.hits]


def test_stemming_typos_and_the_whole_conversation(database):
    _desk(database)
    with database.sessions() as s:
        # "printing" and "prints" share a stem; "printers" and "printer" share another.
        assert ("article", 10) in _refs(search(s, "printers"))
        assert ("ticket", 1) in _refs(search(s, "printer"))
        assert _refs(search(s, "printing", kinds={"ticket"})) == [("ticket", 1)]  # "prints", in a reply
        found = search(s, "blinking", kinds={"ticket"})  # only in the customer's reply, as "blinks"
        assert _refs(found) == [("ticket", 1)] and found.corrected is None
        assert _refs(search(s, "drum", kinds={"ticket"})) == [("ticket", 1)]  # the resolution
        assert _refs(search(s, "kim", kinds={"ticket"})) == [("ticket", 1)]  # a note, for agents
        typo = search(s, "tonr light")
        assert typo.corrected == "toner light" and _refs(typo) == [("ticket", 1)]
        assert search(s, "printr").corrected == "printer"
        assert search(s, "zzzzqx").total == 0 and search(s, "zzzzqx").corrected is None
        assert search(s, "").total == 0 and search(s, "  -- ").total == 0


def test_a_customer_never_sees_a_note_a_ticket_or_an_internal_article(database):
    _desk(database)
    with database.sessions() as s:
        assert set(_refs(search(s, "firmware"))) == {("article", 11), ("ticket", 1)}
        assert search(s, "firmware", audience="public").total == 0
        assert search(s, "printer", audience="public", kinds={"ticket", "article"}).hits[0].ref == 10
        assert _refs(search(s, "printer", audience="public")) == [("article", 10)]
        # A correction is offered only when it finds something the reader may see.
        assert search(s, "firmwre", audience="public").corrected is None


def test_ranking_snippets_scope_and_forget(database):
    _desk(database)
    with database.sessions.begin() as s:
        _ticket(s, 3, "Scanner <b>broken</b>", "",
                events=[(2, "customer_reply", {"body": "Hello <script>alert(1)</script> the scanner & the printer"})])
    with database.sessions() as s:
        ranked = search(s, "printer", kinds={"ticket"})
        assert _refs(ranked)[0] == ("ticket", 1)  # in the subject, above a body's mention
        assert ranked.hits[0].score > ranked.hits[-1].score
        hit = next(h for h in search(s, "alert scanner", kinds={"ticket"}).hits if h.ref == 3)
        assert hit.title == "Scanner <b>broken</b>"  # the title is text: the page escapes it
        assert "<script>" not in hit.snippet_html and "&lt;script&gt;" in hit.snippet_html
        assert hit.snippet_html.replace("<mark>", "").replace("</mark>", "").count("<") == 0
        assert "<mark>alert</mark>" in hit.snippet_html and "<mark>scanner</mark>" in hit.snippet_html
        assert ("ticket", 2) in _refs(search(s, "vpn"))
        assert _refs(search(s, "vpn", scope=Scope(frozenset({"network"})))) == []
        page = search(s, "printer", limit=1, offset=1)
        assert page.total == search(s, "printer").total and len(page.hits) == 1
    with database.sessions.begin() as s:
        forget(s, "ticket", 1)
        forget(s, "article", 10)
    with database.sessions() as s:
        assert ("ticket", 1) not in _refs(search(s, "toner"))
        assert _refs(search(s, "printer", kinds={"article"})) == [("article", 11)]


def test_the_tickets_list_finds_a_word_only_in_the_conversation(database):
    _desk(database)
    with database.sessions() as s:
        def numbers(text: str, scope: Scope = Scope()) -> list[int]:
            rows, _ = queries.search_tickets(s, queries.TicketFilter(text=text, scope=scope), limit=10, offset=0)
            return sorted(r.number for r in rows)

        assert numbers("toner") == [1]  # the customer's reply only
        assert numbers("printer") == [1, 2]
        assert numbers("c@example") == [1, 2]  # the requester's address, as before
        assert numbers("printer", Scope(frozenset({"network"}))) == [1]
        assert numbers("!!") == []
        assert s.scalar(select(TicketRow.number).where(TicketRow.number == 1)) == 1


def test_the_projection_indexes_a_ticket_and_its_conversation_once(database):
    from activities.projection import project
    from workflows.activity_io import ProjectionInput
    from workflows.messages import SYSTEM, Actor, TicketEvent, TicketSnapshot

    snap = TicketSnapshot(number=40, subject="Laptop overheats", requester_email="dana@customer.example",
                          requester_name="Dana", channel="api", status="open", priority="normal", category=None,
                          tags=[], team="support", assignee=None, created_at=NOW, updated_at=NOW, last_seq=3)
    agent = Actor(kind="agent", id="sam@demo.example")
    events = [TicketEvent(number=40, seq=1, kind="created", at=NOW, actor=SYSTEM, status_to="new"),
              TicketEvent(number=40, seq=2, kind="note", at=NOW, actor=agent, data={"body": "Fan replaced last year"}),
              TicketEvent(number=40, seq=3, kind="set_priority", at=NOW, actor=agent, data={"priority": "high"})]
    for _ in range(2):  # a retried batch changes nothing
        with database.sessions.begin() as s:
            project(s, ProjectionInput(snapshot=snap, events=events, description="It shuts down at noon"))
    with database.sessions() as s:
        assert _refs(search(s, "noon")) == [("ticket", 40)]
        assert search(s, "laptop").hits[0].title == "Laptop overheats"
        assert _refs(search(s, "fans", kinds={"ticket"})) == [("ticket", 40)]
        assert search(s, "fan", audience="public").total == 0
        assert s.scalar(select(func.count()).select_from(documents).where(documents.c.ref == 40)) == 2


def test_an_upgraded_desk_finds_its_old_tickets(tmp_path):
    """Migration 0021 indexes what the read model already has: subjects, descriptions, events' text."""
    from models.db import make_engine, make_sessions
    from models.migrate import upgrade
    from models.seed import seed_demo

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0020")
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        seed_demo(s)
        s.execute(text("INSERT INTO tickets (number, subject, description, requester_email, requester_name, channel, "
                       "status, priority, tags, created_at, updated_at, last_seq) VALUES (5, 'Scanner offline', "
                       "'Since the move', 'c@example.com', 'C', 'email', 'open', 'normal', '[]', '2026-01-01', "
                       "'2026-01-01', 3)"))
        for seq, kind, data in ((2, "customer_reply", '{"body": "The cable is unplugged"}'),
                                (3, "note", '{"body": "Ask facilities"}')):
            s.execute(text("INSERT INTO ticket_events (number, seq, kind, at, actor_kind, actor_id, data) "
                           "VALUES (5, :seq, :kind, '2026-01-01', 'agent', 'sam@demo.example', :data)"),
                      {"seq": seq, "kind": kind, "data": data})
    upgrade(engine)
    with sessions() as s:
        assert _refs(search(s, "scanner")) == [("ticket", 5)]
        assert _refs(search(s, "unplugged")) == [("ticket", 5)] and _refs(search(s, "facilities")) == [("ticket", 5)]
    engine.dispose()


def test_a_word_in_very_many_documents_ranks_the_newest_only(database, monkeypatch):
    # Articles 1..6 say "widget", one document each, indexed oldest first; 1 and 2 in the title
    # (ranked above the rest), 5 twice in its body (above 4 and 6). "gadget" is in two only.
    texts = {1: ("Widget", "widget"), 2: ("Widget care", "widget"), 3: ("Parts", "a widget"),
             4: ("Spares", "a widget and a gadget"), 5: ("Repairs", "widget, widget again"),
             6: ("Returns", "a widget or a gadget")}
    with database.sessions.begin() as s:
        for ref, (title, body) in texts.items():
            index(s, [Document("article", ref, "article", "public", title, body)])
    with database.sessions() as s:
        everything = search(s, "widget")
        assert set(_refs(everything)[:2]) == {("article", 1), ("article", 2)} and everything.total == 6
        assert not everything.total_capped
        monkeypatch.setattr("models.search.RANK_CAP", 3)
        capped = search(s, "widget")  # only the three newest are ranked: 5 (twice) above 4 and 6
        assert capped.total_capped and capped.total == 3
        assert _refs(capped)[0] == ("article", 5) and set(_refs(capped)) == {("article", 4), ("article", 5), ("article", 6)}
        ordinary = search(s, "gadget")  # two documents: under the cap, as before
        assert not ordinary.total_capped and ordinary.total == 2 and set(_refs(ordinary)) == {("article", 4), ("article", 6)}
        assert search(s, "widget", offset=3).hits == [] and search(s, "widget", offset=3).total_capped
