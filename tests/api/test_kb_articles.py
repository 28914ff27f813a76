"""Knowledge-base articles over the API (api/kb/, docs/knowledge-base.md), on the real dev server
and read model: an agent writes a draft and submits it, may not publish it (403), a supervisor
publishes; a body with a script, an empty title and a file of a refused type are refused naming
the problem, storing nothing; two editors of one version: the second gets 409; files served as
stored; the stale list; and a review date set through the API mails the owner once."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from temporalio.client import WorkflowExecutionStatus

from models.kb.tables import Article, ArticleFile, ArticleVersion
from models.tables import Notification
from tests.api.conftest import ROLES, running_desk
from tests.notification_servers import eventually, mailbox
from workflows.article_review import review_workflow_id

pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BODY = "# Reset the printer\n\n| step | what |\n|---|---|\n| 1 | unplug |\n\nThen [the guide](https://example.com/g)."


async def ended(handle, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{handle.id} still runs")


def counts(db) -> tuple[int, int, int]:
    with db.sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Article, ArticleVersion, ArticleFile))


async def test_write_review_publish_with_roles_refusals_and_conflicts(database, task_queue, dev_server):
    with mailbox() as box:
        async with running_desk(dev_server, database, task_queue, smtp_port=box.port) as desk:
            http, sam, sue = desk.http, desk.auth("agent"), desk.auth("supervisor")

            async def refused(r, status: int, field: str, *says: str) -> None:
                assert r.status_code == status, r.text
                error = r.json()["error"]
                assert error["fields"][0]["field"] == field and all(s in error["message"] for s in says), error

            await refused(await http.post("/kb/articles", headers=sam, json={
                "title": "Evil", "body": "Hi <img src=/kb/files/1 onerror=alert(1)> [x](javascript:alert(2))"}),
                422, "body", "onerror attribute", "a link to javascript:")
            await refused(await http.post("/kb/articles", headers=sam, json={"title": "  ", "body": "x"}), 422, "title")
            assert counts(database) == (0, 0, 0)
            assert (await http.post("/kb/articles", headers=desk.auth("auditor"),
                                    json={"title": "A", "body": "b"})).status_code == 403

            made = await http.post("/kb/articles", headers=sam, json={
                "title": "Reset the printer", "body": BODY, "category": "printing", "tags": ["printer"],
                "visibility": "public"})
            assert made.status_code == 201, made.text
            a = made.json()
            assert (a["status"], a["version"], a["owner"], a["slug"]) == ("draft", 1, ROLES["agent"], "reset-the-printer")
            assert made.headers["Location"] == f"/kb/articles/{a['id']}" and "<table>" in a["html"]
            url = f"/kb/articles/{a['id']}"
            await refused(await http.post("/kb/articles", headers=sam, json={"title": "x", "body": "y",
                                                                            "slug": "reset-the-printer"}), 409, "slug")

            # Files: an executable dressed as a PNG is refused and nothing kept; a real PNG is kept.
            r = await http.post(f"{url}/files", headers=sam, files={"file": ("a.png", b"MZ\x90\x00" + b"\x00" * 60, "image/png")})
            assert r.status_code == 415 and r.json()["error"]["fields"][0]["field"] == "file", r.text
            assert counts(database) == (1, 1, 0)
            img = await http.post(f"{url}/files", headers=sam, files={"file": ("shot.png", PNG, "image/png")})
            assert img.status_code == 201, img.text
            assert img.json()["markdown"] == f"![shot.png](/kb/files/{img.json()['id']})"
            assert (await http.get(img.json()["url"])).status_code == 404  # not published yet: agents only
            assert (await http.get(img.json()["url"], headers=sam)).status_code == 200

            assert (await http.post(f"{url}/publish", headers=sam)).status_code == 403  # an agent does not publish
            assert (await http.post(f"{url}/submit", headers=sam)).json()["status"] == "in_review"
            assert (await http.post(f"{url}/submit", headers=sam)).status_code == 409  # in review already
            published = await http.post(f"{url}/publish", headers=sue)
            assert published.status_code == 200 and published.json()["status"] == "published", published.text
            assert published.json()["published_at"] is not None

            served = await http.get(img.json()["url"])  # public and published: anyone's
            assert served.status_code == 200 and served.content == PNG
            assert served.headers["content-type"] == "image/png" and served.headers["x-content-type-options"] == "nosniff"
            assert served.headers["content-disposition"].startswith("inline;")

            # Two editors from version 1: the first makes version 2, the second is refused.
            new = BODY + f"\n\n![shot]({img.json()['url']})"
            assert (await http.put(url, headers=sam, json={"version": 1, "title": "T", "body": new})).status_code == 403
            first = await http.put(url, headers=sue, json={"version": 1, "title": "Reset the printer", "body": new,
                                                           "note": "a picture"})
            assert first.status_code == 200 and first.json()["version"] == 2, first.text
            assert first.json()["status"] == "published" and first.json()["category"] == "printing"  # left out: kept
            assert f'<img src="/kb/files/{img.json()["id"]}" alt="shot">' in first.json()["html"]
            second = await http.put(url, headers=desk.auth("admin"), json={"version": 1, "title": "Mine", "body": "x"})
            await refused(second, 409, "version", "at version 2, not 1")
            versions = (await http.get(f"{url}/versions", headers=sam)).json()
            assert [(v["n"], v["author"], v["note"]) for v in versions] == [(2, ROLES["supervisor"], "a picture"),
                                                                          (1, ROLES["agent"], None)]
            v1 = (await http.get(f"{url}/versions/1", headers=sam)).json()
            assert v1["body"] == BODY and "<table>" in v1["html"]
            assert (await http.get(f"{url}/versions/9", headers=sam)).status_code == 404

            listed = (await http.get("/kb/articles?status=published&q=PRINTER", headers=sam)).json()
            assert listed["total"] == 1 and listed["items"][0]["id"] == a["id"]
            assert (await http.get("/kb/articles?colour=red", headers=sam)).status_code == 422

            # A review date already past: the supervisor sees it stale, and its owner is mailed once.
            # (A minute of its own: the delivery workflow's id is the outbox row's key, and the test
            # databases share one Temporal server.)
            due = (datetime.now(timezone.utc) - timedelta(days=2, minutes=random.randrange(10_000))).replace(microsecond=0)
            dated = await http.put(url, headers=sue, json={"version": 2, "title": "Reset the printer", "body": new,
                                                           "review_at": due.isoformat()})
            assert dated.status_code == 200, dated.text
            assert (await http.get("/kb/stale", headers=sam)).status_code == 403
            (stale,) = (await http.get("/kb/stale", headers=sue)).json()
            assert (stale["id"], stale["owner"]) == (a["id"], ROLES["agent"]) and 2 <= stale["days_late"] < 9

            def reminders() -> list[Notification]:
                with database.sessions() as s:
                    return list(s.scalars(select(Notification).where(Notification.kind == "article_review",
                                                                     Notification.status == "sent")))

            (row,) = await eventually(reminders, what="the review reminder sent")
            assert (row.number, row.seq, row.recipient) == (-a["id"], int(due.timestamp() // 60), ROLES["agent"])
            (mail,) = box.to(ROLES["agent"])
            assert mail["Subject"] == "Service desk: Review due: Reset the printer"

            archived = await http.post(f"{url}/archive", headers=sue)
            assert archived.json()["status"] == "archived" and (await http.get("/kb/stale", headers=sue)).json() == []
            assert (await http.get(img.json()["url"])).status_code == 404
            # Archiving stops the reminder: its workflow ends (and the next test's article 1 has its own).
            handle = desk.temporal.get_workflow_handle(review_workflow_id(a["id"]))
            await ended(handle)
