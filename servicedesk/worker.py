"""The Temporal worker: the ticket workflow and the activities, wired to the read model."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities.archive import ArchiveActivities
from activities.delivery import DeliveryActivities
from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from activities.routing import RoutingActivities
from activities.sla_policy import SlaPolicyActivities
from activities.triage import TriageActivities
from api.audit import source
from models.settings import Settings
from workflows.archive import AuditArchiveWorkflow
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
    archive = ArchiveActivities(client, sessions, source.ended_export)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[TicketWorkflow, NotificationDelivery, AuditArchiveWorkflow],
        activities=[triage.triage_ticket, routing.route_ticket, routing.dispatch_queue, projection.project_ticket,
                    policies.load_sla_policy, notifications.notify, delivery.deliver_notification,
                    delivery.mark_notification_failed, archive.archive_closed_tickets],
        # Activities use synchronous SQLAlchemy sessions, so they run on threads.
        activity_executor=ThreadPoolExecutor(max_workers=ACTIVITY_THREADS),
        max_cached_workflows=CACHED_WORKFLOWS,
    )
