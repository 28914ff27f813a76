"""NotificationDelivery: one workflow per outbox row (`notification-<number>-<seq>-<id>`)
that delivers it, retried with backoff until it is sent or given up.

The activity does the sending and is idempotent (a row already sent is not sent again), so
Temporal's retries and a replay never deliver twice; what cannot succeed (a refused address,
a webhook answering 4xx) fails at once as `PermanentDeliveryFailure`. Either way a failure
ends with the row marked failed and the reason kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, RetryState, TimeoutError

from workflows.activity_io import HEARTBEAT_TIMEOUT

DELIVERY_WORKFLOW = "NotificationDelivery"
DELIVER_ACTIVITY = "deliver_notification"
MARK_FAILED_ACTIVITY = "mark_notification_failed"
PERMANENT_FAILURE = "PermanentDeliveryFailure"


@dataclass
class DeliveryInput:
    """Started by the notify activity (activities/notifications.py), which passes the same
    fields as a JSON object: keep the names in step."""

    notification_id: int
    summary: str  # what is delivered, e.g. "sla_breach e-mail for #1042"; no address
    give_up_after_seconds: int = 48 * 3600
    retry_initial_seconds: float = 5.0
    retry_max_seconds: float = 300.0
    attempt_timeout_seconds: float = 120.0


@workflow.defn(name=DELIVERY_WORKFLOW)
class NotificationDelivery:
    @workflow.run
    async def run(self, inp: DeliveryInput) -> str:
        try:
            outcome: str = await workflow.execute_activity(
                DELIVER_ACTIVITY, inp.notification_id, result_type=str,
                start_to_close_timeout=timedelta(seconds=inp.attempt_timeout_seconds),
                heartbeat_timeout=HEARTBEAT_TIMEOUT,  # a dead worker's delivery moves on in seconds
                # Retried with backoff until this period has passed since the first try.
                schedule_to_close_timeout=timedelta(seconds=inp.give_up_after_seconds),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=inp.retry_initial_seconds),
                                         backoff_coefficient=2.0,
                                         maximum_interval=timedelta(seconds=inp.retry_max_seconds),
                                         non_retryable_error_types=[PERMANENT_FAILURE]),
                summary=f"deliver {inp.summary}",
            )
            return outcome
        except ActivityError as err:
            reason = _reason(err, inp.give_up_after_seconds)
            await workflow.execute_local_activity(
                MARK_FAILED_ACTIVITY, args=[inp.notification_id, reason], result_type=bool,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
                summary=f"mark failed {inp.summary}",
            )
            return f"failed: {reason}"


def _reason(err: ActivityError, give_up_after_seconds: int) -> str:
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type == PERMANENT_FAILURE:
        return cause.message
    hours = give_up_after_seconds / 3600
    last = cause.message if isinstance(cause, ApplicationError) else ""
    if isinstance(cause, TimeoutError) or err.retry_state in (RetryState.TIMEOUT, RetryState.MAXIMUM_ATTEMPTS_REACHED):
        return f"gave up after {hours:g} h of retries" + (f"; last error: {last}" if last else "")
    return last or str(cause or err)
