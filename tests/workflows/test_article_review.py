"""An article's review reminder (workflows/article_review.py, activities/kb_review.py) on the real
dev server, with the worker, the read model and an SMTP server: a date far ahead waits; moved to
one already past, the owner is mailed at once, once; the workflow run again for that date finds
the mail and sends nothing more."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from temporalio.client import WorkflowExecutionStatus

from api.kb.reminders import set_reminder
from models.kb import articles
from models.kb.articles import Text
from models.kb.tables import Article
from models.tables import Agent, Notification
from servicedesk.worker import build_worker
from tests.conftest import worker_settings
from tests.notification_servers import eventually, mailbox
from workflows.activity_io import ArticleReviewInput, ArticleReviewResult
from workflows.article_review import ArticleReviewWorkflow, review_workflow_id


def reminders(db) -> list[Notification]:
    with db.sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == "article_review")))


async def test_the_owner_is_reminded_once_on_the_latest_review_date(dev_server, sqlite_database, task_queue):
    db, client = sqlite_database, dev_server.client
    now = datetime.now(timezone.utc).replace(microsecond=0)
    later = now + timedelta(days=30)
    # A minute of its own (the delivery workflow's id is the outbox key; tests share the server).
    due = now - timedelta(days=1, minutes=random.randrange(10_000))
    with db.sessions.begin() as s:
        sam = s.scalars(select(Agent).where(Agent.email == "sam@demo.example")).one()
        a = articles.create(s, Text("VPN", "Connect first.", review_at=later), author_id=sam.id)
        article_id = a.id
    with mailbox() as box:
        async with build_worker(client, db.sessions, task_queue, worker_settings(task_queue, smtp_port=box.port)):
            await set_reminder(client, task_queue, article_id, later)
            handle = client.get_workflow_handle(review_workflow_id(article_id))
            assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING and reminders(db) == []

            with db.sessions.begin() as s:  # the API saves the new date and signals it
                s.get(Article, article_id).review_at = due
                await set_reminder(client, task_queue, article_id, due)
            result = await client.get_workflow_handle(handle.id, result_type=ArticleReviewResult).result()
            assert result.notification_id is not None and not result.already
            (row,) = await eventually(lambda: [r for r in reminders(db) if r.status == "sent"], what="the mail sent")
            assert (row.number, row.seq, row.recipient) == (-article_id, int(due.timestamp() // 60), "sam@demo.example")
            (mail,) = box.to("sam@demo.example")
            assert mail["Subject"] == "Service desk: Review due: VPN" and "PUT /kb/articles/" in mail.get_body(
                preferencelist=("plain",)).get_content()

            again = await client.execute_workflow(
                ArticleReviewWorkflow.run, ArticleReviewInput(article_id, due.isoformat()), task_queue=task_queue,
                id=f"{review_workflow_id(article_id)}-again-{uuid.uuid4().hex[:6]}", result_type=ArticleReviewResult)
            assert again == ArticleReviewResult(notification_id=row.id, already=True)
            assert len(reminders(db)) == 1 and len(box.to("sam@demo.example")) == 1
