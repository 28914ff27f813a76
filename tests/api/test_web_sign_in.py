"""Signing in to the web pages (api/signin/): e-mail and password or an API token, the cookie's
flags, the CSRF checks, the limits on failed sign-ins per address and per account, sign-out,
expiry, and passwords set by an admin (CLI in tests/e2e/test_cli.py, API here) and changed by
the agent. Real parts: the app in process, its read model (SQLite), the Temporal dev server it
connects to (no worker: nothing here reaches a ticket)."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import select, update

from api.app import create_app
from models.passwords import set_password
from models.tables import Agent, ApiToken
from models.tokens import hash_token, issue_token
from models.web_sessions import WebSession
from tests.api.conftest import ROLES
from tests.conftest import worker_settings

SITE = "http://desk.test"
OURS = {"Origin": SITE}
PASSWORD = "a long password for sam"


def agent(s, role: str) -> Agent:
    return s.scalars(select(Agent).where(Agent.email == ROLES[role])).one()


@contextlib.asynccontextmanager
async def desk(dev_server, db, task_queue, public_url: str = SITE, **settings):
    app = create_app(worker_settings(task_queue, public_url=public_url, **settings), temporal=dev_server.client,
                     sessions=db.sessions, sweep=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=public_url) as http:
            yield http


def cookie_of(r: httpx.Response) -> dict[str, str]:
    return {"Cookie": r.headers["set-cookie"].split(";")[0]}


async def sign_in(http, email: str, password: str, **extra) -> httpx.Response:
    return await http.post("/login", data={"email": email, "password": password, **extra}, headers=OURS)


async def test_an_agent_signs_in_with_a_password_and_out_again(dev_server, sqlite_database, task_queue):
    with sqlite_database.sessions.begin() as s:
        set_password(s, agent(s, "agent"), PASSWORD)
        token = issue_token(s, agent(s, "supervisor"), "pages")
    async with desk(dev_server, sqlite_database, task_queue) as http:
        # Not signed in: sent to sign in, and back to the page afterwards (never to another site).
        r = await http.get("/account")
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Faccount"
        r = await sign_in(http, ROLES["agent"].upper(), PASSWORD, next="/account")  # the address in any case
        assert r.status_code == 303 and r.headers["location"] == "/account"
        for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
            r = await sign_in(http, ROLES["agent"], PASSWORD, next=elsewhere)
            assert r.headers["location"] == "/console", elsewhere
        cookie = r.headers["set-cookie"]
        sid = cookie.split(";")[0].split("=", 1)[1]
        assert sid.startswith("sds_") and PASSWORD not in cookie
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "samesite=strict", "path=/"} <= flags and "secure" not in flags
        jar = cookie_of(r)
        page = await http.get("/account", headers=jar)
        assert page.status_code == 200 and ROLES["agent"] in page.text and "Change your password" in page.text
        # The JSON API never takes the cookie: only a bearer token.
        assert (await http.get("/tickets", headers=jar)).status_code == 401

        # Wrong password, unknown account, inactive account: the same refusal, no cookie.
        with sqlite_database.sessions.begin() as s:
            s.execute(update(Agent).where(Agent.email == ROLES["auditor"]).values(active=False))
            set_password(s, agent(s, "auditor"), "auditor password 1")
        for email, password in ((ROLES["agent"], "wrong password!"), ("nobody@demo.example", PASSWORD),
                                (ROLES["auditor"], "auditor password 1")):
            r = await sign_in(http, email, password)
            assert r.status_code == 401 and "do not match an active account" in r.text and "set-cookie" not in r.headers
        r = await http.post("/login", data={"email": ROLES["agent"]}, headers=OURS)
        assert r.status_code == 422 and "Type your e-mail address and your password" in r.text

        # An account without a password signs in with an API token; the session ends with the token.
        r = await http.post("/login", data={"token": token}, headers=OURS)
        assert r.status_code == 303
        by_token = cookie_of(r)
        assert (await http.get("/supervisor/reports", headers=by_token)).status_code == 200
        assert "Set a password" in (await http.get("/account", headers=by_token)).text
        with sqlite_database.sessions.begin() as s:
            s.execute(update(ApiToken).where(ApiToken.token_hash == hash_token(token))
                      .values(revoked_at=datetime.now(timezone.utc)))
        r = await http.get("/supervisor/reports", headers=by_token)
        assert r.status_code == 303 and r.headers["location"].endswith("&expired=1")
        assert "max-age=0" in r.headers["set-cookie"].lower() or "expires=" in r.headers["set-cookie"].lower()

        # Signing out from another site does nothing; from ours it ends the session.
        r = await http.post("/logout", headers={"Origin": "https://evil.example"} | jar)
        assert r.status_code == 403 and "set-cookie" not in r.headers
        assert (await http.get("/account", headers=jar)).status_code == 200
        r = await http.post("/logout", headers=OURS | jar)
        assert r.status_code == 303 and r.headers["location"] == "/login?signed_out=1"
        assert (await http.get("/account", headers=jar)).status_code == 303

    async with desk(dev_server, sqlite_database, task_queue, "https://desk.example") as http:
        r = await http.post("/login", data={"email": ROLES["agent"], "password": PASSWORD},
                            headers={"Origin": "https://desk.example"})
        assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()


async def test_forms_from_another_site_do_nothing(dev_server, sqlite_database, task_queue):
    with sqlite_database.sessions.begin() as s:
        set_password(s, agent(s, "agent"), PASSWORD)
    async with desk(dev_server, sqlite_database, task_queue) as http:
        for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"}, {},
                        {"Origin": "null"}):
            r = await http.post("/login", data={"email": ROLES["agent"], "password": PASSWORD}, headers=headers)
            assert r.status_code == 403 and "another site" in r.text and "set-cookie" not in r.headers, headers
        r = await http.post("/login", data={"email": ROLES["agent"], "password": PASSWORD},
                            headers={"Referer": f"{SITE}/login"})
        assert r.status_code == 303
        jar = cookie_of(r)
        # A signed-in form needs the session's form token as well as our Origin.
        change = {"current": PASSWORD, "new": "another long one", "again": "another long one"}
        for data, headers in ((change, OURS), (change | {"csrf": "forged"}, OURS)):
            r = await http.post("/account/password", data=data, headers=headers | jar)
            assert r.status_code == 403 and "another site" in r.text
        page = (await http.get("/account", headers=jar)).text
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        r = await http.post("/account/password", data=change | {"csrf": csrf}, headers={"Origin": "https://evil.example"} | jar)
        assert r.status_code == 403
        r = await http.post("/account/password", data=change | {"csrf": csrf}, headers=OURS | jar)
        assert r.status_code == 303 and r.headers["location"] == "/account?changed=1"


async def test_failed_sign_ins_are_limited_per_account_and_per_address(dev_server, sqlite_database, task_queue):
    with sqlite_database.sessions.begin() as s:
        set_password(s, agent(s, "agent"), PASSWORD)
        set_password(s, agent(s, "supervisor"), "supervisor password")
    async with desk(dev_server, sqlite_database, task_queue, rate_limit_failed_sign_ins="6/minute",
                    rate_limit_failed_sign_ins_per_account="3/minute") as http:
        for _ in range(3):
            assert (await sign_in(http, ROLES["agent"], "a guess at it")).status_code == 401
        # This account is locked for the window, even with the right password ...
        r = await sign_in(http, ROLES["agent"], PASSWORD)
        assert r.status_code == 429 and "Too many failed sign-ins" in r.text and "set-cookie" not in r.headers
        assert 1 <= int(r.headers["retry-after"]) <= 60
        # ... another is not, and an address that is no agent's is counted the same way (no hint which exist).
        assert (await sign_in(http, ROLES["supervisor"], "supervisor password")).status_code == 303
        for _ in range(3):
            assert (await sign_in(http, "nobody@demo.example", "a guess")).status_code == 401
        assert (await sign_in(http, "nobody@demo.example", "a guess")).status_code == 429
        # Past the address's limit (6 failures from it) nothing from this address is checked.
        r = await sign_in(http, ROLES["supervisor"], "supervisor password")
        assert r.status_code == 429


async def test_passwords_set_by_an_admin_and_changed_by_their_agent(dev_server, sqlite_database, task_queue):
    with sqlite_database.sessions.begin() as s:
        admin = issue_token(s, agent(s, "admin"), "admin")
        mine = issue_token(s, agent(s, "agent"), "agent")
        agent_id = agent(s, "agent").id
    admin_h, mine_h = {"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {mine}"}
    async with desk(dev_server, sqlite_database, task_queue) as http:
        # Only an admin sets another agent's password; a bad one is named, and nothing is stored.
        r = await http.put(f"/admin/agents/{agent_id}/password", json={"password": PASSWORD}, headers=mine_h)
        assert r.status_code == 403
        for bad, words in (("short", "at least 10 characters"), (ROLES["agent"], "not the account's e-mail"),
                           ("aaaaaaaaaaaa", "at least 4 different"), (" spaces around ", "start or end with a space")):
            r = await http.put(f"/admin/agents/{agent_id}/password", json={"password": bad}, headers=admin_h)
            assert r.status_code == 422 and r.json()["error"]["type"] == "PasswordRefused", bad
            assert words in r.json()["error"]["message"] and r.json()["error"]["fields"][0]["field"] == "password"
        with sqlite_database.sessions() as s:
            assert agent(s, "agent").password_hash is None
        assert (await http.put("/admin/agents/999999/password", json={"password": PASSWORD}, headers=admin_h)).status_code == 404
        r = await http.put(f"/admin/agents/{agent_id}/password", json={"password": PASSWORD}, headers=admin_h)
        assert r.status_code == 204
        with sqlite_database.sessions() as s:
            stored = agent(s, "agent").password_hash
        assert stored.startswith("$argon2id$") and PASSWORD not in stored

        # Two browsers signed in; the agent changes the password on the console in one of them:
        # that one stays signed in, the other is signed out.
        first, second = cookie_of(await sign_in(http, ROLES["agent"], PASSWORD)), cookie_of(await sign_in(http, ROLES["agent"], PASSWORD))
        page = (await http.get("/account", headers=first)).text
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        form = {"csrf": csrf, "current": "not it at all", "new": "the new password", "again": "the new password"}
        r = await http.post("/account/password", data=form, headers=OURS | first)
        assert r.status_code == 422 and "That is not your current password." in r.text
        r = await http.post("/account/password", data=form | {"current": PASSWORD, "again": "different"}, headers=OURS | first)
        assert r.status_code == 422 and "The two new passwords differ." in r.text
        r = await http.post("/account/password", data=form | {"current": PASSWORD, "new": "short", "again": "short"},
                            headers=OURS | first)
        assert r.status_code == 422 and "at least 10 characters" in r.text
        r = await http.post("/account/password", data=form | {"current": PASSWORD}, headers=OURS | first)
        assert r.status_code == 303
        assert (await http.get("/account", headers=first)).status_code == 200
        assert (await http.get("/account", headers=second)).status_code == 303
        assert (await sign_in(http, ROLES["agent"], PASSWORD)).status_code == 401
        assert (await sign_in(http, ROLES["agent"], "the new password")).status_code == 303

        # Through the API, with the current password.
        r = await http.put("/me/password", json={"current_password": PASSWORD, "new_password": "third password!"},
                           headers=mine_h)
        assert r.status_code == 403 and r.json()["error"]["type"] == "WrongPassword"
        r = await http.put("/me/password", json={"current_password": "the new password", "new_password": "third password!"},
                           headers=mine_h)
        assert r.status_code == 204
        assert (await http.get("/account", headers=first)).status_code == 303  # the API's change ends every session
        assert (await sign_in(http, ROLES["agent"], "third password!")).status_code == 303


async def test_a_session_ends_when_unused_and_at_its_expiry(dev_server, sqlite_database, task_queue):
    with sqlite_database.sessions.begin() as s:
        set_password(s, agent(s, "agent"), PASSWORD)
    async with desk(dev_server, sqlite_database, task_queue, web_session_idle_minutes=30) as http:
        idle, old = cookie_of(await sign_in(http, ROLES["agent"], PASSWORD)), cookie_of(await sign_in(http, ROLES["agent"], PASSWORD))
        now = datetime.now(timezone.utc)
        with sqlite_database.sessions.begin() as s:
            rows = s.scalars(select(WebSession).order_by(WebSession.created_at)).all()
            assert len(rows) == 2
            rows[0].last_seen_at = now - timedelta(minutes=31)  # the first: unused for longer than 30 minutes
            rows[1].expires_at = now - timedelta(seconds=1)  # the second: past its working day
        for jar in (idle, old):
            r = await http.get("/account", headers=jar)
            assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Faccount&expired=1"
        r = await http.get("/login?expired=1")
        assert "Your session has ended" in r.text
