"""What of a ticket is searched: its subject and description (part "ticket") and each event
that carries text (part "event:<seq>"): who may read it is the conversation's own rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from models.search import Document

# kind -> (the field of the event's data with the text, who reads it). Replies, customers'
# messages, resolutions and a rejection's comment are the customer's conversation; notes and
# the reasons for pending, holding or reopening are for agents only.
TEXT_EVENTS: dict[str, tuple[str, Literal["public", "internal"]]] = {
    "reply": ("body", "public"), "customer_reply": ("body", "public"), "note": ("body", "internal"),
    "resolve": ("resolution", "public"), "rejected": ("comment", "public"),
    "pend": ("reason", "internal"), "hold": ("reason", "internal"), "reopen": ("reason", "internal"),
}


def ticket_document(number: int, subject: str, description: str) -> Document:
    return Document(kind="ticket", ref=number, part="ticket", audience="public", title=subject, body=description)


def event_documents(number: int, events: Iterable[tuple[int, str, dict[str, Any]]]) -> list[Document]:
    """The documents of a ticket's events, given as (seq, kind, data): those with text only."""
    docs = []
    for seq, kind, data in events:
        if kind in TEXT_EVENTS:
            key, audience = TEXT_EVENTS[kind]
            if text := (data or {}).get(key):
                docs.append(Document(kind="ticket", ref=number, part=f"event:{seq}", audience=audience, title="", body=text))
    return docs
