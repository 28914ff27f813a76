"""A customer signs in to the portal in headless Chromium, as they would: type the address, open
the link from the real e-mail, press Sign in, see their requests, open one, choose their time
zone, reply with a file, sign out. The browser's own cookie handling is what is tested here (the
session cookie is SameSite=Lax, HttpOnly, /portal); axe-core and the width check on every page,
at a phone's width. Screenshots go to tests/portal/screenshots/."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from models.tables import Agent
from models.tokens import issue_token
from tests.portal.browser import SCREENSHOTS, Mailbox, accessible, desk_in_a_browser, fits, require_browser

pytestmark = pytest.mark.slow
CUSTOMER = "dana.scully@customer.example"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def sign_in_link(mail: Mailbox, timeout: float = 30.0) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        with mail.lock:
            texts = [m.get_body(preferencelist=("plain",)).get_content() for rcpts, m in mail.mails if CUSTOMER in rcpts]
        found = [m.group(0) for t in texts if (m := re.search(r"https?://\S+/portal/sign-in/\S+", t))]
        if found:
            return found[-1]
        assert loop.time() < deadline, "no sign-in mail"
        await asyncio.sleep(0.1)


async def test_a_customer_signs_in_by_mail_and_follows_their_requests_in_a_browser(dev_server, sqlite_database, task_queue):
    require_browser()
    from playwright.async_api import expect

    SCREENSHOTS.mkdir(exist_ok=True)
    db = sqlite_database
    with db.sessions.begin() as s:
        token = issue_token(s, s.scalars(select(Agent).where(Agent.email == "sam@demo.example")).one(), "browser")
    async with desk_in_a_browser(dev_server, db, task_queue, token=token) as (base, api, mail, browser):
        r = await api.post("/tickets", json={"subject": "Scanner shows static", "description": "Room 42.",
                                             "requester": {"email": CUSTOMER, "name": "Dana"}})
        number = r.json()["number"]
        await api.post("/tickets", json={"subject": "Someone else's", "description": "Not Dana's.",
                                         "requester": {"email": "eve@customer.example"}})
        page = await browser.new_page(viewport={"width": 390, "height": 844})

        async def shot(name: str) -> None:
            await page.screenshot(path=str(SCREENSHOTS / f"sign-in-{name}.png"), full_page=True)
            await accessible(page, name)
            await fits(page, name)

        await page.goto(f"{base}/portal/sign-in")
        await page.get_by_label("Your e-mail address").fill(CUSTOMER)
        await shot("01-form")
        await page.get_by_role("button", name="E-mail me a sign-in link").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
        await shot("02-sent")

        await page.goto(await sign_in_link(mail))
        await shot("03-confirm")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Your requests")
        cookie = next(c for c in await page.context.cookies() if c["name"] == "servicedesk_customer")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/portal"
        await expect(page.locator("table.requests")).to_contain_text("Scanner shows static")
        assert "Someone else" not in await page.content()
        await shot("04-requests")

        await page.get_by_role("link", name=re.compile("Scanner shows static")).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Scanner shows static")
        await page.get_by_label("Times shown in").fill("Asia/Tokyo")
        await page.get_by_role("button", name="Change time zone").click()
        await expect(page.locator(".conversation time").first).to_contain_text("Asia/Tokyo")

        await page.get_by_label("Your message").fill("A photo of the screen.")
        await page.get_by_label("Files").set_input_files(files=[{"name": "screen.png", "mimeType": "image/png",
                                                                 "buffer": PNG}])
        await page.get_by_role("button", name="Send reply").click()
        await expect(page.get_by_role("status")).to_contain_text("your reply was sent")
        await expect(page.locator(".conversation")).to_contain_text("screen.png")
        await shot("05-replied")

        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("status")).to_contain_text("You are signed out")
        response = await page.goto(f"{base}/portal/requests/{number}")
        assert response is not None and page.url.endswith("/portal/sign-in")
        await browser.close()
