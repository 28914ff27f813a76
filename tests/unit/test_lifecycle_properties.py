"""Property tests of the ticket state machine: random action sequences, rejected ones included."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from workflows.lifecycle import TRANSITIONS, ActionRejected, apply, check, new_ticket
from workflows.messages import (
    CHANNELS,
    MAX_BODY_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    PRIORITIES,
    STATUSES,
    SYSTEM,
    Actor,
    Assign,
    Close,
    CustomerReply,
    Hold,
    Note,
    Pend,
    Reopen,
    Reply,
    Resolve,
    Resume,
    Routed,
    SetCategory,
    SetPriority,
    SetTags,
    TicketInput,
    Triaged,
)

NOW = datetime(2024, 5, 6, 9, 30, tzinfo=timezone.utc)
ANN = Actor(kind="agent", id="ann@example.com")
BOB = Actor(kind="agent", id="bob@example.com")
CUSTOMER = Actor(kind="customer", id="carol@customer.example")

PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

agents = st.sampled_from([ANN, BOB])
texts = st.one_of(
    st.sampled_from(["", "   ", "\n", "ok", "x" * (MAX_BODY_CHARS + 1)]),
    st.text(max_size=12),
)
reasons = st.one_of(st.just(""), st.text(max_size=8), st.just("r" * (MAX_BODY_CHARS + 1)))
# Mostly valid tags from a small alphabet (so lists collide and grow towards MAX_TAGS),
# plus the kinds of invalid ones an agent might send.
good_tags = st.text(alphabet="abcdefghijKLM-", min_size=1, max_size=3)
bad_tags = st.sampled_from(["", "  ", "two words", "x" * (MAX_TAG_CHARS + 1), "tab\tin"])
tags = st.one_of(good_tags, good_tags.map(lambda t: f" {t.upper()} "), bad_tags)
tag_lists = st.lists(tags, max_size=6)
people = st.one_of(st.none(), st.sampled_from(["ann@example.com", "bob@example.com", "dan@example.com"]))
teams = st.one_of(st.none(), st.sampled_from(["hw", "net", "billing"]))
categories = st.one_of(st.none(), st.sampled_from(["", " ", "billing", " hardware "]))
priorities = st.one_of(st.sampled_from(PRIORITIES), st.just("urgent"))

agent_actions = st.one_of(
    st.builds(Assign, actor=agents, assignee=people, team=teams),
    st.builds(Reply, actor=agents, body=texts),
    st.builds(Note, actor=agents, body=texts),
    st.builds(SetPriority, actor=agents, priority=priorities),
    st.builds(SetCategory, actor=agents, category=categories),
    st.builds(SetTags, actor=agents, add=tag_lists, remove=tag_lists),
    st.builds(Pend, actor=agents, reason=reasons),
    st.builds(Hold, actor=agents, reason=reasons),
    st.builds(Resume, actor=agents),
    st.builds(Resolve, actor=agents, resolution=texts),
    st.builds(Reopen, actor=agents, reason=reasons),
    st.builds(Close, actor=agents),
)
customer_replies = st.builds(CustomerReply, actor=st.just(CUSTOMER), body=texts,
                             channel=st.sampled_from(CHANNELS))
system_events = st.one_of(
    st.builds(Triaged, actor=st.just(SYSTEM), category=st.one_of(st.none(), st.just("hardware")),
              priority=st.sampled_from(PRIORITIES), tags=st.lists(good_tags, max_size=4),
              rules=st.lists(st.sampled_from(["r1", "r2"]), max_size=2)),
    st.builds(Routed, actor=st.just(SYSTEM), team=teams, assignee=people, reason=st.just("rule")),
)
# Weighted towards status-changing actions so that sequences visit every status.
status_actions = st.one_of(
    st.builds(Pend, actor=agents), st.builds(Hold, actor=agents), st.builds(Resume, actor=agents),
    st.builds(Resolve, actor=agents, resolution=st.just("done")), st.builds(Reopen, actor=agents),
    st.builds(Close, actor=agents), st.builds(Reply, actor=agents, body=st.just("hello")),
    st.builds(CustomerReply, actor=st.just(CUSTOMER), body=st.just("hi")),
)
resolve_then_close = st.one_of(st.builds(Resolve, actor=agents, resolution=st.just("done")),
                               st.builds(Close, actor=agents))
all_actions = st.one_of(agent_actions, customer_replies, system_events, status_actions, resolve_then_close)
human_actions = st.one_of(agent_actions, customer_replies, status_actions, resolve_then_close)

initial_tags = st.lists(st.one_of(good_tags, good_tags.map(str.upper)), max_size=5)
# A valid starting point of up to MAX_TAGS distinct tags (after normalisation).
full_tags = st.integers(0, MAX_TAGS).flatmap(
    lambda n: st.lists(good_tags, min_size=n, max_size=n, unique_by=str.lower))


def start(tag_list):
    inp = TicketInput(number=9, subject="subj", description="desc", requester_email="carol@customer.example",
                      tags=tag_list)
    state, events = new_ticket(inp, NOW)
    assert events[0].seq == state.last_seq == 1
    return state


def tags_normalised(tag_list) -> bool:
    return (
        all(t == t.strip().lower() and t for t in tag_list)
        and len(set(tag_list)) == len(tag_list)
    )


def run(state, actions, on_step):
    """Apply `actions` in turn; a rejected action leaves the old state. Calls
    on_step(old, action, new_or_None, events_or_error, check_error) after each."""
    for i, action in enumerate(actions):
        now = NOW + timedelta(minutes=i + 1)
        old = copy.deepcopy(state)
        check_err = None
        try:
            check(state, action)
        except ActionRejected as e:
            check_err = e
        assert state == old, "check mutated its input"
        try:
            new, events = apply(state, action, now)
        except ActionRejected as e:
            assert state == old, "a rejected apply mutated its input"
            on_step(old, action, None, e, check_err)
            continue
        assert state == old, "apply mutated its input"
        on_step(old, action, new, events, check_err)
        state = new
    return state


@PROPS
@given(initial_tags, st.lists(all_actions, max_size=30))
def test_state_machine_invariants(tag_list, actions):
    state = start(tag_list)
    seen_closed = False

    def step(old, action, new, result, check_err):
        nonlocal seen_closed
        if new is None:
            err = result
            # check raises iff apply raises, with the same verdict
            assert check_err is not None
            assert (check_err.type, check_err.message) == (err.type, err.message)
            if old.status == "closed":
                assert err.type == "TicketClosed"
            elif old.status not in TRANSITIONS[action.kind]:
                assert err.type == "InvalidTransition"
            else:
                assert err.type == "InvalidAction"
            return
        assert check_err is None
        check_state(new)
        events = result
        # nothing leaves closed, and nothing is applied to a closed ticket
        assert old.status != "closed"
        assert not seen_closed
        # only transitions from the table
        assert old.status in TRANSITIONS[action.kind]
        target = TRANSITIONS[action.kind][old.status]
        if new.status != old.status:
            assert new.status == target
        assert new.status == (old.status if target is None else target)
        # one event, seq +1
        assert new.last_seq == old.last_seq + 1
        assert len(events) == 1
        ev = events[0]
        assert ev.seq == new.last_seq
        assert ev.kind == action.kind
        assert ev.actor == action.actor
        assert ev.number == old.number
        if new.status != old.status:
            assert (ev.status_from, ev.status_to) == (old.status, new.status)
        else:
            assert (ev.status_from, ev.status_to) == (None, None)
        # conversation grows by one entry exactly for messages
        grew = len(new.conversation) - len(old.conversation)
        assert grew == (1 if action.kind in ("reply", "note", "customer_reply") else 0)
        assert new.conversation[: len(old.conversation)] == old.conversation
        if grew:
            assert new.conversation[-1].seq == ev.seq
            assert new.conversation[-1].visibility == ("internal" if action.kind == "note" else "public")
        # first response: set once, by a public agent reply, never changed after
        if old.first_response_at is not None:
            assert new.first_response_at == old.first_response_at
        elif action.kind == "reply":
            assert new.first_response_at == ev.at
        else:
            assert new.first_response_at is None
        if new.status == "closed":
            seen_closed = True

    final = run(state, actions, step)
    check_state(final)


def check_state(s):
    assert s.status in STATUSES
    assert (s.resolved_at is not None) == (s.status in ("resolved", "closed"))
    assert (s.closed_at is not None) == (s.status == "closed")
    assert (s.resolution is not None) == (s.status in ("resolved", "closed"))
    assert s.priority in PRIORITIES
    assert tags_normalised(s.tags), s.tags
    assert [c.seq for c in s.conversation] == sorted({c.seq for c in s.conversation})
    assert all(c.seq <= s.last_seq for c in s.conversation)


@PROPS
@given(initial_tags, st.lists(all_actions, max_size=30))
def test_last_seq_counts_applied_actions(tag_list, actions):
    state = start(tag_list)
    applied = 0
    rejected = 0
    seqs = []

    def step(old, action, new, result, check_err):
        nonlocal applied, rejected
        if new is None:
            rejected += 1
        else:
            applied += 1
            seqs.extend(e.seq for e in result)

    final = run(state, actions, step)
    assert final.last_seq == 1 + applied
    assert seqs == list(range(2, 2 + applied))
    assert applied + rejected == len(actions)


@PROPS
@given(initial_tags, st.lists(all_actions, max_size=30))
def test_closed_is_terminal(tag_list, actions):
    state = start(tag_list)
    statuses = []
    run(state, actions, lambda old, a, new, r, c: statuses.append((new or old).status))
    if "closed" in statuses:
        first = statuses.index("closed")
        assert all(s == "closed" for s in statuses[first:])


@PROPS
@given(full_tags, st.lists(human_actions, max_size=30))
def test_agent_actions_keep_tags_within_max_tags(tag_list, actions):
    final = run(start(tag_list), actions, lambda old, a, new, r, c: None if new is None else check_tag_count(new))
    check_tag_count(final)


@PROPS
@given(full_tags, st.lists(all_actions, max_size=30))
@example(  # intake triage adding rule tags to a ticket that already has MAX_TAGS - 1
    tag_list=[f"t{i}" for i in range(MAX_TAGS - 1)],
    actions=[Triaged(actor=SYSTEM, category=None, priority="normal", tags=["vip", "printer"])],
)
def test_tags_never_exceed_max_tags(tag_list, actions):
    """Whatever adds the tags (agents, intake triage), a ticket keeps at most MAX_TAGS."""
    final = run(start(tag_list), actions, lambda old, a, new, r, c: None if new is None else check_tag_count(new))
    check_tag_count(final)


def check_tag_count(s):
    assert tags_normalised(s.tags), s.tags
    assert len(s.tags) <= MAX_TAGS, s.tags


@settings(max_examples=60, deadline=None)
@given(st.lists(status_actions, min_size=1, max_size=25))
def test_status_sequences_reach_many_statuses(actions):
    # Sanity check of the generators: every status reached is a valid one, and the
    # walk visits statuses only through table transitions.
    seen = {"new"}

    def step(old, action, new, result, check_err):
        if new is not None:
            seen.add(new.status)
            if new.status != old.status:
                assert TRANSITIONS[action.kind][old.status] == new.status

    run(start([]), actions, step)
    assert seen <= set(STATUSES)
