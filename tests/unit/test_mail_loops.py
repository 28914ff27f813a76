"""Robots are told from people: auto-replies, bounces, bulk mail and the desk's own mail."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from api.inbound.mail.loops import robot_reason
from api.inbound.mail.parse import parse_mail

DOMAIN = "servicedesk.localhost"


def parsed(sender: str = "dana@customer.example", **headers):
    m = EmailMessage()
    m["From"] = sender
    m["Subject"] = "Re: [#12] Printer"
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content("text")
    return parse_mail(m.as_bytes())


@pytest.mark.parametrize("headers, reason", [
    ({"Auto_Submitted": "auto-replied"}, "auto-reply: Auto-Submitted: auto-replied"),
    ({"Auto_Submitted": "auto-generated; owner-email=x@y.example"}, "auto-reply: Auto-Submitted: auto-generated; owner-email=x@y.example"),
    ({"Precedence": "bulk"}, "auto-reply: Precedence: bulk"),
    ({"Precedence": "JUNK"}, "auto-reply: Precedence: JUNK"),
    ({"Precedence": "list"}, "auto-reply: Precedence: list"),
    ({"Precedence": "auto_reply"}, "auto-reply: Precedence: auto_reply"),
    ({"X_Autoreply": "yes"}, "auto-reply: X-Autoreply: yes"),
    ({"X_Autorespond": "Out of office"}, "auto-reply: X-Autorespond: Out of office"),
    ({"Return_Path": "<>"}, "bounce: Return-Path: <>"),
])
def test_auto_reply_headers(headers, reason):
    assert robot_reason(parsed(**headers), own_domain=DOMAIN) == reason


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.customer.example", "postmaster@customer.example",
                                    "Mail Delivery System <Mailer-Daemon@mail.example>"])
def test_bounce_senders(sender):
    assert robot_reason(parsed(sender), own_domain=DOMAIN).startswith("bounce: from ")


def test_delivery_status_report_is_a_bounce():
    raw = (b"From: Mail System <mail@relay.example>\r\nSubject: Undelivered Mail Returned to Sender\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b1\r\n\r\n"
           b"--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
           b"--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example\r\n\r\n"
           b"Final-Recipient: rfc822; x@y.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b1--\r\n")
    p = parse_mail(raw)
    assert p.text == "Your message could not be delivered."
    assert robot_reason(p, own_domain=DOMAIN) == "bounce: multipart/report; report-type=delivery-status"


def test_null_envelope_sender_is_a_bounce():
    assert robot_reason(parsed(), own_domain=DOMAIN, envelope_from="<>") == "bounce: null envelope sender (MAIL FROM:<>)"
    assert robot_reason(parsed(), own_domain=DOMAIN, envelope_from="") is not None


@pytest.mark.parametrize("sender", ["help@servicedesk.localhost", "noreply@mail.ServiceDesk.localhost"])
def test_the_desks_own_mail_is_a_loop(sender):
    assert robot_reason(parsed(sender), own_domain=DOMAIN).startswith("loop: ")


@pytest.mark.parametrize("headers", [{}, {"Auto_Submitted": "no"}, {"Precedence": "first-class"},
                                     {"Return_Path": "<dana@customer.example>"}])
def test_a_person_is_not_a_robot(headers):
    assert robot_reason(parsed(**headers), own_domain=DOMAIN, envelope_from="dana@customer.example") is None


def test_lookalike_domains_are_people():
    assert robot_reason(parsed("x@notservicedesk.localhost"), own_domain=DOMAIN) is None
    assert robot_reason(parsed("daemon-fan@customer.example"), own_domain=DOMAIN) is None
