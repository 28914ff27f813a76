"""The agents' console in headless Chromium, as two agents of one team work a shift together:
sign in with a password, take a ticket from the queue, see each other on it (viewing, writing),
answer at the same moment (the second is told what changed and sends anyway), note a colleague
with @mention completion, pend, see the customer's reply arrive without a reload, answer with a
macro, resolve from the keyboard, bulk-assign from a queue. Every page is checked with axe-core (no serious or
critical violation) and drawn at 1440 px and 390 px, where nothing is wider than the screen.
Screenshots go to tests/portal/screenshots/console-*.png.

Real parts: the API behind uvicorn, a worker on the Temporal dev server, the read model
(SQLite), an SMTP server receiving the desk's mails, Chromium."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from models.passwords import set_password
from models.tables import Agent
from models.tokens import issue_token
from tests.portal.browser import SCREENSHOTS, Mailbox, accessible, desk_in_a_browser, fits, require_browser

pytestmark = pytest.mark.slow
SAM, SKY = "sam@demo.example", "sky@demo.example"
PASSWORDS = {SAM: "sam works the day shift", SKY: "sky works it too"}
WIDE, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


async def test_two_agents_work_a_shift_in_the_console(dev_server, sqlite_database, task_queue):
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
        sky = await (await browser.new_context(viewport=WIDE)).new_page()

        async def shot(page, name: str, check: bool = True) -> None:
            """Both widths: a screenshot each, axe-core and nothing wider than a phone."""
            if check:
                await accessible(page, name)
            await page.screenshot(path=str(SCREENSHOTS / f"console-{name}-1440.png"), full_page=True)
            await page.set_viewport_size(PHONE)
            await fits(page, name)
            await page.screenshot(path=str(SCREENSHOTS / f"console-{name}-390.png"), full_page=True)
            if check:
                await accessible(page, f"{name} at 390 px")
            await page.set_viewport_size(WIDE)

        async def sign_in(page, email: str) -> None:
            await page.goto(f"{base}/console")
            assert page.url.startswith(f"{base}/login?next=")
            await page.get_by_label("E-mail").fill(email)
            await page.get_by_label("Password").fill(PASSWORDS[email])
            await page.get_by_role("button", name="Sign in", exact=True).click()
            await expect(page.get_by_role("heading", level=1)).to_contain_text("My open tickets")

        # 1. Sign in; the sign-in page itself passes axe too.
        await sam.goto(f"{base}/login")
        await shot(sam, "01-sign-in")
        await sign_in(sam, SAM)
        await sign_in(sky, SKY)

        # 2. Customers write in while the team is away (so they wait unassigned in its queue);
        # Sam takes one from there.
        for email in (SAM, SKY, "sue@demo.example"):
            r = await api.put(f"/agents/{email}/availability", json={"availability": "away"})
            assert r.status_code == 200, r.text
        numbers = []
        for subject in ("Laptop will not boot", "Printer offline", "Password reset"):
            r = await api.post("/tickets", json={"subject": subject, "description": f"{subject}, since this morning.",
                                                 "requester": {"email": "dana@customer.example", "name": "Dana"}})
            numbers.append(r.json()["number"])
        for n in numbers:
            await poll(lambda n=n: _routed(api, n), what=f"ticket {n} routed")
        number = numbers[0]
        await sam.goto(f"{base}/console/queues/team")
        row = sam.locator(f'tr[data-ticket="{number}"]')
        await expect(row).to_contain_text("Laptop will not boot")
        await shot(sam, "02-team-queue")
        await row.get_by_role("link").click()
        await expect(sam.get_by_role("heading", level=1)).to_have_text(f"#{number} Laptop will not boot")
        await sam.get_by_label("Assign to").select_option(SAM)
        await sam.get_by_role("button", name="Assign").click()
        await expect(sam.get_by_role("status").filter(has_text="Done: assign")).to_be_visible()
        await expect(sam.locator(".ticket-facts")).to_contain_text(f"Assignee: {SAM}")

        # 3. Sky opens it too: each sees the other, and sees the other start writing.
        await sky.goto(f"{base}/console/tickets/{number}")
        await expect(sam.locator("#presence")).to_contain_text("Sky Support is viewing", timeout=15_000)
        await expect(sky.locator("#presence")).to_contain_text("Sam Support is viewing", timeout=15_000)
        await sky.get_by_label("Reply to Dana").fill("Hold the power button for 30 seconds.")
        await expect(sam.locator("#presence")).to_contain_text("Sky Support is writing a reply", timeout=15_000)
        await shot(sam, "03-ticket-colleague-writing")

        # 4. Sam answers first. Sky's open page shows Sam's reply without a reload and says the
        # ticket changed under the draft; Sky's send is refused, naming it, and goes on confirmed.
        await sam.get_by_label("Reply to Dana").fill("Please try another power adapter.")
        await sam.get_by_role("button", name="Send the reply").click()
        await expect(sam.get_by_role("status").filter(has_text="Done: reply")).to_be_visible()
        await expect(sky.locator(".conversation")).to_contain_text("Please try another power adapter.", timeout=15_000)
        await expect(sky.locator("#changed")).to_contain_text("changed while you were writing")
        await sky.get_by_role("button", name="Send the reply").click()
        alert = sky.get_by_role("alert")
        await expect(alert).to_contain_text("The ticket changed while you were on it")
        await expect(alert).to_contain_text(f"reply by {SAM}")
        await shot(sky, "04-stale-view-refused")
        await sky.get_by_role("button", name="Send it anyway").click()
        await expect(sky.get_by_role("status").filter(has_text="Done: reply")).to_be_visible()
        view = (await api.get(f"/tickets/{number}")).json()
        assert [e["body"] for e in view["conversation"] if e["author"]["kind"] == "agent"] == [
            "Please try another power adapter.", "Hold the power button for 30 seconds."]

        # 5. Sam's page shows Sky's answer by itself (so his next form is on the current view).
        # He notes Sky, completing the mention from a few letters; Sky is mailed.
        await expect(sam.locator(".conversation")).to_contain_text("Hold the power button", timeout=15_000)
        note = sam.get_by_label("Internal note")
        await note.fill("Dana is a VIP, ")
        await note.press_sequentially("@sk")
        await sam.get_by_role("button", name=f"Sky Support (@{SKY})").click()
        await note.press_sequentially("please follow up tomorrow.")
        await expect(note).to_have_value(f"Dana is a VIP, @{SKY} please follow up tomorrow.")
        await sam.get_by_role("button", name="Add the note").click()
        await expect(sam.locator(".entry.internal")).to_contain_text("please follow up tomorrow")
        await poll(lambda: _mailed(mail, SKY, "mentioned you"), what="the mention mail")

        # 6. Pend; the customer's answer arrives on the open page by itself, and reopens it.
        await sam.get_by_label("Waiting on the customer for").fill("the adapter test")
        await sam.get_by_role("button", name="Pend").click()
        await expect(sam.locator(".ticket-facts .status")).to_have_text("pending")
        r = await api.post(f"/tickets/{number}/customer-replies",
                           json={"body": "A new adapter fixed it, thanks!", "channel": "phone"})
        assert r.status_code == 202
        await expect(sam.locator(".conversation")).to_contain_text("A new adapter fixed it", timeout=15_000)
        await expect(sam.locator(".ticket-facts .status")).to_have_text("open")
        await expect(sam.locator("#changed")).to_contain_text("updated just now")

        # 7. Sam answers with the team's macro: previewed for this ticket, then applied as one step.
        r = await api.post("/macros", json={"name": "Glad it works", "scope": "global", "add_tags": ["hardware"],
                                            "body": "Hi {{ requester.name }}, glad it works now. {{ agent.name }}"})
        assert r.status_code == 201, r.text
        await sam.reload()
        await sam.get_by_label("Use a macro").select_option(label="Glad it works")
        await sam.get_by_role("button", name="Preview").click()
        preview = sam.get_by_label("The reply to Dana, as it will be sent")
        await expect(preview).to_have_value("Hi Dana, glad it works now. Sam Support")
        await sam.get_by_role("button", name="Apply the macro").click()
        await expect(sam.get_by_role("status").filter(has_text="Done: macro")).to_be_visible()
        await expect(sam.locator(".conversation")).to_contain_text("Hi Dana, glad it works now. Sam Support")
        await expect(sam.locator(".ticket-facts")).to_contain_text("Tags: hardware")

        # 8. Resolve from the keyboard: `e` goes to the resolution.
        await sam.locator("h1").click()
        await sam.keyboard.press("e")
        await expect(sam.get_by_label("Resolution")).to_be_focused()
        await sam.keyboard.type("Replaced the power adapter.")
        await sam.get_by_role("button", name="Resolve").click()
        await expect(sam.locator(".ticket-facts .status")).to_have_text("resolved")
        await shot(sam, "05-ticket-resolved")

        # 9. Bulk: the two other tickets, given to Sky from the "all" queue, each one's outcome said.
        await sam.goto(f"{base}/console/queues/all")
        for n in numbers[1:]:
            await sam.get_by_label(f"Select ticket {n}").check()
        await sam.get_by_label("Action").select_option("assign")
        await sam.get_by_label("Assignee (e-mail)").fill(SKY)
        await sam.get_by_role("button", name="Apply to the selected").click()
        result = sam.locator(".bulk-result")
        await expect(result).to_contain_text("Assign: 2 of 2 done")
        await shot(sam, "06-bulk-assigned")
        for n in numbers[1:]:
            assert (await api.get(f"/tickets/{n}")).json()["assignee"] == SKY

        # 10. j/k move through the queue; the account page passes too.
        await sam.locator("h1").click()
        await sam.keyboard.press("j")
        await expect(sam.locator("tr.current a.ticket-link")).to_be_focused()
        await sam.goto(f"{base}/account")
        await shot(sam, "07-account")
        await browser.close()


async def poll(check, timeout: float = 20.0, what: str = "condition"):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await check()
        if found:
            return found
        assert loop.time() < deadline, f"{what} never happened"
        await asyncio.sleep(0.1)


async def _routed(api, number: int) -> bool:
    r = await api.get(f"/tickets/{number}")
    return r.status_code == 200 and r.json()["last_seq"] >= 4 and r.json()["team"] == "support" \
        and r.json()["assignee"] is None


async def _mailed(mail: Mailbox, to: str, words: str) -> bool:
    with mail.lock:
        return any(to in rcpts and words in str(msg["Subject"]) for rcpts, msg in mail.mails)
