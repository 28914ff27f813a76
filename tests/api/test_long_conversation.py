"""A ticket with more messages than the workflow keeps (lifecycle.CONVERSATION_KEPT): the API
says how many older entries it does not list, every message stays in the events, and the
customer's page says older messages are not shown. Real dev server, both databases."""

from __future__ import annotations

import pytest

from tests.api.conftest import running_desk
from tests.portal.helpers import SECRET, link
from workflows.lifecycle import CONVERSATION_KEPT

pytestmark = pytest.mark.slow
EXTRA = 5


@pytest.fixture
async def desk(dev_server, database, task_queue):
    async with running_desk(dev_server, database, task_queue, secret_key=SECRET) as d:
        yield d


async def test_a_long_conversation_keeps_the_newest_and_loses_no_message(desk):
    number = (await desk.create(subject="Flaky VPN", description="Drops every hour")).json()["number"]
    await desk.wait_routed(number)
    total = CONVERSATION_KEPT + EXTRA
    for i in range(total):  # one after another, so "newest" is well defined
        r = await desk.act(number, kind="reply", body=f"update {i:03d}", headers={"Idempotency-Key": f"long-{i}"})
        assert r.status_code == 200, r.text

    t = await desk.ticket(number)
    assert t["conversation_earlier"] == EXTRA
    assert [e["body"] for e in t["conversation"]] == [f"update {i:03d}" for i in range(EXTRA, total)]

    events = (await desk.http.get(f"/tickets/{number}/events", headers=desk.auth())).json()
    bodies = [e["data"]["body"] for e in events if e["kind"] == "reply"]
    assert bodies == [f"update {i:03d}" for i in range(total)]

    page = await desk.http.get(link(number))
    assert page.status_code == 200
    assert "Older messages are not shown here" in page.text
    assert "update 004" not in page.text and "update 005" in page.text and f"update {total - 1:03d}" in page.text
