"""E-mail in, with real clients: smtplib against the SMTP listener the app starts, and raw
bytes to POST /inbound/email; real workflows on the dev server, read model on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import httpx
import pytest
from sqlalchemy import func, select

from models.tables import TicketIntake
from tests.api.conftest import Desk, running_desk

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c"
                    "6360000002000154a24f5d0000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4
MAX_MESSAGE = 1024 * 1024
MAX_ATTACHMENT = 128 * 1024
DANA = "Dana Scully <dana@customer.example>"


async def smtp_send(port: int, msg: EmailMessage | bytes, mail_from: str = "dana@customer.example") -> tuple[int, str]:
    """Deliver over SMTP with smtplib (in a thread: the listener runs on this event loop)."""
    raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))

    def send() -> tuple[int, str]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.ehlo("mta.test")
            code, text = client.mail(mail_from)
            if code != 250:
                return code, text.decode()
            client.rcpt("help@servicedesk.localhost")
            try:
                code, text = client.data(raw)
            except smtplib.SMTPDataError as err:
                return err.smtp_code, err.smtp_error.decode()
            return code, text.decode()

    return await asyncio.to_thread(send)


@dataclass
class MailDesk(Desk):
    smtp_port: int = 0

    async def post_mail(self, msg: EmailMessage | bytes, role: str = "agent",
                        content_type: str = "message/rfc822") -> httpx.Response:
        raw = msg if isinstance(msg, bytes) else msg.as_bytes()
        return await self.http.post("/inbound/email", content=raw,
                                    headers=self.auth(role) | {"Content-Type": content_type})

    async def smtp(self, msg: EmailMessage | bytes, mail_from: str = "dana@customer.example") -> tuple[int, str]:
        return await smtp_send(self.smtp_port, msg, mail_from)

    async def inbound_log(self, **params) -> list[dict]:
        r = await self.http.get("/inbound/email", params=params, headers=self.auth("supervisor"))
        assert r.status_code == 200, r.text
        return r.json()

    def ledger_rows(self) -> int:
        with self.db.sessions() as s:
            return s.scalar(select(func.count()).select_from(TicketIntake))


@contextlib.asynccontextmanager
async def running_mail_desk(dev_server, database, task_queue):
    """The desk with its SMTP listener on a free port (also tests/api/test_attachments.py's)."""
    async with running_desk(dev_server, database, task_queue, MailDesk, smtp_listen="127.0.0.1:0",
                            max_message_bytes=MAX_MESSAGE, max_attachment_bytes=MAX_ATTACHMENT) as desk:
        desk.smtp_port = desk.app.state.smtp.port
        yield desk


@pytest.fixture
async def mail_desk(dev_server, database, task_queue):
    async with running_mail_desk(dev_server, database, task_queue) as desk:
        yield desk


def new_mail(subject: str = "Printer jams on floor 3", body: str | None = "Every second page jams.",
             sender: str = DANA, html: str | None = None, **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "Help desk <help@servicedesk.localhost>"
    m["Subject"] = subject
    m["Message-ID"] = headers.pop("Message_ID", None) or make_msgid(domain="customer.example")
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    if body is not None:
        m.set_content(body)
    if html is not None:
        if body is None:
            m.set_content(html, subtype="html")
        else:
            m.add_alternative(html, subtype="html")
    return m


def reply_to(first: EmailMessage, body: str, sender: str = DANA, subject: str | None = None, **headers) -> EmailMessage:
    return new_mail(subject or f"Re: {first['Subject']}", body, sender=sender, In_Reply_To=first["Message-ID"],
                    References=first["Message-ID"], **headers)


def opened_number(smtp_text: str) -> int:
    m = re.search(r"ticket #(\d+)", smtp_text)
    assert m, smtp_text
    return int(m.group(1))


def customer_bodies(ticket: dict) -> list[str]:
    return [e["body"] for e in ticket["conversation"] if e["author"]["kind"] == "customer"]


async def test_a_new_mail_over_smtp_opens_a_ticket_with_its_attachments(mail_desk):
    m = new_mail(body="Every second page jams.\nModel: LaserJet 4.", html="<p>Every second page <b>jams</b>.</p>")
    m.add_attachment(PNG, maintype="image", subtype="png", filename="jam.png")
    m.add_attachment(PDF, maintype="application", subtype="pdf", filename="manual.pdf")
    m.add_attachment(EXE, maintype="application", subtype="octet-stream", filename="driver-fix.exe")

    code, text = await mail_desk.smtp(m)
    assert code == 250, text
    number = opened_number(text)

    t = await mail_desk.wait_for(number, lambda t: t["last_seq"] >= 1)
    assert (t["requester_email"], t["requester_name"], t["subject"], t["channel"]) == (
        "dana@customer.example", "Dana Scully", "Printer jams on floor 3", "email")
    assert t["description"] == "Every second page jams.\nModel: LaserJet 4."

    r = await mail_desk.http.get(f"/tickets/{number}/attachments", headers=mail_desk.auth("auditor"))
    assert r.status_code == 200, r.text
    files = r.json()
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("jam.png", "image/png", len(PNG)), ("manual.pdf", "application/pdf", len(PDF))]
    assert {f["message_id"] for f in files} == {m["Message-ID"]} and {f["uploaded_by"] for f in files} == {None}
    for f, data in zip(files, (PNG, PDF)):
        r = await mail_desk.http.get(f"/tickets/{number}/attachments/{f['id']}", headers=mail_desk.auth("auditor"))
        assert r.status_code == 200 and r.content == data
        assert r.headers["content-type"] == f["content_type"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-disposition"].startswith("attachment;")
        assert f"filename*=UTF-8''{f['filename']}" in r.headers["content-disposition"]

    # The ticket shows its files with their download links (and, below, the one it did not keep).
    assert [(a["filename"], a["url"]) for a in t["attachments"]] == [
        (f["filename"], f"/tickets/{number}/attachments/{f['id']}") for f in files]

    # The refused .exe did not stop the ticket, and the operators' log says what was not kept.
    entry = next(e for e in await mail_desk.inbound_log() if e["number"] == number)
    assert (entry["outcome"], entry["via"], entry["sender"]) == ("opened", "smtp", "dana@customer.example")
    assert datetime.fromisoformat(entry["received_at"]).utcoffset() == timedelta(0)
    assert t["refused_attachments"] == [  # needs api/tickets/intake.py to pass refused_attachments on (lead)
        {"filename": "driver-fix.exe", "reason": "executable files are not accepted (a Windows executable)"}]
    assert "driver-fix.exe: executable files are not accepted" in entry["reason"]


async def test_html_only_mail_reads_as_text(mail_desk):
    m = new_mail(body=None, html="<html><body><p>Wi-Fi is <i>down</i> in room&nbsp;4.</p><p>Since 9:00</p></body></html>")
    r = await mail_desk.post_mail(m)
    assert r.status_code == 201, r.text
    t = await mail_desk.wait_for(r.json()["number"], lambda t: t["last_seq"] >= 1)
    assert t["description"] == "Wi-Fi is down in room 4.\n\nSince 9:00"


async def test_a_reply_threads_by_in_reply_to_and_lands_once(mail_desk):
    first = new_mail()
    r = await mail_desk.post_mail(first)
    assert r.status_code == 201 and r.json()["outcome"] == "opened", r.text
    number = r.json()["number"]
    await mail_desk.wait_routed(number)

    # Outlook-style: a reply whose subject no longer carries anything, only the header.
    reply = reply_to(first, "It also jams on floor 4.\n\nOn Mon, 23 Nov 2026 at 09:00, Dana Scully "
                            "<dana@customer.example> wrote:\n> Every second page jams.", subject="RE: printer")
    r = await mail_desk.post_mail(reply)
    assert r.status_code == 200, r.text
    assert (r.json()["outcome"], r.json()["number"]) == ("replied", number)
    t = await mail_desk.wait_for(number, lambda t: "It also jams on floor 4." in customer_bodies(t))
    entry = next(e for e in t["conversation"] if e["body"] == "It also jams on floor 4.")
    assert entry["author"] == {"kind": "customer", "id": "dana@customer.example", "name": "Dana Scully"}

    # The same reply again over SMTP: no second copy. A later reply proves the repeat was processed.
    code, text = await mail_desk.smtp(reply)
    assert code == 250 and f"already taken in (ticket #{number})" in text
    r = await mail_desk.post_mail(reply_to(first, "Fixed after a restart."))
    assert r.json()["outcome"] == "replied"
    t = await mail_desk.wait_for(number, lambda t: "Fixed after a restart." in customer_bodies(t))
    assert customer_bodies(t) == ["It also jams on floor 4.", "Fixed after a restart."]  # the workflow drops a Message-ID it has seen

    # A reply to a reply (References only, to the customer's own first mail) threads too.
    chained = new_mail("Re: Re: printer", "One more thing.", References=f"{first['Message-ID']} <x@elsewhere.example>")
    r = await mail_desk.post_mail(chained)
    assert (r.json()["outcome"], r.json()["number"]) == ("replied", number)


async def test_subject_number_threads_only_for_the_requester(mail_desk):
    r = await mail_desk.post_mail(new_mail("Laptop fan noise", "Very loud."))
    number = r.json()["number"]
    await mail_desk.wait_routed(number)  # the requester check reads the read model

    mine = new_mail(f"Re: [#{number}] Laptop fan noise", "Still loud.", sender="DANA@Customer.Example")
    r = await mail_desk.post_mail(mine)
    assert (r.status_code, r.json()["outcome"], r.json()["number"]) == (200, "replied", number)
    r = await mail_desk.post_mail(new_mail(f"Fwd: #{number} Laptop fan", "Forwarding.", sender="dana@customer.example"))
    assert (r.json()["outcome"], r.json()["number"]) == ("replied", number)
    await mail_desk.wait_for(number, lambda t: customer_bodies(t) == ["Still loud.", "Forwarding."])

    # A stranger guessing the number opens a ticket of their own instead.
    stranger = new_mail(f"Re: [#{number}] Laptop fan noise", "I can write here?", sender="mallory@evil.example")
    r = await mail_desk.post_mail(stranger)
    assert r.status_code == 201 and r.json()["outcome"] == "opened"
    assert r.json()["number"] != number
    t = await mail_desk.ticket(number)
    assert "I can write here?" not in customer_bodies(t)


async def test_the_same_mail_delivered_twice_is_one_ticket(mail_desk):
    m = new_mail("Monitor flickers", "Since Monday.")
    m.add_attachment(PNG, maintype="image", subtype="png", filename="flicker.png")
    before = mail_desk.ledger_rows()
    code1, text1 = await mail_desk.smtp(m)
    code2, text2 = await mail_desk.smtp(m)
    r = await mail_desk.post_mail(m)
    assert (code1, code2) == (250, 250), (text1, text2)
    number = opened_number(text1)
    assert "opened" in text1 and f"already taken in (ticket #{number})" in text2
    assert (r.status_code, r.json()["outcome"], r.json()["number"]) == (200, "duplicate", number)
    assert mail_desk.ledger_rows() == before + 1

    # A mail without a Message-ID is keyed by its bytes.
    bare = new_mail("No id here", "Hello")
    del bare["Message-ID"]
    r1, r2 = await mail_desk.post_mail(bare), await mail_desk.post_mail(bare)
    assert (r1.json()["outcome"], r2.json()["outcome"]) == ("opened", "duplicate")
    assert r1.json()["number"] == r2.json()["number"]

    r = await mail_desk.http.get(f"/tickets/{number}/attachments", headers=mail_desk.auth())
    assert [f["filename"] for f in r.json()] == ["flicker.png"]  # stored once
    log = [e for e in await mail_desk.inbound_log() if e["message_id"] == m["Message-ID"]]
    assert sorted(e["outcome"] for e in log) == ["duplicate", "duplicate", "opened"]


AUTOMATIC = [
    ({"Auto_Submitted": "auto-replied"}, DANA, "auto-reply: Auto-Submitted: auto-replied"),
    ({"Precedence": "bulk"}, DANA, "auto-reply: Precedence: bulk"),
    ({"X_Autoreply": "yes"}, DANA, "auto-reply: X-Autoreply: yes"),
    ({}, "Mail Delivery System <MAILER-DAEMON@mx.customer.example>", "bounce: from mailer-daemon@mx.customer.example"),
    ({"Return_Path": "<>"}, DANA, "bounce: Return-Path: <>"),
    ({}, "Help desk <help@servicedesk.localhost>", "loop: sent from the desk's own domain (help@servicedesk.localhost)"),
]


async def test_auto_replies_and_bounces_open_nothing_and_are_logged(mail_desk):
    before = mail_desk.ledger_rows()
    for headers, sender, reason in AUTOMATIC:
        m = new_mail("Out of office: Printer jams", "I am away until Monday.", sender=sender, **headers)
        r = await mail_desk.post_mail(m)
        assert r.status_code == 202, r.text
        assert (r.json()["outcome"], r.json()["number"], r.json()["reason"]) == ("ignored", None, reason)

    # Over SMTP an automatic mail is accepted (250), never refused: a refusal is a bounce, and loops start so.
    bounce = new_mail("Undelivered Mail Returned to Sender", "Delivery failed.", sender="postmaster@customer.example")
    code, text = await mail_desk.smtp(bounce, mail_from="<>")
    assert code == 250 and "not answered" in text
    null_sender = new_mail("Delivery Status Notification", "Could not deliver.")
    code, text = await mail_desk.smtp(null_sender, mail_from="<>")
    assert code == 250, text
    report = (b"From: Mail System <mail@relay.example>\r\nSubject: Undelivered\r\nMessage-ID: <r1@relay.example>\r\n"
              b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b1\r\n\r\n"
              b"--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
              b"--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example\r\n\r\n"
              b"Final-Recipient: rfc822; x@y.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b1--\r\n")
    r = await mail_desk.post_mail(report)
    assert r.status_code == 202 and r.json()["reason"] == "bounce: multipart/report; report-type=delivery-status"

    assert mail_desk.ledger_rows() == before
    ignored = await mail_desk.inbound_log(outcome="ignored")
    assert len(ignored) == len(AUTOMATIC) + 3 and all(e["raw_kept"] and e["number"] is None for e in ignored)
    assert "bounce: null envelope sender (MAIL FROM:<>)" in {e["reason"] for e in ignored}
    r = await mail_desk.http.get(f"/inbound/email/{ignored[0]['id']}/raw", headers=mail_desk.auth("admin"))
    assert r.status_code == 200 and r.content == report


MALFORMED = [
    (b"Subject: no sender\r\n\r\nHello\r\n", "header From", "no From header"),
    (b"From: Dana without address\r\nSubject: x\r\n\r\nHello\r\n", "header From", "no parsable address"),
    (b"From: dana@customer.example\r\nSubject: empty\r\n\r\n\r\n", "body", "no text and no attachments"),
    (b"From: dana@customer.example\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n"
     b"--zz\r\nContent-Type: text/plain\r\n\r\nhi\r\n--zz--\r\n", "body", "without its boundary"),
    (b"From: root@localhost\r\nSubject: cron\r\n\r\nDisk full\r\n", "header From", "not a deliverable address"),
]


async def test_malformed_mail_is_refused_and_writes_no_ticket(mail_desk):
    before = mail_desk.ledger_rows()
    for raw, field, words in MALFORMED:
        r = await mail_desk.post_mail(raw)
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["type"] == "MalformedMail" and words in err["message"]
        assert err["fields"][0]["field"] == field
        code, text = await mail_desk.smtp(raw)
        assert code == 554 and text.startswith("5.6.0 ") and words in text, text
    assert mail_desk.ledger_rows() == before
    rejected = await mail_desk.inbound_log(outcome="rejected")
    assert len(rejected) == 2 * len(MALFORMED) and all(e["raw_kept"] for e in rejected)
    assert {e["via"] for e in rejected} == {"http", "smtp"}


async def test_a_huge_message_is_refused(mail_desk):
    before = mail_desk.ledger_rows()
    m = new_mail("Big scan", "See attached.")
    m.add_attachment(PDF + b"0" * MAX_MESSAGE, maintype="application", subtype="pdf", filename="scan.pdf")
    r = await mail_desk.post_mail(m)
    assert r.status_code == 413 and r.json()["error"]["type"] == "PayloadTooLarge"
    code, text = await mail_desk.smtp(m)
    assert code == 552, text
    assert mail_desk.ledger_rows() == before

    # One attachment over its own limit inside a mail under the message limit: the mail is kept, the file is not.
    m = new_mail("Medium scan", "See attached.")
    m.add_attachment(PDF + b"0" * MAX_ATTACHMENT, maintype="application", subtype="pdf", filename="scan.pdf")
    r = await mail_desk.post_mail(m)
    assert r.status_code == 201, r.text
    assert r.json()["attachments"] == []
    assert r.json()["refused_attachments"] == [{"filename": "scan.pdf", "reason":
                                                f"too large: {len(PDF) + MAX_ATTACHMENT} bytes, the limit is {MAX_ATTACHMENT} bytes"}]


async def test_a_reply_to_a_closed_ticket_opens_a_follow_up(mail_desk):
    first = new_mail("Keyboard missing keys", "The Q key is gone.")
    number = (await mail_desk.post_mail(first)).json()["number"]
    await mail_desk.wait_routed(number)
    assert (await mail_desk.act(number, kind="resolve", resolution="New keyboard")).status_code == 200
    assert (await mail_desk.act(number, kind="close", role="supervisor")).status_code == 200

    r = await mail_desk.post_mail(reply_to(first, "Now the W key is gone too."))
    assert r.status_code == 201 and r.json()["outcome"] == "opened", r.text
    follow_up = r.json()["number"]
    assert follow_up != number and r.json()["reason"] == f"follow-up to closed ticket #{number}"
    t = await mail_desk.wait_for(follow_up, lambda t: t["last_seq"] >= 1)
    assert "follow-up" in t["tags"]
    assert t["description"] == f"Follow-up to #{number}\n\nNow the W key is gone too."
    assert t["subject"] == "Re: Keyboard missing keys" and t["requester_email"] == "dana@customer.example"
    # The closed ticket is unchanged.
    assert customer_bodies(await mail_desk.ticket(number)) == []


async def test_a_reply_to_a_merged_duplicate_goes_to_its_primary(mail_desk):
    primary = (await mail_desk.post_mail(new_mail("VPN down", "Since 9am."))).json()["number"]
    first = new_mail("VPN broken again", "Cannot connect.", sender="Eli <eli@customer.example>")
    dup = (await mail_desk.post_mail(first)).json()["number"]
    await mail_desk.wait_routed(primary)
    await mail_desk.wait_routed(dup)
    r = await mail_desk.act(dup, kind="merge", into=primary)
    assert r.status_code == 200 and r.json()["merged_into"] == primary

    r = await mail_desk.post_mail(reply_to(first, "Works again for me.", sender="Eli <eli@customer.example>"))
    assert (r.status_code, r.json()["outcome"], r.json()["number"]) == (200, "replied", primary), r.text
    assert f"#{dup} was merged into #{primary}" in r.json()["reason"]
    t = await mail_desk.wait_for(primary, lambda t: "Works again for me." in customer_bodies(t))
    entry = next(e for e in t["conversation"] if e["body"] == "Works again for me.")
    assert entry["author"]["id"] == "eli@customer.example"


async def test_the_endpoint_wants_a_token_and_a_raw_message(mail_desk):
    raw = new_mail().as_bytes()
    r = await mail_desk.http.post("/inbound/email", content=raw, headers={"Content-Type": "message/rfc822"})
    assert r.status_code == 401
    r = await mail_desk.post_mail(raw, role="auditor")
    assert r.status_code == 403
    r = await mail_desk.post_mail(raw, content_type="application/json")
    assert r.status_code == 415 and r.json()["error"]["fields"][0]["field"] == "header Content-Type"
    r = await mail_desk.post_mail(new_mail("Plain pipe", "from a script"), content_type="text/plain")
    assert r.status_code == 201
    r = await mail_desk.http.get("/inbound/email", headers=mail_desk.auth("agent"))
    assert r.status_code == 403  # the log is for supervisors and admins


async def test_smtp_says_try_again_later_when_the_database_is_away(mail_desk):
    """A 451 keeps the mail with the sending MTA, which retries: nothing is lost."""
    from api.tickets.intake import Intake
    from api.inbound.mail.inbound import MailIntake
    from api.inbound.mail.smtp import SmtpListener
    from models.db import make_engine, make_sessions

    dead = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", connect_args={"connect_timeout": 2})
    sessions = make_sessions(dead)
    gateway = mail_desk.app.state.gateway
    away = MailIntake(sessions, Intake(sessions, gateway), gateway, mail_desk.app.state.settings)
    listener = SmtpListener(away, "127.0.0.1:0", data_size_limit=MAX_MESSAGE, hostname="servicedesk.localhost")
    await listener.start()
    m = new_mail("Phone line dead", "No dial tone.")
    try:
        code, text = await smtp_send(listener.port, m)
    finally:
        await listener.stop()
        dead.dispose()
    assert code == 451 and text.startswith("4.3.0 ") and "try again later" in text, text

    code, text = await mail_desk.smtp(m)  # the MTA's retry, once the desk is back
    assert code == 250 and "opened ticket #" in text
