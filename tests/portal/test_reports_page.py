"""The supervisor's reports page (/supervisor/reports) in headless Chromium, as a supervisor uses
it: signed out, they are sent to sign in; a wrong and an agent's token are refused; signed in,
the charts and tables show the figures of tickets whose times the test controls (the same rows
as tests/api/test_reports.py, the week of Monday 2 March 2026), a filter narrows them, a CSV link
downloads the same rows as GET /reports/<name>?format=csv. Screenshots go to tests/portal/screenshots/.

Real parts: the app behind uvicorn, the read model (SQLite) and the Temporal dev server the app
connects to (no worker: the reports read only the read model)."""

from __future__ import annotations

import contextlib
import csv
import io

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from models.passwords import set_password
from models.tables import Agent
from models.tokens import issue_token
from tests.api.conftest import ROLES
from tests.api.test_reports import seed
from tests.conftest import worker_settings
from tests.portal.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, free_port, require_browser, served

pytestmark = pytest.mark.slow
WEEK = "from=2026-03-02&to=2026-03-08"


def tokens_for(db) -> dict[str, str]:
    with db.sessions.begin() as s:
        return {role: issue_token(s, s.scalars(select(Agent).where(Agent.email == email)).one(), "reports page")
                for role, email in ROLES.items()}


PASSWORDS = {"supervisor": "reports every monday", "agent": "tickets all day long"}


def set_passwords(db) -> None:
    with db.sessions.begin() as s:
        for role, password in PASSWORDS.items():
            set_password(s, s.scalars(select(Agent).where(Agent.email == ROLES[role])).one(), password)


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def bar(page, section: str, label: str, series: str):
    """The <title> of one bar of a chart: what a screen reader (or a hover) says about it."""
    return page.locator(f'#{section} rect.bar[data-label="{label}"][data-series="{series}"] > title')


async def test_a_supervisor_reads_the_reports_in_a_browser(dev_server, sqlite_database, task_queue, tmp_path):
    require_browser()
    from playwright.async_api import async_playwright, expect

    SCREENSHOTS.mkdir(exist_ok=True)
    seed(sqlite_database)
    tokens = tokens_for(sqlite_database)
    set_passwords(sqlite_database)
    port = free_port()
    app = create_app(worker_settings(task_queue, public_url=f"http://127.0.0.1:{port}"), temporal=dev_server.client,
                     sessions=sqlite_database.sessions, sweep=False)
    async with served(app, port) as base, async_playwright() as pw, \
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {tokens['supervisor']}"}) as api:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1200, "height": 900}, accept_downloads=True)

        async def shot(name: str) -> None:
            await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

        async def sign_in(email: str, password: str) -> None:
            await page.get_by_label("E-mail").fill(email)
            await page.get_by_label("Password").fill(password)
            await page.get_by_role("button", name="Sign in", exact=True).click()

        # 1. Signed out: the page sends them to sign in (and back afterwards). A wrong password is
        # refused; an agent signs in, but the reports are not for them.
        await page.goto(f"{base}/supervisor/reports")
        assert page.url == f"{base}/login?next=%2Fsupervisor%2Freports"
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        await shot("reports-01-sign-in")
        async with page.expect_response(f"{base}/login") as sent:
            await sign_in(ROLES["supervisor"], "not the password")
        assert (await sent.value).status == 401
        await expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
        await sign_in(ROLES["agent"], PASSWORDS["agent"])
        assert page.url == f"{base}/supervisor/reports"
        await expect(page.get_by_role("heading", level=1)).to_have_text("Reports are for supervisors")
        await expect(page.locator("main")).to_contain_text("supervisor, admin or auditor")
        await shot("reports-02-agent-refused")
        await page.get_by_role("button", name="Sign out").click()

        # 2. Signed in: the last 30 days (today is long after March 2026) have no tickets.
        await page.goto(f"{base}/supervisor/reports")
        await sign_in(ROLES["supervisor"], PASSWORDS["supervisor"])
        assert page.url == f"{base}/supervisor/reports"
        await expect(page.locator("header.site")).to_contain_text("Signed in as")
        await expect(page.locator("#volume .empty")).to_have_text("No tickets in this period.")
        assert await page.locator("#volume svg").count() == 0

        # 3. The week of 2 March, chosen in the form.
        await page.get_by_label("From", exact=True).fill("2026-03-02")
        await page.get_by_label("To", exact=True).fill("2026-03-08")
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator(".card", has_text="Created")).to_contain_text("5")
        await expect(page.locator(".card", has_text="SLA compliance")).to_contain_text("50 %")
        await expect(page.locator(".card", has_text="NPS")).to_contain_text("33.3")
        await expect(bar(page, "volume", "2026-03-02", "created")).to_have_text("2026-03-02: 2 created")
        await expect(bar(page, "volume", "2026-03-03", "resolved")).to_have_text("2026-03-03: 1 resolved")
        await expect(bar(page, "volume", "2026-03-05", "created")).to_have_text("2026-03-05: 0 created")
        await expect(bar(page, "backlog", "critical", "open")).to_have_text("critical: 1 open")
        await expect(bar(page, "response-times", "All teams", "Median").first).to_have_text("All teams: median 2 h")
        await expect(bar(page, "sla", "support", "breaches")).to_have_text("support: 2 breaches")
        await expect(bar(page, "sla", "network", "compliant")).to_have_text("network: 66.7 % compliant")
        sla_support = page.locator("#sla table tbody tr", has=page.locator('th:text-is("support")'))
        # team | with policy, breached tickets, compliant, compliance pct, breaches, escalations
        await expect(sla_support.locator("td")).to_have_text(["1", "1", "0", "0", "2", "0"])
        await expect(bar(page, "agents", "Nina Network", "handled")).to_have_text("Nina Network: 3 handled")
        await expect(bar(page, "agents", "Nina Network", "CSAT")).to_have_text("Nina Network: CSAT 4 of 5")
        await expect(bar(page, "satisfaction", "5", "answers")).to_have_text("5: 1 answer")
        await expect(bar(page, "categories", "network", "tickets")).to_have_text("network: 3 tickets (60.0 %)")
        chart = page.get_by_role("img", name="Tickets created and resolved per day")
        await expect(chart).to_be_visible()
        await shot("reports-03-week")

        # The CSV link downloads the same rows as the JSON API's CSV, for the same filters.
        async with page.expect_download() as download:
            await page.get_by_role("link", name="Download CSV of SLA compliance, breaches and escalations").click()
        path = await (await download.value).path()
        got = csv_rows(open(path, encoding="utf-8").read())
        api_csv = await api.get("/reports/sla", params={"from": "2026-03-02", "to": "2026-03-08", "format": "csv"})
        assert got == csv_rows(api_csv.text)
        assert {"team": "support", "with_policy": "1", "breached_tickets": "1", "compliant": "0",
                "compliance_pct": "0.0", "breaches": "2", "escalations": "0"} in got

        # 4. A filter narrows every chart: the support team only.
        await page.get_by_label("Team", exact=True).select_option("support")
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator(".card", has_text="Created")).to_contain_text("2")
        await expect(bar(page, "volume", "2026-03-02", "created")).to_have_text("2026-03-02: 0 created")
        await expect(bar(page, "volume", "2026-03-06", "created")).to_have_text("2026-03-06: 1 created")
        await expect(page.locator("#agents rect.bar[data-series=handled] > title")).to_have_text(
            ["Sam Support: 1 handled"])
        await expect(page.locator("#satisfaction .empty")).to_have_text("No survey answers in this period.")
        async with page.expect_download() as download:
            await page.get_by_role("link", name="Download CSV of Agents").click()
        got = csv_rows(open(await (await download.value).path(), encoding="utf-8").read())
        assert got == [{"assignee": "sam@demo.example", "name": "Sam Support", "handled": "1", "resolved": "0",
                        "median_resolution_seconds": "", "csat_mean": "", "csat_answers": "0"}]
        await shot("reports-04-support-team")

        # 5. Filters the reports refuse are said on the page, not a 500.
        response = await page.goto(f"{base}/supervisor/reports?from=2026-03-09&to=2026-03-08&priority=urgent")
        assert response.status == 422
        alert = page.get_by_role("alert")
        await expect(alert).to_contain_text("Priority: choose one of low, normal, high, critical.")
        response = await page.goto(f"{base}/supervisor/reports?from=2026-03-09&to=2026-03-08")
        assert response.status == 422
        await expect(alert).to_contain_text("From: must not be after the To date (2026-03-08).")
        await shot("reports-05-bad-filters")

        # 6. Signing out: the page asks to sign in again.
        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("status")).to_have_text("You are signed out.")
        await page.goto(f"{base}/supervisor/reports")
        assert page.url == f"{base}/login?next=%2Fsupervisor%2Freports"
        await browser.close()


@contextlib.asynccontextmanager
async def in_process(dev_server, db, task_queue, public_url: str):
    app = create_app(worker_settings(task_queue, public_url=public_url), temporal=dev_server.client,
                     sessions=db.sessions, sweep=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=public_url) as http:
            yield http


async def test_the_page_s_weeks_csv_and_refusals(dev_server, sqlite_database, task_queue):
    """The page's own rules, read over HTTP with a signed-in session (the sign-in itself:
    tests/api/test_web_sign_in.py)."""
    seed(sqlite_database)
    tokens = tokens_for(sqlite_database)
    async with in_process(dev_server, sqlite_database, task_queue, "http://desk.test") as http:
        ours = {"Origin": "http://desk.test"}
        r = await http.post("/login", data={"token": tokens["supervisor"]}, headers=ours)
        assert r.status_code == 303 and r.headers["location"] == "/console"
        jar = {"Cookie": r.headers["set-cookie"].split(";")[0]}
        assert (await http.get("/reports/sla", headers=jar)).status_code == 401  # the JSON API takes bearer tokens only
        assert (await http.get("/supervisor/reports/sla.csv?from=2026-03-02&to=2026-03-08", headers=jar)).status_code == 200
        assert (await http.get("/supervisor/reports/nothing.csv", headers=jar)).status_code == 404

        # Past 62 days, a bar per week (weeks start on Monday), in the chart and in its CSV.
        quarter = "from=2026-01-01&to=2026-03-31"
        r = await http.get(f"/supervisor/reports?{quarter}", headers=jar)
        assert "Tickets created and resolved per week" in r.text
        assert '<title>2026-03-02: 5 created</title>' in r.text and '<title>2026-02-16: 1 created</title>' in r.text
        r = await http.get(f"/supervisor/reports/volume.csv?{quarter}", headers=jar)
        assert r.headers["content-disposition"] == 'attachment; filename="report-volume-2026-01-01_2026-03-31.csv"'
        assert {"period": "2026-03-02", "created": "5", "resolved": "3"} in csv_rows(r.text)

        # Filters the JSON reports refuse are refused on the page too, each in words, never a 500.
        for query, words in (("team=nobody", "Team: unknown team."), ("from=2026-13-01", "From: enter a date like"),
                             ("from=2020-01-01&to=2026-03-08", "From: a report covers at most 1098 days."),
                             ("channel=pigeon", "Channel: choose one of email,"), ("category=" + "x" * 101, "Category: at most 100")):
            r = await http.get(f"/supervisor/reports?{query}", headers=jar)
            assert r.status_code == 422 and words in r.text, (query, r.text[:300])
            r = await http.get(f"/supervisor/reports/sla.csv?{query}", headers=jar)
            assert r.status_code == 422 and words in r.text, query

        # An auditor may read the reports (the same roles as GET /reports); an agent gets a refusal.
        for role, status in (("auditor", 200), ("agent", 403)):
            r = await http.post("/login", data={"token": tokens[role]}, headers=ours)
            page = await http.get("/supervisor/reports", headers={"Cookie": r.headers["set-cookie"].split(";")[0]})
            assert page.status_code == status, role
        assert "supervisor, admin or auditor" in page.text
