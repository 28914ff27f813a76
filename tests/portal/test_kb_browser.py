"""The customer's deflection path in headless Chromium: the help centre, an article and its
vote; on the request form the suggestions appear as they type (the form's script), and "Find
answers first" then "This answered my question" ends with no ticket, counted once. axe-core
(no serious or critical violation) on each page, and nothing wider than a phone.

Real parts: the API behind uvicorn, a worker on the Temporal dev server, the read model (SQLite)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.kb.usage import ArticleVote, Deflection
from models.tables import TicketRow
from tests.api.test_portal_kb import PUBLIC, publish
from tests.portal.browser import SCREENSHOTS, accessible, desk_in_a_browser, fits, require_browser

pytestmark = pytest.mark.slow


async def test_a_customer_finds_the_answer_and_sends_no_request(dev_server, sqlite_database, task_queue):
    require_browser()
    from playwright.async_api import expect

    SCREENSHOTS.mkdir(exist_ok=True)
    db = sqlite_database
    _, slug = publish(db, *PUBLIC)
    publish(db, "Printer firmware for agents", "Flash the printer firmware: paper jam codes.", visibility="internal")
    async with desk_in_a_browser(dev_server, db, task_queue, token=None) as (base, _, _, browser):
        for width in (1440, 390):
            page = await browser.new_page(viewport={"width": width, "height": 900})

            async def shot(name: str) -> None:
                await page.screenshot(path=str(SCREENSHOTS / f"kb-{name}-{width}.png"), full_page=True)
                await accessible(page, name)
                await fits(page, f"{name} at {width} px")

            # The help centre and an article, read and found helpful.
            await page.goto(f"{base}/portal/kb")
            await expect(page.get_by_role("heading", level=1)).to_have_text("Help centre")
            await shot("home")
            await page.get_by_label("Search the help centre").fill("paper jam")
            await page.get_by_role("button", name="Search", exact=True).click()
            await expect(page.locator(".kb-hits")).to_contain_text(PUBLIC[0])
            assert "firmware" not in (await page.locator("main").inner_text()).lower().replace("paper jam", "")
            await shot("search")
            await page.get_by_role("link", name=PUBLIC[0]).click()
            await expect(page.get_by_role("heading", level=1)).to_have_text(PUBLIC[0])
            await page.get_by_role("button", name="Yes").click()
            await expect(page.get_by_role("status")).to_contain_text("glad it helped")
            await shot("article")

            # The request form: suggestions as they type, then the no-script step and its answer.
            await page.goto(f"{base}/portal")
            await page.get_by_label("Subject").fill("Paper jam")
            await page.get_by_label("What do you need help with?").press_sequentially("The printer tray is stuck")
            live = page.locator("#kb-live")
            await expect(live).to_be_visible()
            await expect(live).to_contain_text(PUBLIC[0])
            await shot("form-suggestions")
            await page.get_by_role("button", name="Find answers first").click()
            answers = page.locator("#answers")
            await expect(answers).to_contain_text(PUBLIC[0])
            await expect(page.get_by_role("button", name="Send my request anyway")).to_be_visible()
            await expect(page.get_by_label("What do you need help with?")).to_have_value("The printer tray is stuck")
            await shot("form-answers")
            await answers.get_by_role("button", name="This answered my question").first.click()
            await expect(page.get_by_role("heading", level=1)).to_have_text("Glad that answered your question")
            await shot("answered")
            await page.close()
        await browser.close()
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(TicketRow)) == 0
        assert s.scalar(select(func.count()).select_from(Deflection)) == 2  # one per form (one per width)
        assert s.scalar(select(func.count()).select_from(ArticleVote)) == 2  # two browsers, two readers
    assert slug
