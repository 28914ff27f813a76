"""GET /search and GET /tickets?q= on the real dev server: a ticket made, answered, noted and
replied to through the API is found by a word of each part of its conversation."""

from __future__ import annotations

from sqlalchemy import select

from models.passwords import set_password
from models.tables import Agent
from tests.api.conftest import ROLES


async def test_a_ticket_is_found_by_any_part_of_its_conversation(desk):
    r = await desk.create(subject="Projector flickers", description="In the boardroom")
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    await desk.wait_routed(number)
    assert (await desk.act(number, kind="reply", body="Which cable do you use?")).status_code == 200
    assert (await desk.act(number, kind="note", body="Kim swapped the lamp in March")).status_code == 200
    r = await desk.http.post(f"/tickets/{number}/customer-replies", json={"body": "An HDMI adapter <script>x</script>"},
                             headers=desk.auth())
    assert r.status_code == 202
    view = await desk.wait_for(number, lambda t: any(e["body"].startswith("An HDMI") for e in t["conversation"]))
    await desk.projected(number, view["last_seq"])

    async def search(**params) -> dict:
        r = await desk.http.get("/search", params=params, headers=desk.auth())
        assert r.status_code == 200, r.text
        return r.json()

    found = await search(q="adapters")  # the customer's reply, stemmed
    assert [(h["kind"], h["ref"], h["url"]) for h in found["items"]] == [("ticket", number, f"/tickets/{number}")]
    hit = found["items"][0]
    assert hit["title"] == "Projector flickers" and "<mark>adapter</mark>" in hit["snippet"]
    assert "&lt;script&gt;" in hit["snippet"] and "<script>" not in hit["snippet"]
    assert (await search(q="lamp", kind="ticket"))["total"] == 1  # the note, for agents
    typo = await search(q="projektor")
    assert typo["corrected"] == "projector" and typo["items"][0]["ref"] == number
    assert (await search(q="lamp", kind="article"))["total"] == 0

    for bad in ({"q": ""}, {"q": "x" * 201}, {}):
        r = await desk.http.get("/search", params=bad, headers=desk.auth())
        assert r.status_code == 422 and "q" in r.text, r.text
    assert (await desk.http.get("/search", params={"q": "lamp"})).status_code == 401

    r = await desk.http.get("/tickets", params={"q": "hdmi"}, headers=desk.auth())  # only in the customer's reply
    assert r.status_code == 200 and [t["number"] for t in r.json()["items"]] == [number]
    r = await desk.http.get("/tickets", params={"q": "dana@customer"}, headers=desk.auth())
    assert number in [t["number"] for t in r.json()["items"]]

    # The console's search page: the same hits, the snippet our escaped text with only <mark>.
    with desk.db.sessions.begin() as s:
        set_password(s, s.scalars(select(Agent).where(Agent.email == ROLES["agent"])).one(), "search password 1")
    r = await desk.http.post("/login", data={"email": ROLES["agent"], "password": "search password 1"},
                             headers={"Origin": "http://desk"})
    jar = {"Cookie": r.headers["set-cookie"].split(";")[0]}
    page = await desk.http.get("/console/search", params={"q": "adapter"}, headers=jar)
    assert page.status_code == 200 and f'href="/console/tickets/{number}"' in page.text
    assert "<mark>adapter</mark>" in page.text and "&lt;script&gt;x" in page.text and "<script>x" not in page.text
    assert (await desk.http.get("/console/search", params={"q": "x" * 201}, headers=jar)).status_code == 422
    desk.http.cookies.clear()  # the client kept the session's cookie: without it, the sign-in page
    assert (await desk.http.get("/console/search", params={"q": "adapter"})).status_code == 303
