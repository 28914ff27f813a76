"""One batch of a ticket's changes (`commit_ticket`, run by TicketV2): its events and snapshot
into the read model and its notices into the outbox, in one transaction (the transactional
outbox: a notice is recorded exactly when its event is), then each new row delivered at once.

Delivery keeps what the outbox promises (docs/notifications.md): a row is sent at most once
(activities/delivery.py sends only a pending row), a row that fails for good is marked failed
with its reason, and a row that fails for now goes to its own NotificationDelivery workflow,
which retries it with backoff until it is sent or the give-up period passes. Only failures
cost a workflow. While the mail server or a webhook is failing, new rows go straight to their
workflows for a while (`PAUSE_AFTER_FAILURE_SECONDS`), so a ticket's batches do not wait on it.
If the worker dies before every row is delivered or handed over, the activity is retried: the
rows are found (the unique key), nothing is written twice, and the pending ones go out then.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.defn import sync_activity
from activities.delivery import PERMANENT_FAILURE, DeliveryActivities
from activities.notifications import NotificationActivities, Pending
from activities.projection import project
from workflows.activity_io import COMMIT_ACTIVITY, CommitInput, CommitResult

PAUSE_AFTER_FAILURE_SECONDS = 30.0


class _Pause:
    """After a delivery fails for now, send nothing inline for a while (per process)."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._until = 0.0
        self._lock = threading.Lock()

    def active(self) -> bool:
        with self._lock:
            return time.monotonic() < self._until

    def start(self) -> None:
        with self._lock:
            self._until = time.monotonic() + self._seconds


class CommitActivities:
    def __init__(self, sessions: sessionmaker[Session], notifications: NotificationActivities,
                 delivery: DeliveryActivities, pause_after_failure: float = PAUSE_AFTER_FAILURE_SECONDS) -> None:
        self._sessions = sessions
        self._notifications = notifications
        self._delivery = delivery
        self._pause = _Pause(pause_after_failure)

    @sync_activity(COMMIT_ACTIVITY)
    def commit_ticket(self, inp: CommitInput) -> CommitResult:
        results, pending = [], []
        with self._sessions.begin() as s:
            project(s, inp.projection)
            for notice in inp.notices:
                result, rows = self._notifications.record(s, notice)
                results.append(result)
                pending += rows
        self._deliver(pending)
        return CommitResult(notified=results)

    def _deliver(self, pending: list[Pending]) -> None:
        later: list[Pending] = []
        for row in pending:
            if self._pause.active():
                later.append(row)
                continue
            try:
                self._delivery.deliver_notification(row.id)
            except ApplicationError as err:
                if err.type == PERMANENT_FAILURE:  # refused for good: it would be on every retry too
                    self._delivery.mark_notification_failed(row.id, err.message)
                else:
                    activity.logger.info("%s not delivered yet (%s): retried by its delivery workflow", row.summary,
                                         err.message)
                    self._pause.start()
                    later.append(row)
        self._notifications.start_deliveries(later)
