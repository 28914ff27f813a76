"""The mode choosers are pure: round-robin, least-loaded and skill match over candidates,
with the reason each decision gives."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from activities.routing import Candidate, choose, least_loaded, next_round_robin

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def agents(*specs: tuple) -> list[Candidate]:
    return [Candidate(id=i, email=f"a{i}@x.example", **kw) for i, kw in specs]


@given(ids=st.lists(st.integers(1, 10_000), min_size=1, max_size=12, unique=True),
       n=st.integers(0, 200), start=st.one_of(st.none(), st.integers(0, 10_001)))
def test_round_robin_is_fair_over_many_tickets(ids, n, start):
    members = [Candidate(id=i, email=f"a{i}@x.example", capacity=10_000) for i in ids]
    cursor, given_to = start, []
    for _ in range(n):
        choice = choose("round_robin", members, team="t", cursor=cursor)
        given_to.append(choice.agent.id)
        cursor = choice.cursor
    counts = Counter(given_to)
    shares = [counts.get(i, 0) for i in ids]
    assert max(shares) - min(shares) <= 1
    # In cursor order: ids ascending, wrapping round.
    for a, b in zip(given_to, given_to[1:]):
        assert b == next_round_robin(members, a).id


def test_round_robin_skips_the_unavailable_and_the_full_and_wraps():
    members = agents((1, {}), (2, {"availability": "away"}), (3, {"load": 5, "capacity": 5}), (4, {}))
    first = choose("round_robin", members, team="t", cursor=1)
    assert first.agent.id == 4 and first.cursor == 4
    assert "round-robin in t: a4@x.example (0 open of 20) is next after a1@x.example" == first.reason
    again = choose("round_robin", members, team="t", cursor=first.cursor)
    assert again.agent.id == 1 and again.cursor == 1  # wrapped past the end


def test_round_robin_cursor_on_a_departed_agent_goes_to_the_next_id():
    members = agents((2, {}), (5, {}))
    assert choose("round_robin", members, team="t", cursor=3).agent.id == 5


def test_least_loaded_with_uneven_loads():
    members = agents((1, {"load": 4}), (2, {"load": 1}), (3, {"load": 2}))
    loads, picks = {c.id: c.load for c in members}, []
    for _ in range(5):
        pick = least_loaded([replace(c, load=loads[c.id]) for c in members])
        loads[pick.id] += 1
        picks.append(pick.id)
    assert picks == [2, 2, 3, 2, 3] and loads == {1: 4, 2: 4, 3: 4}
    assert choose("least_loaded", members, team="t").reason == "least loaded in t: a2@x.example with 1 open of 20"


def test_least_loaded_tie_goes_to_the_one_idle_longest_then_lowest_id():
    members = agents((1, {"load": 2, "last_assigned": T0 + timedelta(minutes=5)}),
                     (2, {"load": 2, "last_assigned": T0}),
                     (3, {"load": 3}))
    assert least_loaded(members).id == 2
    never = agents((1, {"last_assigned": T0}), (7, {}), (5, {}))
    assert least_loaded(never).id == 5  # never routed to: idle longest; then the lower id


@given(loads=st.lists(st.integers(0, 30), min_size=1, max_size=10), capacity=st.integers(1, 30))
def test_least_loaded_never_exceeds_capacity_and_picks_a_minimum(loads, capacity):
    members = [Candidate(id=i + 1, email=f"a{i}@x.example", load=load, capacity=capacity) for i, load in enumerate(loads)]
    choice = choose("least_loaded", members, team="t")
    free = [c for c in members if c.load < capacity]
    if not free:
        assert choice.agent is None and "at capacity" in choice.reason and choice.reason.endswith("waiting in the team queue")
    else:
        assert choice.agent.load < capacity and choice.agent.load == min(c.load for c in free)


def test_skill_match_picks_the_least_loaded_agent_with_every_skill():
    members = agents((1, {"skills": frozenset({"vpn"}), "load": 0}),
                     (2, {"skills": frozenset({"vpn", "dns"}), "load": 3}),
                     (3, {"skills": frozenset({"vpn", "dns", "wifi"}), "load": 2}))
    choice = choose("skill_match", members, team="net", needed=frozenset({"vpn", "dns"}))
    assert choice.agent.id == 3
    assert choice.reason == "skill match in net: a3@x.example has dns, vpn, least loaded of 2 with 2 open of 20"


def test_skill_match_without_a_skilled_agent_falls_back_to_least_loaded_and_says_so():
    members = agents((1, {"skills": frozenset({"vpn"}), "load": 2}), (2, {"load": 1}),
                     (3, {"skills": frozenset({"dns"}), "availability": "offline"}))
    choice = choose("skill_match", members, team="net", needed=frozenset({"dns"}))
    assert choice.agent.id == 2
    assert "nobody available has dns; falling back to least loaded: a2@x.example" in choice.reason
    assert "needs no skill" in choose("skill_match", members, team="net").reason


def test_nobody_available_says_why():
    assert choose("least_loaded", [], team="t").reason == "nobody available in t: it has no active agents; waiting in the team queue"
    away = agents((1, {"availability": "away"}), (2, {"availability": "offline"}))
    c = choose("round_robin", away, team="t", cursor=1)
    assert c.agent is None and c.cursor == 1
    assert c.reason == "nobody available in t: a1@x.example away, a2@x.example offline; waiting in the team queue"
    full = agents((1, {"load": 3, "capacity": 3}), (2, {"availability": "away"}))
    assert choose("skill_match", full, team="t", needed=frozenset({"x"})).reason == (
        "everyone online in t is at capacity: a1@x.example 3 open of 3; waiting in the team queue")
