"""GET /search and GET /tickets?q= on the real dev server: a ticket made, answered, noted and
replied to through the API is found by a word of each part of its conversation."""

from __future__ import annotations


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
