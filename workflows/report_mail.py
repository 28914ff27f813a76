"""ReportMail: started by a supervisor's report subscription, a Temporal Schedule
(`report-mail-<agent id>-<n>`, api/reports/mailing.py), it mails the report of the days
before the time the schedule meant (activities/report_mail.py builds it and records the mail in
the notification outbox, whose delivery sends it).

The time is the schedule's own (the `TemporalScheduledStartTime` search attribute the schedule
sets on each run, in the history, so a replay reads the same), not the clock: a run late by an
outage reports the same days, and the outbox row is keyed on the schedule and that time, so a run
repeated for it mails nothing more."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from workflows.activity_io import HEARTBEAT_TIMEOUT, REPORT_MAIL_ACTIVITY, ReportMailInput, ReportMailResult

REPORT_MAIL_WORKFLOW = "ReportMail"
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


def scheduled_time() -> datetime:
    """When the schedule meant this run to start; the run's start for a run started by hand."""
    info = workflow.info()
    return info.typed_search_attributes.get(SCHEDULED_START) or info.start_time


@workflow.defn(name=REPORT_MAIL_WORKFLOW)
class ReportMailWorkflow:
    @workflow.run
    async def run(self, inp: ReportMailInput) -> ReportMailResult:
        at = inp.scheduled_at or scheduled_time().isoformat()
        result: ReportMailResult = await workflow.execute_activity(
            REPORT_MAIL_ACTIVITY, dataclasses.replace(inp, scheduled_at=at), result_type=ReportMailResult,
            start_to_close_timeout=timedelta(minutes=5), heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5),
                                     maximum_attempts=30),
            summary=f"mail the {inp.cadence} report of subscription {inp.n}")
        return result
