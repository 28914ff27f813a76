"""A macro's reply and what it sets, applied by the pure reducer as one action (MacroReply,
workflows/actions/macros.py): its steps in order, all or nothing, the reply's SLA effect, and
one mail to the customer."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from workflows import notices, sla
from workflows.lifecycle import TRANSITIONS, ActionRejected, apply, check, new_ticket
from workflows.messages import (
    SYSTEM,
    Actor,
    Close,
    MacroReply,
    Resolve,
    SlaPolicyLoaded,
    Split,
    SubTicket,
    TicketInput,
    TicketState,
)
from workflows.sla_types import SlaPolicyData

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
LATER = NOW + timedelta(minutes=20)
ANN = Actor(kind="agent", id="ann@example.com", name="Ann")
POLICY = SlaPolicyData(name="Normal", first_response_seconds=3600, next_response_seconds=7200, resolution_seconds=86400)


def ticket(**kw) -> TicketState:
    state, _ = new_ticket(TicketInput(number=7, subject="VPN drops", description="Every hour",
                                      requester_email="dana@customer.example", requester_name="Dana", **kw), NOW)
    state, _ = apply(state, SlaPolicyLoaded(actor=SYSTEM, policy=POLICY, tier=None, reason="normal"), NOW)
    return state


def macro(**kw) -> MacroReply:
    return MacroReply(actor=ANN, macro="Ask for logs", body="Hi Dana, could you send the logs?", **kw)


def test_the_reply_and_its_effects_are_one_action_of_ordinary_steps_in_order():
    before = ticket(tags=["vpn"])
    after, events = apply(before, macro(status="pending", priority="high", add=["logs"], remove=["vpn"]), LATER)
    assert [(e.kind, e.seq, e.status_to) for e in events] == [
        ("reply", 3, "open"), ("set_priority", 4, None), ("set_tags", 5, None), ("pend", 6, "pending")]
    assert (after.status, after.priority, after.tags, after.last_seq) == ("pending", "high", ["logs"], 6)
    assert after.conversation[-1].body == "Hi Dana, could you send the logs?"
    assert after.conversation[-1].visibility == "public" and after.conversation[-1].author == ANN
    assert after.first_response_at == LATER  # the public reply answers the customer
    first = sla.current(after.sla, "first_response")
    assert first is not None and first.stopped_at == LATER
    assert "macro" not in TRANSITIONS  # its steps move the ticket, each by its own row


def test_what_the_ticket_already_has_is_no_step():
    before = ticket(tags=["logs"])
    _, events = apply(before, macro(status="open", priority="normal", add=["LOGS"]), LATER)
    assert [e.kind for e in events] == ["reply"]  # new -> open by the reply itself


def test_all_or_nothing_a_step_the_ticket_refuses_refuses_the_macro_and_changes_nothing():
    resolved, _ = apply(ticket(), Resolve(actor=ANN, resolution="Done"), NOW)
    kept = copy.deepcopy(resolved)
    bad = macro(status="on_hold", priority="critical", add=["x"])  # a resolved ticket cannot be put on hold
    with pytest.raises(ActionRejected) as err:
        check(resolved, bad)
    assert err.value.type == "InvalidTransition" and "hold" in err.value.message
    with pytest.raises(ActionRejected):
        apply(resolved, bad, LATER)
    assert resolved == kept
    too_many = macro(add=[f"t{i}" for i in range(21)])
    with pytest.raises(ActionRejected, match="at most 20 tags"):
        check(ticket(), too_many)


def test_a_closed_ticket_takes_no_macro():
    closed = ticket()
    for action in (Resolve(actor=ANN, resolution="Done"), Close(actor=ANN)):
        closed, _ = apply(closed, action, NOW)
    with pytest.raises(ActionRejected) as err:
        check(closed, macro(status="open"))
    assert err.value.type == "TicketClosed"


@pytest.mark.parametrize("action,message", [
    (MacroReply(actor=ANN, macro=" ", body="b"), "macro:"),
    (MacroReply(actor=ANN, macro="m", body=""), "body: must not be empty"),
    (MacroReply(actor=ANN, macro="m", body="b", status="closed"), "status:"),
    (MacroReply(actor=ANN, macro="m", body="b", priority="urgent"), "priority:"),
    (MacroReply(actor=ANN, macro="m", body="b", add=["two words"]), "tags:"),
])
def test_invalid_fields_are_refused_naming_the_field(action, message):
    with pytest.raises(ActionRejected) as err:
        check(ticket(), action)
    assert err.value.type == "InvalidAction" and message in err.value.message


def test_resolving_with_an_open_sub_ticket_is_refused_as_resolve_is():
    parent, _ = apply(ticket(), Split(actor=ANN, children=[SubTicket(number=70, subject="a", description="b")]), NOW)
    with pytest.raises(ActionRejected) as err:
        check(parent, macro(status="resolved"))
    assert err.value.type == "ChildrenOpen"


def test_the_customer_hears_of_a_macro_once():
    before = ticket()
    after, events = apply(before, macro(status="pending", add=["logs"]), LATER)
    told = notices.for_action(before, after, macro(status="pending", add=["logs"]), events[-1].seq)
    assert [(n.kind, n.seq, n.recipients) for n in told] == [("agent_reply", 3, ["requester"])]
    assert told[0].data["body"] == "Hi Dana, could you send the logs?"

    solve = macro(status="resolved")
    resolved, events = apply(after, solve, LATER)
    told = notices.for_action(after, resolved, solve, events[-1].seq)
    assert [(n.kind, n.seq) for n in told] == [("resolved", events[-1].seq)]  # the reply is its resolution
    assert resolved.resolution == solve.body and told[0].links == ["view", "confirm"]


def test_tags_added_and_removed_at_once_change_nothing():
    _, events = apply(ticket(), macro(add=["a"], remove=["a"]), LATER)
    assert [e.kind for e in events] == ["reply"]
