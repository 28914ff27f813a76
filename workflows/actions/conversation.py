"""The conversation: an agent's public reply, an internal note, a customer's message."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from workflows import notices
from workflows.activity_io import NotifyInput
from workflows.actions.base import NOT_CLOSED, AgentAction, TicketAction, stays
from workflows.records import (
    MAX_BODY_CHARS,
    Actor,
    AttachmentRef,
    Channel,
    ConversationEntry,
    RefusedAttachment,
    TicketState,
)
from workflows.validation import ActionRejected, require_text

# The Message-IDs of customer mails a ticket remembers (newest last), to know a re-delivery.
MAX_MESSAGE_IDS_KEPT = 500
MENTION = re.compile(r"(?<![\w.])@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mentions(body: str) -> list[str]:
    """Colleagues @mentioned in a note, by e-mail (`@sam@demo.example`), in order, once each."""
    out: list[str] = []
    for m in MENTION.finditer(body):
        email = m.group(1).lower().rstrip(".")
        if email not in out:
            out.append(email)
    return out


def attachment_data(refs: list[AttachmentRef]) -> dict[str, Any]:
    """What an event records of the files a message carries."""
    return {"attachments": [{"id": a.id, "filename": a.filename, "size": a.size} for a in refs]} if refs else {}


def add_entry(new: TicketState, author: Actor, visibility: Literal["public", "internal"], body: str, now: datetime,
              attachments: list[AttachmentRef] | None = None, channel: str | None = None) -> None:
    """Append a conversation entry under the event the action is about to become."""
    new.conversation.append(ConversationEntry(seq=new.last_seq + 1, at=now, author=author, visibility=visibility,
                                              body=body, attachments=list(attachments or []), channel=channel))


@dataclass(frozen=True)
class Reply(AgentAction):
    """Public reply: the customer sees it."""

    actor: Actor
    body: str
    attachments: list[AttachmentRef] = field(default_factory=list)  # uploaded to the ticket first
    kind: Literal["reply"] = "reply"

    moves = stays(*NOT_CLOSED) | {"new": "open"}
    answers_customer = True
    example = {"body": "We are looking into it."}

    def check(self, state: TicketState) -> None:
        require_text("body", self.body, MAX_BODY_CHARS)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        if new.first_response_at is None:
            new.first_response_at = now
        add_entry(new, self.actor, "public", self.body, now, self.attachments)
        return {"chars": len(self.body), "body": self.body} | attachment_data(self.attachments)

    def notices(self, before: TicketState, after: TicketState, seq: int) -> list[NotifyInput]:
        return [notices.to_requester(after, seq, "agent_reply", f"Re: {after.subject}",
                                     {"body": self.body, "author_name": self.actor.name or self.actor.id,
                                      "attachments": [a.filename for a in self.attachments]}, ["view"])]


@dataclass(frozen=True)
class Note(AgentAction):
    """Internal note: agents only; an @mentioned colleague is told."""

    actor: Actor
    body: str
    attachments: list[AttachmentRef] = field(default_factory=list)
    kind: Literal["note"] = "note"

    moves = stays(*NOT_CLOSED)
    example = {"body": "Probably the new firewall rule."}

    def check(self, state: TicketState) -> None:
        require_text("body", self.body, MAX_BODY_CHARS)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        add_entry(new, self.actor, "internal", self.body, now, self.attachments)
        return {"chars": len(self.body), "body": self.body,
                "mentions": mentions(self.body)} | attachment_data(self.attachments)

    def notices(self, before: TicketState, after: TicketState, seq: int) -> list[NotifyInput]:
        agents = [e for e in mentions(self.body) if e != self.actor.id.lower()]
        if not agents:
            return []
        author = self.actor.name or self.actor.id
        return [notices.to_agents(after, seq, "mention", agents, f"[#{after.number}] {author} mentioned you",
                                  {"body": self.body, "author_name": author})]


@dataclass(frozen=True)
class CustomerReply(TicketAction):
    """The customer wrote (by mail, or passed on by an agent): it wakes a pending ticket and
    reopens a resolved one."""

    actor: Actor  # kind "customer"
    body: str
    channel: Channel = "email"
    recorded_by: str | None = None  # the agent or integration that passed the message on
    message_id: str | None = None  # an e-mail's Message-ID: the same mail delivered twice counts once
    attachments: list[AttachmentRef] = field(default_factory=list)
    refused_attachments: list[RefusedAttachment] = field(default_factory=list)
    kind: Literal["customer_reply"] = "customer_reply"

    moves = {"new": None, "open": None, "on_hold": None, "pending": "open", "resolved": "open"}
    customer_wrote = True

    def check(self, state: TicketState) -> None:
        if self.message_id and self.message_id in state.inbound_message_ids:
            raise ActionRejected("DuplicateMessage", f"message {self.message_id} is already on ticket {state.number}")
        require_text("body", self.body, MAX_BODY_CHARS)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        data: dict[str, Any] = {"chars": len(self.body), "body": self.body, "channel": self.channel,
                                "recorded_by": self.recorded_by}
        if self.message_id:
            new.inbound_message_ids = [*new.inbound_message_ids, self.message_id][-MAX_MESSAGE_IDS_KEPT:]
            data["message_id"] = self.message_id
        if self.refused_attachments:
            data["refused_attachments"] = [{"filename": a.filename, "reason": a.reason} for a in self.refused_attachments]
        add_entry(new, self.actor, "public", self.body, now, self.attachments, channel=self.channel)
        return data | attachment_data(self.attachments)

    def notices(self, before: TicketState, after: TicketState, seq: int) -> list[NotifyInput]:
        return notices.customer_replied(after, seq, self.actor, self.body, self.channel, self.recorded_by,
                                        [a.filename for a in self.attachments])
