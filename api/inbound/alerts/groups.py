"""Monitoring alerts: one ticket per Alertmanager alert group.

A notification for a group whose ticket is still open is signalled to that ticket (the
workflow decides what is new: a re-fire, a resolve, or a repeat that changes nothing). A
firing notification for a group with no ticket, or whose ticket is closed, opens one through
the intake ledger under the key `<sha256(groupKey)>:<generation>`, so Alertmanager's retries
and concurrent deliveries of one group open exactly one ticket. A resolved notification
never opens a ticket.

Every step can be repeated: a retry after a 503 (Temporal or the database down) finds the
ledger row or the group's ticket and delivers the same notification again, which the
workflow treats as a repeat.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from api.inbound.alerts import alertmanager as am
from api.tickets.gateway import TicketGateway
from api.tickets.intake import Intake
from models import alerts as groups
from models.settings import Settings
from workflows import alerts
from workflows.messages import Actor, AlertNotice, AlertSource, TicketView

SOURCE = "alertmanager"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    outcome: Literal["opened", "appended", "unchanged", "ignored"]
    number: int | None = None
    reason: str | None = None


def alertmanager_actor(receiver: str) -> Actor:
    return Actor(kind="system", id="alertmanager", name=receiver)


class AlertService:
    def __init__(self, sessions: sessionmaker[Session], intake: Intake, gateway: TicketGateway,
                 settings: Settings) -> None:
        self._sessions = sessions
        self._intake = intake
        self._gateway = gateway
        self._settings = settings

    async def receive(self, payload: am.AlertmanagerPayload) -> Outcome:
        key_hash = groups.group_key_hash(payload.groupKey)
        notice = AlertNotice(actor=alertmanager_actor(payload.receiver), status=payload.status,
                             alerts=payload.instances())
        current = await run_in_threadpool(self._current, key_hash)
        if current is not None:
            view = await self._gateway.view(current.number)
            if view is not None and view.ticket.status != "closed" and not any(alerts.changes(view, notice)):
                # A repeat (Alertmanager's repeat_interval, or a retried delivery): nothing to add.
                await run_in_threadpool(self._seen, key_hash, payload.status)
                return Outcome("unchanged", current.number,
                               f"ticket #{current.number} already has every alert of this notification as it is")
            if await self._deliver(current.number, groups.intake_key(key_hash, current.generation), notice, view):
                await run_in_threadpool(self._seen, key_hash, payload.status)
                return Outcome("appended", current.number)
            if not payload.firing:
                return Outcome("ignored", current.number,
                               f"ticket #{current.number} of this alert group is closed, and a notification "
                               "with no firing alert opens no new ticket")
            return await self._open(payload, key_hash, notice, current.generation + 1, previous=current.number)
        if not payload.firing:
            return Outcome("ignored", None, "no ticket stands for this alert group, and a notification with no "
                                            "firing alert opens none")
        return await self._open(payload, key_hash, notice, 1, previous=None)

    # --- opening ---------------------------------------------------------------------

    async def _open(self, payload: am.AlertmanagerPayload, key_hash: str, notice: AlertNotice, generation: int,
                    previous: int | None) -> Outcome:
        key = groups.intake_key(key_hash, generation)
        ticket = am.ticket(payload, requester_email=self._settings.alert_requester_email,
                           severity_map=self._settings.alert_severity_map, previous=previous)
        source = AlertSource(group_key=payload.groupKey, receiver=payload.receiver,
                             external_url=payload.externalURL, auto_resolve=self._settings.alert_auto_resolve)

        def within(s: Session, number: int) -> dict:
            groups.claim(s, key_hash=key_hash, group_key=payload.groupKey, receiver=payload.receiver,
                         status=payload.status, number=number, generation=generation)
            return {"alert": asdict(source), "alerts": [asdict(a) for a in notice.alerts]}

        try:
            res = await self._intake.open(source=SOURCE, key=key, ticket=ticket,
                                          created_by=alertmanager_actor(payload.receiver), within=within)
        except ApiError as err:
            if err.type != "IdempotencyKeyReused":
                raise
            # Another notification of this group (with other alerts) opened this generation's
            # ticket a moment ago: this one is news for that ticket.
            found = await run_in_threadpool(self._ledgered, key)
            if found is None:  # the ledger said the key was taken; it cannot be gone
                raise
            if not await self._deliver(found[0], key, notice):
                # ...and was closed already: go round once more, which opens the next generation.
                return await self.receive(payload)
            await run_in_threadpool(self._seen, key_hash, payload.status)
            return Outcome("appended", found[0])
        return Outcome("opened", res.number)

    # --- delivering --------------------------------------------------------------------

    async def _deliver(self, number: int, key: str, notice: AlertNotice, view: TicketView | None = None) -> bool:
        """Signal the notification to the group's ticket: True when delivered, False when
        the ticket is closed (or closed so long ago that its history is gone). `view`: the
        ticket's, if the caller just read it."""
        # A closed ticket's workflow may still be running (its survey is open) and would take the
        # signal only to ignore it: ask first.
        view = view or await self._gateway.view(number)
        if view is not None and view.ticket.status == "closed":
            return False
        for _ in range(3):
            try:
                await self._gateway.alert(number, notice)
                return True
            except ApiError as err:
                if err.type not in ("TicketClosed", "TicketNotFound"):
                    raise
            # No running workflow took it. The API may have died between ledgering the ticket
            # and starting it: start it from the ledger. Or it was starting at this very
            # moment (the gateway then reports it as ended): ask the ticket itself.
            await self._start_ledgered(key)
            view = await self._gateway.view(number)
            if view is None or view.ticket.status == "closed":
                return False
        raise ApiError("TemporalUnavailable", f"ticket {number} did not take the notification; send it again")

    async def _start_ledgered(self, key: str) -> None:
        """Start the ledgered ticket of `key` if it never started."""
        found = await run_in_threadpool(self._ledgered, key)
        if found is None:
            return
        number, request = found
        res = await self._intake.open(source=SOURCE, key=key, ticket=request["ticket"],
                                      created_by=Actor(**request["created_by"]))
        if not res.started:
            log.warning("alert ticket %s was ledgered but never started: started it", number)

    # --- the alert_groups table --------------------------------------------------------

    def _current(self, key_hash: str) -> groups.GroupTicket | None:
        with self._sessions() as s:
            return groups.current_ticket(s, key_hash)

    def _seen(self, key_hash: str, status: str) -> None:
        with self._sessions.begin() as s:
            groups.seen(s, key_hash=key_hash, status=status)

    def _ledgered(self, key: str) -> tuple[int, dict] | None:
        with self._sessions() as s:
            return groups.ledgered_ticket(s, key)
