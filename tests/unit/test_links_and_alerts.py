"""The pure parts of channels and linked tickets: alert notices (workflows/alerts.py),
split and merge (workflows/actions/relations.py via lifecycle), e-mail dedup and @mentions."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from workflows import alerts
from workflows.actions.conversation import mentions
from workflows.lifecycle import ActionRejected, apply, check, new_ticket
from workflows.messages import (
    AlertInstance,
    AlertNotice,
    AlertsFired,
    AlertsResolved,
    AlertSource,
    Actor,
    ChildStatusChanged,
    ConversationEntry,
    CustomerReply,
    Merge,
    MergedFrom,
    Note,
    Reply,
    Resolve,
    Split,
    SubTicket,
    TicketInput,
)

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)
ANN = Actor(kind="agent", id="ann@example.com", name="Ann")
AM = Actor(kind="system", id="alertmanager", name="ops")
CUSTOMER = Actor(kind="customer", id="carol@customer.example")


def alert(fp: str, status: str = "firing", starts: str = "2027-01-04T08:59:00Z", **labels: str) -> AlertInstance:
    return AlertInstance(fingerprint=fp, status=status, starts_at=starts,  # type: ignore[arg-type]  # status is firing or resolved in every call
                         labels={"alertname": "DiskFull", "severity": "critical"} | labels)


def alert_ticket(*initial: AlertInstance, auto_resolve: bool = True):
    inp = TicketInput(number=7, subject="DiskFull", description="disk", requester_email="alerts@monitoring.localhost",
                      channel="monitoring", alert=AlertSource(group_key="{}:{alertname=\"DiskFull\"}", auto_resolve=auto_resolve),
                      alerts=list(initial))
    state, events = new_ticket(inp, NOW)
    return state, events


def test_created_event_records_the_alert_group():
    _, events = alert_ticket(alert("a"), alert("b"))
    assert events[0].data["alert_group"] == '{}:{alertname="DiskFull"}'
    assert [a["fingerprint"] for a in events[0].data["alerts"]] == ["a", "b"]


def test_repeat_notification_changes_nothing():
    state, _ = alert_ticket(alert("a"))
    notice = AlertNotice(actor=AM, status="firing", alerts=[alert("a")])
    assert alerts.changes(state, notice) == ([], [])


def test_new_alert_and_restarted_alert_are_fired():
    state, _ = alert_ticket(alert("a"))
    notice = AlertNotice(actor=AM, status="firing", alerts=[alert("a", starts="2027-01-04T10:00:00Z"), alert("b")])
    fired, resolved = alerts.changes(state, notice)
    assert [a.fingerprint for a in fired] == ["a", "b"] and resolved == []


def test_resolved_only_counts_for_known_firing_alerts():
    state, _ = alert_ticket(alert("a"), alert("b"))
    notice = AlertNotice(actor=AM, status="resolved", alerts=[alert("a", "resolved"), alert("zzz", "resolved")])
    fired, resolved = alerts.changes(state, notice)
    assert fired == [] and [a.fingerprint for a in resolved] == ["a"]
    state, _ = apply(state, AlertsResolved(actor=AM, alerts=resolved), NOW)
    assert not alerts.all_resolved(state)
    state, events = apply(state, AlertsResolved(actor=AM, alerts=[alert("b", "resolved")]), NOW)
    assert alerts.all_resolved(state) and events[0].data["firing"] == 0 and events[0].data["of"] == 2
    # Resolved again: nothing new.
    assert alerts.changes(state, AlertNotice(actor=AM, status="resolved", alerts=[alert("b", "resolved")])) == ([], [])


def test_alert_firing_again_reopens_a_resolved_ticket():
    state, _ = alert_ticket(alert("a"))
    state, _ = apply(state, Resolve(actor=ANN, resolution="disk cleaned"), NOW)
    state, events = apply(state, AlertsFired(actor=AM, alerts=[alert("a", starts="2027-01-05T00:00:00Z")]), NOW)
    assert state.status == "open" and events[0].status_from == "resolved"


def test_group_labels_are_the_shared_ones():
    assert alerts.group_labels([alert("a", instance="db1"), alert("b", instance="db2")]) == {
        "alertname": "DiskFull", "severity": "critical"}
    assert alerts.group_labels([]) == {}


def test_same_email_delivered_twice_is_rejected_the_second_time():
    state, _ = new_ticket(TicketInput(number=8, subject="s", description="d", requester_email=CUSTOMER.id,
                                      message_id="<first@mail.example>"), NOW)
    with pytest.raises(ActionRejected) as err:
        check(state, CustomerReply(actor=CUSTOMER, body="again", message_id="<first@mail.example>"))
    assert err.value.type == "DuplicateMessage"
    reply = CustomerReply(actor=CUSTOMER, body="more", message_id="<second@mail.example>")
    state, _ = apply(state, reply, NOW)
    with pytest.raises(ActionRejected):
        check(state, reply)
    assert state.conversation[-1].channel == "email"


def test_parent_cannot_be_resolved_while_a_child_is_open():
    state, _ = new_ticket(TicketInput(number=10, subject="Move office", description="d", requester_email=CUSTOMER.id), NOW)
    split = Split(actor=ANN, children=[SubTicket(number=11, subject="Network", description="n"),
                                       SubTicket(number=12, subject="Desks", description="d")])
    state, events = apply(state, split, NOW)
    assert [c.number for c in state.children] == [11, 12] and state.status == "open"
    with pytest.raises(ActionRejected) as err:
        check(state, Resolve(actor=ANN, resolution="done"))
    assert err.value.type == "ChildrenOpen" and "#11, #12" in err.value.message
    state, _ = apply(state, ChildStatusChanged(actor=ANN, number=11, status="resolved"), NOW)
    state, _ = apply(state, ChildStatusChanged(actor=ANN, number=12, status="closed"), NOW)
    state, _ = apply(state, Resolve(actor=ANN, resolution="done"), NOW)
    assert state.status == "resolved"


def test_split_refuses_taken_numbers_and_empty_lists():
    state, _ = new_ticket(TicketInput(number=10, subject="s", description="d", requester_email=CUSTOMER.id), NOW)
    for bad in (Split(actor=ANN, children=[]), Split(actor=ANN, children=[SubTicket(number=10, subject="x", description="y")])):
        with pytest.raises(ActionRejected):
            check(state, bad)


def test_merge_closes_the_duplicate_and_links_it_into_the_primary():
    dup, _ = new_ticket(TicketInput(number=20, subject="Printer", description="d", requester_email=CUSTOMER.id), NOW)
    dup, events = apply(dup, Merge(actor=ANN, into=21), NOW)
    assert dup.status == "closed" and dup.merged_into == 21 and dup.resolution == "Merged into #21"
    with pytest.raises(ActionRejected):
        check(dup, Merge(actor=ANN, into=20))  # closed: nothing changes it
    primary, _ = new_ticket(TicketInput(number=21, subject="Printers", description="d", requester_email=CUSTOMER.id), NOW)
    entry = ConversationEntry(seq=3, at=NOW, author=CUSTOMER, visibility="public", body="It jams on page 2")
    primary, events = apply(primary, MergedFrom(actor=ANN, number=20, subject="Printer", requester_email=CUSTOMER.id,
                                                conversation=[entry]), NOW + timedelta(minutes=1))
    assert primary.merged_from == [20]
    linked = primary.conversation[-1]
    assert linked.visibility == "internal" and "#20" in linked.body and "It jams on page 2" in linked.body


def test_ticket_cannot_merge_into_itself():
    state, _ = new_ticket(TicketInput(number=30, subject="s", description="d", requester_email=CUSTOMER.id), NOW)
    with pytest.raises(ActionRejected):
        check(state, Merge(actor=ANN, into=30))


def test_mentions_in_notes_are_recorded():
    assert mentions("ask @sam@demo.example and @Nina@Demo.Example, not me@x.org or @sam@demo.example.") == [
        "sam@demo.example", "nina@demo.example"]
    state, _ = new_ticket(TicketInput(number=31, subject="s", description="d", requester_email=CUSTOMER.id), NOW)
    state, events = apply(state, Note(actor=ANN, body="@sam@demo.example can you look?"), NOW)
    assert events[0].data["mentions"] == ["sam@demo.example"]


def test_reply_attachments_reach_the_conversation():
    from workflows.messages import AttachmentRef
    ref = AttachmentRef(id=5, filename="fix.pdf", content_type="application/pdf", size=1234)
    state, _ = new_ticket(TicketInput(number=32, subject="s", description="d", requester_email=CUSTOMER.id), NOW)
    state, events = apply(state, Reply(actor=ANN, body="see attached", attachments=[ref]), NOW)
    assert state.conversation[-1].attachments == [ref]
    assert events[0].data["attachments"] == [{"id": 5, "filename": "fix.pdf", "size": 1234}]
    assert dataclasses.asdict(ref)["id"] == 5
