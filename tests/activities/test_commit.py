"""The commit activity against real servers (activities/commit.py): a batch's events, snapshot
and outbox rows in one transaction; each new mail delivered at once to a real SMTP server with
no delivery workflow; a mail server that refuses connections hands the row to its delivery
workflow on the real dev server, which delivers it once the server is back."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from sqlalchemy import func, select
from temporalio.service import RPCError
from temporalio.testing import ActivityEnvironment

from activities.commit import CommitActivities
from activities.delivery import DeliveryActivities
from activities.notifications import NotificationActivities
from models import outbox
from models.tables import Notification, TicketEventRow, TicketRow
from servicedesk.worker import build_worker
from tests.activities.test_delivery import received, row, settings_for
from tests.conftest import next_number_block
from tests.notification_servers import Mailbox, eventually, mailbox
from workflows.activity_io import CommitInput, ProjectionInput
from workflows.messages import SYSTEM, TicketEvent, TicketSnapshot


def batch(number: int) -> CommitInput:
    now = datetime.now(timezone.utc)
    snap = TicketSnapshot(number=number, subject="Printer jams", requester_email="dana@customer.example",
                          requester_name="Dana Scully", channel="api", status="new", priority="normal", category=None,
                          tags=[], team="support", assignee=None, created_at=now, updated_at=now, last_seq=1)
    created = TicketEvent(number=number, seq=1, kind="created", at=now, actor=SYSTEM, status_to="new")
    return CommitInput(projection=ProjectionInput(snapshot=snap, events=[created], description="Tray two"),
                       notices=[received(number)])


async def _commit(acts: CommitActivities, inp: CommitInput):
    return await asyncio.to_thread(ActivityEnvironment().run, acts.commit_ticket, inp)


def _commits(dev_server, database, settings) -> CommitActivities:
    notifications = NotificationActivities(database.sessions, dev_server.client, settings)
    return CommitActivities(database.sessions, notifications, DeliveryActivities(database.sessions, settings))


async def _delivery_started(dev_server, number: int, row_id: int) -> bool:
    try:
        await dev_server.client.get_workflow_handle(outbox.workflow_id(number, 1, row_id)).describe()
        return True
    except RPCError:
        return False


async def test_a_batch_is_written_once_and_its_mail_sent_at_once_without_a_workflow(dev_server, sqlite_database,
                                                                                     task_queue):
    db, number = sqlite_database, next_number_block()
    with mailbox() as box:
        acts = _commits(dev_server, db, settings_for(box, task_queue))
        result = await _commit(acts, batch(number))
        assert result.notified[0].recorded == ["dana@customer.example"]
        # Sent before the activity returned: no waiting, no delivery workflow.
        assert len(box.to("dana@customer.example")) == 1
        sent = row(db, number)
        assert sent.status == "sent" and sent.attempts == 1
        assert not await _delivery_started(dev_server, number, sent.id)
        # A retried commit writes nothing twice and sends nothing twice.
        again = await _commit(acts, batch(number))
        assert again.notified[0].already == ["dana@customer.example"]
        assert len(box.received) == 1
    with db.sessions() as s:
        assert s.get(TicketRow, number).description == "Tray two"
        assert s.scalar(select(func.count()).select_from(TicketEventRow).where(TicketEventRow.number == number)) == 1
        assert s.scalar(select(func.count()).select_from(Notification).where(Notification.number == number)) == 1


async def test_a_mail_server_that_refuses_hands_the_row_to_its_delivery_workflow(dev_server, sqlite_database,
                                                                                task_queue):
    db, number = sqlite_database, next_number_block()
    box = Mailbox()  # not started yet: connections are refused
    settings = settings_for(box, task_queue)
    try:
        async with build_worker(dev_server.client, db.sessions, task_queue, settings):
            acts = _commits(dev_server, db, settings)
            await _commit(acts, batch(number))
            pending = row(db, number)
            assert pending.status == "pending" and pending.attempts == 1 and pending.last_error
            assert await _delivery_started(dev_server, number, pending.id)
            # While the failure is fresh, the next batch's mail goes straight to its workflow.
            second = batch(number + 1)
            await _commit(acts, second)
            assert row(db, number + 1).attempts == 0 and await _delivery_started(dev_server, number + 1, row(db, number + 1).id)
            box.start()  # the server is back: the workflows deliver each mail once
            await eventually(lambda: len(box.received) == 2, timeout=30, what="both mails")
            await eventually(lambda: row(db, number).status == row(db, number + 1).status == "sent", what="sent")
            assert len(box.to("dana@customer.example")) == 2
    finally:
        box.stop()
