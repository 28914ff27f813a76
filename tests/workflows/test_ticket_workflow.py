"""The ticket workflow on the time-skipping test server, with the real activities writing
to a real (SQLite) read model."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update
from temporalio.client import (
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from models.tables import SlaPolicy, SurveyResponse, TicketEventRow, TicketRow
from servicedesk.worker import build_worker
from tests.conftest import projected, worker_settings
from workflows import lifecycle
from workflows import messages as m
from workflows.ticket import TicketWorkflow

ANN = m.Actor(kind="agent", id="sam@demo.example", name="Sam Support")
CUSTOMER = m.Actor(kind="customer", id="dana@customer.example")


def _input(number: int, **kw) -> m.TicketInput:
    defaults = dict(number=number, subject="The VPN is down again", description="Since 9am, every 10 minutes",
                    requester_email=CUSTOMER.id, channel="web", created_by=ANN)
    return m.TicketInput(**(defaults | kw))


async def _act(handle: WorkflowHandle, action, update_id: str | None = None) -> m.TicketView:
    """As the API's gateway does: a ticket still opening answers TicketRunning; ask again."""
    for _ in range(200):
        try:
            return await handle.execute_update(m.ACT_UPDATE, dataclasses.asdict(action), id=update_id,
                                               result_type=m.TicketView)
        except WorkflowUpdateFailedError as err:
            if not (isinstance(err.cause, ApplicationError) and err.cause.type == "TicketRunning"):
                raise
        await asyncio.sleep(0.02)
    raise AssertionError("the ticket stayed TicketRunning")


async def _view(handle: WorkflowHandle) -> m.TicketView:
    return await handle.query(m.VIEW_QUERY, result_type=m.TicketView)


async def _until(handle: WorkflowHandle, predicate, timeout: float = 10.0) -> m.TicketView:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        view = await _view(handle)
        if predicate(view):
            return view
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met; last view: {view.ticket}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def ticket(time_skipping, sqlite_database, task_queue):
    """A started ticket with a running worker; yields (handle, number, database)."""
    number = uuid.uuid4().int % 1_000_000_000
    async with build_worker(time_skipping.client, sqlite_database.sessions, task_queue, worker_settings(task_queue)):
        handle = await time_skipping.client.start_workflow(
            TicketWorkflow.run, _input(number), id=m.ticket_workflow_id(number), task_queue=task_queue)
        await _until(handle, lambda v: v.ticket.last_seq >= 4)  # created, triaged, routed, sla_policy
        await projected(sqlite_database, number, 4)
        yield handle, number, sqlite_database


async def test_intake_triages_routes_and_projects(ticket):
    handle, number, db = ticket
    view = await _view(handle)
    # "down" and "vpn" match the demo triage rules: outage -> high, network words -> network.
    assert view.ticket.priority == "high"
    assert view.ticket.category == "network"
    assert view.ticket.tags == ["outage"]
    assert view.ticket.team == "network"
    assert view.ticket.assignee == "nina@demo.example"
    assert view.ticket.sla_policy == "High"
    with db.sessions() as s:
        row = s.get(TicketRow, number)
        kinds = [e.kind for e in s.scalars(select(TicketEventRow).where(TicketEventRow.number == number).order_by(TicketEventRow.seq))]
    assert row is not None and row.team == "network" and row.description == "Since 9am, every 10 minutes"
    assert kinds == ["created", "triaged", "routed", "sla_policy"]


async def test_update_returns_new_view_and_records_actor(ticket):
    handle, number, db = ticket
    view = await _act(handle, m.Reply(actor=ANN, body="We are on it."))
    assert view.ticket.status == "open"
    assert view.ticket.first_response_at is not None
    assert view.conversation[-1].author == ANN and view.conversation[-1].visibility == "public"
    view = await _act(handle, m.Note(actor=ANN, body="Probably the firewall change"))
    assert view.conversation[-1].visibility == "internal"
    await projected(db, number, view.ticket.last_seq)
    with db.sessions() as s:
        last = s.scalars(select(TicketEventRow).where(TicketEventRow.number == number).order_by(TicketEventRow.seq.desc())).first()
        assert (last.kind, last.actor_id, last.actor_kind) == ("note", ANN.id, "agent")
        assert s.get(TicketRow, number).status == "open"


async def test_rejected_update_leaves_no_trace(ticket):
    handle, number, _ = ticket
    before = await _view(handle)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await _act(handle, m.Close(actor=ANN))
    assert isinstance(err.value.cause, ApplicationError) and err.value.cause.type == "InvalidTransition"
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(m.ACT_UPDATE, {"kind": "reply", "actor": dataclasses.asdict(ANN)})
    assert err.value.cause.type == "InvalidAction" and "body: required" in err.value.cause.message
    assert (await _view(handle)).ticket.last_seq == before.ticket.last_seq
    # A validator rejection is not written to the history at all.
    events = [e async for e in handle.fetch_history_events()]
    assert not any(e.HasField("workflow_execution_update_accepted_event_attributes") for e in events)


async def test_signals_share_the_reducer(ticket):
    handle, _, _ = ticket
    await handle.signal(m.ACT_SIGNAL, dataclasses.asdict(m.Pend(actor=ANN, reason="asked for logs")))
    await _until(handle, lambda v: v.ticket.status == "pending")
    await handle.signal(m.ACT_SIGNAL, {"kind": "no_such_action"})  # malformed: ignored, logged
    await handle.signal(m.CUSTOMER_REPLY_SIGNAL, {"actor": dataclasses.asdict(CUSTOMER), "body": "Here are the logs"})
    view = await _until(handle, lambda v: v.ticket.status == "open")
    assert view.conversation[-1].author == CUSTOMER
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING


async def test_same_update_id_applies_once(ticket):
    handle, _, _ = ticket
    first = await _act(handle, m.Note(actor=ANN, body="once"), update_id="note-1")
    again = await _act(handle, m.Note(actor=ANN, body="once"), update_id="note-1")
    assert again.ticket.last_seq == first.ticket.last_seq
    assert [c.body for c in again.conversation].count("once") == 1


async def test_close_asks_the_survey_then_completes_and_later_actions_are_refused(ticket):
    handle, number, db = ticket
    await _act(handle, m.Resolve(actor=ANN, resolution="Firewall rule reverted"))
    view = await _act(handle, m.Close(actor=ANN))
    assert view.ticket.status == "closed" and view.ticket.closed_reason == "closed"
    assert view.survey is not None and view.survey.answered_at is None
    # Closed, but still waiting for the survey: actions are refused by the ticket itself.
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await _act(handle, m.Reopen(actor=ANN))
    assert failed.value.cause.type == "TicketClosed"
    await handle.signal(m.SURVEY_SIGNAL, {"actor": {"kind": "customer", "id": "dana@customer.example"}, "csat": 4,
                                          "nps": 9, "comment": "quick"})
    result = await asyncio.wait_for(handle.result(), timeout=60)
    assert result.status == "closed" and result.resolution == "Firewall rule reverted"
    with pytest.raises(RPCError) as err:  # the workflow has completed now
        await _act(handle, m.Reopen(actor=ANN))
    assert err.value.status == RPCStatusCode.NOT_FOUND
    with db.sessions() as s:
        row = s.get(TicketRow, number)
        assert row.status == "closed" and row.closed_at is not None and row.closed_reason == "closed"
        answer = s.get(SurveyResponse, number)
        assert (answer.csat, answer.nps, answer.comment) == (4, 9, "quick")


async def test_category_change_reroutes_an_unowned_ticket(ticket):
    handle, _, _ = ticket
    await _act(handle, m.Assign(actor=ANN, assignee=None, team="support"))
    view = await _act(handle, m.SetCategory(actor=ANN, category="billing"))
    assert view.ticket.category == "billing"
    # Routing again follows the change (a follow-up of the ticket's loop, after the answer).
    view = await _until(handle, lambda v: v.ticket.team == "billing")
    assert view.ticket.assignee == "bill@demo.example"


async def test_continue_as_new_keeps_state_and_update_ids(time_skipping, sqlite_database, task_queue):
    number = uuid.uuid4().int % 1_000_000_000
    async with build_worker(time_skipping.client, sqlite_database.sessions, task_queue, worker_settings(task_queue)):
        handle = await time_skipping.client.start_workflow(
            TicketWorkflow.run, _input(number, continue_as_new_after_events=40),
            id=m.ticket_workflow_id(number), task_queue=task_queue)
        first_run = (await handle.describe()).run_id
        await _act(handle, m.Note(actor=ANN, body="note 0"), update_id="u-0")
        for i in range(1, 8):
            await _act(handle, m.Note(actor=ANN, body=f"note {i}"), update_id=f"u-{i}")
        latest = time_skipping.client.get_workflow_handle(m.ticket_workflow_id(number))
        view = await _until(latest, lambda v: len(v.conversation) == 8)
        assert (await latest.describe()).run_id != first_run, "expected at least one continue-as-new"
        # A retry of an update applied in an earlier run is answered, not applied again.
        again = await _act(latest, m.Note(actor=ANN, body="note 0"), update_id="u-0")
        assert [c.body for c in again.conversation] == [f"note {i}" for i in range(8)]
        assert again.ticket.last_seq == view.ticket.last_seq
        assert again.ticket.assignee == "nina@demo.example"  # intake was not repeated


async def test_history_replays_deterministically(ticket):
    handle, _, _ = ticket
    await _act(handle, m.Reply(actor=ANN, body="hello"))
    await handle.signal(m.ACT_SIGNAL, dataclasses.asdict(m.Hold(actor=ANN, reason="ISP")))
    await _until(handle, lambda v: v.ticket.status == "on_hold")
    await _act(handle, m.Resume(actor=ANN))
    history = await handle.fetch_history()
    await Replayer(workflows=[TicketWorkflow]).replay_workflow(history)


async def test_unconfirmed_resolution_closes_itself_and_the_survey_expires(own_time_skipping, sqlite_database, task_queue):
    time_skipping = own_time_skipping
    # The policy's own periods (short ones, so the test server skips minutes, not days while
    # other tests' tickets wait on the same server).
    with sqlite_database.sessions.begin() as s:
        s.execute(update(SlaPolicy).values(confirm_within_seconds=600, survey_within_seconds=900))
    number = uuid.uuid4().int % 1_000_000_000
    db = sqlite_database
    async with build_worker(time_skipping.client, db.sessions, task_queue, worker_settings(task_queue)):
        handle = await time_skipping.client.start_workflow(
            TicketWorkflow.run, _input(number), id=m.ticket_workflow_id(number), task_queue=task_queue)
        await _until(handle, lambda v: v.ticket.last_seq >= 4)
        view = await _act(handle, m.Resolve(actor=ANN, resolution="Rebooted the router"))
        due = view.confirmation_due_at
        assert due is not None and abs((due - view.ticket.resolved_at).total_seconds() - 600) < 1
        await time_skipping.sleep(660)
        view = await _until(handle, lambda v: v.ticket.status == "closed")
        assert view.ticket.closed_reason == "auto_closed" and view.survey is not None
        assert abs((view.survey.expires_at - view.ticket.closed_at).total_seconds() - 900) < 1
        await time_skipping.sleep(960)
        result = await asyncio.wait_for(handle.result(), timeout=60)
        assert result.status == "closed" and result.closed_reason == "auto_closed"
        history = await handle.fetch_history()
    summaries = [e.user_metadata.summary.data.decode() for e in history.events if e.HasField("user_metadata")
                 and e.user_metadata.HasField("summary")]
    assert any(f"confirmation of #{number} awaited until" in x for x in summaries), summaries
    assert any(f"survey of #{number} open until" in x for x in summaries), summaries
    with db.sessions() as s:
        kinds = [e.kind for e in s.scalars(select(TicketEventRow).where(TicketEventRow.number == number)
                                           .order_by(TicketEventRow.seq))]
    assert kinds[-2:] == ["auto_close", "survey_expired"]


async def test_customer_rejects_then_confirms(ticket):
    handle, number, db = ticket
    customer = {"kind": "customer", "id": "dana@customer.example", "name": "Dana"}
    await _act(handle, m.Resolve(actor=ANN, resolution="Rebooted the router"))
    await handle.signal(m.CONFIRMATION_SIGNAL, {"actor": customer, "decision": "reject", "comment": "Still down here"})
    view = await _until(handle, lambda v: v.ticket.status == "open")
    assert view.conversation[-1].body == "Still down here" and view.conversation[-1].author.kind == "customer"
    assert view.confirmation_due_at is None
    resolution = [c for c in view.sla if c.name == "resolution"][0]
    assert resolution.cycle == 1 and resolution.stopped_at is None  # the resolution clock starts over
    await _act(handle, m.Resolve(actor=ANN, resolution="Replaced the router"))
    await handle.signal(m.CONFIRMATION_SIGNAL, {"actor": customer, "decision": "confirm"})
    view = await _until(handle, lambda v: v.ticket.status == "closed")
    assert view.ticket.closed_reason == "confirmed"
    # A second confirmation changes nothing (the ticket is closed; the workflow logs and ignores it).
    await handle.signal(m.CONFIRMATION_SIGNAL, {"actor": customer, "decision": "reject", "comment": "x"})
    await handle.signal(m.SURVEY_SIGNAL, {"actor": customer, "csat": 5})
    result = await asyncio.wait_for(handle.result(), timeout=60)
    assert result.closed_reason == "confirmed"
    with db.sessions() as s:
        events = [(e.kind, e.actor_kind) for e in s.scalars(select(TicketEventRow).where(TicketEventRow.number == number)
                                                            .order_by(TicketEventRow.seq))]
    assert [k for k, _ in events][-5:] == ["resolve", "rejected", "resolve", "confirmed", "survey_answer"]
    assert ("confirmed", "customer") in events and ("rejected", "customer") in events


async def test_signals_carried_over_apply_before_those_reaching_the_new_run(time_skipping, sqlite_database, task_queue):
    """A run that continues as new carries over the signals it got while draining; the next run
    applies them before anything that reaches it, even a signal in its very first workflow
    task (whose handler the SDK runs before `run`). Signal-with-start puts one there."""
    number = uuid.uuid4().int % 1_000_000_000
    carried, _ = lifecycle.new_ticket(_input(number), datetime.now(timezone.utc))
    earlier = [m.DeferredSignal(name=m.CUSTOMER_REPLY_SIGNAL,
                                payload=dataclasses.asdict(m.CustomerReply(actor=CUSTOMER, body=f"carried {i}")))
               for i in range(3)]
    newer = m.CustomerReply(actor=CUSTOMER, body="new")
    async with build_worker(time_skipping.client, sqlite_database.sessions, task_queue, worker_settings(task_queue)):
        handle = await time_skipping.client.start_workflow(
            TicketWorkflow.run, _input(number, carried=carried, deferred_signals=earlier),
            id=m.ticket_workflow_id(number), task_queue=task_queue,
            start_signal=m.CUSTOMER_REPLY_SIGNAL, start_signal_args=[dataclasses.asdict(newer)])
        view = await _until(handle, lambda v: len(v.conversation) == 4)
        history = await handle.fetch_history()
    assert [c.body for c in view.conversation] == ["carried 0", "carried 1", "carried 2", "new"]
    await Replayer(workflows=[TicketWorkflow]).replay_workflow(history)


async def test_an_update_in_a_continued_runs_first_task_waits_for_the_carried_signals(dev_server, sqlite_database, task_queue):
    """The same for an agent's action (update-with-start puts it in the first workflow task; the
    dev server, not the time-skipping one, supports it): it is applied, and answers, after the
    carried signals."""
    number = uuid.uuid4().int % 1_000_000_000
    carried, _ = lifecycle.new_ticket(_input(number), datetime.now(timezone.utc))
    earlier = [m.DeferredSignal(name=m.CUSTOMER_REPLY_SIGNAL,
                                payload=dataclasses.asdict(m.CustomerReply(actor=CUSTOMER, body=f"carried {i}")))
               for i in range(2)]
    async with build_worker(dev_server.client, sqlite_database.sessions, task_queue, worker_settings(task_queue)):
        start = WithStartWorkflowOperation(
            TicketWorkflow.run, _input(number, carried=carried, deferred_signals=earlier),
            id=m.ticket_workflow_id(number), task_queue=task_queue, id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
        view = await dev_server.client.execute_update_with_start_workflow(
            m.ACT_UPDATE, dataclasses.asdict(m.Note(actor=ANN, body="new")), start_workflow_operation=start,
            result_type=m.TicketView)
        history = await (await start.workflow_handle()).fetch_history()
    assert [c.body for c in view.conversation] == ["carried 0", "carried 1", "new"]
    await Replayer(workflows=[TicketWorkflow]).replay_workflow(history)
