"""Example tests of the ticket state machine in workflows/lifecycle.py."""

from __future__ import annotations

import copy
import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from workflows.lifecycle import (
    ACTIVE,
    NOT_CLOSED,
    TRANSITIONS,
    ActionRejected,
    apply,
    check,
    new_ticket,
)
from workflows.messages import (
    AutoClosed,
    ResolutionConfirmed,
    ResolutionRejected,
    AlertInstance,
    AlertsFired,
    AlertsResolved,
    ChildStatusChanged,
    Merge,
    MergedFrom,
    Split,
    SubTicket,
    MAX_BODY_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS,
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
    SlaMilestoneReached,
    SlaPolicyLoaded,
    TicketInput,
    TicketState,
    Triaged,
)
from workflows.sla_types import Milestone, SlaPolicyData

POLICY = SlaPolicyData(name="High", first_response_seconds=3600, next_response_seconds=7200, resolution_seconds=86400)

NOW = datetime(2024, 5, 6, 9, 30, tzinfo=timezone.utc)
LATER = NOW + timedelta(hours=1)
ANN = Actor(kind="agent", id="ann@example.com")
CUSTOMER = Actor(kind="customer", id="carol@customer.example")


def fresh(**kw) -> TicketState:
    inp = TicketInput(
        number=42,
        subject="Printer on fire",
        description="It is on fire.",
        requester_email="carol@customer.example",
        requester_name="Carol",
        channel="email",
        **kw,
    )
    state, _ = new_ticket(inp, NOW)
    return state


def state_in(status: str) -> TicketState:
    """A ticket brought to `status` through the state machine itself."""
    s = fresh()
    steps = {
        "new": [],
        "open": [Reply(actor=ANN, body="Looking into it")],
        "pending": [Pend(actor=ANN, reason="need logs")],
        "on_hold": [Hold(actor=ANN, reason="vendor")],
        "resolved": [Resolve(actor=ANN, resolution="Extinguished")],
        "closed": [Resolve(actor=ANN, resolution="Extinguished"), Close(actor=ANN)],
    }[status]
    for a in steps:
        s, _ = apply(s, a, NOW)
    assert s.status == status
    return s


def valid_action(kind: str):
    """An action of `kind` whose fields are valid for a ticket built by `state_in`."""
    return {
        "assign": Assign(actor=ANN, assignee="bob@example.com", team="hardware"),
        "reply": Reply(actor=ANN, body="We are on it."),
        "note": Note(actor=ANN, body="Customer sounds calm."),
        "set_priority": SetPriority(actor=ANN, priority="critical"),
        "set_category": SetCategory(actor=ANN, category="hardware"),
        "set_tags": SetTags(actor=ANN, add=["Fire"]),
        "pend": Pend(actor=ANN, reason="waiting for photos"),
        "hold": Hold(actor=ANN, reason="waiting for vendor"),
        "resume": Resume(actor=ANN),
        "resolve": Resolve(actor=ANN, resolution="Replaced the printer"),
        "reopen": Reopen(actor=ANN, reason="still smoking"),
        "close": Close(actor=ANN),
        "customer_reply": CustomerReply(actor=CUSTOMER, body="Thanks!"),
        "triaged": Triaged(actor=SYSTEM, category="hardware", priority="high", tags=["Fire"], rules=["fire"]),
        "routed": Routed(actor=SYSTEM, team="hardware", assignee=None, reason="category hardware"),
        "sla_policy": SlaPolicyLoaded(actor=SYSTEM, policy=POLICY, tier=None, reason="priority high"),
        "sla_milestone": SlaMilestoneReached(
            actor=SYSTEM, fired_at=LATER,
            milestone=Milestone(id="resolution#0:warning:50", clock="resolution", cycle=0, kind="warning", n=50,
                                due_at=LATER)),
        "split": Split(actor=ANN, children=[SubTicket(number=9001, subject="Order toner", description="Two cartridges")]),
        "merge": Merge(actor=ANN, into=9002),
        "alert_fired": AlertsFired(actor=SYSTEM, alerts=[FIRING]),
        "alert_resolved": AlertsResolved(actor=SYSTEM, alerts=[dataclasses.replace(FIRING, status="resolved")]),
        "child_status": ChildStatusChanged(actor=SYSTEM, number=9001, status="resolved", subject="Order toner"),
        "merged_from": MergedFrom(actor=SYSTEM, number=9003, subject="Printer on fire", requester_email="x@example.com"),
        "confirmed": ResolutionConfirmed(actor=CUSTOMER, link_id="l1"),
        "rejected": ResolutionRejected(actor=CUSTOMER, comment="Still smoking", link_id="l2"),
        "auto_close": AutoClosed(actor=SYSTEM, waited_seconds=3 * 86400),
    }[kind]


FIRING = AlertInstance(fingerprint="a1b2", status="firing", starts_at="2027-01-04T09:00:00Z",
                       labels={"alertname": "PrinterOnFire", "severity": "critical"})


ALLOWED = [(kind, status) for kind, froms in TRANSITIONS.items() for status in froms]
FORBIDDEN = [
    (kind, status)
    for kind, froms in TRANSITIONS.items()
    for status in NOT_CLOSED
    if status not in froms
]


def test_every_kind_has_a_valid_example():
    assert set(TRANSITIONS) == {valid_action(k).kind for k in TRANSITIONS}


def test_transition_table_shape():
    for kind, froms in TRANSITIONS.items():
        assert "closed" not in froms, kind
        for src, dst in froms.items():
            assert src in STATUSES
            assert dst is None or dst in STATUSES
            assert dst != src, f"{kind}: self transition {src}->{dst} should be None"


# --- Allowed transitions ------------------------------------------------------------------


@pytest.mark.parametrize("kind,status", ALLOWED)
def test_allowed_action_leads_to_status_in_table(kind, status):
    state = state_in(status)
    action = valid_action(kind)
    check(state, action)  # does not raise
    new, events = apply(state, action, LATER)
    target = TRANSITIONS[kind][status]
    assert new.status == (status if target is None else target)
    assert len(events) == 1
    ev = events[0]
    assert ev.kind == kind
    assert ev.number == state.number
    assert ev.actor == action.actor
    assert ev.at == LATER
    assert ev.seq == state.last_seq + 1 == new.last_seq
    if target is None:
        assert ev.status_from is None and ev.status_to is None
    else:
        assert ev.status_from == status
        assert ev.status_to == target
    assert new.updated_at == LATER


@pytest.mark.parametrize(
    "status,action,expected",
    [
        ("new", Assign(actor=ANN, assignee="bob@example.com"), "open"),
        ("new", Reply(actor=ANN, body="hi"), "open"),
        ("new", Note(actor=ANN, body="hi"), "new"),
        ("open", Pend(actor=ANN), "pending"),
        ("on_hold", Pend(actor=ANN), "pending"),
        ("open", Hold(actor=ANN), "on_hold"),
        ("pending", Hold(actor=ANN), "on_hold"),
        ("pending", Resume(actor=ANN), "open"),
        ("on_hold", Resume(actor=ANN), "open"),
        ("open", Resolve(actor=ANN, resolution="done"), "resolved"),
        ("pending", Resolve(actor=ANN, resolution="done"), "resolved"),
        ("resolved", Reopen(actor=ANN), "open"),
        ("resolved", Close(actor=ANN), "closed"),
        ("pending", CustomerReply(actor=CUSTOMER, body="logs attached"), "open"),
        ("resolved", CustomerReply(actor=CUSTOMER, body="not fixed"), "open"),
        ("on_hold", CustomerReply(actor=CUSTOMER, body="any news?"), "on_hold"),
        ("open", Reply(actor=ANN, body="hi"), "open"),
        ("pending", Reply(actor=ANN, body="reminder"), "pending"),
    ],
)
def test_specific_transitions(status, action, expected):
    new, _ = apply(state_in(status), action, LATER)
    assert new.status == expected


# --- Rejections -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(TRANSITIONS))
def test_anything_on_closed_ticket_is_rejected(kind):
    state = state_in("closed")
    before = copy.deepcopy(state)
    with pytest.raises(ActionRejected) as err:
        check(state, valid_action(kind))
    assert err.value.type == "TicketClosed"
    with pytest.raises(ActionRejected) as err:
        apply(state, valid_action(kind), LATER)
    assert err.value.type == "TicketClosed"
    assert state == before


def test_closed_wins_over_invalid_fields():
    with pytest.raises(ActionRejected) as err:
        check(state_in("closed"), Reply(actor=ANN, body=""))
    assert err.value.type == "TicketClosed"


@pytest.mark.parametrize("kind,status", FORBIDDEN)
def test_forbidden_transition_is_rejected(kind, status):
    state = state_in(status)
    before = copy.deepcopy(state)
    with pytest.raises(ActionRejected) as err:
        apply(state, valid_action(kind), LATER)
    assert err.value.type == "InvalidTransition"
    assert status in err.value.message
    assert state == before


def test_forbidden_examples():
    for status, action in [
        ("new", Resume(actor=ANN)),
        ("open", Reopen(actor=ANN)),
        ("open", Close(actor=ANN)),
        ("resolved", Resolve(actor=ANN, resolution="again")),
        ("resolved", Pend(actor=ANN)),
        ("resolved", Hold(actor=ANN)),
        ("pending", Pend(actor=ANN)),
        ("on_hold", Hold(actor=ANN)),
    ]:
        with pytest.raises(ActionRejected) as err:
            check(state_in(status), action)
        assert err.value.type == "InvalidTransition", (status, action)


def _rejected_invalid(state, action, field_name):
    before = copy.deepcopy(state)
    with pytest.raises(ActionRejected) as err:
        check(state, action)
    assert err.value.type == "InvalidAction"
    assert field_name in err.value.message
    with pytest.raises(ActionRejected) as err2:
        apply(state, action, LATER)
    assert err2.value.type == "InvalidAction"
    assert state == before


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
@pytest.mark.parametrize("cls", [Reply, Note])
def test_empty_body_rejected(cls, body):
    _rejected_invalid(state_in("open"), cls(actor=ANN, body=body), "body")


def test_empty_customer_reply_rejected():
    _rejected_invalid(state_in("pending"), CustomerReply(actor=CUSTOMER, body=" "), "body")


def test_too_long_body_rejected():
    _rejected_invalid(state_in("open"), Reply(actor=ANN, body="x" * (MAX_BODY_CHARS + 1)), "body")
    new, _ = apply(state_in("open"), Reply(actor=ANN, body="x" * MAX_BODY_CHARS), LATER)
    assert new.conversation[-1].body == "x" * MAX_BODY_CHARS


@pytest.mark.parametrize("resolution", ["", "  "])
def test_empty_resolution_rejected(resolution):
    _rejected_invalid(state_in("open"), Resolve(actor=ANN, resolution=resolution), "resolution")


@pytest.mark.parametrize("cls", [Pend, Hold])
def test_too_long_reason_rejected(cls):
    _rejected_invalid(state_in("open"), cls(actor=ANN, reason="r" * (MAX_BODY_CHARS + 1)), "reason")


def test_too_long_reopen_reason_rejected():
    _rejected_invalid(state_in("resolved"), Reopen(actor=ANN, reason="r" * (MAX_BODY_CHARS + 1)), "reason")


def test_assign_needs_assignee_or_team():
    _rejected_invalid(state_in("open"), Assign(actor=ANN), "assignee")


def test_assign_to_current_assignee_rejected():
    s, _ = apply(state_in("open"), Assign(actor=ANN, assignee="bob@example.com", team="hw"), NOW)
    _rejected_invalid(s, Assign(actor=ANN, assignee="bob@example.com"), "assignee")
    _rejected_invalid(s, Assign(actor=ANN, assignee="bob@example.com", team="hw"), "assignee")
    # same assignee, other team: fine
    s2, _ = apply(s, Assign(actor=ANN, assignee="bob@example.com", team="net"), LATER)
    assert (s2.assignee, s2.team) == ("bob@example.com", "net")


def test_assign_to_team_only_clears_assignee():
    s, _ = apply(state_in("open"), Assign(actor=ANN, assignee="bob@example.com", team="hw"), NOW)
    s2, events = apply(s, Assign(actor=ANN, team="net"), LATER)
    assert s2.assignee is None
    assert s2.team == "net"
    assert events[0].data == {"from": {"assignee": "bob@example.com", "team": "hw"},
                              "assignee": None, "team": "net"}


def test_assign_keeps_team_when_none_given():
    s, _ = apply(state_in("open"), Assign(actor=ANN, assignee="bob@example.com", team="hw"), NOW)
    s2, _ = apply(s, Assign(actor=ANN, assignee="dan@example.com"), LATER)
    assert (s2.assignee, s2.team) == ("dan@example.com", "hw")


def test_set_priority_rejects_unknown_priority():
    _rejected_invalid(state_in("open"), SetPriority(actor=ANN, priority="urgent"), "priority")  # type: ignore[arg-type]  # a priority the type forbids: the check under test


def test_set_priority_changes_priority():
    s, events = apply(state_in("open"), SetPriority(actor=ANN, priority="low"), LATER)
    assert s.priority == "low"
    assert events[0].data == {"from": "normal", "to": "low"}


@pytest.mark.parametrize("category", ["", "   "])
def test_blank_category_rejected(category):
    _rejected_invalid(state_in("open"), SetCategory(actor=ANN, category=category), "category")


def test_set_category_strips_and_clears():
    s, _ = apply(state_in("open"), SetCategory(actor=ANN, category="  billing "), NOW)
    assert s.category == "billing"
    s2, ev = apply(s, SetCategory(actor=ANN, category=None), LATER)
    assert s2.category is None
    assert ev[0].data == {"from": "billing", "to": None}


@pytest.mark.parametrize(
    "add,remove",
    [
        ([], []),
        ([""], []),
        (["   "], []),
        (["two words"], []),
        (["x" * (MAX_TAG_CHARS + 1)], []),
        ([], ["bad tag"]),
        (["ok", "tab\there"], []),
    ],
)
def test_bad_tags_rejected(add, remove):
    _rejected_invalid(state_in("open"), SetTags(actor=ANN, add=add, remove=remove), "")


def test_bad_tag_messages_name_field():
    with pytest.raises(ActionRejected) as err:
        check(state_in("open"), SetTags(actor=ANN, add=["two words"]))
    assert err.value.message.startswith("tags")
    with pytest.raises(ActionRejected) as err:
        check(state_in("open"), SetTags(actor=ANN))
    assert "add or remove" in err.value.message


def test_too_many_tags_rejected():
    s = fresh(tags=[f"t{i}" for i in range(MAX_TAGS)])
    assert len(s.tags) == MAX_TAGS
    _rejected_invalid(s, SetTags(actor=ANN, add=["one-more"]), "add")
    # re-adding existing tags (any case) does not grow the list, so it is allowed
    s2, _ = apply(s, SetTags(actor=ANN, add=["T1", "t2"]), LATER)
    assert s2.tags == s.tags


def test_set_tags_normalises_adds_and_removes():
    s = fresh(tags=["Printer", "printer", " Fire "])
    assert s.tags == ["printer", "fire"]
    s2, ev = apply(s, SetTags(actor=ANN, add=["URGENT", "urgent", "Fire"], remove=["PRINTER"]), LATER)
    assert s2.tags == ["fire", "urgent"]
    assert ev[0].data == {"from": ["printer", "fire"], "to": ["fire", "urgent"]}


def test_max_tag_chars_accepted():
    s, _ = apply(state_in("open"), SetTags(actor=ANN, add=["x" * MAX_TAG_CHARS]), LATER)
    assert s.tags == ["x" * MAX_TAG_CHARS]


def test_triage_cannot_push_tags_over_max_tags():
    """A ticket never holds more than MAX_TAGS tags, whatever adds them.

    Triage rules add tags without a limit, and `apply(Triaged)` merges them unchecked.
    Once over the limit, an agent can no longer even *remove* a tag (SetTags counts
    existing + added tags against MAX_TAGS).
    """
    s = fresh(tags=[f"t{i}" for i in range(MAX_TAGS - 1)])
    try:
        s, _ = apply(s, Triaged(actor=SYSTEM, category=None, priority="normal", tags=["a", "b", "c"]), NOW)
    except ActionRejected:
        pass
    assert len(s.tags) <= MAX_TAGS
    s2, _ = apply(s, SetTags(actor=ANN, remove=["t0"]), LATER)
    assert "t0" not in s2.tags


# --- Conversation, first response, resolution -------------------------------------------


def test_reply_is_public_conversation_entry():
    s = state_in("open")
    new, ev = apply(s, Reply(actor=ANN, body="Have you tried water?"), LATER)
    assert len(new.conversation) == len(s.conversation) + 1
    entry = new.conversation[-1]
    assert entry.visibility == "public"
    assert entry.author == ANN
    assert entry.body == "Have you tried water?"
    assert entry.at == LATER
    assert entry.seq == ev[0].seq == new.last_seq
    # The body too: the read model's events keep every message (the workflow keeps the newest).
    assert ev[0].data == {"chars": len("Have you tried water?"), "body": "Have you tried water?"}


def test_note_is_internal_conversation_entry():
    s = state_in("open")
    new, ev = apply(s, Note(actor=ANN, body="don't suggest water"), LATER)
    entry = new.conversation[-1]
    assert entry.visibility == "internal"
    assert entry.author == ANN
    assert entry.seq == ev[0].seq


def test_customer_reply_is_public_conversation_entry():
    s = state_in("pending")
    new, ev = apply(s, CustomerReply(actor=CUSTOMER, body="Still burning", channel="web"), LATER)
    entry = new.conversation[-1]
    assert entry.visibility == "public"
    assert entry.author == CUSTOMER
    assert entry.body == "Still burning"
    assert ev[0].data["chars"] == len("Still burning")
    assert ev[0].data["channel"] == "web"
    assert ev[0].actor == CUSTOMER


@pytest.mark.parametrize(
    "action",
    [
        Assign(actor=ANN, assignee="bob@example.com"),
        SetPriority(actor=ANN, priority="high"),
        SetTags(actor=ANN, add=["x"]),
        Resume(actor=ANN),
    ],
)
def test_other_actions_add_no_conversation(action):
    s = state_in("pending")
    new, _ = apply(s, action, LATER)
    assert new.conversation == s.conversation


def test_first_response_set_by_first_public_reply_only():
    s = fresh()
    assert s.first_response_at is None
    s, _ = apply(s, Note(actor=ANN, body="internal"), NOW + timedelta(minutes=1))
    assert s.first_response_at is None
    s, _ = apply(s, CustomerReply(actor=CUSTOMER, body="hello?"), NOW + timedelta(minutes=2))
    assert s.first_response_at is None
    s, _ = apply(s, Assign(actor=ANN, assignee="ann@example.com"), NOW + timedelta(minutes=3))
    assert s.first_response_at is None
    s, _ = apply(s, Reply(actor=ANN, body="first"), NOW + timedelta(minutes=4))
    assert s.first_response_at == NOW + timedelta(minutes=4)
    s, _ = apply(s, Reply(actor=ANN, body="second"), NOW + timedelta(minutes=5))
    assert s.first_response_at == NOW + timedelta(minutes=4)


def test_resolve_sets_resolution_and_resolved_at():
    s, ev = apply(state_in("open"), Resolve(actor=ANN, resolution="Fixed it"), LATER)
    assert s.status == "resolved"
    assert s.resolution == "Fixed it"
    assert s.resolved_at == LATER
    assert s.closed_at is None
    assert ev[0].data == {"resolution": "Fixed it"}


def test_close_keeps_resolution_and_sets_closed_at():
    s, _ = apply(state_in("open"), Resolve(actor=ANN, resolution="Fixed it"), NOW)
    s, _ = apply(s, Close(actor=ANN), LATER)
    assert s.status == "closed"
    assert s.resolved_at == NOW
    assert s.resolution == "Fixed it"
    assert s.closed_at == LATER


def test_reopen_clears_resolution():
    s = state_in("resolved")
    assert s.resolution and s.resolved_at
    s2, ev = apply(s, Reopen(actor=ANN, reason="came back"), LATER)
    assert s2.status == "open"
    assert s2.resolution is None
    assert s2.resolved_at is None
    assert ev[0].data == {"reason": "came back"}
    _, ev2 = apply(s, Reopen(actor=ANN), LATER)
    assert ev2[0].data == {}


def test_customer_reply_on_resolved_reopens_and_clears_resolution():
    s = state_in("resolved")
    s2, ev = apply(s, CustomerReply(actor=CUSTOMER, body="nope, still broken"), LATER)
    assert s2.status == "open"
    assert s2.resolution is None
    assert s2.resolved_at is None
    assert (ev[0].status_from, ev[0].status_to) == ("resolved", "open")


def test_customer_reply_on_pending_wakes_ticket():
    s = state_in("pending")
    s2, ev = apply(s, CustomerReply(actor=CUSTOMER, body="here are the logs"), LATER)
    assert s2.status == "open"
    assert (ev[0].status_from, ev[0].status_to) == ("pending", "open")


def test_triaged_and_routed_set_fields():
    s, ev = apply(fresh(tags=["Printer"]), valid_action("triaged"), NOW)
    assert (s.category, s.priority) == ("hardware", "high")
    assert s.tags == ["printer", "fire"]
    assert ev[0].data["rules"] == ["fire"]
    s, ev = apply(s, valid_action("routed"), LATER)
    assert (s.team, s.assignee) == ("hardware", None)
    assert ev[0].actor == SYSTEM
    assert s.status == "new"


# --- Events and sequencing -------------------------------------------------------------


def test_new_ticket_created_event():
    inp = TicketInput(number=7, subject="S", description="D", requester_email="r@x.example",
                      priority=None, tags=["A", "a"], created_by=ANN)
    s, events = new_ticket(inp, NOW)
    assert s.status == "new"
    assert s.priority == "normal"
    assert s.tags == ["a"]
    assert s.last_seq == 1
    assert s.created_at == s.updated_at == NOW
    assert s.resolved_at is None and s.closed_at is None and s.first_response_at is None
    assert len(events) == 1
    ev = events[0]
    assert (ev.number, ev.seq, ev.kind, ev.actor, ev.status_from, ev.status_to) == (
        7, 1, "created", ANN, None, "new")


def test_seq_increments_by_one_per_action():
    s = fresh()
    actions = [
        Note(actor=ANN, body="n"),
        Assign(actor=ANN, assignee="ann@example.com"),
        Reply(actor=ANN, body="r"),
        Pend(actor=ANN),
        CustomerReply(actor=CUSTOMER, body="c"),
        Hold(actor=ANN),
        Resume(actor=ANN),
        SetTags(actor=ANN, add=["x"]),
        Resolve(actor=ANN, resolution="done"),
        Reopen(actor=ANN),
        Resolve(actor=ANN, resolution="done again"),
        Close(actor=ANN),
    ]
    seqs = []
    statuses = [s.status]
    for i, a in enumerate(actions):
        prev = s.last_seq
        s, events = apply(s, a, NOW + timedelta(minutes=i))
        assert s.last_seq == prev + 1
        assert [e.seq for e in events] == [s.last_seq]
        assert events[0].actor == a.actor
        seqs.append(events[0].seq)
        statuses.append(s.status)
    assert seqs == list(range(2, 2 + len(actions)))
    assert statuses == ["new", "new", "open", "open", "pending", "open", "on_hold", "open", "open",
                        "resolved", "open", "resolved", "closed"]


def test_rejection_does_not_advance_seq():
    s = state_in("open")
    with pytest.raises(ActionRejected):
        apply(s, Close(actor=ANN), LATER)
    s2, ev = apply(s, Note(actor=ANN, body="n"), LATER)
    assert ev[0].seq == s.last_seq + 1


# --- Purity -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,status", ALLOWED)
def test_apply_does_not_mutate_input(kind, status):
    state = state_in(status)
    state.tags = ["keep"]
    before = copy.deepcopy(state)
    new, _ = apply(state, valid_action(kind), LATER)
    assert state == before
    assert new is not state
    assert new.conversation is not state.conversation
    assert new.tags is not state.tags


def test_apply_result_does_not_alias_action_lists():
    action = SetTags(actor=ANN, add=["a"])
    s, _ = apply(state_in("open"), action, LATER)
    s.tags.append("zzz")
    assert action.add == ["a"]


def test_active_and_not_closed():
    assert set(ACTIVE) | {"resolved", "closed"} == set(STATUSES)
    assert set(NOT_CLOSED) == set(STATUSES) - {"closed"}


def test_keep_recent_holds_the_newest_entries_and_counts_the_rest():
    from workflows.lifecycle import CONVERSATION_KEPT, CONVERSATION_KEPT_CHARS, keep_recent

    s = state_in("open")
    before = len(s.conversation)
    for i in range(CONVERSATION_KEPT + 30):
        s, _ = apply(s, Note(actor=ANN, body=f"note {i}"), LATER)
    kept = keep_recent(s)
    assert [e.body for e in kept.conversation] == [f"note {i}" for i in range(30, CONVERSATION_KEPT + 30)]
    assert kept.conversation_earlier == before + 30 and s.conversation_earlier == 0  # the input is not changed
    assert keep_recent(kept) == kept
    # Long bodies: at most CONVERSATION_KEPT_CHARS of them (past the newest, always kept).
    big = "x" * 20_000  # MAX_BODY_CHARS
    for _ in range(CONVERSATION_KEPT_CHARS // len(big) + 3):
        kept, _ = apply(kept, Reply(actor=ANN, body=big), LATER)
    kept = keep_recent(kept)
    assert [len(e.body) for e in kept.conversation] == [len(big)] * (CONVERSATION_KEPT_CHARS // len(big))
    assert sum(len(e.body) for e in kept.conversation) <= CONVERSATION_KEPT_CHARS
