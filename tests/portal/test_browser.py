"""The portal in headless Chromium, as a customer uses it: ask for help in the form, follow
the link from the real e-mail, read the conversation and reply; after an agent resolves,
confirm from the resolution mail's link and answer the survey from its mail. A forged and a
used link get their refusal pages. Screenshots of each page go to tests/portal/screenshots/.

Everything is real: the API behind uvicorn on a free port, a worker on the Temporal dev
server, the read model (SQLite), and an SMTP server receiving the desk's mails."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, text

from models.tables import Agent
from models.tokens import issue_token
from tests.portal.browser import SCREENSHOTS, accessible, desk_in_a_browser, fits, require_browser

pytestmark = pytest.mark.slow
CUSTOMER = "fox.mulder@customer.example"


async def poll(check, timeout: float = 20.0, what: str = "condition"):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await check()
        if found:
            return found
        assert loop.time() < deadline, f"{what} never happened"
        await asyncio.sleep(0.1)


async def test_a_customer_uses_the_portal_in_a_browser(dev_server, sqlite_database, task_queue):
    require_browser()
    from playwright.async_api import expect

    SCREENSHOTS.mkdir(exist_ok=True)
    db = sqlite_database
    with db.sessions.begin() as s:
        token = issue_token(s, s.scalars(select(Agent).where(Agent.email == "sam@demo.example")).one(), "browser")

    async with desk_in_a_browser(dev_server, db, task_queue, token=token) as (base, api, mail, browser):
        page = await browser.new_page(viewport={"width": 900, "height": 900})

        async def shot(name: str) -> None:
            await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            await accessible(page, name)
            await fits(page, name)

        # 1. The form: sent empty, it says what is missing next to each field.
        response = await page.goto(f"{base}/portal")
        assert response.status == 200
        await expect(page).to_have_title("Ask for help · Service desk")
        await page.get_by_label("Your e-mail address").focus()
        await shot("01-request-form")
        await page.get_by_label("Subject").fill("Scanner shows only static")
        await page.get_by_role("button", name="Send request").click()
        await expect(page.locator("#email-error")).to_contain_text("Enter your e-mail address")
        await expect(page.get_by_label("Subject")).to_have_value("Scanner shows only static")
        await shot("02-request-form-errors")

        await page.get_by_label("Your name").fill("Fox Mulder")
        await page.get_by_label("Your e-mail address").fill(CUSTOMER)
        await page.get_by_label("What do you need help with?").fill("The scanner in room 42 shows static.\nTried a restart.")
        await page.get_by_role("button", name="Send request").click()
        heading = page.get_by_role("heading", level=1)
        await expect(heading).to_contain_text("received")
        number = int((await heading.inner_text()).split("#")[1].split()[0])
        await shot("03-request-received")

        # 2. The link from the "we received your request" mail: the ticket's page.
        view_link = await mail.wait_link(CUSTOMER, "Follow it here")
        await page.goto(view_link)
        await expect(page.get_by_role("heading", level=1)).to_have_text("Scanner shows only static")
        await expect(page.locator(".conversation")).to_contain_text("The scanner in room 42 shows static.")
        await shot("04-ticket-page")

        # An agent answers publicly and writes an internal note; the customer sees only the answer.
        r = await api.post(f"/tickets/{number}/actions", json={"kind": "reply", "body": "Is the cable plugged in at the back?"})
        assert r.status_code == 200, r.text
        r = await api.post(f"/tickets/{number}/actions", json={"kind": "note", "body": "INTERNAL: scanner is ancient"})
        assert r.status_code == 200, r.text
        await page.reload()
        await expect(page.locator(".conversation")).to_contain_text("Is the cable plugged in at the back?")
        assert "INTERNAL" not in await page.content()

        await page.get_by_label("Your message").fill("Yes, it is. Still static.")
        await page.get_by_role("button", name="Send reply").click()
        await expect(page.get_by_role("status")).to_contain_text("your reply was sent")
        await expect(page.locator(".conversation")).to_contain_text("Yes, it is. Still static.")
        await shot("05-ticket-replied")

        # 3. The agent resolves; the resolution mail's link asks for confirmation.
        r = await api.post(f"/tickets/{number}/actions", json={"kind": "resolve", "resolution": "Replaced the scanner's USB hub."})
        assert r.status_code == 200, r.text
        confirm_link = await mail.wait_link(CUSTOMER, "Is your problem solved?")
        await page.goto(confirm_link)
        await expect(page.locator(".resolution")).to_have_text("Replaced the scanner's USB hub.")
        await shot("06-confirm")
        await page.get_by_label("Yes, it is solved: close the request").check()
        await page.get_by_role("button", name="Send my answer").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Request #{number} is closed. Thank you!")
        await shot("07-confirmed")

        # The same link again: it was used.
        response = await page.goto(confirm_link)
        assert response.status == 409
        await expect(page.locator("main")).to_contain_text("This link was already used on")
        await shot("08-used-link")

        # 4. The survey mail's link.
        survey_link = await mail.wait_link(CUSTOMER, "how we did")
        await page.goto(survey_link)
        await expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
        await page.get_by_role("group", name="How satisfied are you").get_by_label("5", exact=True).check()
        await page.get_by_role("group", name="How likely are you to recommend").get_by_label("9", exact=True).check()
        await page.get_by_label("Anything you would like to add?").fill("Fast and friendly.")
        await shot("09-survey")
        await page.get_by_role("button", name="Send my answer").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your answer")
        await shot("10-survey-thanks")

        # 5. A forged link: a clear page, nothing changes.
        body, mac = view_link.rsplit(".", 1)
        response = await page.goto(f"{body}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}")
        assert response.status == 400
        await expect(page.get_by_role("heading", level=1)).to_have_text("This link is not valid")
        await shot("11-forged-link")
        await browser.close()

        # 6. The answer reached the read model (the projection writes survey_responses).
        def answered():
            with db.engine.connect() as c:
                return c.execute(text("SELECT csat, nps, comment FROM survey_responses WHERE number = :n"),
                                 {"n": number}).first()

        row = await poll(lambda: asyncio.to_thread(answered), what="the survey answer in the read model")
        assert tuple(row) == (5, 9, "Fast and friendly.")

