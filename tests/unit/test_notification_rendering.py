"""Notification templates and webhook signatures, without servers: every kind renders in text
and HTML with the data the workflow sends, HTML is escaped, links reach only customers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from activities.delivery import Outgoing, signed_links, template_context, webhook_payload
from activities.mailer import DeliveryError, build_email, check_address
from activities.rendering import has_templates, render
from activities.webhooks import payload_bytes, signature, verify_signature
from models.links import verify_link
from models.outbox import KINDS
from models.settings import Settings
from workflows.vocabulary import NO_TICKET_KINDS

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
TICKET = {"number": 1042, "subject": "Printer jams", "status": "open", "priority": "normal", "team": "support",
          "assignee": "sam@demo.example", "requester_name": "Dana Scully"}
DATA = {
    "ticket_received": {},
    "agent_reply": {"body": "Please try the tray.\nThanks", "author_name": "Sam Agent", "attachments": ["guide.pdf"]},
    "status_changed": {"status_from": "open", "status_to": "pending", "reason": "Which model is it?"},
    "resolved": {"resolution": "Replaced the roller."},
    "survey": {},
    "merged": {"into": 1040},
    "mention": {"body": "@sue@demo.example can you look?", "author_name": "Sam Agent"},
    "sla_warning": {"milestone": "first_response#0:warning:50", "due_at": "2026-11-23T10:00:00+00:00", "priority": "normal"},
    "sla_breach": {"milestone": "first_response#0:breach:100", "due_at": "2026-11-23T10:00:00+00:00", "priority": "normal"},
    "sla_escalation": {"milestone": "first_response#0:escalation:1", "due_at": "2026-11-23T10:00:00+00:00", "priority": "high"},
    "assigned": {"assigned_by": "Sue Supervisor", "reason": "", "previous_assignee": "sky@demo.example"},
    "customer_replied": {"body": "Still <b>jams</b>.", "author_name": "Dana Scully", "channel": "email",
                         "attachments": ["tray.jpg"]},
    "article_review": {"article": {"id": 5, "title": "Reset <the> printer", "slug": "reset-the-printer",
                                   "status": "published", "visibility": "public", "review_at": "2026-11-23 09:00 UTC",
                                   "link": "https://desk.example/kb/articles/5", "stale": "https://desk.example/kb/stale"}},
}
TICKET_KINDS = tuple(k for k in KINDS if k not in NO_TICKET_KINDS)
LINKS = {"ticket_received": ["view"], "agent_reply": ["view"], "resolved": ["view", "confirm"], "survey": ["survey"]}
SETTINGS = Settings(secret_key="k" * 32, public_url="https://desk.example")


def outgoing(kind: str, data: dict | None = None, audience: str | None = None, **kw) -> Outgoing:
    from models.outbox import audience_of

    recipient = "dana@customer.example" if kind in ("ticket_received", "agent_reply", "status_changed", "resolved",
                                                       "survey", "merged") else "sam@demo.example"
    values = dict(id=7, number=1042, seq=3, kind=kind, channel="email", audience=audience or audience_of(kind, recipient),
                  recipient=recipient, subject=f"[#1042] SLA first response {kind}: Printer jams",
                  data={"ticket": TICKET} | (DATA.get(kind, {}) if data is None else data), requester_name="Dana Scully",
                  links=LINKS.get(kind, []), links_expire_at=NOW + timedelta(days=3), key=f"1042:3:{kind}:{recipient}")
    return Outgoing(**(values | kw))


def test_the_contract_kinds_all_have_templates():
    assert set(DATA) == set(KINDS)
    assert all(has_templates(kind) for kind in KINDS)


@pytest.mark.parametrize("kind", TICKET_KINDS)
def test_every_kind_renders_subject_text_and_html(kind):
    out = outgoing(kind)
    links = signed_links(out, SETTINGS, NOW)
    r = render(kind, template_context(out, links))
    assert r.subject.startswith("[#1042] ") and "\n" not in r.subject and r.subject.count("[#1042]") == 1
    assert "#1042" in r.text and "#1042" in r.html
    assert r.html.lstrip().startswith("<!DOCTYPE html>") and "</html>" in r.html
    for url in links.values():
        assert url in r.text and url in r.html
    if out.audience == "agent":
        assert links == {} and "/portal/t/" not in r.text + r.html


def test_a_review_reminder_is_about_its_article_and_no_ticket():
    out = outgoing("article_review", number=-5, subject="Review due: Reset")
    out.data.pop("ticket")  # the reminder's data has none
    r = render("article_review", template_context(out, {}))
    assert r.subject == "Service desk: Review due: Reset" and "#" not in r.subject
    assert '"Reset <the> printer"' in r.text and "https://desk.example/kb/articles/5" in r.text
    assert "&ldquo;Reset &lt;the&gt; printer&rdquo;" in r.html and 'href="https://desk.example/kb/stale"' in r.html


def test_sla_mails_render_with_the_data_the_workflow_sends_today():
    """Before the workflow adds data.ticket, an SLA notice still renders (from the row)."""
    out = outgoing("sla_breach", data=DATA["sla_breach"])
    out.data.pop("ticket")
    r = render("sla_breach", template_context(out, {}))
    assert r.subject == "[#1042] SLA first response sla_breach: Printer jams"
    assert "breached its SLA target" in r.text and "2026-11-23T10:00:00+00:00" in r.html


def test_an_unknown_kind_falls_back_to_the_generic_templates():
    r = render("something_new", template_context(outgoing("something_new", data={}), {}))
    assert r.subject.startswith("[#1042]") and "#1042" in r.text


def test_html_is_escaped_and_text_is_not():
    out = outgoing("agent_reply", data={"body": "<script>alert(1)</script> & <b>bold</b>", "author_name": "<i>Sam</i>"})
    r = render("agent_reply", template_context(out, {}))
    assert "<script>" not in r.html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in r.html
    assert "&lt;i&gt;Sam&lt;/i&gt;" in r.html
    assert "<script>alert(1)</script> & <b>bold</b>" in r.text


def test_a_missing_value_is_an_error_not_a_blank():
    with pytest.raises(Exception, match="body"):
        render("agent_reply", template_context(outgoing("agent_reply", data={"author_name": "Sam"}), {}))


def test_links_are_signed_for_their_purpose_and_expiry():
    out = outgoing("resolved")
    links = signed_links(out, SETTINGS, NOW)
    assert set(links) == {"view", "confirm"}
    token = links["confirm"].removeprefix("https://desk.example/portal/t/")
    claims = verify_link(SETTINGS.link_secret, token, now=NOW, purpose="confirm")
    assert claims.number == 1042 and claims.expires_at == NOW + timedelta(days=3)
    view = verify_link(SETTINGS.link_secret, links["view"].rsplit("/", 1)[1], now=NOW, purpose="view")
    assert view.expires_at == NOW + timedelta(days=90)  # the page outlives the confirmation deadline
    again = signed_links(out, SETTINGS, NOW + timedelta(minutes=5))  # a retry: the same one-time link id
    assert verify_link(SETTINGS.link_secret, again["confirm"].rsplit("/", 1)[1], now=NOW).link_id == claims.link_id
    assert signed_links(outgoing("resolved", audience="agent"), SETTINGS, NOW) == {}


def test_webhook_payload_has_no_links_and_a_verifiable_signature():
    out = outgoing("resolved", channel="webhook", audience="system", recipient="webhook:chat")
    payload = webhook_payload(out)
    body = payload_bytes(payload)
    assert "portal" not in body.decode() and "links" not in payload
    assert json.loads(body) == {"kind": "resolved", "key": out.key, "subject": out.subject, "ticket": TICKET,
                                "data": {"resolution": "Replaced the roller."}}
    sig = signature("s3cret-s3cret-s3cret", body)
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert verify_signature("s3cret-s3cret-s3cret", body, sig)
    assert not verify_signature("another-secret-xx", body, sig)
    assert not verify_signature("s3cret-s3cret-s3cret", body + b" ", sig)


def test_mail_is_multipart_alternative_with_threading_headers():
    msg = build_email(kind="resolved", sender="Service desk <help@servicedesk.localhost>", to="dana@customer.example",
                      subject="[#1042] Resolved", text="plain", html="<p>html</p>", message_id="<ticket-1042.3.ab@sd>",
                      in_reply_to="<first@customer.example>", references=["<first@customer.example>", "<ticket-1042.1.cd@sd>"])
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Message-ID"] == "<ticket-1042.3.ab@sd>" and msg["In-Reply-To"] == "<first@customer.example>"
    assert msg["References"] == "<first@customer.example> <ticket-1042.1.cd@sd>"
    assert msg["Auto-Submitted"] == "auto-generated"
    human = build_email(kind="agent_reply", sender="x@y.example", to="d@c.example", subject="s", text="t", html="h",
                        message_id="<a@b>")
    assert human["Auto-Submitted"] is None


@pytest.mark.parametrize("bad", ["nobody", "a b@example.com", "x@", "@example.com", "a@b.example\r\nBcc: c@d.example"])
def test_an_address_that_cannot_be_mailed_is_a_permanent_failure(bad):
    with pytest.raises(DeliveryError) as err:
        check_address(bad)
    assert err.value.permanent
