"""Strict decoding of actions arriving as JSON (workflows/codec.py)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from workflows.codec import ActionDecodeError, decode_action, decode_customer_reply
from workflows.messages import (
    AGENT_ACTIONS,
    Actor,
    AttachmentRef,
    Assign,
    Close,
    CustomerReply,
    Hold,
    MacroReply,
    Note,
    Pend,
    Reopen,
    Reply,
    Resolve,
    Resume,
    SetCategory,
    SetPriority,
    SetTags,
    Merge,
    Split,
    SubTicket,
)

ANN = Actor(kind="agent", id="ann@example.com")
ANN_NAMED = Actor(kind="agent", id="ann@example.com", name="Ann")
CUSTOMER = Actor(kind="customer", id="carol@customer.example", name="Carol")

EXAMPLES = [
    Assign(actor=ANN, assignee="bob@example.com", team="hw"),
    Assign(actor=ANN, assignee=None, team="hw"),
    Assign(actor=ANN_NAMED, assignee="bob@example.com"),
    Reply(actor=ANN, body="Hello"),
    Note(actor=ANN, body="internal"),
    SetPriority(actor=ANN, priority="critical"),
    SetCategory(actor=ANN, category="billing"),
    SetCategory(actor=ANN, category=None),
    SetTags(actor=ANN, add=["a", "b"], remove=["c"]),
    SetTags(actor=ANN),
    Pend(actor=ANN, reason="waiting"),
    Pend(actor=ANN),
    Hold(actor=ANN, reason="vendor"),
    Resume(actor=ANN),
    Resolve(actor=ANN, resolution="fixed"),
    Reopen(actor=ANN, reason="again"),
    Close(actor=ANN),
    Reply(actor=ANN, body="see the log", attachments=[AttachmentRef(id=3, filename="log.txt", content_type="text/plain", size=12)]),
    Split(actor=ANN, children=[SubTicket(number=7, subject="a", description="b", priority="high", team="network"),
                               SubTicket(number=8, subject="c", description="d")]),
    Merge(actor=ANN, into=41),
    MacroReply(actor=ANN, macro="Ask for logs", body="Hi", macro_id=3, status="pending", priority="high", add=["logs"]),
    MacroReply(actor=ANN, macro="Thanks", body="Thank you"),
]


def test_examples_cover_every_agent_action():
    assert {type(a) for a in EXAMPLES} == set(AGENT_ACTIONS.values())


@pytest.mark.parametrize("action", EXAMPLES, ids=lambda a: a.kind)
def test_round_trip_from_asdict(action):
    raw = dataclasses.asdict(action)
    decoded = decode_action(raw)
    assert type(decoded) is type(action)
    assert decoded == action
    assert decoded.actor == action.actor
    assert type(decoded.actor) is Actor


@pytest.mark.parametrize("action", EXAMPLES, ids=lambda a: a.kind)
def test_round_trip_through_json(action):
    raw = json.loads(json.dumps(dataclasses.asdict(action)))
    assert decode_action(raw) == action


def test_defaults_filled_in():
    a = decode_action({"kind": "pend", "actor": {"kind": "agent", "id": "ann@example.com"}})
    assert a == Pend(actor=ANN, reason="")
    t = decode_action({"kind": "set_tags", "actor": {"kind": "agent", "id": "ann@example.com"}, "add": ["x"]})
    assert t == SetTags(actor=ANN, add=["x"], remove=[])


def test_decode_does_not_alias_input_lists():
    raw = {"kind": "set_tags", "actor": {"kind": "agent", "id": "a"}, "add": ["x"]}
    t = decode_action(raw)
    raw["add"].append("y")
    assert t.add == ["x"]


def _raises(raw, *needles, fn=decode_action):
    with pytest.raises(ActionDecodeError) as err:
        fn(raw)
    msg = str(err.value)
    for n in needles:
        assert n in msg, f"{n!r} not in {msg!r}"
    return msg


def test_decode_error_is_value_error():
    assert issubclass(ActionDecodeError, ValueError)


ACTOR = {"kind": "agent", "id": "ann@example.com"}


def test_missing_kind():
    msg = _raises({"actor": ACTOR, "body": "x"}, "kind")
    assert msg.startswith("kind")
    _raises({"kind": None, "actor": ACTOR, "body": "x"}, "kind")


@pytest.mark.parametrize("kind", ["explode", "customer_reply", "triaged", "routed", "Reply", "", 3])
def test_unknown_kind(kind):
    msg = _raises({"kind": kind, "actor": ACTOR}, "kind")
    assert msg.startswith("kind")


@pytest.mark.parametrize("kind", [["reply"], {"reply": 1}])
def test_unhashable_kind_is_a_decode_error(kind):
    _raises({"kind": kind, "actor": ACTOR, "body": "x"}, "kind")


@pytest.mark.parametrize(
    "raw,field_name",
    [
        ({"kind": "reply", "actor": ACTOR, "body": "x", "bcc": "eve@example.com"}, "bcc"),
        ({"kind": "close", "actor": ACTOR, "reason": "x"}, "reason"),
        ({"kind": "reply", "actor": {**ACTOR, "role": "admin"}, "body": "x"}, "actor.role"),
    ],
)
def test_unknown_field(raw, field_name):
    msg = _raises(raw, field_name, "unknown")
    assert msg.startswith(field_name)


@pytest.mark.parametrize(
    "raw,field_name",
    [
        ({"kind": "reply", "actor": ACTOR}, "body"),
        ({"kind": "reply", "body": "x"}, "actor"),
        ({"kind": "resolve", "actor": ACTOR}, "resolution"),
        ({"kind": "set_priority", "actor": ACTOR}, "priority"),
        ({"kind": "set_category", "actor": ACTOR}, "category"),
        ({"kind": "reply", "actor": {"kind": "agent"}, "body": "x"}, "actor.id"),
        ({"kind": "reply", "actor": {"id": "ann@example.com"}, "body": "x"}, "actor.kind"),
    ],
)
def test_missing_required_field(raw, field_name):
    msg = _raises(raw, field_name, "required")
    assert msg.startswith(field_name)


@pytest.mark.parametrize(
    "raw,field_name",
    [
        ({"kind": "reply", "actor": ACTOR, "body": 123}, "body"),
        ({"kind": "reply", "actor": ACTOR, "body": None}, "body"),
        ({"kind": "reply", "actor": ACTOR, "body": True}, "body"),
        ({"kind": "reply", "actor": ACTOR, "body": ["x"]}, "body"),
        ({"kind": "reply", "actor": "ann@example.com", "body": "x"}, "actor"),
        ({"kind": "reply", "actor": None, "body": "x"}, "actor"),
        ({"kind": "reply", "actor": ["agent", "ann"], "body": "x"}, "actor"),
        ({"kind": "reply", "actor": {"kind": "agent", "id": 7}, "body": "x"}, "actor.id"),
        ({"kind": "reply", "actor": {"kind": "agent", "id": "a", "name": None}, "body": "x"}, "actor.name"),
        ({"kind": "assign", "actor": ACTOR, "assignee": 5}, "assignee"),
        ({"kind": "assign", "actor": ACTOR, "team": {"slug": "hw"}}, "team"),
        ({"kind": "set_tags", "actor": ACTOR, "add": "vip"}, "add"),
        ({"kind": "set_tags", "actor": ACTOR, "add": ["ok", 3]}, "add[1]"),
        ({"kind": "set_tags", "actor": ACTOR, "remove": None}, "remove"),
        ({"kind": "set_category", "actor": ACTOR, "category": 1}, "category"),
        ({"kind": "pend", "actor": ACTOR, "reason": None}, "reason"),
        ({"kind": "resolve", "actor": ACTOR, "resolution": 1.5}, "resolution"),
    ],
)
def test_wrong_types(raw, field_name):
    msg = _raises(raw, field_name)
    assert msg.startswith(field_name)


@pytest.mark.parametrize(
    "raw,field_name",
    [
        ({"kind": "set_priority", "actor": ACTOR, "priority": "urgent"}, "priority"),
        ({"kind": "set_priority", "actor": ACTOR, "priority": "HIGH"}, "priority"),
        ({"kind": "set_priority", "actor": ACTOR, "priority": None}, "priority"),
        ({"kind": "set_priority", "actor": ACTOR, "priority": 2}, "priority"),
        ({"kind": "reply", "actor": {"kind": "robot", "id": "r2"}, "body": "x"}, "actor.kind"),
        ({"kind": "reply", "actor": {"kind": None, "id": "r2"}, "body": "x"}, "actor.kind"),
    ],
)
def test_bad_literal(raw, field_name):
    msg = _raises(raw, field_name)
    assert msg.startswith(field_name)


def test_bad_priority_message_lists_choices():
    msg = _raises({"kind": "set_priority", "actor": ACTOR, "priority": "urgent"}, "priority", "'urgent'", "critical")
    assert msg.startswith("priority")


@pytest.mark.parametrize("raw", [None, "reply", 3, ["reply"], ("kind", "reply"), b"{}", 1.0, True])
def test_non_dict_payload(raw):
    _raises(raw, "action")


# --- Customer replies -----------------------------------------------------------------------


def test_customer_reply_round_trip():
    cr = CustomerReply(actor=CUSTOMER, body="It works now", channel="web")
    assert decode_customer_reply(dataclasses.asdict(cr)) == cr
    assert decode_customer_reply(json.loads(json.dumps(dataclasses.asdict(cr)))) == cr


def test_customer_reply_without_kind():
    raw = {"actor": {"kind": "customer", "id": "carol@customer.example"}, "body": "hi"}
    cr = decode_customer_reply(raw)
    assert cr == CustomerReply(actor=Actor(kind="customer", id="carol@customer.example"), body="hi")
    assert cr.channel == "email"
    assert cr.kind == "customer_reply"
    assert "kind" not in raw  # input not modified


def test_customer_reply_is_not_an_agent_action():
    raw = dataclasses.asdict(CustomerReply(actor=CUSTOMER, body="hi"))
    _raises(raw, "kind")


@pytest.mark.parametrize(
    "raw,field_name",
    [
        ({"actor": {"kind": "customer", "id": "c"}}, "body"),
        ({"body": "hi"}, "actor"),
        ({"actor": {"kind": "customer", "id": "c"}, "body": 1}, "body"),
        ({"actor": {"kind": "customer", "id": "c"}, "body": "hi", "channel": "fax"}, "channel"),
        ({"actor": {"kind": "alien", "id": "c"}, "body": "hi"}, "actor.kind"),
        ({"actor": {"kind": "customer"}, "body": "hi"}, "actor.id"),
        ({"actor": {"kind": "customer", "id": "c"}, "body": "hi", "cc": "x"}, "cc"),
        ({"actor": {"kind": "customer", "id": "c"}, "body": "hi", "kind": "reply"}, "kind"),
    ],
)
def test_customer_reply_errors(raw, field_name):
    msg = _raises(raw, field_name, fn=decode_customer_reply)
    assert msg.startswith(field_name)


@pytest.mark.parametrize("raw", [None, "hi", 3, ["hi"]])
def test_customer_reply_non_dict(raw):
    _raises(raw, "customer reply", fn=decode_customer_reply)
