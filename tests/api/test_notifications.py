"""Notifications end to end: the API and a worker on the real dev server deliver to a real
SMTP server (aiosmtpd) and a real HTTP receiver. What a customer, an agent or a chat-ops
channel would see: the mails, their links and threading, the webhook and its signature.

The customer-facing triggers (received, reply, status, resolved, survey, merged, mention)
are the ticket workflow's (workflows/notices.py); SLA mails come from workflows/ticket_sla.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from activities.webhooks import verify_signature
from models.links import verify_link
from models.tables import Notification
from tests.api.conftest import running_desk, token_for
from tests.notification_servers import Mailbox, WebhookReceiver, eventually, mailbox

SECRET = "api-test-link-secret-0123456789"
PUBLIC = "http://desk.test"
DANA = "dana@customer.example"
FAST = {
    "name": "Fast lane", "priority": "normal", "category": "fast", "calendar": None,
    "first_response_seconds": 2, "resolution_seconds": 3600, "pause_statuses": ["pending", "on_hold"],
    "warnings": [], "escalations": [],
}


@contextlib.asynccontextmanager
async def mailing_desk(dev_server, database, task_queue, monkeypatch, box: Mailbox):
    """running_desk whose worker mails to `box` (the worker reads its settings from the
    environment, the API from running_desk's arguments: both are given)."""
    values = {"smtp_port": box.port, "secret_key": SECRET, "public_url": PUBLIC,
              "delivery_retry_initial_seconds": 0.2, "delivery_retry_max_seconds": 1.0}
    for key, value in values.items():
        monkeypatch.setenv(f"SERVICEDESK_{key.upper()}", str(value))
    async with running_desk(dev_server, database, task_queue, **values) as desk:
        yield desk


def texts(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def portal_token(text: str) -> str:
    return re.search(re.escape(PUBLIC) + r"/portal/t/(\S+)", text).group(1)


def outbox(desk, number: int) -> list[Notification]:
    with desk.db.sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.number == number).order_by(Notification.id)))


async def test_a_new_ticket_is_acknowledged_by_mail_with_its_number_and_a_view_link(dev_server, database, task_queue,
                                                                                   monkeypatch):
    with mailbox() as box:
        async with mailing_desk(dev_server, database, task_queue, monkeypatch, box) as desk:
            number = (await desk.create(subject="Printer jams", requester={"email": DANA, "name": "Dana Scully"})).json()["number"]
            msg = (await eventually(lambda: box.to(DANA), what="the acknowledgement"))[0]
            assert f"[#{number}]" in msg["Subject"] and "Printer jams" in msg["Subject"]
            assert msg.get_content_type() == "multipart/alternative"
            text, html = texts(msg)
            assert f"#{number}" in text and "Dana Scully" in text and f"#{number}" in html
            claims = verify_link(SECRET, portal_token(text), purpose="view")
            assert claims.number == number
            # The link opens the customer's page of this ticket.
            page = await desk.http.get(f"/portal/t/{portal_token(text)}")
            assert page.status_code == 200 and "Printer jams" in page.text
            sent = await eventually(lambda: [r for r in outbox(desk, number) if r.status == "sent" and r.recipient == DANA],
                                    what="sent")
            assert [(r.kind, r.recipient, r.message_id) for r in sent] == [("ticket_received", DANA, msg["Message-ID"])]


async def test_an_agent_reply_is_mailed_escaped_and_the_customers_answer_threads_back(dev_server, database, task_queue,
                                                                                     monkeypatch):
    with mailbox() as box:
        async with mailing_desk(dev_server, database, task_queue, monkeypatch, box) as desk:
            number = (await desk.create(subject="VPN drops")).json()["number"]
            await desk.wait_routed(number)
            r = await desk.act(number, kind="reply", body="Please restart <script>alert('x')</script> & retry")
            assert r.status_code == 200, r.text
            reply = (await eventually(lambda: [m for m in box.to(DANA) if m["Subject"].startswith(f"[#{number}] Re:")],
                                      what="the reply mail"))[0]
            text, html = texts(reply)
            assert "Please restart <script>alert('x')</script> & retry" in text
            assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; retry" in html
            first = next(m for m in box.to(DANA) if "received" in m["Subject"])
            assert first["Message-ID"] in reply["References"].split()

            # The customer answers from their mail program: threaded by In-Reply-To alone.
            raw = (f"From: Dana <{DANA}>\r\nTo: help@servicedesk.localhost\r\nSubject: Re: hello\r\n"
                   f"Message-ID: <answer-{number}@customer.example>\r\nIn-Reply-To: {reply['Message-ID']}\r\n"
                   f"References: {reply['References']} {reply['Message-ID']}\r\n\r\nStill drops every hour.\r\n")
            r = await desk.http.post("/inbound/email", content=raw.encode(), headers=desk.auth() | {"Content-Type": "message/rfc822"})
            assert r.status_code == 200 and r.json() == r.json() | {"outcome": "replied", "number": number}, r.text
            await desk.wait_for(number, lambda t: any("Still drops every hour." in (e.get("body") or "")
                                                      for e in t.get("conversation", [])))


async def test_a_mention_in_an_internal_note_mails_the_colleague_and_not_the_customer(dev_server, database, task_queue,
                                                                                     monkeypatch):
    with mailbox() as box:
        async with mailing_desk(dev_server, database, task_queue, monkeypatch, box) as desk:
            number = (await desk.create(subject="Invoice wrong")).json()["number"]
            assignee = (await desk.wait_routed(number))["assignee"]
            await eventually(lambda: box.to(DANA), what="the acknowledgement")
            r = await desk.act(number, kind="note", body="@sue@demo.example can you check the <b>refund</b>?")
            assert r.status_code == 200, r.text
            msg = (await eventually(lambda: box.to("sue@demo.example"), what="the mention"))[0]
            text, html = texts(msg)
            assert f"[#{number}]" in msg["Subject"] and "can you check the <b>refund</b>?" in text
            assert "&lt;b&gt;refund&lt;/b&gt;" in html and "/portal/t/" not in text + html  # agents get no customer links
            rows = await eventually(lambda: (rs := outbox(desk, number)) and all(x.status == "sent" for x in rs) and rs,
                                    what="all sent")
            assert sorted((x.kind, x.recipient) for x in rows) == [("assigned", assignee), ("mention", "sue@demo.example"),
                                                                   ("ticket_received", DANA)]
            assert [m["Subject"] for m in box.to(DANA)] == [next(iter(box.to(DANA)))["Subject"]]  # only the acknowledgement


async def test_status_resolution_and_survey_mails_carry_the_right_links(dev_server, database, task_queue, monkeypatch):
    with mailbox() as box:
        async with mailing_desk(dev_server, database, task_queue, monkeypatch, box) as desk:
            number = (await desk.create(subject="Laptop slow")).json()["number"]
            await desk.wait_routed(number)
            assert (await desk.act(number, kind="pend", reason="Which model is it?")).status_code == 200
            pending = (await eventually(lambda: [m for m in box.to(DANA) if "waiting for your answer" in m["Subject"]],
                                        what="the pending mail"))[0]
            assert "Which model is it?" in texts(pending)[0]
            assert (await desk.act(number, kind="resume")).status_code == 200
            assert (await desk.act(number, kind="resolve", resolution="Added memory.")).status_code == 200
            resolved = (await eventually(lambda: [m for m in box.to(DANA) if "Resolved:" in m["Subject"]],
                                         what="the resolution mail"))[0]
            text = texts(resolved)[0]
            assert "Added memory." in text
            confirm = next(t for t in re.findall(re.escape(PUBLIC) + r"/portal/t/(\S+)", text)
                           if verify_link(SECRET, t).purpose == "confirm")
            claims = verify_link(SECRET, confirm, purpose="confirm")
            assert claims.number == number and claims.expires_at < datetime.now(timezone.utc) + timedelta(days=8)
            assert (await desk.act(number, kind="close")).status_code == 200
            survey = (await eventually(lambda: [m for m in box.to(DANA) if "How did we do?" in m["Subject"]],
                                       what="the survey mail"))[0]
            assert verify_link(SECRET, portal_token(texts(survey)[0]), purpose="survey").number == number


async def test_an_sla_breach_mails_the_assignee_and_reaches_a_signed_webhook(dev_server, database, task_queue, monkeypatch):
    with mailbox() as box, WebhookReceiver() as hooks:
        async with mailing_desk(dev_server, database, task_queue, monkeypatch, box) as desk:
            admin = desk.auth("admin")
            r = await desk.http.post("/admin/webhooks", headers=admin, json={
                "name": "chatops", "url": hooks.url + "/chat", "secret": "chatops-shared-secret", "kinds": ["sla_breach"]})
            assert r.status_code == 201, r.text
            assert (await desk.http.post("/admin/sla-policies", json=FAST, headers=admin)).status_code == 201
            number = (await desk.create(subject="Coffee machine", category="fast")).json()["number"]
            assignee = (await desk.wait_routed(number))["assignee"]
            msg = (await eventually(lambda: [m for m in box.to(assignee) if "breach" in m["Subject"]], timeout=30,
                                    what="the breach mail"))[0]
            text, _ = texts(msg)
            assert f"[#{number}]" in msg["Subject"] and "breached its SLA target" in text and "/portal/t/" not in text
            hook = (await eventually(lambda: hooks.requests, what="the webhook"))[0]
            assert hook.path == "/chat"
            assert verify_signature("chatops-shared-secret", hook.body, hook.headers["x-servicedesk-signature"])
            payload = json.loads(hook.body)
            assert payload["kind"] == "sla_breach" and payload["ticket"]["number"] == number
            assert hook.headers["x-servicedesk-delivery"] == payload["key"]

            # The receiver has the request before the outbox row is marked sent: read until it is.
            for _ in range(100):
                listed = (await desk.http.get("/admin/notifications", params={"number": number, "status": "sent"},
                                              headers=desk.auth("supervisor"))).json()
                if {(n["kind"], n["channel"]) for n in listed} >= {("sla_breach", "email"), ("sla_breach", "webhook")}:
                    break
                await asyncio.sleep(0.2)
            assert {(n["kind"], n["channel"]) for n in listed} >= {("sla_breach", "email"), ("sla_breach", "webhook")}
            assert all(datetime.fromisoformat(n["created_at"]).utcoffset() == timedelta(0) for n in listed)
            assert (await desk.http.get("/admin/notifications", headers=desk.auth("agent"))).status_code == 403


def _fields(r) -> dict[str, str]:
    return {f["field"]: f["message"] for f in r.json()["error"]["fields"]}


async def test_webhook_administration_validates_and_never_shows_the_secret(desk):
    admin = desk.auth("admin")
    body = {"name": "pager", "url": "https://pager.example/in", "secret": "0123456789abcdef", "kinds": ["sla_escalation"]}
    r = await desk.http.post("/admin/webhooks", json=body, headers=admin)
    assert r.status_code == 201 and r.headers["location"] == "/admin/webhooks/pager"
    assert r.json() | {"created_at": None, "updated_at": None} == {
        "name": "pager", "url": "https://pager.example/in", "kinds": ["sla_escalation"], "active": True,
        "created_at": None, "updated_at": None}
    assert datetime.fromisoformat(r.json()["created_at"]).utcoffset() == timedelta(0)  # read back from SQLite
    [listed] = (await desk.http.get("/admin/webhooks", headers=admin)).json()
    assert datetime.fromisoformat(listed["updated_at"]).utcoffset() == timedelta(0)
    assert (await desk.http.post("/admin/webhooks", json=body, headers=admin)).status_code == 409
    for role in ("agent", "supervisor", "auditor"):
        assert (await desk.http.get("/admin/webhooks", headers=desk.auth(role))).status_code == 403
    bad = await desk.http.post("/admin/webhooks", headers=admin, json={
        "name": "Bad Name", "url": "ftp://x", "secret": "short", "kinds": ["sla_breach", "nonsense"], "extra": 1})
    assert bad.status_code == 422 and bad.json()["error"]["type"] == "ValidationError"
    assert set(_fields(bad)) == {"name", "url", "secret", "kinds", "extra"}
    assert "nonsense" in _fields(bad)["kinds"]
    assert "secret" not in json.dumps((await desk.http.get("/admin/webhooks", headers=admin)).json())

    r = await desk.http.put("/admin/webhooks/pager", headers=admin, json={"url": "https://pager.example/v2",
                                                                          "kinds": ["*", "sla_breach"], "active": False})
    assert r.status_code == 200 and r.json()["kinds"] == ["*"] and not r.json()["active"] and "secret" not in r.json()
    with desk.db.sessions() as s:
        from models.webhooks import get_webhook
        assert get_webhook(s, "pager").secret == "0123456789abcdef"  # kept: left out of the replacement
    missing = await desk.http.put("/admin/webhooks/nope", headers=admin, json={"url": "https://x.example", "kinds": ["*"]})
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "WebhookNotFound"
    assert (await desk.http.delete("/admin/webhooks/pager", headers=admin)).status_code == 204
    assert (await desk.http.delete("/admin/webhooks/pager", headers=admin)).status_code == 404


async def test_the_assignee_is_mailed_assignments_and_replies_unless_switched_off_and_webhooks_get_them(
        dev_server, database, task_queue, monkeypatch):
    with mailbox() as box, WebhookReceiver() as hooks:
        async with mailing_desk(dev_server, database, task_queue, monkeypatch, box) as desk:
            r = await desk.http.post("/admin/webhooks", headers=desk.auth("admin"), json={
                "name": "agents", "url": hooks.url + "/agents", "secret": "agents-shared-secret-0",
                "kinds": ["assigned", "customer_replied"]})
            assert r.status_code == 201, r.text
            number = (await desk.create(subject="Scanner offline")).json()["number"]
            routed = (await desk.wait_routed(number))["assignee"]
            assert routed is not None
            # Routing gave it to someone: they are told.
            msg = (await eventually(lambda: [m for m in box.to(routed) if "Assigned to you" in m["Subject"]],
                                    what="routing's assignment mail"))[0]
            assert f"[#{number}]" in msg["Subject"] and "Routing assigned" in texts(msg)[0]

            # A supervisor hands it to a colleague: the colleague is told, by whom.
            target = "sky@demo.example" if routed != "sky@demo.example" else "sam@demo.example"
            assert (await desk.act(number, role="supervisor", kind="assign", assignee=target)).status_code == 200
            msg = (await eventually(lambda: [m for m in box.to(target) if "Assigned to you" in m["Subject"]],
                                    what="the assignment mail"))[0]
            text, html = texts(msg)
            assert "Sue Supervisor assigned" in text and f"#{number}" in html and "/portal/t/" not in text + html

            # The requester writes (passed on by the supervisor): the assignee reads it by mail.
            r = await desk.http.post(f"/tickets/{number}/customer-replies", json={"body": "Still <offline>."},
                                     headers=desk.auth("supervisor"))
            assert r.status_code == 202, r.text
            msg = (await eventually(lambda: [m for m in box.to(target) if "replied" in m["Subject"]],
                                    what="the reply mail"))[0]
            text, html = texts(msg)
            assert "Still <offline>." in text and "Still &lt;offline&gt;." in html

            # The assignee switches replies off: the next one is kept back, and the outbox says why.
            mine = {"Authorization": f"Bearer {token_for(desk.db.sessions, target)}"}
            r = await desk.http.put("/me/notification-preferences", json={"customer_replied": False}, headers=mine)
            assert r.status_code == 200 and r.json() == {"assigned": True, "customer_replied": False, "mention": True}
            assert (await desk.http.get("/me/notification-preferences", headers=mine)).json() == r.json()
            for kind in ("sla_escalation", "nonsense"):
                bad = await desk.http.put("/me/notification-preferences", json={kind: False}, headers=mine)
                assert bad.status_code == 422 and [f["field"] for f in bad.json()["error"]["fields"]] == [kind], bad.text
            r = await desk.http.post(f"/tickets/{number}/customer-replies", json={"body": "Any news?"},
                                     headers=desk.auth("supervisor"))
            assert r.status_code == 202, r.text
            [kept] = await eventually(lambda: [x for x in outbox(desk, number) if x.kind == "customer_replied"
                                               and x.recipient == target and x.status == "suppressed"],
                                      what="the suppressed row")
            assert "notification preferences" in kept.last_error and kept.sent_at is None
            listed = (await desk.http.get("/admin/notifications", params={"number": number, "status": "suppressed"},
                                          headers=desk.auth("supervisor"))).json()
            assert [(n["kind"], n["recipient"]) for n in listed] == [("customer_replied", target)]
            assert len([m for m in box.to(target) if "replied" in m["Subject"]]) == 1

            # The webhook is no agent: it gets every notice of its kinds, the kept-back one too.
            got = await eventually(lambda: (k := [json.loads(h.body) for h in hooks.requests]) and
                                   sum(p["kind"] == "customer_replied" for p in k) == 2 and k, what="the webhooks")
            assert {p["kind"] for p in got} == {"assigned", "customer_replied"}
            assert all(verify_signature("agents-shared-secret-0", h.body, h.headers["x-servicedesk-signature"])
                       for h in hooks.requests)
            assert {p["data"]["body"] for p in got if p["kind"] == "customer_replied"} == {"Still <offline>.", "Any news?"}
