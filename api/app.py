"""The FastAPI application factory. Nothing connects at import time: the lifespan does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from api import console
from api import supervisor as supervisor_pages
from api.admin import availability, directory, health
from api.admin import routing as routing_admin
from api.admin import sla as sla_admin
from api.admin import triage as triage_admin
from api.admin import webhooks as webhooks_admin
from api.errors import install_error_handlers, register_action_tags
from api.headers import SecurityHeaders
from api.inbound.alerts import routes as alert_routes
from api.inbound.mail import routes as inbound_mail
from api.inbound.mail.inbound import MailIntake
from api.inbound.mail.smtp import SmtpListener
from api.kb import files as kb_files
from api.kb import routes as kb
from api.limits import BodySizeLimit
from api.macros import routes as macros
from api.me import routes as me_routes
from api.openapi import install_openapi
from api.params import known_query_parameters
from api.portal import install_portal
from api.reports import breaching
from api.reports import routes as reports
from api.reports import subscriptions as report_subscriptions
from api.signin import passwords as signin_passwords
from api.signin import routes as signin
from api.search import routes as search_routes
from api.throttle import Throttle
from api.tickets import attachments
from api.tickets import audit as audit_routes
from api.tickets import routes as tickets
from api.tickets.actions import ACTION_BODIES
from api.tickets.gateway import TicketGateway
from api.tickets.intake import Intake
from models.db import make_engine, make_sessions
from models.settings import Settings

# Every JSON operation refuses query parameters it does not declare (the pages read their own forms).
JSON_OPERATION = [Depends(known_query_parameters)]

DESCRIPTION = """A service desk where every ticket is a durable Temporal workflow.

Authenticate with `Authorization: Bearer <token>` (create one with `servicedesk token create`).
Every error has the body `{"error": {"type", "message", "fields": [{"field", "message"}]}}`."""


def create_app(settings: Settings | None = None, *, temporal: Client | None = None,
               sessions: sessionmaker[Session] | None = None, sweep: bool = True) -> FastAPI:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if sessions is None:
            engine = make_engine(settings.resolved_database_url)
            app.state.sessions = make_sessions(engine)
        else:
            app.state.sessions = sessions
        app.state.temporal = temporal or await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
        app.state.gateway = TicketGateway(app.state.temporal, settings.task_queue, settings.update_timeout_seconds)
        app.state.intake = Intake(app.state.sessions, app.state.gateway)
        app.state.mail = MailIntake(app.state.sessions, app.state.intake, app.state.gateway, settings)
        app.state.smtp = None
        if settings.smtp_listen:  # e-mail in over SMTP (docs/email.md)
            app.state.smtp = SmtpListener(app.state.mail, settings.smtp_listen, data_size_limit=settings.max_message_bytes,
                                          hostname=settings.mail_domain)
            await app.state.smtp.start()
        sweeper = asyncio.create_task(app.state.intake.sweep_forever()) if sweep else None
        try:
            yield
        finally:
            if app.state.smtp is not None:
                await app.state.smtp.stop()
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            if engine is not None:
                engine.dispose()

    # The interactive docs load their scripts from a CDN: off unless asked for (`servicedesk dev`
    # asks); /openapi.json is always served.
    docs = settings.api_docs
    app = FastAPI(title="Service desk", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None)
    app.state.settings = settings
    app.state.throttle = Throttle(settings)  # abuse limits, counted in this process (api/throttle.py)
    install_error_handlers(app)
    register_action_tags(set(ACTION_BODIES))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, larger=(
        ("POST", r"/inbound/email", settings.max_message_bytes),
        # the portal's forms with files (docs/portal.md "Attachments"): their files together, + the form
        ("POST", r"/portal/requests|/portal/(t/[^/]+|requests/\d+)/reply", settings.max_attachment_bytes + 256 * 1024),
        ("POST", r"/tickets/\d+/attachments", settings.max_attachment_bytes + 64 * 1024),  # + multipart framing
        ("POST", r"/kb/articles/\d+/files", settings.max_attachment_bytes + 64 * 1024),  # an article's image or document
    ))
    json_routers = (
        health.router, tickets.router,
        audit_routes.router, audit_routes.archives,  # timelines, exports and archived histories (docs/audit.md)
        directory.router, breaching.router, sla_admin.router, triage_admin.router, availability.router,
        routing_admin.router, alert_routes.router, inbound_mail.router, attachments.router,
        search_routes.router,  # one search over tickets and articles (docs/search.md)
        webhooks_admin.router,  # webhooks and the outbox (docs/notifications.md)
        me_routes.router,  # the caller's own notification preferences (docs/notifications.md)
        reports.router,  # reports from the read model (docs/reports.md)
        report_subscriptions.router,  # reports by mail, each a Temporal Schedule (docs/reports.md)
        macros.router,  # canned responses, and applying one to a ticket (docs/macros.md)
        signin_passwords.router,  # web sign-in passwords (docs/console.md)
        kb.router, kb_files.router,  # the knowledge base's articles and their files (docs/knowledge-base.md)
    )
    for router in json_routers:
        app.include_router(router, dependencies=JSON_OPERATION)
    install_openapi(app)  # every error answer documented, in the one shape
    install_portal(app)  # the customer portal's pages (docs/portal.md)
    app.include_router(signin.router)  # the web pages' sign-in (docs/console.md)
    app.include_router(console.router)  # the agents' console (docs/console.md)
    app.include_router(supervisor_pages.router)  # reports as charts (docs/reports.md)
    return app
