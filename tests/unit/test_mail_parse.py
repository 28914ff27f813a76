"""MIME -> ParsedMail: what the desk reads out of real-shaped messages, and what it refuses."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from api.inbound.mail.parse import MalformedMail, html_to_text, parse_mail, reply_text

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def mail(**headers) -> EmailMessage:
    m = EmailMessage()
    m["From"] = headers.pop("From", "Dana Scully <Dana.Scully@Customer.example>")
    m["To"] = "help@servicedesk.localhost"
    m["Subject"] = headers.pop("Subject", "Printer jams")
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    return m


def test_plain_mail_gives_sender_subject_body_and_ids():
    m = mail(Message_ID="<first.1@Customer.example>", In_Reply_To="<ticket-5.2.ab@servicedesk.localhost>",
             References="<a@x.example> <ticket-5.2.ab@servicedesk.localhost>")
    m.set_content("Every second page jams.\n\n-- \nDana\n")
    p = parse_mail(m.as_bytes())
    assert (p.from_address, p.from_name, p.subject) == ("dana.scully@customer.example", "Dana Scully", "Printer jams")
    assert p.text == "Every second page jams.\n\n--\nDana"  # trailing spaces go
    assert p.message_id == "<first.1@Customer.example>"
    assert p.in_reply_to == ["<ticket-5.2.ab@servicedesk.localhost>"]
    assert p.references == ["<a@x.example>", "<ticket-5.2.ab@servicedesk.localhost>"]
    assert p.attachments == [] and p.html is None


def test_alternative_prefers_text_and_keeps_html():
    m = mail()
    m.set_content("Plain version")
    m.add_alternative("<p>HTML <b>version</b></p>", subtype="html")
    p = parse_mail(m.as_bytes())
    assert p.text == "Plain version" and "<b>version</b>" in p.html
    assert p.attachments == []


def test_html_only_mail_gets_a_readable_text_body():
    m = mail()
    m.set_content("<html><head><style>p{color:red}</style><title>t</title></head><body>"
                  "<p>Hello&nbsp;team,</p><p>the <a href='https://x.example/q'>queue</a> is stuck.<br>Since 9:00.</p>"
                  "<ul><li>one</li><li>two</li></ul><script>alert(1)</script></body></html>", subtype="html")
    p = parse_mail(m.as_bytes())
    assert p.text == "Hello team,\n\nthe queue (https://x.example/q) is stuck.\nSince 9:00.\n\n- one\n\n- two"
    assert "alert" not in p.text and "color" not in p.text


def test_encoded_words_and_rfc2231_filenames_are_decoded():
    m = mail(Subject="=?utf-8?q?Caf=C3=A9_machine?= broken", From="=?utf-8?b?w4lsb2TDrWU=?= <elodie@x.example>")
    m.set_content("Résumé attached", charset="utf-8")
    m.add_attachment(PNG, maintype="image", subtype="png", filename="écran 1.png")
    p = parse_mail(m.as_bytes())
    assert p.subject == "Café machine broken" and p.from_name == "Élodíe"
    assert p.text == "Résumé attached"
    assert [(a.filename, a.content_type, a.data) for a in p.attachments] == [("écran 1.png", "image/png", PNG)]


def test_attachments_of_nested_parts_and_forwarded_mail():
    inner = mail(Subject="original")
    inner.set_content("the forwarded text")
    m = mail()
    m.set_content("see attached")
    m.add_alternative("<p>see attached</p>", subtype="html")
    m.add_attachment(b"%PDF-1.4 report", maintype="application", subtype="pdf", filename="report.pdf")
    m.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="data.csv")
    m.add_attachment(inner)
    p = parse_mail(m.as_bytes())
    assert p.text == "see attached"
    assert [(a.filename, a.content_type) for a in p.attachments] == [
        ("report.pdf", "application/pdf"), ("data.csv", "text/csv"), ("forwarded.eml", "message/rfc822")]
    assert b"the forwarded text" in p.attachments[2].data


def test_a_mail_of_only_an_attachment_is_taken():
    m = mail()
    m.add_attachment(PNG, maintype="image", subtype="png", filename="shot.png")
    p = parse_mail(m.as_bytes())
    assert p.text == "" and [a.filename for a in p.attachments] == ["shot.png"]


def test_loop_headers_are_read():
    m = mail(Auto_Submitted="auto-replied", Precedence="bulk", X_Autoreply="yes")
    m.set_content("I am away")
    assert parse_mail(m.as_bytes()).headers == {"auto-submitted": "auto-replied", "precedence": "bulk",
                                                "x-autoreply": "yes"}


@pytest.mark.parametrize("raw, field, words", [
    (b"", "body", "empty"),
    (b"Subject: hi\r\n\r\nno sender here\r\n", "header From", "no From"),
    (b"From: nobody at all\r\nSubject: hi\r\n\r\ntext\r\n", "header From", "no parsable address"),
    (b"From: <>\r\nSubject: hi\r\n\r\ntext\r\n", "header From", "no parsable address"),
    (b"From: a@b.example\r\nSubject: hi\r\n\r\n   \r\n", "body", "no text and no attachments"),
    (b"From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nhello\r\n--x--\r\n", "body", "boundary"),
    (b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\nno parts at all\r\n", "body", "boundary"),
    (b"\x00\x01\x02 binary junk \xff\xfe", "header From", "no From"),
])
def test_malformed_mail_is_refused_naming_the_problem(raw, field, words):
    with pytest.raises(MalformedMail) as err:
        parse_mail(raw)
    assert err.value.field == field and words in err.value.message


def test_unknown_charset_does_not_lose_the_text():
    raw = (b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=x-made-up\r\n\r\n"
           b"caf\xc3\xa9 is open\r\n")
    assert parse_mail(raw).text == "café is open"


def test_html_to_text_survives_broken_html():
    assert html_to_text("<p>one<p>two</div></span>&amp;") == "one\ntwo\n&"


@pytest.mark.parametrize("text, own", [
    ("Still broken.\n\nOn Mon, 23 Nov 2026 at 09:00, Help desk <help@servicedesk.localhost> wrote:\n> We restarted it.\n> Regards",
     "Still broken."),
    ("Still broken.\n\nOn Mon, 23 Nov 2026 at 09:00, Help desk\n<help@servicedesk.localhost> wrote:\n> We restarted it.",
     "Still broken."),
    ("Immer noch kaputt.\n\nAm 23.11.2026 um 09:00 schrieb Help desk:\n> Neu gestartet.", "Immer noch kaputt."),
    ("Still broken.\n\n-----Original Message-----\nFrom: Help desk\nSent: Monday\n\nWe restarted it.", "Still broken."),
    ("Still broken.\n\n________________________________\nFrom: Help desk\nSent: Monday", "Still broken."),
    ("Thanks!\n\n> We restarted it.\n> Regards\n", "Thanks!"),
    ("> quoted\nmy answer in between\n> more quote", "> quoted\nmy answer in between"),
    ("On second thought, it works.", "On second thought, it works."),
    ("> only a quote", "> only a quote"),  # nothing of their own: keep everything
])
def test_reply_text_drops_the_quoted_history(text, own):
    assert reply_text(text) == own
