"""The agent's knowledge-capture path in headless Chromium: an agent resolves a ticket, makes an
article of it (prefilled from its problem and resolution) and submits it; a supervisor
publishes it; on another ticket with the same problem it is suggested and its link inserted
into the reply at the cursor (console.js, no reload), sent, and the article lists both tickets
it helped. Each page is checked with axe-core and drawn at 1440 and 390 px (nothing wider than
the screen); screenshots in tests/portal/screenshots/console-kb-*.png.

Real parts: the API behind uvicorn, a worker on the Temporal dev server, the read model
(SQLite), Chromium."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.passwords import set_password
from models.tables import Agent
from models.tokens import issue_token
from tests.conftest import projected
from tests.portal.browser import SCREENSHOTS, accessible, desk_in_a_browser, fits, require_browser
from tests.portal.test_console_browser import PHONE, WIDE, poll

pytestmark = pytest.mark.slow
SAM, SUE = "sam@demo.example", "sue@demo.example"
PASSWORDS = {SAM: "sam writes the articles", SUE: "sue publishes them"}


async def test_an_agent_captures_a_resolution_and_it_answers_the_next_ticket(dev_server, sqlite_database, task_queue):
    require_browser()
    from playwright.async_api import expect

    SCREENSHOTS.mkdir(exist_ok=True)
    db = sqlite_database
    with db.sessions.begin() as s:
        for email, password in PASSWORDS.items():
            set_password(s, s.scalars(select(Agent).where(Agent.email == email)).one(), password)
        token = issue_token(s, s.scalars(select(Agent).where(Agent.email == "admin@demo.example")).one(), "browser")
    async with desk_in_a_browser(dev_server, db, task_queue, token=token) as (base, api, mail, browser):
        sam = await (await browser.new_context(viewport=WIDE)).new_page()
        sue = await (await browser.new_context(viewport=WIDE)).new_page()

        async def shot(page, name: str) -> None:
            await accessible(page, name)
            await page.screenshot(path=str(SCREENSHOTS / f"console-kb-{name}-1440.png"), full_page=True)
            await page.set_viewport_size(PHONE)
            await fits(page, name)
            await page.screenshot(path=str(SCREENSHOTS / f"console-kb-{name}-390.png"), full_page=True)
            await accessible(page, f"{name} at 390 px")
            await page.set_viewport_size(WIDE)

        async def sign_in(page, email: str) -> None:
            await page.goto(f"{base}/login")
            await page.get_by_label("E-mail").fill(email)
            await page.get_by_label("Password").fill(PASSWORDS[email])
            await page.get_by_role("button", name="Sign in", exact=True).click()
            await expect(page.get_by_role("link", name="Knowledge base")).to_be_visible()

        async def ticket(subject: str, description: str) -> int:
            r = await api.post("/tickets", json={"subject": subject, "description": description,
                                                 "requester": {"email": "dana@customer.example", "name": "Dana"}})
            number = r.json()["number"]
            await poll(lambda: _settled(api, number, 4), what=f"ticket {number} routed")
            return number

        await sign_in(sam, SAM)
        await sign_in(sue, SUE)

        # 1. Sam resolves a ticket, then makes an article of it: the draft is prefilled.
        first = await ticket("Scanner shows error E7", "The scanner shows error E7 and stops feeding paper.")
        await sam.goto(f"{base}/console/tickets/{first}")
        await sam.get_by_label("Resolution").fill("Clean the scanner glass, then restart the scanner.")
        await sam.get_by_role("button", name="Resolve").click()
        await expect(sam.get_by_role("status").filter(has_text="Done: resolve")).to_be_visible()
        await sam.get_by_role("link", name="Create an article from this ticket").click()
        await expect(sam.get_by_label("Title")).to_have_value("Scanner shows error E7")
        body = sam.get_by_label("The article (Markdown)")
        await expect(body).to_have_value("## Problem\n\nThe scanner shows error E7 and stops feeding paper.\n\n"
                                         "## Resolution\n\nClean the scanner glass, then restart the scanner.\n")
        await sam.get_by_label("Who reads it once published").select_option("public")
        await shot(sam, "01-capture")
        await sam.get_by_role("button", name="Save the draft").click()
        await expect(sam.get_by_role("status")).to_contain_text("the draft is saved")
        article = int(sam.url.split("/console/kb/")[1].split("?")[0])
        await expect(sam.get_by_role("button", name="Publish")).to_have_count(0)  # an agent's is the review
        await sam.get_by_role("button", name="Submit for review").click()
        await expect(sam.locator("#article-status")).to_have_text("in review")
        await expect(sam.locator(".helped")).to_contain_text(f"#{first} Scanner shows error E7")
        await shot(sam, "02-submitted")

        # 2. Sue finds it in the knowledge base, in review, and publishes it.
        await sue.goto(f"{base}/console/kb?status=in_review")
        await shot(sue, "03-list")
        await sue.get_by_role("link", name="Scanner shows error E7").click()
        await sue.get_by_role("button", name="Publish").click()
        await expect(sue.locator("#article-status")).to_have_text("published")

        # 3. The next ticket with that problem: suggested, its link inserted at the cursor, sent.
        second = await ticket("Error E7 on the scanner again", "Our scanner stopped with error E7 this morning.")
        await sam.goto(f"{base}/console/tickets/{second}")
        suggested = sam.locator("#suggested-articles")
        await expect(suggested).to_contain_text("Scanner shows error E7")
        reply = sam.get_by_label("Reply to Dana")
        await reply.fill("Hello Dana, this should help:\n")
        await suggested.get_by_role("link", name="Insert link").first.click()
        slug = "scanner-shows-error-e7"
        await expect(reply).to_have_value(f"Hello Dana, this should help:\nScanner shows error E7: "
                                          f"{base}/portal/kb/{slug}")
        assert "insert=" not in sam.url  # inserted in place, no reload
        await shot(sam, "04-suggested")
        await sam.get_by_role("button", name="Send the reply").click()
        await expect(sam.get_by_role("status").filter(has_text="Done: reply")).to_be_visible()
        await projected(db, second, (await api.get(f"/tickets/{second}")).json()["last_seq"])

        await sam.goto(f"{base}/console/kb/{article}")
        await expect(sam.locator(".helped")).to_contain_text(f"#{second} Error E7 on the scanner again")
        await expect(sam.locator(".helped")).to_contain_text(f"#{first} Scanner shows error E7")
        await browser.close()


async def _settled(api, number: int, seq: int) -> bool:
    r = await api.get(f"/tickets/{number}")
    return r.status_code == 200 and r.json()["last_seq"] >= seq
