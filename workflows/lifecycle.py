"""The ticket state machine: pure, deterministic, no Temporal import.

`apply(state, action, now)` returns the new state and the events it produced; `check`
raises `ActionRejected` for an action the current state forbids. The workflow calls
`check` in its update validators (so a rejected action leaves nothing in the history) and
`apply` in the one reducer that serves updates, signals and intake.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from datetime import datetime
from typing import Any

from workflows import alerts, closing, relations, sla
from workflows.sla_types import RULES_PINNED_TERMS, EscalationLevel, SlaPolicyData, SlaState
from workflows.validation import ActionRejected, capped_tags, check_fields, normalise_tags
from workflows.vocabulary import ACTIVE_STATUSES, Status

from workflows.messages import (
    PRIORITIES,
    Action,
    AttachmentRef,
    AlertsFired,
    AlertsResolved,
    Assign,
    AutoClosed,
    ChildStatusChanged,
    Close,
    ConversationEntry,
    CustomerReply,
    Hold,
    Merge,
    MergedFrom,
    Note,
    Pend,
    Reopen,
    Reply,
    ResolutionConfirmed,
    ResolutionRejected,
    Resolve,
    Resume,
    Routed,
    SetCategory,
    SetPriority,
    SetTags,
    SlaMilestoneReached,
    SlaPolicyLoaded,
    Split,
    SurveyAnswer,
    SurveyExpired,
    TicketEvent,
    TicketInput,
    TicketState,
    Triaged,
)

ACTIVE = ACTIVE_STATUSES
NOT_CLOSED = (*ACTIVE, Status.RESOLVED.value)

# Where each action may be taken from, and the status it leads to (None: unchanged).
# This table is the whole state machine; property tests check that `apply` never
# makes a transition that is not in it.
TRANSITIONS: dict[str, dict[str, str | None]] = {
    "assign": {s: None for s in NOT_CLOSED} | {"new": "open"},
    "reply": {s: None for s in NOT_CLOSED} | {"new": "open"},
    "note": {s: None for s in NOT_CLOSED},
    "set_priority": {s: None for s in NOT_CLOSED},
    "set_category": {s: None for s in NOT_CLOSED},
    "set_tags": {s: None for s in NOT_CLOSED},
    "pend": {"new": "pending", "open": "pending", "on_hold": "pending"},
    "hold": {"new": "on_hold", "open": "on_hold", "pending": "on_hold"},
    "resume": {"pending": "open", "on_hold": "open"},
    "resolve": {s: "resolved" for s in ACTIVE},
    "reopen": {"resolved": "open"},
    "close": {"resolved": "closed"},
    # A customer writing back wakes a pending ticket and reopens a resolved one.
    "customer_reply": {"new": None, "open": None, "on_hold": None, "pending": "open", "resolved": "open"},
    "triaged": {s: None for s in NOT_CLOSED},
    "routed": {s: None for s in NOT_CLOSED},
    "sla_policy": {s: None for s in NOT_CLOSED},
    "sla_milestone": {s: None for s in NOT_CLOSED},
    "split": {s: None for s in ACTIVE} | {"new": "open"},
    "merge": {s: "closed" for s in NOT_CLOSED},
    # An alert firing again wakes a resolved ticket, like a customer writing back.
    "alert_fired": {s: None for s in ACTIVE} | {"resolved": "open"},
    "alert_resolved": {s: None for s in NOT_CLOSED},
    "child_status": {s: None for s in NOT_CLOSED},
    "merged_from": {s: None for s in NOT_CLOSED},
    # The customer's answer to the resolution, or the end of waiting for it.
    "confirmed": {"resolved": "closed"},
    "rejected": {"resolved": "open"},
    "auto_close": {"resolved": "closed"},
}
# The only things that still happen to a closed ticket: its satisfaction survey.
ON_CLOSED: dict[str, dict[str, str | None]] = {
    "survey_answer": {"closed": None},
    "survey_expired": {"closed": None},
}
MAX_MESSAGE_IDS_KEPT = 500
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


def check(state: TicketState, action: Action) -> None:
    """Raise ActionRejected if `action` may not be applied to `state` now."""
    kind = action.kind
    allowed = TRANSITIONS.get(kind) or ON_CLOSED[kind]
    if state.status == "closed" and kind not in ON_CLOSED:
        raise ActionRejected("TicketClosed", f"ticket {state.number} is closed; nothing can change it")
    if state.status not in allowed:
        froms = ", ".join(allowed)
        raise ActionRejected(
            "InvalidTransition",
            f"cannot {kind.replace('_', ' ')} ticket {state.number} while it is {state.status} "
            f"(allowed from: {froms})",
        )
    check_fields(state, action)


def apply(state: TicketState, action: Action, now: datetime) -> tuple[TicketState, list[TicketEvent]]:
    """Apply a checked action; returns a new state (the input is not modified) and its event."""
    check(state, action)
    new = copy.deepcopy(state)
    target = (TRANSITIONS.get(action.kind) or ON_CLOSED[action.kind])[state.status]
    data = _mutate(new, action, now)
    if target is not None:
        new.status = target
        if target == "resolved":
            new.resolved_at = now
        elif target == "closed":
            new.closed_at = now
        elif state.status == "resolved":  # reopened
            new.resolved_at = None
            new.resolution = None
    closing.on_status(new, state.status, action.kind, now)
    new.sla = sla.observe(new.sla, action.kind, state.status, new.status, now)
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
    if isinstance(action, ResolutionRejected) and action.comment.strip():
        new.conversation.append(ConversationEntry(seq=new.last_seq, at=now, author=action.actor, visibility="public",
                                                  body=action.comment.strip()))
    if isinstance(action, (Reply, Note, CustomerReply)):
        new.conversation.append(
            ConversationEntry(
                seq=new.last_seq,
                at=now,
                author=action.actor,
                visibility="internal" if isinstance(action, Note) else "public",
                body=action.body,
                attachments=list(action.attachments),
                channel=action.channel if isinstance(action, CustomerReply) else None,
            )
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


def _mutate(new: TicketState, action: Action, now: datetime) -> dict[str, Any]:
    """Change the fields an action sets; return what the event should record."""
    if isinstance(action, Assign):
        before: Any = {"assignee": new.assignee, "team": new.team}  # each branch's own "from"
        new.assignee = action.assignee
        if action.team is not None:
            new.team = action.team
        return {"from": before, "assignee": new.assignee, "team": new.team}
    if isinstance(action, Reply):
        if new.first_response_at is None:
            new.first_response_at = now
        return {"chars": len(action.body), "body": action.body} | _attachment_data(action.attachments)
    if isinstance(action, Note):
        return {"chars": len(action.body), "body": action.body,
                "mentions": mentions(action.body)} | _attachment_data(action.attachments)
    if isinstance(action, CustomerReply):
        data = {"chars": len(action.body), "body": action.body, "channel": action.channel,
                "recorded_by": action.recorded_by}
        if action.message_id:
            new.inbound_message_ids = [*new.inbound_message_ids, action.message_id][-MAX_MESSAGE_IDS_KEPT:]
            data["message_id"] = action.message_id
        if action.refused_attachments:
            data["refused_attachments"] = [{"filename": a.filename, "reason": a.reason} for a in action.refused_attachments]
        return data | _attachment_data(action.attachments)
    if isinstance(action, SetPriority):
        before, new.priority = new.priority, action.priority
        return {"from": before, "to": new.priority}
    if isinstance(action, SetCategory):
        before = new.category
        new.category = action.category.strip() if action.category else None
        return {"from": before, "to": new.category}
    if isinstance(action, SetTags):
        before = list(new.tags)
        removed = set(normalise_tags(action.remove))
        new.tags = [t for t in normalise_tags([*new.tags, *action.add]) if t not in removed]
        return {"from": before, "to": list(new.tags)}
    if isinstance(action, (Pend, Hold, Reopen)):
        return {"reason": action.reason} if action.reason else {}
    if isinstance(action, Resolve):
        new.resolution = action.resolution
        return {"resolution": action.resolution}
    if isinstance(action, Triaged):
        new.category = action.category
        new.priority = action.priority
        new.tags = capped_tags([*new.tags, *action.tags])
        if new.alert is not None and action.auto_resolve is not None:
            new.alert = dataclasses.replace(new.alert, auto_resolve=action.auto_resolve)
        data = {"category": new.category, "priority": new.priority, "tags": list(new.tags),
                "rules": list(action.rules), "reasons": list(action.reasons)}
        return data | ({"auto_resolve": new.alert.auto_resolve} if new.alert is not None else {})
    if isinstance(action, (AlertsFired, AlertsResolved)):
        new.alerts = alerts.merge(new.alerts, action.alerts)
        return {"alerts": alerts.describe(action.alerts),
                "firing": sum(a.status == "firing" for a in new.alerts), "of": len(new.alerts)}
    if isinstance(action, Split):
        return relations.add_children(new, action)
    if isinstance(action, ChildStatusChanged):
        return relations.child_status(new, action)
    if isinstance(action, Merge):
        return relations.merge_into(new, action)
    if isinstance(action, MergedFrom):
        return relations.merged_from(new, action, new.last_seq + 1, now)
    if isinstance(action, ResolutionConfirmed):
        return {"link_id": action.link_id}
    if isinstance(action, ResolutionRejected):
        return {"comment": action.comment.strip(), "link_id": action.link_id}
    if isinstance(action, AutoClosed):
        return {"waited_seconds": action.waited_seconds}
    if isinstance(action, SurveyAnswer):
        return closing.record_answer(new, action, now) | {"link_id": action.link_id}
    if isinstance(action, SurveyExpired):
        assert new.survey is not None
        new.survey.expired = True
        return {"expired_at": new.survey.expires_at.isoformat()}
    if isinstance(action, Routed):
        new.team = action.team
        new.assignee = action.assignee
        return {"team": action.team, "assignee": action.assignee, "reason": action.reason}
    if isinstance(action, SlaPolicyLoaded):
        return _adopt_policy(new, action, now)
    if isinstance(action, SlaMilestoneReached):
        return _milestone_reached(new, action)
    if isinstance(action, (Resume, Close)):
        return {}
    raise ActionRejected("InvalidAction", f"kind: unknown action {action.kind!r}")  # pragma: no cover


def _attachment_data(refs: list[AttachmentRef]) -> dict[str, Any]:
    return {"attachments": [{"id": a.id, "filename": a.filename, "size": a.size} for a in refs]} if refs else {}


MENTION = re.compile(r"(?<![\w.])@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mentions(body: str) -> list[str]:
    """Colleagues @mentioned in a note, by e-mail (`@sam@demo.example`), in order, once each."""
    out: list[str] = []
    for m in MENTION.finditer(body):
        email = m.group(1).lower().rstrip(".")
        if email not in out:
            out.append(email)
    return out


def _adopt_policy(new: TicketState, action: SlaPolicyLoaded, now: datetime) -> dict[str, Any]:
    before = new.sla
    if action.policy is None:
        new.sla = dataclasses.replace(new.sla, policy=None)
        new.sla_policy = None
        return {"policy": None, "tier": action.tier, "reason": action.reason} | _dues(before, new.sla, now)
    new.sla = sla.adopt_policy(new.sla, action.policy, now, never_later=action.never_later)
    new.sla_policy = action.policy.name
    p = action.policy
    return {"policy": p.name, "version": p.version, "tier": action.tier, "reason": action.reason,
            "calendar": p.calendar.name, "targets": {"first_response": p.first_response_seconds,
                                                     "next_response": p.next_response_seconds,
                                                     "resolution": p.resolution_seconds}} | _dues(before, new.sla, now)


def _dues(before: SlaState, after: SlaState, now: datetime) -> dict[str, Any]:
    """What a policy switch did to the running clocks' due times (rules 2): each moved due
    time, the ones moved later named apart, and the clocks that kept their own terms."""
    if after.rules < RULES_PINNED_TERMS:
        return {}
    out: dict[str, Any] = {}
    if changes := sla.due_changes(before, after, now):
        out["dues"] = changes
        if later := [c["clock"] for c in changes if c["later"]]:
            out["due_later"] = later
    # The clocks that still run under terms of their own: breached under them, or kept because
    # the new ones were looser and an escalation caused the switch.
    if kept := {c.name: {"policy": c.policy.name, "why": "breached" if c.breached_at else "stricter"}
                for c in sla.running(after) if c.policy is not None}:
        out["kept_terms"] = kept
    return out


def _milestone_reached(new: TicketState, action: SlaMilestoneReached) -> dict[str, Any]:
    m = action.milestone
    new.sla = sla.mark_done(new.sla, m, action.fired_at, team=new.team)
    data: dict[str, Any] = {
        "milestone": m.id, "clock": m.clock, "cycle": m.cycle, "kind": m.kind, "n": m.n,
        "due_at": m.due_at.isoformat(), "fired_at": action.fired_at.isoformat(),
        "lateness_ms": round((action.fired_at - m.due_at).total_seconds() * 1000),
    }
    if (policy := milestone_terms(new, m)) is not None and new.sla.rules >= RULES_PINNED_TERMS:
        data["policy"] = policy.name
    level = escalation_level(new, m)
    if level is not None:
        if level.raise_priority and new.priority != PRIORITIES[-1]:
            data["priority"] = {"from": new.priority, "to": PRIORITIES[PRIORITIES.index(new.priority) + 1]}
            new.priority = data["priority"]["to"]
        if level.reassign_team or level.reassign_agent:
            data["reassigned"] = {"from": {"team": new.team, "assignee": new.assignee},
                                  "team": level.reassign_team or new.team, "assignee": level.reassign_agent}
            new.team = level.reassign_team or new.team
            new.assignee = level.reassign_agent
    return data


def milestone_terms(state: TicketState, m: Any) -> SlaPolicyData | None:
    """The policy a milestone of `state` comes from: its clock's terms."""
    clock = sla.current(state.sla, m.clock)
    if clock is None or clock.cycle != m.cycle:
        return state.sla.policy
    return sla.terms(state.sla, clock)


def escalation_level(state: TicketState, m: Any) -> EscalationLevel | None:
    """The escalation level an escalation milestone stands for, under its clock's terms
    (None for other kinds)."""
    policy = milestone_terms(state, m)
    if m.kind != "escalation" or policy is None:
        return None
    return next((lv for lv in policy.escalations if lv.level == m.n), None)


def milestone_team(state: TicketState, m: Any) -> str | None:
    """The team whose roles (team_lead, manager, team) a milestone's notice reaches: for an
    escalation, the team that held the ticket when its clock breached (rules 2); otherwise
    the ticket's team now."""
    clock = sla.current(state.sla, m.clock)
    if m.kind == "escalation" and clock is not None and clock.cycle == m.cycle and clock.breach_team is not None:
        return clock.breach_team
    return state.team
