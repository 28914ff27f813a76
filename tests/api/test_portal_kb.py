"""The portal's help centre on the real app, worker and dev server: a published public article
is readable (and voted on, once per reader), an internal or draft one is the same 404 as none,
the portal's search and suggestions never show an internal one; "Find answers first", then
"This answered my question", ends with no ticket and is counted, and the reports' JSON says so."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models.kb import articles
from models.kb.articles import Text
from models.kb.usage import ArticleVote
from models.search import Document, index
from models.tables import Agent, TicketRow
from tests.api.conftest import running_desk
from tests.portal.helpers import SECRET, form_key, heading

pytestmark = pytest.mark.slow
PUBLIC = ("Clear a printer paper jam", "Open **tray 2**, pull the stuck paper out, close the tray.")


@pytest.fixture
async def desk(dev_server, database, task_queue):
    async with running_desk(dev_server, database, task_queue, secret_key=SECRET) as d:
        yield d


def publish(db, title: str, body: str, visibility: str = "public", status: str = "published") -> tuple[int, str]:
    with db.sessions.begin() as s:
        author = s.scalar(select(Agent.id).order_by(Agent.id))
        a = articles.create(s, Text(title=title, body=body, category="Printing", visibility=visibility), author_id=author)
        if status == "published":
            articles.move(s, a.id, "publish")
            # indexed as the knowledge base's publish does it (again, if it already has: an upsert)
            index(s, [Document("article", a.id, "article", "public" if visibility == "public" else "internal", title, body)])
        return a.id, a.slug


async def test_public_articles_are_read_and_voted_on_internal_and_drafts_are_not_found(desk):
    public_id, public = publish(desk.db, *PUBLIC)
    _, internal = publish(desk.db, "Printer firmware for agents", "Flash the printer firmware, paper jam codes.",
                          visibility="internal")
    _, draft = publish(desk.db, "Printer paper jam draft", "Not yet.", status="draft")
    home = await desk.http.get("/portal/kb")
    assert home.status_code == 200 and heading(home.text) == "Help centre"
    assert PUBLIC[0] in home.text and "firmware" not in home.text and "Printing" in home.text
    with desk.db.sessions.begin() as s:
        file_id = articles.add_file(s, public_id, filename="jam.txt", content_type="text/plain", data=b"pull gently",
                                    uploaded_by=s.scalar(select(Agent.id).order_by(Agent.id))).id
    page = await desk.http.get(f"/portal/kb/{public}")
    assert page.status_code == 200 and heading(page.text) == PUBLIC[0]
    assert f'href="/kb/files/{file_id}"' in page.text  # the knowledge base's own file route, open to anyone here
    assert (await desk.http.get(f"/kb/files/{file_id}")).content == b"pull gently"
    assert "<strong>tray 2</strong>" in page.text and "Was this helpful?" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert (await desk.http.get(f"/portal/kb/{public_id}")).status_code == 200  # by id too
    for hidden in (internal, draft, "no-such-article"):
        r = await desk.http.get(f"/portal/kb/{hidden}")
        assert r.status_code == 404 and "firmware" not in r.text
    found = await desk.http.get("/portal/kb/search", params={"q": "firmware"})
    assert found.status_code == 200 and "No articles match" in found.text and internal not in found.text
    found = await desk.http.get("/portal/kb/search", params={"q": "paper jam"})
    assert PUBLIC[0] in found.text and "<mark>" in found.text and internal not in found.text
    suggested = (await desk.http.get("/portal/kb/suggest", params={"q": "my printer firmware jams"})).json()
    assert [a["url"] for a in suggested["articles"]] == [f"/portal/kb/{public}"]
    # one vote per reader (the cookie the article page set), changed by voting again
    for answer in ("yes", "no"):
        key = form_key((await desk.http.get(f"/portal/kb/{public}")).text)
        r = await desk.http.post(f"/portal/kb/{public}/vote", data={"form_key": key, "helpful": answer})
        assert r.status_code == 303
    assert "You answered No" in (await desk.http.get(f"/portal/kb/{public}")).text
    with desk.db.sessions() as s:
        assert s.execute(select(ArticleVote.helpful)).scalars().all() == [False]
    bad = await desk.http.post(f"/portal/kb/{public}/vote", data={"form_key": "forged", "helpful": "yes"})
    assert bad.status_code == 403


async def test_an_answered_question_opens_no_ticket_and_is_counted(desk):
    public_id, public = publish(desk.db, *PUBLIC)
    form = await desk.http.get("/portal")
    assert "Find answers first" in form.text
    key = form_key(form.text)
    asked = {"form_key": key, "name": "Dana", "email": "dana@customer.example", "subject": "Paper jam",
             "description": "The printer has paper stuck in the tray."}
    answers = await desk.http.post("/portal/kb/answers", data=asked)
    assert answers.status_code == 200 and PUBLIC[0] in answers.text
    assert "This answered my question" in answers.text and "Send my request anyway" in answers.text
    assert 'value="The printer has paper stuck in the tray."' not in answers.text  # the textarea keeps it, as text
    assert "The printer has paper stuck in the tray." in answers.text
    query = re.findall(r'name="query" value="([^"]*)"', answers.text)[0]
    for _ in range(2):  # sent twice: one deflection
        done = await desk.http.post("/portal/kb/answered", data={"form_key": key, "article": str(public_id), "query": query})
        assert done.status_code == 200 and "No request was sent" in done.text
    forged = await desk.http.post("/portal/kb/answered", data={"form_key": "forged", "article": str(public_id)})
    assert forged.status_code == 403  # a form this desk did not make counts nothing
    await desk.http.get(f"/portal/kb/{public}")
    with desk.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(TicketRow)) == 0
    report = await desk.http.get("/reports/knowledge-base", headers=desk.auth("supervisor"))
    assert report.status_code == 200
    body = report.json()
    assert body["overall"]["deflections"] == 1 and body["overall"]["views"] == 1
    assert body["articles"][0] | {"deflections": 1, "slug": public} == body["articles"][0]
    csv = await desk.http.get("/reports/knowledge-base", params={"format": "csv"}, headers=desk.auth("supervisor"))
    assert csv.text.splitlines()[0].startswith("article_id,slug,title,views")
    refused = await desk.http.get("/reports/knowledge-base", headers=desk.auth("agent"))
    assert refused.status_code == 403


async def test_suggestions_are_limited_per_client(dev_server, database, task_queue):
    async with running_desk(dev_server, database, task_queue, secret_key=SECRET, rate_limit_portal_suggest="2/minute") as d:
        publish(d.db, *PUBLIC)
        answers = [await d.http.get("/portal/kb/suggest", params={"q": "paper jam"}) for _ in range(3)]
        assert [r.status_code for r in answers] == [200, 200, 429]
        assert int(answers[2].headers["retry-after"]) > 0 and answers[2].json()["error"]["type"] == "RateLimited"
        key = form_key((await d.http.get("/portal")).text)  # the form's step shares the limit
        step = await d.http.post("/portal/kb/answers", data={"form_key": key, "subject": "Paper jam", "description": "x"})
        assert step.status_code == 429 and "Too many searches" in step.text
