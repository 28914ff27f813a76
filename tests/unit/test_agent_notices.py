"""Who of the agents hears what a ticket just did (workflows/notices.py via the actions'
`notices`): the agent a ticket is given to, by a colleague or by routing, but not one who took
it; the assignee when the requester writes, but not one who passed the message on."""

from __future__ import annotations

from datetime import datetime, timezone

from workflows import notices
from workflows.lifecycle import apply, new_ticket
from workflows.messages import SYSTEM, Actor, Assign, CustomerReply, Routed, TicketInput, TicketState

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
SAM = Actor(kind="agent", id="sam@demo.example", name="Sam Support")
SUE = Actor(kind="agent", id="sue@demo.example", name="Sue Supervisor")
DANA = Actor(kind="customer", id="dana@customer.example", name="Dana")


def ticket(assignee: str | None = None) -> TicketState:
    s, _ = new_ticket(TicketInput(number=42, subject="Printer jams", description="Every page",
                                  requester_email=DANA.id, requester_name="Dana", channel="email"), NOW)
    if assignee is not None:
        s, _ = apply(s, Routed(actor=SYSTEM, team="support", assignee=assignee, reason="intake: round robin"), NOW)
    return s


def told(s: TicketState, action) -> list[tuple[str, list[str]]]:
    after, events = apply(s, action, NOW)
    return [(n.kind, n.recipients) for n in notices.for_action(s, after, action, events[-1].seq)]


def test_an_agent_assigning_a_colleague_tells_the_colleague():
    s = ticket()
    after, events = apply(s, Assign(actor=SUE, assignee="sam@demo.example"), NOW)
    [n] = notices.for_action(s, after, Assign(actor=SUE, assignee="sam@demo.example"), events[-1].seq)
    assert (n.kind, n.recipients, n.seq) == ("assigned", ["sam@demo.example"], events[-1].seq)
    assert n.data["assigned_by"] == "Sue Supervisor" and n.data["ticket"]["assignee"] == "sam@demo.example"
    assert n.subject == "[#42] Assigned to you: Printer jams"
    # Handing it on: the new assignee hears, the previous one is named.
    s2, _ = apply(s, Assign(actor=SUE, assignee="sam@demo.example"), NOW)
    assert told(s2, Assign(actor=SAM, assignee="sky@demo.example")) == [("assigned", ["sky@demo.example"])]


def test_taking_a_ticket_oneself_or_moving_it_to_a_queue_tells_nobody():
    assert told(ticket(), Assign(actor=SAM, assignee="sam@demo.example")) == []
    assert told(ticket(), Assign(actor=SAM, assignee="Sam@Demo.Example")) == []  # addresses compare case-blind
    assert told(ticket(assignee="sam@demo.example"), Assign(actor=SUE, team="billing")) == []


def test_routing_tells_the_agent_it_picked_and_nobody_when_it_queued_the_ticket():
    routed = Routed(actor=SYSTEM, team="support", assignee="sky@demo.example", reason="category changed: least loaded")
    after, events = apply(ticket(), routed, NOW)
    [n] = routed.notices(ticket(), after, events[-1].seq)
    assert (n.kind, n.recipients) == ("assigned", ["sky@demo.example"])
    assert n.data["assigned_by"] is None and n.data["reason"] == "category changed: least loaded"
    assert told(ticket(), Routed(actor=SYSTEM, team="support", assignee=None, reason="queued")) == []


def test_a_customer_reply_tells_the_assignee():
    s = ticket(assignee="sam@demo.example")
    reply = CustomerReply(actor=DANA, body="Still jams.", recorded_by="email", message_id="<m1@customer.example>")
    after, events = apply(s, reply, NOW)
    [n] = notices.for_action(s, after, reply, events[-1].seq)
    assert (n.kind, n.recipients) == ("customer_replied", ["sam@demo.example"])
    assert n.data | {"ticket": None} == {"body": "Still jams.", "author_name": "Dana", "channel": "email",
                                         "attachments": [], "ticket": None}
    # Passed on by a colleague, or through the portal: the assignee hears too.
    assert told(s, CustomerReply(actor=DANA, body="By phone", channel="phone", recorded_by="sue@demo.example")) == [
        ("customer_replied", ["sam@demo.example"])]
    assert told(s, CustomerReply(actor=DANA, body="Online", channel="web", recorded_by="portal")) == [
        ("customer_replied", ["sam@demo.example"])]


def test_a_customer_reply_without_an_assignee_or_logged_by_the_assignee_tells_nobody():
    assert told(ticket(), CustomerReply(actor=DANA, body="Anyone?", recorded_by="email")) == []
    assert told(ticket(assignee="sam@demo.example"),
                CustomerReply(actor=DANA, body="She called", channel="phone", recorded_by="sam@demo.example")) == []
