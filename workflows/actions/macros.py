"""Macros: a canned reply and what it sets, taken as one action (docs/macros.md).

The API renders a stored macro for a ticket (api/macros/) and sends the text here with the
macro's effects; `MacroReply` is made of the ordinary actions (a public reply, then the
priority, the tags and the status), applied in order as ONE update: all are checked on the
ticket first, so the reply and the changes land together or not at all, each with its own
event, SLA effect (the reply answers the customer), notices and follow-ups.
"""

from dataclasses import dataclass, field
from typing import Literal, get_args

from workflows import notices
from workflows.activity_io import NotifyInput
from workflows.actions.base import AgentAction, TicketAction
from workflows.actions.conversation import Reply
from workflows.actions.fields import SetPriority, SetTags
from workflows.actions.status import Hold, Pend, Reopen, Resolve, Resume
from workflows.records import Actor, Priority, TicketState
from workflows.validation import ActionRejected, check_priority, check_tag

# The statuses a macro may leave a ticket in: those an agent moves a ticket to by an action
# that needs nothing but the reply (closing waits for the customer, or follows a resolution).
MacroStatus = Literal["open", "pending", "on_hold", "resolved"]
MACRO_STATUSES: tuple[str, ...] = get_args(MacroStatus)
MAX_MACRO_NAME_CHARS = 200


@dataclass(frozen=True)
class MacroReply(AgentAction):
    """A macro: a public reply, and the status, priority and tags it sets, as one step."""

    actor: Actor
    macro: str  # the macro's name, as the history records it
    body: str  # the reply, its placeholders already rendered
    macro_id: int | None = None
    status: MacroStatus | None = None
    priority: Priority | None = None
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    kind: Literal["macro"] = "macro"

    moves = Reply.moves  # where it may be taken from; its steps move the ticket
    tells_status = False  # its steps do (notices)
    example = {"macro": "Ask for logs", "body": "Could you send us the VPN client's logs?", "status": "pending",
               "add": ["logs-requested"]}

    def check(self, state: TicketState) -> None:
        if not self.macro.strip() or len(self.macro) > MAX_MACRO_NAME_CHARS:
            raise ActionRejected("InvalidAction", f"macro: a name of 1 to {MAX_MACRO_NAME_CHARS} characters")
        if self.status is not None and self.status not in MACRO_STATUSES:
            raise ActionRejected("InvalidAction", f"status: {self.status!r} is not one of {list(MACRO_STATUSES)}")
        check_priority("priority", self.priority)
        for tag in [*self.add, *self.remove]:
            check_tag(tag)

    def steps(self, state: TicketState) -> list[TicketAction]:
        out: list[TicketAction] = [Reply(actor=self.actor, body=self.body)]
        if self.priority is not None and self.priority != state.priority:
            out.append(SetPriority(actor=self.actor, priority=self.priority))
        tags = SetTags(actor=self.actor, add=list(self.add), remove=list(self.remove))
        if (self.add or self.remove) and tags._result(state.tags) != state.tags:  # tags it already has: no step
            out.append(tags)
        # The status once the reply is in (a reply takes a new ticket up: open).
        current = Reply.moves.get(state.status) or state.status
        if self.status is not None and self.status != current:
            out.append(_to_status(self.actor, self.status, current, self.body))
        return out

    def notices(self, before: TicketState, after: TicketState, seq: int) -> list[NotifyInput]:
        """Its steps' notices, each as the step made it (with its own seq). The customer hears
        of a macro once: its reply or, when it resolves the ticket, the resolution (the reply's
        text, with the links to confirm it); a status it sets besides is not mailed on its own."""
        from workflows import lifecycle  # it imports the actions: not at the top of this module

        steps = self.steps(before)
        told = "resolved" if any(isinstance(step, Resolve) for step in steps) else "agent_reply"
        out: list[NotifyInput] = []
        state = before
        for step in steps:  # as lifecycle.apply applied them (every step's time is the macro's)
            new, events = lifecycle.apply(state, step, after.updated_at)
            out += [n for n in notices.for_action(state, new, step, events[-1].seq)
                    if n.recipients != ["requester"] or n.kind == told]
            state = new
        return out


def _to_status(actor: Actor, status: str, current: str, body: str) -> TicketAction:
    """The action that takes a ticket in status `current` to `status` (its row then says
    whether it may: a ticket already resolved cannot be put on hold, say)."""
    if status == "pending":
        return Pend(actor=actor)
    if status == "on_hold":
        return Hold(actor=actor)
    if status == "resolved":
        return Resolve(actor=actor, resolution=body)
    return Reopen(actor=actor) if current == "resolved" else Resume(actor=actor)
