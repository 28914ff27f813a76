"""The ticket state machine: pure, deterministic, no Temporal import.

`apply(state, action, now)` returns the new state and the events it produced; `check`
raises `ActionRejected` for an action the current state forbids. The workflow calls
`check` in its update validators (so a rejected action leaves nothing in the history) and
`apply` in the one reducer that serves updates, signals and intake.

It knows no action by name: each declares its transition row, its checks and its effect
(workflows/actions/); what happens here is what every action shares (the status move and its
timestamps, the confirmation wait and the survey, the SLA clocks, the event).
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import datetime
from typing import Any

from workflows import alerts, closing, sla
from workflows.actions import ACTIONS, TicketAction
from workflows.actions.base import ACTIVE as ACTIVE  # re-exported: the status sets callers test against
from workflows.actions.base import NOT_CLOSED as NOT_CLOSED
from workflows.actions.base import is_composite
from workflows.records import TicketEvent, TicketInput, TicketState
from workflows.validation import ActionRejected as ActionRejected  # re-exported: what check() raises
from workflows.validation import capped_tags

# Where each action may be taken from, and the status it leads to (None: unchanged): the rows
# the actions declare (TicketAction.moves), gathered. Property tests check that `apply` never
# makes a transition that is not in it. A composite action (a macro) has no row here: its
# `moves` say where it may be taken from, and its steps move the ticket, each by its own row.
TRANSITIONS: dict[str, dict[str, str | None]] = {
    kind: dict(cls.moves) for kind, cls in ACTIONS.items() if "closed" not in cls.moves and not is_composite(cls)}
# The only things that still happen to a closed ticket (its satisfaction survey).
ON_CLOSED: dict[str, dict[str, str | None]] = {
    kind: dict(cls.moves) for kind, cls in ACTIONS.items() if "closed" in cls.moves and not is_composite(cls)}

# What the workflow keeps of the conversation: the newest entries, at most this many and, past
# the newest one, at most this many characters of bodies. Its state travels whole in every
# update's answer and in the continue-as-new input (Temporal refuses payloads over 2 MB), so
# it must not grow with the ticket. Every message stays in full in the read model's events
# (their `body`) and in the workflow histories.
CONVERSATION_KEPT = 50
CONVERSATION_KEPT_CHARS = 100_000


def new_ticket(inp: TicketInput, now: datetime) -> tuple[TicketState, list[TicketEvent]]:
    """The state of a ticket just received, and its `created` event (seq 1)."""
    state = TicketState(
        number=inp.number,
        subject=inp.subject,
        description=inp.description,
        requester_email=inp.requester_email,
        requester_name=inp.requester_name,
        channel=inp.channel,
        status="new",
        priority=inp.priority or "normal",
        category=inp.category,
        tags=capped_tags(inp.tags),
        team=None,
        assignee=None,
        created_at=now,
        updated_at=now,
        created_by=inp.created_by,
        last_seq=1,
        sla=sla.new_sla(now),
        attachments=list(inp.attachments),
        refused_attachments=list(inp.refused_attachments),
        inbound_message_ids=[inp.message_id] if inp.message_id else [],
        alert=inp.alert,
        alerts=alerts.merge([], inp.alerts),
        parent=inp.parent,
    )
    event = TicketEvent(
        number=inp.number,
        seq=1,
        kind="created",
        at=now,
        actor=inp.created_by,
        data={"channel": inp.channel, "subject": inp.subject, "priority": state.priority,
              "category": state.category, "tags": list(state.tags)} | _created_extras(inp),
        status_to="new",
    )
    return state, [event]


def _created_extras(inp: TicketInput) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if inp.attachments:
        extras["attachments"] = [{"id": a.id, "filename": a.filename, "size": a.size} for a in inp.attachments]
    if inp.refused_attachments:
        extras["refused_attachments"] = [{"filename": a.filename, "reason": a.reason} for a in inp.refused_attachments]
    if inp.message_id:
        extras["message_id"] = inp.message_id
    if inp.alert:
        extras["alert_group"] = inp.alert.group_key
        extras["alerts"] = alerts.describe(inp.alerts)
    if inp.parent:
        extras["parent"] = inp.parent
    return extras


def check(state: TicketState, action: TicketAction) -> None:
    """Raise ActionRejected if `action` may not be applied to `state` now."""
    kind = action.kind
    allowed = action.moves
    if state.status == "closed" and "closed" not in allowed:
        raise ActionRejected("TicketClosed", f"ticket {state.number} is closed; nothing can change it")
    if state.status not in allowed:
        froms = ", ".join(allowed)
        raise ActionRejected(
            "InvalidTransition",
            f"cannot {kind.replace('_', ' ')} ticket {state.number} while it is {state.status} "
            f"(allowed from: {froms})",
        )
    action.check(state)
    if (steps := action.steps(state)) is not None:
        # All or nothing: each step is checked on the ticket as the steps before it leave it.
        for step in steps:
            state, _ = apply(state, step, state.updated_at)


def apply(state: TicketState, action: TicketAction, now: datetime) -> tuple[TicketState, list[TicketEvent]]:
    """Apply a checked action; returns a new state (the input is not modified) and its event
    (a composite action: its steps' events, in order)."""
    check(state, action)
    if (steps := action.steps(state)) is not None:
        events: list[TicketEvent] = []
        for step in steps:
            state, step_events = apply(state, step, now)
            events += step_events
        return state, events
    new = copy.deepcopy(state)
    target = action.moves[state.status]
    data = action.effect(new, now)
    if target is not None:
        new.status = target
        if target == "resolved":
            new.resolved_at = now
        elif target == "closed":
            new.closed_at = now
        elif state.status == "resolved":  # reopened
            new.resolved_at = None
            new.resolution = None
    closing.on_status(new, state.status, action.closes_as, now)
    new.sla = sla.observe(new.sla, state.status, new.status, now, answered=action.answers_customer,
                          customer_wrote=action.customer_wrote)
    new.sla_status = sla.status(new.sla, now)
    new.sla_next_breach_at = sla.next_breach_at(new.sla)
    new.last_seq += 1
    new.updated_at = now
    event = TicketEvent(
        number=new.number,
        seq=new.last_seq,
        kind=action.kind,
        at=now,
        actor=action.actor,
        data=data,
        status_from=state.status if target is not None else None,
        status_to=target,
    )
    return new, [event]


def keep_recent(state: TicketState) -> TicketState:
    """`state` with only the newest conversation entries (see CONVERSATION_KEPT); the dropped
    ones are counted in `conversation_earlier`."""
    entries = state.conversation
    keep, chars = 0, 0
    for entry in reversed(entries):
        chars += len(entry.body)
        if keep == CONVERSATION_KEPT or (keep and chars > CONVERSATION_KEPT_CHARS):
            break
        keep += 1
    if keep == len(entries):
        return state
    dropped = len(entries) - keep
    return dataclasses.replace(state, conversation=entries[dropped:],
                               conversation_earlier=state.conversation_earlier + dropped)
