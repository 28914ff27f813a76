"""A customer signs in to the portal by a link mailed to their address (api/portal/sign_in.py),
sees their own requests only (api/portal/my_requests.py) with times in the zone they chose, and
attaches files on the request form and on a reply (api/portal/uploads.py). The API and a worker
on the real dev server; the sign-in mail arrives in a real SMTP server."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import customer_sessions as cs
from models.mail import Attachment
from models.tables import Notification, TicketIntake
from models.web_sessions import Lifetime, form_token
from tests.api.conftest import running_desk
from tests.api.test_notifications import PUBLIC, SECRET, mailing_desk
from tests.notification_servers import eventually, mailbox
from tests.portal.helpers import form_key, heading, link

pytestmark = pytest.mark.slow
DANA = "dana@customer.example"
EVE = "eve@customer.example"
OURS = {"Origin": "http://desk"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 60


def session_cookie(r) -> dict[str, str]:
    return {"Cookie": r.headers["set-cookie"].split(";")[0]}


def signed_in_as(desk, email: str) -> tuple[str, dict[str, str]]:
    """A session opened as the sign-in link's button does (the link itself is tested once, below)."""
    with desk.db.sessions.begin() as s:
        sid = cs.open_session(s, email, Lifetime(absolute=timedelta(hours=1), idle=timedelta(minutes=30)))
    return sid, {"Cookie": f"servicedesk_customer={sid}"}


async def test_the_mailed_link_signs_in_once_and_an_expired_one_is_refused(dev_server, database, task_queue, monkeypatch):
    with mailbox() as box:
        async with mailing_desk(dev_server, database, task_queue, monkeypatch, box) as desk:
            http = desk.http
            form = await http.get("/portal/sign-in")
            assert form.status_code == 200 and '<label for="email">' in form.text and "<script" not in form.text
            for other_site in ({"Origin": "https://evil.example"}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"}, {}):
                assert (await http.post("/portal/sign-in", data={"email": DANA}, headers=other_site)).status_code == 403
            bad = await http.post("/portal/sign-in", data={"email": "not an address"}, headers=OURS)
            assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text and "not an address" in bad.text
            # The same page for an address with requests or without: it tells nothing.
            sent = await http.post("/portal/sign-in", data={"email": "Dana@Customer.example"}, headers=OURS)
            unknown = await http.post("/portal/sign-in", data={"email": "nobody@customer.example"}, headers=OURS)
            assert sent.status_code == unknown.status_code == 200
            assert sent.text.replace(DANA, "@") == unknown.text.replace("nobody@customer.example", "@")
            assert heading(sent.text) == "Check your e-mail"

            msg = (await eventually(lambda: box.to(DANA), what="the sign-in mail"))[0]
            assert "sign-in link" in msg["Subject"] and "[#" not in msg["Subject"]
            text = msg.get_body(("plain",)).get_content()
            token = re.search(re.escape(PUBLIC) + r"/portal/sign-in/(\S+)", text).group(1)
            with desk.db.sessions() as s:  # the outbox keeps the link's id, never the link
                row = s.scalars(select(Notification).where(Notification.kind == cs.MAIL_KIND,
                                                           Notification.recipient == DANA)).one()
                assert token not in str(row.data) and row.number == 0

            # Opening the link (a mail scanner does too) spends nothing: the button does.
            page = await http.get(f"/portal/sign-in/{token}")
            assert page.status_code == 200 and DANA in page.text
            assert (await http.post(f"/portal/sign-in/{token}", headers={"Origin": "https://evil.example"})).status_code == 403
            r = await http.post(f"/portal/sign-in/{token}", headers=OURS)
            assert r.status_code == 303 and r.headers["location"] == "/portal/requests"
            flags = {p.strip().lower() for p in r.headers["set-cookie"].split(";")[1:]}
            assert {"httponly", "samesite=lax", "path=/portal"} <= flags and "secure" not in flags
            cookie = session_cookie(r)
            http.cookies.clear()
            mine = await http.get("/portal/requests", headers=cookie)
            assert mine.status_code == 200 and heading(mine.text) == "Your requests" and DANA in mine.text

            again = await http.post(f"/portal/sign-in/{token}", headers=OURS)
            assert again.status_code == 409 and "already used" in again.text and "set-cookie" not in again.headers
            assert (await http.get(f"/portal/sign-in/{token}")).status_code == 409
            past = cs.sign_sign_in(SECRET, DANA, datetime.now(timezone.utc) - timedelta(seconds=1), "old-link")
            expired = await http.post(f"/portal/sign-in/{past}", headers=OURS)
            assert expired.status_code == 410 and "expired" in expired.text
            forged = await http.get(f"/portal/sign-in/{token[:-3]}abc")
            assert forged.status_code == 400

            # Our pages send no referrer, so a browser's Origin is "null"; its Sec-Fetch-Site says where from.
            out = await http.post("/portal/sign-out", headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"} | cookie)
            assert out.status_code == 303 and out.headers["location"] == "/portal/sign-in?signed_out=1"
            http.cookies.clear()
            ended = await http.get("/portal/requests", headers=cookie)
            assert ended.status_code == 303 and ended.headers["location"] == "/portal/sign-in?ended=1"


@pytest.fixture
async def desk(dev_server, database, task_queue):
    async with running_desk(dev_server, database, task_queue, secret_key=SECRET) as d:
        yield d


async def test_a_customer_sees_only_their_own_requests_in_their_time_zone(desk):
    numbers = {}
    for who, subject in [(DANA, "Printer jams"), (EVE, "Payroll question"), (DANA, "VPN drops")]:
        r = await desk.create(subject=subject, requester={"email": who, "name": who.split("@")[0]})
        numbers[subject] = r.json()["number"]
        await desk.wait_routed(numbers[subject])
    printer = numbers["Printer jams"]
    assert (await desk.act(printer, kind="note", body="SECRET: internal only")).status_code == 200
    sid, cookie = signed_in_as(desk, DANA)
    desk.http.cookies.clear()

    page = await desk.http.get("/portal/requests", headers=cookie)
    assert page.status_code == 200
    listed = [int(n) for n in re.findall(r'href="/portal/requests/(\d+)"', page.text)]
    assert listed == [numbers["VPN drops"], printer]  # newest first, and not Eve's
    assert "Payroll" not in page.text and "UTC" in page.text
    eve = await desk.http.get(f"/portal/requests/{numbers['Payroll question']}", headers=cookie)
    assert eve.status_code == 404 and "Payroll" not in eve.text
    assert (await desk.http.get("/portal/requests/999999", headers=cookie)).status_code == 404
    assert (await desk.http.get(f"/portal/requests/{printer}")).status_code == 303  # no session: sign in

    ticket = await desk.http.get(f"/portal/requests/{printer}", headers=cookie)
    assert ticket.status_code == 200 and "Printer jams" in ticket.text and "SECRET" not in ticket.text

    # The time zone: a made-up one is refused and changes nothing; a real one shows the times in it.
    csrf = form_token(sid)
    bad = await desk.http.post("/portal/time-zone", data={"csrf": csrf, "timezone": "Mars/Olympus"},
                               headers=OURS | cookie)
    assert bad.status_code == 422 and "Mars/Olympus" in bad.text
    assert (await desk.http.post("/portal/time-zone", data={"csrf": "wrong", "timezone": "Asia/Tokyo"},
                                 headers=OURS | cookie)).status_code == 403
    r = await desk.http.post("/portal/time-zone", data={"csrf": csrf, "timezone": "Asia/Tokyo",
                                                        "next": f"/portal/requests/{printer}"}, headers=OURS | cookie)
    assert r.status_code == 303 and r.headers["location"] == f"/portal/requests/{printer}"
    created = datetime.fromisoformat((await desk.ticket(printer))["created_at"]).astimezone(ZoneInfo("Asia/Tokyo"))
    shown = (await desk.http.get(f"/portal/requests/{printer}", headers=cookie)).text
    assert f"{created.day} {created:%B %Y, %H:%M} Asia/Tokyo" in shown
    # The mailed link's page too, for her; for anyone else holding the link, UTC.
    via_link = await desk.http.get(link(printer, secret=SECRET), headers=cookie)
    assert f"{created:%H:%M} Asia/Tokyo" in via_link.text
    assert "Asia/Tokyo" not in (linked := (await desk.http.get(link(printer, secret=SECRET))).text) and "UTC" in linked

    # A reply with a file from the signed-in page lands on the ticket as the customer's.
    key = form_key(shown)
    sent = await desk.http.post(f"/portal/requests/{printer}/reply", headers=OURS | cookie,
                                data={"csrf": csrf, "form_key": key, "body": "Here is a photo."},
                                files={"files": ("jam.png", PNG, "image/png")})
    assert sent.status_code == 303, sent.text
    found = await desk.wait_for(printer, lambda t: any(e["body"] == "Here is a photo." for e in t["conversation"]))
    entry = next(e for e in found["conversation"] if e["body"] == "Here is a photo.")
    assert entry["author"]["id"] == DANA and [a["filename"] for a in entry["attachments"]] == ["jam.png"]


async def test_files_on_the_request_form_land_on_the_ticket_and_a_refused_one_opens_nothing(desk):
    answers = {"name": "Dana", "email": DANA, "subject": "Scanner broken", "description": "See the photo."}

    def counts():
        with desk.db.sessions() as s:
            return s.scalar(select(func.count()).select_from(TicketIntake)), s.scalar(select(func.count()).select_from(Attachment))

    before = counts()
    key = form_key((await desk.http.get("/portal")).text)
    refused = await desk.http.post("/portal/requests", data=answers | {"form_key": key},
                                   files=[("files", ("photo.png", PNG, "image/png")),
                                          ("files", ("setup.exe", EXE, "application/octet-stream"))])
    assert refused.status_code == 422
    assert 'id="files-error"' in refused.text and "setup.exe" in refused.text
    assert 'value="Scanner broken"' in refused.text and "See the photo." in refused.text  # the typed text kept
    assert counts() == before  # no ticket, no file

    key = form_key(refused.text)
    r = await desk.http.post("/portal/requests", data=answers | {"form_key": key},
                             files=[("files", ("photo.png", PNG, "image/png")), ("files", ("notes.txt", b"it jams", "text/plain"))])
    assert r.status_code == 200, r.text
    number = int(heading(r.text).split("#")[1].split()[0])
    ticket = await desk.wait_routed(number)
    assert [a["filename"] for a in ticket["attachments"]] == ["photo.png", "notes.txt"]
    got = await desk.http.get(ticket["attachments"][0]["url"], headers=desk.auth())
    assert got.status_code == 200 and got.content == PNG
