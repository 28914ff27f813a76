"""The reports page (/supervisor/reports) in headless Chromium on a 390 px phone and a 1440 px
screen: the page never scrolls sideways (a wide table scrolls in its own box), every chart is
drawn at about its own size (text 11-16 px), agents are named with their e-mail beside, each
priority has its own colour, and duration axes are in the unit of their bars' figures.

The figures are those of tests/api/test_reports.py, three weeks of them (2 to 22 March 2026).
The supervisor signs in with a token (the sign-in itself: tests/api/test_web_sign_in.py) and has
the report mailed daily from the page's form (so its list shows one), and axe-core finds no
serious or critical violation at either width. Screenshots go to
tests/portal/screenshots/reports-layout-*.png."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select

from api.app import create_app
from models.tables import Agent
from models.tokens import issue_token
from tests.api.conftest import ROLES
from tests.api.test_report_subscriptions import forget_subscriptions
from tests.api.test_reports import seed, seed_conversations, seed_paused
from tests.conftest import worker_settings

from tests.portal.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, accessible, free_port, require_browser, served

pytestmark = pytest.mark.slow
WEEKS = "from=2026-03-02&to=2026-03-22"

# What the page measures of itself: how wide it is, how its charts are scaled, what they say.
MEASURE = """() => {
  const charts = [...document.querySelectorAll('svg.chart')].map(svg => ({
    section: svg.closest('section').id, unit: svg.dataset.unit || null,
    scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
    ticks: [...svg.querySelectorAll('text.tick')].map(t => t.textContent),
    figures: [...svg.querySelectorAll('text.figure')].map(t => t.textContent)}));
  const fills = {};
  for (const bar of document.querySelectorAll('#backlog rect.bar[class*="p-"]')) {
    fills[bar.dataset.label] = getComputedStyle(bar).fill;
  }
  const agents = [...document.querySelectorAll('#agents figure:first-of-type text.ylabel')].map(t => t.textContent);
  const rows = [...document.querySelectorAll('#agents table tbody th')].map(t => t.innerText.replace(/\\s+/g, ' '));
  return {width: document.documentElement.scrollWidth, charts, fills, agents, rows};
}"""


@contextlib.asynccontextmanager
async def forgotten_mails(client, agent_id: int):
    """No report mail of the agent's on the shared dev server before, nor after."""
    await forget_subscriptions(client, agent_id)
    try:
        yield
    finally:
        await forget_subscriptions(client, agent_id)


async def test_the_reports_page_reads_well_on_a_phone_and_a_wide_screen(dev_server, sqlite_database, task_queue):
    require_browser()
    from playwright.async_api import async_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    for fill in (seed, seed_paused, seed_conversations):
        fill(sqlite_database)
    with sqlite_database.sessions.begin() as s:
        sue = s.scalars(select(Agent).where(Agent.email == ROLES["supervisor"])).one()
        token, sue_id = issue_token(s, sue, "layout"), sue.id
    port = free_port()
    app = create_app(worker_settings(task_queue, public_url=f"http://127.0.0.1:{port}"), temporal=dev_server.client,
                     sessions=sqlite_database.sessions, sweep=False)
    async with forgotten_mails(dev_server.client, sue_id), served(app, port) as base, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in (1440, 390):
            page = await browser.new_page(viewport={"width": width, "height": 900})
            await page.goto(f"{base}/supervisor/reports?{WEEKS}")
            await page.get_by_text("Sign in with an API token instead").click()
            await page.get_by_label("API token").fill(token)
            async with page.expect_response(lambda r: r.url.startswith(f"{base}/supervisor/reports")) as shown:
                await page.get_by_role("button", name="Sign in with the token").click()
            assert (await shown.value).status == 200
            if width == 1440:  # "Mail me this report" from the page's form: listed at both widths from here on
                await page.get_by_role("radio", name="Each day").check()
                await page.get_by_role("combobox", name="Time zone").fill("Europe/Paris")
                async with page.expect_response(lambda r: "mail=added" in r.url) as mailed:
                    await page.get_by_role("button", name="Mail me this report").click()
                assert (await mailed.value).status == 200
                await page.get_by_role("status").filter(has_text="the report will be mailed to you").wait_for()
            assert await page.locator("ul.mine li").count() == 1
            await accessible(page, f"the reports page at {width} px")
            await page.screenshot(path=str(SCREENSHOTS / f"reports-layout-{width}.png"), full_page=True)
            got = await page.evaluate(MEASURE)

            assert got["width"] <= width, f"the page is {got['width']} px wide in a {width} px window"
            assert len(got["charts"]) >= 15
            for chart in got["charts"]:  # drawn 400 units wide: 11-13 unit text shows at 9-16 px
                assert 0.8 <= chart["scale"] <= 1.25, (width, chart)
            # Agents by name, the e-mail beside it (in the chart) and under it (in the table).
            assert got["agents"] == ["Nina Network nina@demo.example", "Sam Support sam@demo.example"], got["agents"]
            assert got["rows"] == ["Nina Network nina@demo.example", "Sam Support sam@demo.example"], got["rows"]
            # One colour per priority (and the priorities' names on their bars).
            assert sorted(got["fills"]) == ["critical", "high", "low", "normal"]
            assert len(set(got["fills"].values())) == 4, got["fills"]
            # Durations: the ticks and the figures at the bars' ends in one unit, picked from the data.
            durations = [c for c in got["charts"] if c["section"] == "response-times"]
            assert len(durations) == 3 and {c["unit"] for c in durations} <= {"s", "min", "h"}
            for chart in durations:
                assert all(t.endswith(f" {chart['unit']}") for t in chart["ticks"]), chart
                assert all(f.endswith(f" {chart['unit']}") for f in chart["figures"] if f != "–"), chart
            await page.close()
        await browser.close()
