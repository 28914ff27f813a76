"""Field checks the ticket actions share (workflows/actions/): texts, reasons, tags,
priorities. Pure; each action's `check` calls them after `lifecycle.check` checked its status."""

from __future__ import annotations

from workflows.records import MAX_BODY_CHARS, MAX_TAG_CHARS, MAX_TAGS
from workflows.vocabulary import PRIORITIES


class ActionRejected(Exception):
    """An action the ticket cannot take now. `type` becomes the ApplicationError type."""

    def __init__(self, type: str, message: str) -> None:
        super().__init__(message)
        self.type = type
        self.message = message


def require_text(name: str, value: str, limit: int) -> None:
    if not value.strip():
        raise ActionRejected("InvalidAction", f"{name}: must not be empty")
    if len(value) > limit:
        raise ActionRejected("InvalidAction", f"{name}: longer than {limit} characters")


def check_length(name: str, value: str, limit: int = MAX_BODY_CHARS) -> None:
    """An optional text (a reason, a comment): empty is fine, too long is not."""
    if len(value) > limit:
        raise ActionRejected("InvalidAction", f"{name}: longer than {limit} characters")


def check_priority(name: str, priority: str | None) -> None:
    if priority is not None and priority not in PRIORITIES:
        raise ActionRejected("InvalidAction", f"{name}: {priority!r} is not one of {list(PRIORITIES)}")


def check_tag(tag: str) -> None:
    t = tag.strip().lower()
    if not t or len(t) > MAX_TAG_CHARS or any(c.isspace() for c in t):
        raise ActionRejected("InvalidAction", f"tags: {tag!r} must be one word of 1 to {MAX_TAG_CHARS} characters")


def normalise_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        t = tag.strip().lower()
        if t and t not in out:
            out.append(t)
    return out


def capped_tags(tags: list[str]) -> list[str]:
    """Tags that arrive with a ticket or from triage: the first MAX_TAGS, silently (an agent's
    own SetTags is checked and refused instead)."""
    return normalise_tags(tags)[:MAX_TAGS]
