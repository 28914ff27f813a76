"""The API's only way to talk to ticket workflows: start, update, signal, query; Temporal
errors become ApiErrors here, once."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError
from workflows import search_attributes
from workflows.messages import (
    ACT_SIGNAL,
    ACT_UPDATE,
    ALERT_SIGNAL,
    CONFIRMATION_SIGNAL,
    CUSTOMER_REPLY_SIGNAL,
    ROUTE_SIGNAL,
    SURVEY_SIGNAL,
    VIEW_QUERY,
    AlertNotice,
    CustomerConfirmation,
    CustomerReply,
    SurveyAnswer,
    TicketInput,
    TicketView,
    ticket_workflow_id,
)
from workflows.stale_view import IF_LAST_SEQ
from workflows.ticket import TicketWorkflow

# A ticket answers TicketRunning for the moment it is opening (its intake, tens of ms) or moving
# to a new run: the gateway asks again after these pauses (doubling), within the update timeout.
RUNNING_RETRY_FIRST = 0.02
RUNNING_RETRY_MAX = 1.0


class TicketGateway:
    def __init__(self, client: Client, task_queue: str, update_timeout: float = 30.0) -> None:
        self._client = client
        self._task_queue = task_queue
        self._update_timeout = update_timeout

    def _handle(self, number: int) -> WorkflowHandle[Any, Any]:
        return self._client.get_workflow_handle(ticket_workflow_id(number))

    async def start(self, inp: TicketInput) -> None:
        """Start the ticket's workflow; starting one that already exists is a no-op, so a
        retried intake never makes two."""
        try:
            await self._client.start_workflow(
                TicketWorkflow.run,
                inp,
                id=ticket_workflow_id(inp.number),
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                search_attributes=search_attributes.at_start(inp.priority),
                static_summary=f"Ticket #{inp.number}",
            )
        except WorkflowAlreadyStartedError:
            pass  # started before and already closed
        except RPCError as err:
            raise _unavailable(err) from err

    async def act(self, number: int, action: Any, update_id: str | None = None,
                  if_last_seq: int | None = None) -> TicketView:
        """Apply an agent action; a ticket that is just opening or moving to a new run of its
        workflow (`TicketRunning`: nothing applied) is asked again, for up to the update timeout.
        With `if_last_seq`, only if that is still the ticket's last event (workflows/stale_view.py)."""
        payload = dataclasses.asdict(action)
        if if_last_seq is not None:
            payload[IF_LAST_SEQ] = if_last_seq
        deadline = asyncio.get_running_loop().time() + self._update_timeout
        pause = RUNNING_RETRY_FIRST
        while True:
            try:
                return await self._act_once(number, payload, update_id,
                                            max(0.1, deadline - asyncio.get_running_loop().time()))
            except ApiError as err:
                left = deadline - asyncio.get_running_loop().time()
                if err.type != "TicketRunning" or left <= pause:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, RUNNING_RETRY_MAX)

    async def _act_once(self, number: int, payload: dict[str, Any], update_id: str | None, wait: float) -> TicketView:
        # Past `wait` the caller gets 504; the action may still apply, and a retry with the same
        # Idempotency-Key (the update id) answers with its outcome instead of acting twice. The
        # SDK's rpc_timeout bounds one call only: with no worker, the server answers each long
        # poll (about 20 s) with "not yet" and the SDK asks again, without end. So the whole wait
        # is bounded here.
        timeout = ApiError("Timeout", f"ticket {number} did not acknowledge the action in time; it may still apply: "
                           "retry with the same Idempotency-Key to find out")
        try:
            return await asyncio.wait_for(self._handle(number).execute_update(
                ACT_UPDATE, payload, id=update_id, result_type=TicketView,
                rpc_timeout=timedelta(seconds=wait)), timeout=wait)
        except WorkflowUpdateFailedError as err:
            raise _from_failure(err.cause) from err
        except (WorkflowUpdateRPCTimeoutOrCancelledError, TimeoutError) as err:
            raise timeout from err
        except RPCError as err:
            raise await self._not_found_or_unavailable(number, err) from err

    async def signal_action(self, number: int, action: Any) -> None:
        await self._signal(number, ACT_SIGNAL, dataclasses.asdict(action))

    async def customer_reply(self, number: int, reply: CustomerReply) -> None:
        payload = dataclasses.asdict(reply)
        payload.pop("kind")
        await self._signal(number, CUSTOMER_REPLY_SIGNAL, payload)

    async def alert(self, number: int, notice: AlertNotice) -> None:
        """Deliver an Alertmanager notification to the ticket of its alert group."""
        payload = dataclasses.asdict(notice)
        payload.pop("kind")
        await self._signal(number, ALERT_SIGNAL, payload)

    async def confirmation(self, number: int, answer: CustomerConfirmation) -> None:
        """The customer confirms or rejects the resolution (from a signed link)."""
        await self._signal(number, CONFIRMATION_SIGNAL, _payload(answer))

    async def survey(self, number: int, answer: SurveyAnswer) -> None:
        await self._signal(number, SURVEY_SIGNAL, _payload(answer))

    async def route(self, number: int, reason: str) -> None:
        """Ask a ticket waiting in its team queue to look for an agent again."""
        await self._signal(number, ROUTE_SIGNAL, {"reason": reason})

    async def _signal(self, number: int, name: str, payload: dict[str, Any]) -> None:
        for attempt in (1, 2):
            try:
                await self._handle(number).signal(name, payload)
                return
            except RPCError as err:
                problem = await self._not_found_or_unavailable(number, err)
                # Running after all: it started between the signal and the check. Once more.
                if problem.type == "TicketRunning" and attempt == 1:
                    continue
                raise problem from err

    async def view(self, number: int) -> TicketView | None:
        """The live view, or None when no workflow history exists (never started, or past retention)."""
        try:
            return await self._handle(number).query(VIEW_QUERY, result_type=TicketView)
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return None
            raise _unavailable(err) from err

    async def _not_found_or_unavailable(self, number: int, err: RPCError) -> ApiError:
        if err.status != RPCStatusCode.NOT_FOUND:
            return _unavailable(err)
        # An unknown ticket and a closed one both answer NOT_FOUND to an update or signal.
        try:
            desc = await self._handle(number).describe()
        except RPCError:
            return ApiError("TicketNotFound", f"ticket {number} does not exist")
        if desc.status == WorkflowExecutionStatus.COMPLETED:
            return ApiError("TicketClosed", f"ticket {number} is closed; nothing can change it")
        if desc.status == WorkflowExecutionStatus.RUNNING:
            return ApiError("TicketRunning", f"ticket {number} was not ready for the message; retry")
        return ApiError("TicketClosed", f"ticket {number} has ended ({desc.status.name.lower() if desc.status else 'unknown'})")


def _payload(message: Any) -> dict[str, Any]:
    payload = dataclasses.asdict(message)
    payload.pop("kind")
    return payload


def _from_failure(cause: BaseException | None) -> ApiError:
    if isinstance(cause, ApplicationError) and cause.type:
        return ApiError(cause.type, cause.message)
    return ApiError("InvalidAction", str(cause) if cause else "the ticket rejected the action")


def _unavailable(err: RPCError) -> ApiError:
    return ApiError("TemporalUnavailable", f"the workflow service did not answer: {err.message}")
