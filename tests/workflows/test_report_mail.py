"""A report subscription's runs (workflows/report_mail.py, activities/report_mail.py) on the real
dev server, with the worker, the read model and an SMTP server: a run of the schedule records one
mail in the outbox for the subscriber, which is delivered; the workflow run again for the same
scheduled time finds it and mails nothing more; another time has its own mail, with the report
of the day before it (the figures of tests/api/test_reports.py)."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from datetime import datetime, timezone

from sqlalchemy import select
from temporalio.service import RPCError

from models import report_mail
from models.tables import Notification
from tests.api.conftest import ROLES, running_desk
from tests.api.test_reports import seed_conversations
from tests.notification_servers import eventually, mailbox
from workflows.activity_io import ReportMailInput, ReportMailResult
from workflows.report_mail import SCHEDULED_START, ReportMailWorkflow


def report_rows(db) -> list[Notification]:
    with db.sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == report_mail.KIND).order_by(Notification.id)))


async def test_a_scheduled_report_is_mailed_once_per_scheduled_time(dev_server, sqlite_database, task_queue):
    db, client, sue = sqlite_database, dev_server.client, ROLES["supervisor"]
    seed_conversations(db)
    with mailbox() as box:
        async with running_desk(dev_server, db, task_queue, smtp_port=box.port) as desk:
            r = await desk.http.post("/reports/subscriptions", headers=desk.auth("supervisor"),
                                     json={"cadence": "daily", "time": "07:00", "timezone": "Europe/Paris"})
            assert r.status_code == 201, r.text
            sid = r.json()["id"]
            agent_id, n = report_mail.parse_schedule_id(sid)
            try:
                # What the schedule does at its time, now: one run, one mail to the subscriber.
                await client.get_schedule_handle(sid).trigger()
                (row,) = await eventually(lambda: [r for r in report_rows(db) if r.status == "sent"], what="the mail sent")
                assert (row.recipient, row.number) == (sue, -(agent_id * 100 + n)) and row.subject.startswith("Daily report, ")
                (mail,) = box.to(sue)
                assert mail["Subject"] == f"Service desk: {row.subject}" and mail["Auto-Submitted"] == "auto-generated"

                # Keyed on the time the schedule meant (its search attribute on the run), to the minute.
                (action,) = (await client.get_schedule_handle(sid).describe()).info.recent_actions
                run = await client.get_workflow_handle(action.action.workflow_id).describe()
                meant = run.typed_search_attributes.get(SCHEDULED_START)
                assert meant is not None and row.seq == int(meant.timestamp() // 60)

                # The workflow run again for that scheduled time (a retry, a run repeated): nothing more.
                when = datetime.fromtimestamp(row.seq * 60, timezone.utc)
                inp = ReportMailInput(agent_id=agent_id, n=n, cadence="daily", time="07:00", timezone="Europe/Paris")
                again = dataclasses.replace(inp, scheduled_at=when.isoformat())
                for _ in range(2):
                    result = await client.execute_workflow(ReportMailWorkflow.run, again, id=f"{sid}-again-{uuid.uuid4().hex[:6]}",
                                                           task_queue=task_queue, result_type=ReportMailResult)
                    assert result == ReportMailResult(notification_id=row.id, already=True)
                assert [r.id for r in report_rows(db)] == [row.id] and len(box.to(sue)) == 1

                # Another time, 17 March 07:00 in Paris: the report of the 16th.
                march = dataclasses.replace(inp, scheduled_at="2026-03-17T06:00:00+00:00")
                result = await client.execute_workflow(ReportMailWorkflow.run, march, id=f"{sid}-march",
                                                       task_queue=task_queue, result_type=ReportMailResult)
                assert result.notification_id != row.id and not result.already
                await eventually(lambda: len(box.to(sue)) == 2, what="the second mail")
                report = next(r for r in report_rows(db) if r.id == result.notification_id).data["report"]
                assert (report["from"], report["to"], report["filters"]) == ("2026-03-16", "2026-03-16", "all tickets")
                figures = dict(report["key_figures"])
                # created on the 16th: 21; resolved on it: 21 and 24; 21 answered again in 30 min, 1 h
                # and 2 h; 21 reopened after its resolution on the 16th, 24 not.
                assert (figures["Created"], figures["Resolved"], figures["Median next response"],
                        figures["Reopen rate"]) == ("1", "2", "1 h", "50 %")
                assert report["link"] == "http://desk.test/supervisor/reports?from=2026-03-16&to=2026-03-16"
                text = box.to(sue)[1].get_body(preferencelist=("plain",)).get_content()
                assert "Median next response     1 h" in text and "Nina Network <nina@demo.example>" in text
            finally:
                with contextlib.suppress(RPCError):
                    await client.get_schedule_handle(sid).delete()
