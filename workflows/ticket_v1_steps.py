"""What TicketV1's mixins (ticket_sla.py, ticket_closing.py, ticket_signals.py) call on the
workflow that mixes them in: declared here so that the type checker holds the mixins to
TicketV1's signatures. TicketV1 defines each; these bodies never run."""

from __future__ import annotations

from workflows.activity_io import NotifyInput
from workflows.records import TicketState
from workflows.actions import TicketAction


class TicketV1Steps:
    _state: TicketState

    async def _reduce(self, action: TicketAction, project: bool = True) -> int:
        raise NotImplementedError

    async def _reduce_or_log(self, action: TicketAction) -> None:
        raise NotImplementedError

    async def _route(self, why: str, team: str | None = None, project: bool = True) -> None:
        raise NotImplementedError

    async def _load_policy(self, why: str, never_later: bool = False) -> None:
        raise NotImplementedError

    async def _project(self) -> None:
        raise NotImplementedError

    async def _commit(self, messages: list[NotifyInput]) -> None:
        raise NotImplementedError

    def _batched(self) -> bool:
        raise NotImplementedError
