"""The Temporal worker: the ticket workflow and the activities, wired to the read model."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import inspect
import typing

from activities.archive import ArchiveActivities
from activities.commit import CommitActivities
from activities.delivery import DeliveryActivities
from activities.intake import IntakeActivities
from activities.kb_review import ArticleReviewActivities
from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from activities.report_mail import ReportMailActivities
from activities.routing import RoutingActivities
from activities.sla_policy import SlaPolicyActivities
from activities.triage import TriageActivities
from models.settings import Settings
from workflows.activity_specs import TICKET_ACTIVITIES
from workflows.archive import AuditArchiveWorkflow
from workflows.article_review import ArticleReviewWorkflow
from workflows.delivery import NotificationDelivery
from workflows.report_mail import ReportMailWorkflow
from workflows.ticket import TicketWorkflow

ACTIVITY_THREADS = 16
# The workflows run in the SDK's sandbox, which still catches non-deterministic calls (the clock,
# files, randomness), but imports every module once for all of them instead of once per cached
# workflow: our workflow modules keep no state at module level (workflows/*), and a sandbox per
# ticket cost about half a megabyte each (docs/benchmarks.md, "Memory").
RUNNER = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_all_modules())


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
    archive = ArchiveActivities(client, sessions)
    intake = IntakeActivities(triage, routing, policies)
    commit = CommitActivities(sessions, notifications, delivery)
    report_mails = ReportMailActivities(sessions, notifications, settings)
    reviews = ArticleReviewActivities(sessions, notifications, settings)  # knowledge-base review reminders
    activities = [intake.intake_ticket, commit.commit_ticket,
                  # TicketV1's (the runs from before `hot-path`), and routing, policy and dispatch for both
                  triage.triage_ticket, routing.route_ticket, routing.dispatch_queue, projection.project_ticket,
                  policies.load_sla_policy, notifications.notify,
                  delivery.deliver_notification, delivery.mark_notification_failed, archive.archive_closed_tickets,
                  report_mails.mail_report, reviews.remind_article_review]
    check_activity_specs(activities)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[TicketWorkflow, NotificationDelivery, AuditArchiveWorkflow, ReportMailWorkflow, ArticleReviewWorkflow],
        activities=activities,
        # Activities use synchronous SQLAlchemy sessions, so they run on threads.
        activity_executor=ThreadPoolExecutor(max_workers=ACTIVITY_THREADS),
        max_cached_workflows=settings.cached_workflows,
        workflow_runner=RUNNER,
    )


def check_activity_specs(activities: list[typing.Any]) -> None:
    """Every activity the ticket workflow runs (workflows/activity_specs.py) is registered here
    under its name, taking and returning the spec's types: a mismatch fails at start."""
    by_name = {fn.__temporal_activity_definition.name: fn for fn in activities}
    for spec in TICKET_ACTIVITIES:
        fn = by_name.get(spec.name)
        if fn is None:
            raise RuntimeError(f"activity {spec.name!r} of the ticket workflow is not registered")
        hints = typing.get_type_hints(fn)
        params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
        arg = hints.get(params[0].name) if params else None
        result = hints.get("return")
        if arg is not spec.input or (result if result is not type(None) else None) is not spec.result:
            raise RuntimeError(f"activity {spec.name!r} takes {arg} and returns {result}; "
                               f"the workflow sends {spec.input} and expects {spec.result}")
