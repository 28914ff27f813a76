"""The Temporal worker: the ticket workflow and the activities, wired to the read model."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities.delivery import DeliveryActivities
from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from activities.routing import RoutingActivities
from activities.sla_policy import SlaPolicyActivities
from activities.triage import TriageActivities
from models.settings import Settings
from workflows.delivery import NotificationDelivery
from workflows.ticket import TicketWorkflow

ACTIVITY_THREADS = 16
# Keep every open ticket's workflow in memory (the SDK's default is 1,000): an evicted one
# must replay its history before it can act, which makes escalations late under load.
CACHED_WORKFLOWS = 10_000


def build_worker(client: Client, sessions: sessionmaker[Session], task_queue: str,
                 settings: Settings | None = None) -> Worker:
    """Call it inside the event loop the worker runs on (the notify activity starts delivery
    workflows through it). `settings`: SMTP, webhooks and links (docs/notifications.md)."""
    settings = settings or Settings(task_queue=task_queue)
    triage = TriageActivities(sessions)
    routing = RoutingActivities(sessions)
    projection = ProjectionActivities(sessions)
    policies = SlaPolicyActivities(sessions)
    notifications = NotificationActivities(sessions, client, settings, task_queue)
    delivery = DeliveryActivities(sessions, settings)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[TicketWorkflow, NotificationDelivery],
        activities=[triage.triage_ticket, routing.route_ticket, routing.dispatch_queue, projection.project_ticket,
                    policies.load_sla_policy, notifications.notify, delivery.deliver_notification,
                    delivery.mark_notification_failed],
        # Activities use synchronous SQLAlchemy sessions, so they run on threads.
        activity_executor=ThreadPoolExecutor(max_workers=ACTIVITY_THREADS),
        max_cached_workflows=CACHED_WORKFLOWS,
    )
