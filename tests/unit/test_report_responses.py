"""The reports' next responses (models/reporting/figures.py `next_response_waits`) follow the SLA
clocks' own rule (workflows/sla.py `observe`), and the event kinds the reports read
(models/reports.py) are those of the actions that answer the customer or are the customer's."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from models import reports as q
from models.reporting.figures import next_response_waits
from workflows import sla
from workflows.actions import ACTIONS

T0 = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)


def test_the_event_kinds_are_the_actions_that_answer_or_are_the_customers():
    assert tuple(kind for kind, a in ACTIONS.items() if a.answers_customer) == q.ANSWER_KINDS
    assert tuple(kind for kind, a in ACTIONS.items() if a.customer_wrote) == q.CUSTOMER_KINDS


# (kind, the status it leads to from a status, or None to leave it): a ticket's conversation.
STEPS = {
    "reply": {"new": "open"},
    "customer_reply": {"pending": "open", "resolved": "open"},
    "pend": {"new": "pending", "open": "pending"},
    "resolve": {"new": "resolved", "open": "resolved", "pending": "resolved"},
    "reopen": {"resolved": "open"},
}
ALLOWED = {"reply": ("new", "open", "pending", "resolved"), "customer_reply": ("new", "open", "pending", "resolved"),
           "pend": ("new", "open"), "resolve": ("new", "open", "pending"), "reopen": ("resolved",)}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.integers(1, 90)), max_size=25))
def test_next_response_waits_are_the_next_response_clocks_answered(steps):
    clocks = sla.new_sla(T0)
    status, now = "new", T0
    events: list[tuple[datetime, str, str | None]] = []
    expected = []
    for kind, minutes in steps:
        if status not in ALLOWED[kind]:
            continue
        now += timedelta(minutes=minutes)
        target = STEPS[kind].get(status)
        before = sla.current(clocks, "next_response")
        waiting = before is not None and before.stopped_at is None
        clocks = sla.observe(clocks, status, target or status, now, answered=kind == "reply",
                             customer_wrote=kind == "customer_reply")
        if kind == "reply" and waiting:
            expected.append((before.started_at, now))
        events.append((now, kind, target))
        status = target or status
    assert next_response_waits(events) == expected
