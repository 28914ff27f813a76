"""A ticket's files through the API: uploaded by agents (multipart), arrived by mail, listed,
downloaded byte for byte; refused when too large, of a forbidden type or not what they claim."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest

from tests.api.test_email_intake import EXE, MAX_ATTACHMENT, PDF, PNG, new_mail, running_mail_desk


@pytest.fixture
async def mail_desk(dev_server, database, task_queue):
    async with running_mail_desk(dev_server, database, task_queue) as desk:
        yield desk


async def open_ticket(desk) -> int:
    r = await desk.create(subject="Scanner broken", description="It makes a noise")
    assert r.status_code == 201, r.text
    return r.json()["number"]


async def upload(desk, number: int, name: str, data: bytes, content_type: str, role: str = "agent"):
    return await desk.http.post(f"/tickets/{number}/attachments", files={"file": (name, data, content_type)},
                                headers=desk.auth(role))


async def test_an_agent_uploads_lists_and_downloads_a_file(mail_desk):
    number = await open_ticket(mail_desk)
    r = await upload(mail_desk, number, "écran 1.png", PNG, "image/png")
    assert r.status_code == 201, r.text
    stored = r.json()
    assert {k: stored[k] for k in ("filename", "content_type", "size")} == {
        "filename": "écran 1.png", "content_type": "image/png", "size": len(PNG)}

    r = await mail_desk.http.get(f"/tickets/{number}/attachments", headers=mail_desk.auth("auditor"))
    assert r.status_code == 200
    [listed] = r.json()
    assert listed["id"] == stored["id"] and listed["uploaded_by"] == "sam@demo.example"
    assert listed["message_id"] is None and listed["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert datetime.fromisoformat(listed["created_at"]).utcoffset() == timedelta(0)

    r = await mail_desk.http.get(f"/tickets/{number}/attachments/{stored['id']}", headers=mail_desk.auth("auditor"))
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert f"filename*=UTF-8''{quote('écran 1.png', safe='')}" in r.headers["content-disposition"]
    assert r.headers["content-disposition"].startswith("attachment;")


async def test_a_path_in_the_filename_is_dropped(mail_desk):
    number = await open_ticket(mail_desk)
    r = await upload(mail_desk, number, "../../etc/report.pdf", PDF, "application/pdf")
    assert r.status_code == 201 and r.json()["filename"] == "report.pdf"


async def test_refused_uploads_name_the_problem_and_store_nothing(mail_desk):
    number = await open_ticket(mail_desk)
    cases = [
        (("setup.exe", EXE, "application/x-msdownload"), 415, "executable files are not accepted"),
        (("invoice.pdf", EXE, "application/pdf"), 415, "executable files are not accepted"),
        (("fake.pdf", PNG, "application/pdf"), 415, "declared as application/pdf but the bytes are image/png"),
        (("page.html", b"<script>alert(1)</script>", "text/html"), 415, "content type text/html is not accepted"),
        (("huge.pdf", PDF + b"0" * MAX_ATTACHMENT, "application/pdf"), 413, f"larger than {MAX_ATTACHMENT} bytes"),
    ]
    for (name, data, ctype), status, words in cases:
        r = await upload(mail_desk, number, name, data, ctype)
        assert r.status_code == status, r.text
        err = r.json()["error"]
        assert words in err["message"] and err["fields"][0]["field"] == "file"
    r = await mail_desk.http.post(f"/tickets/{number}/attachments", headers=mail_desk.auth())
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "file"
    r = await mail_desk.http.get(f"/tickets/{number}/attachments", headers=mail_desk.auth())
    assert r.json() == []


async def test_who_may_do_what_and_what_does_not_exist(mail_desk):
    number = await open_ticket(mail_desk)
    other = await open_ticket(mail_desk)
    stored = (await upload(mail_desk, number, "a.pdf", PDF, "application/pdf")).json()

    assert (await upload(mail_desk, number, "b.pdf", PDF, "application/pdf", role="auditor")).status_code == 403
    r = await mail_desk.http.get(f"/tickets/{number}/attachments")
    assert r.status_code == 401
    # An attachment is reachable only through its own ticket.
    r = await mail_desk.http.get(f"/tickets/{other}/attachments/{stored['id']}", headers=mail_desk.auth())
    assert r.status_code == 404 and r.json()["error"]["fields"][0]["field"] == "path parameter attachment_id"
    unknown = number + 500
    r = await upload(mail_desk, unknown, "a.pdf", PDF, "application/pdf")
    assert r.status_code == 404 and r.json()["error"]["type"] == "TicketNotFound"
    r = await mail_desk.http.get(f"/tickets/{unknown}/attachments", headers=mail_desk.auth())
    assert r.status_code == 404


async def test_mail_attachments_are_stored_once_per_mail_and_part(mail_desk):
    first = new_mail("Screenshots", "Two screenshots attached.")
    first.add_attachment(PNG, maintype="image", subtype="png", filename="one.png")
    first.add_attachment(PNG, maintype="image", subtype="png", filename="one.png")  # the same file twice is two parts
    r = await mail_desk.post_mail(first)
    number = r.json()["number"]
    assert [a["filename"] for a in r.json()["attachments"]] == ["one.png", "one.png"]

    reply = new_mail("Re: Screenshots", "And the log.", In_Reply_To=first["Message-ID"])
    reply.add_attachment(b"12:00 jam\n12:01 jam\n", maintype="text", subtype="plain", filename="printer.log")
    reply.add_attachment(EXE, maintype="application", subtype="octet-stream", filename="fix.exe")
    for _ in range(2):
        await mail_desk.smtp(first)
        r = await mail_desk.post_mail(reply)
        assert r.json()["number"] == number
        assert r.json()["refused_attachments"] == [
            {"filename": "fix.exe", "reason": "executable files are not accepted (a Windows executable)"}]

    r = await mail_desk.http.get(f"/tickets/{number}/attachments", headers=mail_desk.auth())
    files = r.json()
    assert [(f["filename"], f["content_type"], f["message_id"]) for f in files] == [
        ("one.png", "image/png", first["Message-ID"]), ("one.png", "image/png", first["Message-ID"]),
        ("printer.log", "text/plain", reply["Message-ID"])]
    r = await mail_desk.http.get(f"/tickets/{number}/attachments/{files[2]['id']}", headers=mail_desk.auth())
    assert r.content == b"12:00 jam\n12:01 jam\n"

    # The reply in the conversation links its file, once.
    t = await mail_desk.wait_for(number, lambda t: any(e["body"] == "And the log." for e in t["conversation"]))
    [entry] = [e for e in t["conversation"] if e["body"] == "And the log."]
    assert [(a["filename"], a["url"]) for a in entry["attachments"]] == [
        ("printer.log", f"/tickets/{number}/attachments/{files[2]['id']}")]


async def test_a_reply_carries_uploaded_files_and_refuses_strangers(mail_desk):
    number = await open_ticket(mail_desk)
    other = await open_ticket(mail_desk)
    await mail_desk.wait_routed(number)
    fix = (await upload(mail_desk, number, "fix.pdf", PDF, "application/pdf")).json()
    elsewhere = (await upload(mail_desk, other, "other.pdf", PDF, "application/pdf")).json()

    r = await mail_desk.act(number, kind="reply", body="The fix is attached.", attachments=[fix["id"]])
    assert r.status_code == 200, r.text
    entry = r.json()["conversation"][-1]
    assert [(a["id"], a["filename"], a["url"]) for a in entry["attachments"]] == [
        (fix["id"], "fix.pdf", f"/tickets/{number}/attachments/{fix['id']}")]
    events = (await mail_desk.http.get(f"/tickets/{number}/events", headers=mail_desk.auth())).json()
    assert events[-1]["kind"] == "reply" and events[-1]["data"]["attachments"][0]["id"] == fix["id"]

    # A file of another ticket, or one that does not exist, is refused and nothing is said.
    for ids in ([elsewhere["id"]], [fix["id"], 999_999]):
        r = await mail_desk.act(number, kind="note", body="see file", attachments=ids)
        assert r.status_code == 422 and r.json()["error"]["type"] == "UnknownAttachment", r.text
    t = await mail_desk.ticket(number)
    assert [e["body"] for e in t["conversation"]] == ["The fix is attached."]


async def test_a_closed_ticket_takes_no_more_files(mail_desk):
    number = await open_ticket(mail_desk)
    await mail_desk.wait_routed(number)
    assert (await mail_desk.act(number, kind="resolve", resolution="Replaced the scanner")).status_code == 200
    assert (await mail_desk.act(number, kind="close", role="supervisor", settle=True)).status_code == 200
    r = await upload(mail_desk, number, "late.pdf", PDF, "application/pdf")
    assert r.status_code == 409 and r.json()["error"]["type"] == "TicketClosed", r.text
    assert (await mail_desk.http.get(f"/tickets/{number}/attachments", headers=mail_desk.auth())).json() == []
