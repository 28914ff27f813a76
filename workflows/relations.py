"""Tickets linked to tickets: sub-tickets (split) and duplicates (merge). Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflows.messages import ChildInfo, ChildStatusChanged, ConversationEntry, Merge, MergedFrom, Split, TicketState
from workflows.vocabulary import ACTIVE_STATUSES

OPEN_CHILD = ACTIVE_STATUSES


def open_children(state: TicketState) -> list[int]:
    return [c.number for c in state.children if c.status in OPEN_CHILD]


def add_children(new: TicketState, action: Split) -> dict[str, Any]:
    for c in action.children:
        if all(existing.number != c.number for existing in new.children):
            new.children.append(ChildInfo(number=c.number, subject=c.subject, status="new"))
    return {"children": [{"number": c.number, "subject": c.subject} for c in action.children]}


def child_status(new: TicketState, action: ChildStatusChanged) -> dict[str, Any]:
    for child in new.children:
        if child.number == action.number:
            before, child.status = child.status, action.status
            return {"child": action.number, "from": before, "to": action.status}
    new.children.append(ChildInfo(number=action.number, subject=action.subject, status=action.status))
    return {"child": action.number, "from": None, "to": action.status}


def merge_into(new: TicketState, action: Merge) -> dict[str, Any]:
    new.merged_into = action.into
    new.resolution = f"Merged into #{action.into}"
    return {"into": action.into}


MAX_LINKED_CHARS = 100_000


def merged_from(new: TicketState, action: MergedFrom, seq: int, now: datetime) -> dict[str, Any]:
    """Link the duplicate: its number, and an internal entry carrying its conversation."""
    if action.number not in new.merged_from:
        new.merged_from.append(action.number)
    lines = [f"Ticket #{action.number} ({action.subject!r}, from {action.requester_email}) was merged into this one."]
    for e in action.conversation:
        lines.append(f"--- #{action.number}, {e.at:%Y-%m-%d %H:%M} UTC, {e.author.name or e.author.id} "
                     f"({e.visibility}):\n{e.body}")
    body = "\n".join(lines)
    if len(body) > MAX_LINKED_CHARS:
        body = body[:MAX_LINKED_CHARS] + f"\n(cut here: ticket #{action.number} has the rest)"
    new.conversation.append(ConversationEntry(seq=seq, at=now, author=action.actor, visibility="internal", body=body))
    return {"from": action.number, "entries": len(action.conversation)}
