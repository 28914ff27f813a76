"""The account page's notifications in a real browser (Debian's Chromium through Playwright):
the browser sends no unticked box, and the page still switches the unticked kind off; axe-core
finds nothing serious at either width and nothing is wider than a phone. No worker: nothing
here reaches a ticket."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.app import create_app
from models.notification_preferences import preferences_of
from models.passwords import set_password
from models.settings import Settings
from models.tables import Agent
from tests.portal.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, free_port, require_browser, served
from tests.portal.helpers import SECRET
from tests.portal.browser import accessible, fits
from tests.portal.test_console_browser import PHONE, WIDE

pytestmark = pytest.mark.slow
SAM, PASSWORD = "sam@demo.example", "sam works the day shift"


async def test_an_agent_switches_a_notice_off_in_the_browser(dev_server, sqlite_database, task_queue):
    require_browser()
    from playwright.async_api import async_playwright, expect

    SCREENSHOTS.mkdir(exist_ok=True)
    db = sqlite_database
    with db.sessions.begin() as s:
        sam = s.scalars(select(Agent).where(Agent.email == SAM)).one()
        set_password(s, sam, PASSWORD)
        sam_id = sam.id
    port = free_port()
    settings = Settings(task_queue=task_queue, secret_key=SECRET, public_url=f"http://127.0.0.1:{port}")
    app = create_app(settings, temporal=dev_server.client, sessions=db.sessions, sweep=False)
    async with served(app, port) as base, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await (await browser.new_context(viewport=WIDE)).new_page()
        await page.goto(f"{base}/account")
        await page.get_by_label("E-mail").fill(SAM)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in", exact=True).click()
        await expect(page.get_by_role("heading", name="Notifications")).to_be_visible()

        group = page.get_by_role("group", name="Mail me when")
        replied = group.get_by_role("checkbox", name="A customer replied on my ticket")
        await expect(replied).to_be_checked()
        await expect(replied).to_have_accessible_description(
            "The requester wrote on a ticket assigned to you: by mail, on the portal, or passed on by a colleague.")
        await accessible(page, "account")
        await group.get_by_text("A customer replied on my ticket").click()  # the label toggles its box
        await expect(replied).not_to_be_checked()
        await page.get_by_role("button", name="Save the notifications").click()

        await expect(page.get_by_role("status")).to_have_text("Your notification preferences are saved.")
        assert page.url == f"{base}/account?saved=1"
        await expect(replied).not_to_be_checked()
        await expect(group.get_by_role("checkbox", name="A ticket is assigned to me")).to_be_checked()
        with db.sessions() as s:
            assert preferences_of(s, sam_id) == {"assigned": True, "customer_replied": False, "mention": True}
        await page.screenshot(path=str(SCREENSHOTS / "console-account-1440.png"), full_page=True)
        await page.set_viewport_size(PHONE)
        await fits(page, "account")
        await accessible(page, "account at 390 px")
        await page.screenshot(path=str(SCREENSHOTS / "console-account-390.png"), full_page=True)
        await browser.close()
