"""Delivery against real servers: the notify activity records the outbox rows and starts
their NotificationDelivery workflows on the real dev server; a worker delivers them to a real
SMTP server (aiosmtpd) and a real HTTP server; SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.delivery import DeliveryActivities
from activities.notifications import NotificationActivities
from activities.webhooks import verify_signature
from models import outbox
from models.links import verify_link
from models.mail import record_inbound
from models.settings import Settings
from models.tables import Notification
from models.webhooks import create_webhook
from servicedesk.worker import build_worker
from tests.conftest import next_number_block
from tests.notification_servers import Mailbox, WebhookReceiver, eventually, mailbox
from workflows.activity_io import NotifyInput

SECRET = "test-link-secret-0123456789abcdef"


def settings_for(box: Mailbox | None, task_queue: str, **extra) -> Settings:
    return Settings(task_queue=task_queue, smtp_port=box.port if box else 1, secret_key=SECRET,
                    public_url="http://desk.test", delivery_retry_initial_seconds=0.2, delivery_retry_max_seconds=1,
                    smtp_timeout_seconds=5, webhook_timeout_seconds=5, **extra)


@contextlib.asynccontextmanager
async def delivering(dev_server, database, settings):
    """A worker that delivers, and the notify activity as the ticket workflow would call it."""
    async with build_worker(dev_server.client, database.sessions, settings.task_queue, settings):
        acts = NotificationActivities(database.sessions, dev_server.client, settings)
        env = ActivityEnvironment()

        async def notify(inp: NotifyInput):
            # A synchronous local activity runs on a worker thread: so here.
            return await asyncio.to_thread(env.run, acts.notify, inp)

        yield notify


def received(number: int, seq: int = 1, **kw) -> NotifyInput:
    values = dict(number=number, seq=seq, kind="ticket_received", recipients=["requester"], assignee=None, team="support",
                  subject=f"[#{number}] We received your request", requester_email="Dana@Customer.example",
                  requester_name="Dana Scully", links=["view"],
                  data={"ticket": {"number": number, "subject": "Printer jams", "status": "new", "priority": "normal",
                                   "team": "support", "assignee": None, "requester_name": "Dana Scully"}})
    return NotifyInput(**(values | kw))


def row(database, number: int, recipient: str | None = None) -> Notification | None:
    with database.sessions() as s:
        q = select(Notification).where(Notification.number == number)
        if recipient:
            q = q.where(Notification.recipient == recipient)
        return s.scalars(q.order_by(Notification.id)).first()


async def test_a_notification_is_mailed_once_multipart_with_a_link_and_threading(dev_server, database, task_queue):
    number = next_number_block()
    with database.sessions.begin() as s:
        record_inbound(s, number, "<first-mail@customer.example>")  # the customer's mail that opened it
    with mailbox() as box:
        settings = settings_for(box, task_queue)
        async with delivering(dev_server, database, settings) as notify:
            result = await notify(received(number))
            assert result.recorded == ["dana@customer.example"]
            mails = await eventually(lambda: box.to("dana@customer.example"), what="the mail")
            msg = mails[0]
            assert msg["Subject"] == f"[#{number}] We received your request: Printer jams"
            assert msg["From"] == "Service desk <help@servicedesk.localhost>"
            assert msg.get_content_type() == "multipart/alternative"
            text = msg.get_body(("plain",)).get_content()
            html = msg.get_body(("html",)).get_content()
            assert f"#{number}" in text and "Dana Scully" in text and f"<strong>#{number}</strong>" in html
            url = next(w for w in text.split() if w.startswith("http://desk.test/portal/t/"))
            claims = verify_link(SECRET, url.rsplit("/", 1)[1], purpose="view")
            assert claims.number == number and claims.expires_at > datetime.now(timezone.utc) + timedelta(days=89)
            assert msg["In-Reply-To"] == "<first-mail@customer.example>"
            assert msg["References"] == "<first-mail@customer.example>"

            sent = await eventually(lambda: (r := row(database, number)) and r.status == "sent" and r, what="sent")
            assert sent.message_id == msg["Message-ID"] and sent.attempts == 1 and sent.channel == "email"

            # A retried notify, a replayed workflow, a retried delivery: nothing more is sent.
            again = await notify(received(number))
            assert again.recorded == [] and again.already == ["dana@customer.example"]
            deliver = DeliveryActivities(database.sessions, settings).deliver_notification
            assert await asyncio.to_thread(ActivityEnvironment().run, deliver, sent.id) == "already sent"
            handle = dev_server.client.get_workflow_handle(outbox.workflow_id(number, 1, sent.id))
            assert (await handle.result()).startswith("mailed ")

            # The next mail about the ticket threads after the first one.
            await notify(received(number, seq=5, kind="agent_reply",
                                  data={"body": "Try the tray", "author_name": "Sam", "attachments": []}))
            reply = (await eventually(lambda: len(box.to("dana@customer.example")) == 2 and box.to("dana@customer.example"),
                                      what="the second mail"))[1]
            assert reply["In-Reply-To"] == "<first-mail@customer.example>"
            assert reply["References"].split() == ["<first-mail@customer.example>", sent.message_id]
            assert len(box.received) == 2


async def test_the_smtp_server_down_for_a_while_then_back_delivers_each_mail_once(dev_server, database, task_queue):
    number = next_number_block()
    box = Mailbox()  # not started: connections are refused
    settings = settings_for(box, task_queue)
    try:
        async with delivering(dev_server, database, settings) as notify:
            await notify(received(number))
            await notify(received(number, seq=2, kind="mention", recipients=["sue@demo.example"],
                                  data={"body": "@sue@demo.example look", "author_name": "Sam"}))
            await eventually(lambda: (r := row(database, number)) and r.attempts >= 3, what="three failed attempts")
            pending = row(database, number)
            assert pending.status == "pending" and "Connection refused" in pending.last_error
            box.start()
            await eventually(lambda: len(box.about(number)) == 2, what="both mails")
            for r in (row(database, number, "dana@customer.example"), row(database, number, "sue@demo.example")):
                handle = dev_server.client.get_workflow_handle(outbox.workflow_id(number, r.seq, r.id))
                assert (await handle.result()).startswith("mailed ")  # the workflow is done: no more tries
            assert sorted(r.rcpt_tos[0] for r in box.about(number)) == ["dana@customer.example", "sue@demo.example"]
            assert all(r.status == "sent" for r in _rows(database, number))
    finally:
        box.stop()


def _rows(database, number: int) -> list[Notification]:
    with database.sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.number == number).order_by(Notification.id)))


async def test_a_refused_recipient_is_marked_failed_and_not_retried(dev_server, database, task_queue):
    number = next_number_block()
    with mailbox() as box:
        box.refuse.add("gone@customer.example")
        settings = settings_for(box, task_queue)
        async with delivering(dev_server, database, settings) as notify:
            await notify(received(number, requester_email="gone@customer.example"))
            failed = await eventually(lambda: (r := row(database, number)) and r.status == "failed" and r, what="failed")
            assert failed.attempts == 1 and "550" in failed.last_error and "no such mailbox" in failed.last_error
            handle = dev_server.client.get_workflow_handle(outbox.workflow_id(number, 1, failed.id))
            assert (await handle.result()).startswith("failed: recipient refused: 550")
            assert box.received == [] and row(database, number).attempts == 1
            # An address no server could take fails at once, without a connection.
            await notify(received(number, seq=2, requester_email="not an address"))
            bad = await eventually(lambda: (r := _rows(database, number)[-1]) and r.status == "failed" and r, what="failed")
            assert "invalid address" in bad.last_error and bad.attempts == 1


async def test_delivery_gives_up_after_the_configured_period(dev_server, database, task_queue):
    number = next_number_block()
    settings = settings_for(None, task_queue, delivery_give_up_hours=2 / 3600)  # 2 s, server never there
    async with delivering(dev_server, database, settings) as notify:
        await notify(received(number))
        failed = await eventually(lambda: (r := row(database, number)) and r.status == "failed" and r, timeout=30,
                                  what="given up")
        assert failed.last_error.startswith("gave up after") and failed.attempts >= 2


async def test_webhooks_are_signed_retried_and_never_get_links(dev_server, database, task_queue):
    number = next_number_block()
    with WebhookReceiver() as hooks, mailbox() as box:
        hooks.statuses = {"/hook": [503]}  # the first try finds the receiver unwell
        with database.sessions.begin() as s:
            create_webhook(s, name="chatops", url=hooks.url + "/hook", secret="chatops-secret-123456",
                           kinds=["sla_breach", "resolved"], active=True)
            create_webhook(s, name="everything", url=hooks.url + "/all", secret="another-secret-123456", kinds=["*"],
                           active=True)
            create_webhook(s, name="off", url=hooks.url + "/off", secret="another-secret-123456", kinds=["*"], active=False)
        settings = settings_for(box, task_queue)
        async with delivering(dev_server, database, settings) as notify:
            await notify(received(number, seq=3, kind="resolved", recipients=["requester"], links=["view", "confirm"],
                                  links_expire_at=datetime.now(timezone.utc) + timedelta(days=3),
                                  data={"resolution": "Replaced the roller", "ticket": {"number": number, "subject": "Printer"}}))
            ok = await eventually(lambda: [h for h in hooks.requests if h.path == "/hook"][1:], what="the retried webhook")
            hook = ok[0]
            assert verify_signature("chatops-secret-123456", hook.body, hook.headers["x-servicedesk-signature"])
            payload = json.loads(hook.body)
            assert payload["kind"] == "resolved" and payload["ticket"]["number"] == number
            assert payload["data"] == {"resolution": "Replaced the roller"}
            assert hook.headers["x-servicedesk-delivery"] == payload["key"] == f"{number}:3:resolved:webhook:chatops"
            assert "/portal/" not in hook.body.decode() and "links" not in payload
            assert not any(h.path == "/off" for h in hooks.requests)
            # The customer's own mail has the links.
            mail = (await eventually(lambda: box.to("dana@customer.example"), what="the customer's mail"))[0]
            assert "http://desk.test/portal/t/" in mail.get_body(("plain",)).get_content()
            rows = await eventually(lambda: (rs := _rows(database, number)) and all(r.status == "sent" for r in rs) and rs,
                                    what="all sent")
            assert sorted((r.channel, r.recipient, r.links) for r in rows) == [
                ("email", "dana@customer.example", ["view", "confirm"]),
                ("webhook", "webhook:chatops", []), ("webhook", "webhook:everything", [])]
            assert next(r for r in rows if r.recipient == "webhook:chatops").attempts == 2

            hooks.statuses = {"/hook": [404]}  # a receiver that does not exist: no retry
            await notify(received(number, seq=4, kind="sla_breach", recipients=[], subject=f"[#{number}] SLA breach"))
            failed = await eventually(lambda: [x for x in _rows(database, number) if x.seq == 4
                                               and x.recipient == "webhook:chatops" and x.status == "failed"],
                                      what="the 404 failure")
            assert "answered 404" in failed[0].last_error and failed[0].attempts == 1


async def test_mentions_reach_active_agents_only(database):
    acts = NotificationActivities(database.sessions)  # no client: rows only
    with database.sessions.begin() as s:
        from models.tables import Agent
        s.scalars(select(Agent).where(Agent.email == "sky@demo.example")).one().active = False
    inp = NotifyInput(number=77, seq=4, kind="mention", assignee=None, team=None, subject="[#77] mention",
                      recipients=["sue@demo.example", "sky@demo.example", "dana@customer.example", "SAM@demo.example"],
                      data={"body": "@sue@demo.example @sky@demo.example", "author_name": "Sam"})
    result = ActivityEnvironment().run(acts.notify, inp)
    assert result.recorded == ["sue@demo.example", "sam@demo.example"]
    assert result.unresolved == ["sky@demo.example", "dana@customer.example"]
    assert {r.audience for r in _rows(database, 77)} == {"agent"}
