"""Abuse limits (api/throttle.py), tried as an attacker would: the portal's form aimed at one
victim's mailbox and from one client, guessed API tokens, guessed sign-ins. Each
refusal is a 429 with Retry-After, and nothing is done for it. The limits are set low here; the
defaults are in models/settings.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from models.links import check_form_key, sign_form_key
from models.tables import TicketIntake
from tests.api.conftest import running_desk, token_for
from tests.api.test_portal_requests import answers
from tests.conftest import worker_settings
from tests.portal.helpers import SECRET, form_key, heading


def opened(db) -> int:
    with db.sessions() as s:
        return s.scalar(select(func.count()).select_from(TicketIntake).where(TicketIntake.source == "web"))


@pytest.mark.slow
async def test_the_portal_form_is_not_a_mail_cannon(dev_server, sqlite_database, task_queue):
    async with running_desk(dev_server, sqlite_database, task_queue, secret_key=SECRET,
                            rate_limit_portal_per_address="2/hour", rate_limit_portal_per_client="3/hour") as desk:
        async def send(email: str) -> httpx.Response:
            key = form_key((await desk.http.get("/portal")).text)
            return await desk.http.post("/portal/requests", data=answers(key, email=email))

        before = opened(desk.db)
        assert [(await send("victim@customer.example")).status_code for _ in range(2)] == [200, 200]
        refused = await send("Victim@Customer.example")  # the same mailbox, however it is spelled
        assert refused.status_code == 429
        assert 3000 <= int(refused.headers["retry-after"]) <= 3600
        assert "Too many requests were sent" in refused.text and "send them again in 60 minutes" in refused.text
        assert 'value="Laptop will not boot"' in refused.text  # what was typed is kept
        assert opened(desk.db) == before + 2

        assert (await send("someone-else@customer.example")).status_code == 200  # the client's third
        assert (await send("a-fourth@customer.example")).status_code == 429  # the client's limit
        assert opened(desk.db) == before + 3


async def test_a_request_form_key_is_signed_and_dated():
    key = sign_form_key(SECRET)
    assert check_form_key(SECRET, key) == "ok"
    assert check_form_key("another desk's key", key) == "forged"
    assert check_form_key(SECRET, key[:-1] + ("A" if key[-1] != "A" else "B")) == "forged"
    assert check_form_key(SECRET, "é" * 20) == "forged"
    old = sign_form_key(SECRET, datetime.now(timezone.utc) - timedelta(hours=25))
    assert check_form_key(SECRET, old) == "expired"
    assert check_form_key(SECRET, old, now=datetime.now(timezone.utc) - timedelta(hours=2)) == "ok"


@pytest.mark.slow
async def test_a_form_key_from_elsewhere_opens_nothing(dev_server, sqlite_database, task_queue):
    async with running_desk(dev_server, sqlite_database, task_queue, secret_key=SECRET) as desk:
        before = opened(desk.db)
        for key in (sign_form_key("forger"), sign_form_key(SECRET, datetime.now(timezone.utc) - timedelta(days=2))):
            r = await desk.http.post("/portal/requests", data=answers(key))
            assert r.status_code == 422 and "This form had expired" in r.text
            fresh = form_key(r.text)
            assert fresh != key and check_form_key(SECRET, fresh) == "ok"  # sending it again works
        assert opened(desk.db) == before
        assert heading((await desk.http.post("/portal/requests", data=answers(fresh))).text).startswith("Request #")


@pytest.fixture
async def app_only(dev_server, sqlite_database, task_queue):
    """The API with no worker: these checks never reach a ticket."""
    app = create_app(worker_settings(task_queue, rate_limit_failed_tokens="5/minute",
                                     rate_limit_failed_sign_ins="3/minute", public_url="http://desk"),
                     temporal=dev_server.client, sessions=sqlite_database.sessions, sweep=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as http:
            yield http, sqlite_database


async def test_guessing_tokens_stops_at_the_limit(app_only):
    http, db = app_only
    right = token_for(db.sessions, "admin@demo.example")
    assert (await http.get("/tickets", headers={"Authorization": f"Bearer {right}"})).status_code == 200
    wrong = [(await http.get("/tickets", headers={"Authorization": f"Bearer sdk_guess{i}"})).status_code
             for i in range(5)]
    assert wrong == [401] * 5
    r = await http.get("/tickets", headers={"Authorization": "Bearer sdk_guess6"})
    assert r.status_code == 429 and r.json()["error"]["type"] == "RateLimited"
    assert 1 <= int(r.headers["retry-after"]) <= 60
    # Past the limit even the right token is not checked: an answer would tell a guess from a hit.
    assert (await http.get("/tickets", headers={"Authorization": f"Bearer {right}"})).status_code == 429
    assert (await http.get("/health")).status_code == 200  # what needs no token still answers
    spec = (await http.get("/openapi.json")).json()
    assert "Retry-After" in spec["paths"]["/tickets"]["get"]["responses"]["429"]["headers"]


async def test_guessing_tokens_on_the_sign_in_page_stops_at_the_limit(app_only):
    """(Passwords, per account and per address: tests/api/test_web_sign_in.py.)"""
    http, db = app_only
    right = token_for(db.sessions, "admin@demo.example")
    same_site = {"Origin": "http://desk"}
    for i in range(3):
        r = await http.post("/login", data={"token": f"sdk_guess{i}"}, headers=same_site)
        assert r.status_code == 401
    r = await http.post("/login", data={"token": right}, headers=same_site)
    assert r.status_code == 429 and "Too many failed sign-ins" in r.text
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert "servicedesk_session" not in r.headers.get("set-cookie", "")


async def test_a_read_model_that_does_not_answer_is_a_503_not_a_500(dev_server, task_queue):
    """(Not abuse, but the same edge: what a caller gets when the database is away.) Port 1 refuses
    every connection, as a PostgreSQL that is down does."""
    from models.db import make_engine, make_sessions

    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/gone")
    app = create_app(worker_settings(task_queue), temporal=dev_server.client, sessions=make_sessions(engine), sweep=False)
    try:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as http:
                r = await http.get("/tickets", headers={"Authorization": "Bearer sdk_any"})
                assert r.status_code == 503 and r.json()["error"]["type"] == "DatabaseUnavailable"
                assert r.headers["retry-after"] == "5"
                key = sign_form_key(app.state.settings.link_secret)
                page = await http.post("/portal/requests", data=answers(key))  # a customer gets a page
                assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
                assert "Please try again in a moment" in page.text
    finally:
        engine.dispose()
