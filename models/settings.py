"""Configuration from the environment (and `.env`), validated once at start-up."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


# Alertmanager `severity` label values (lower-cased) -> ticket priority; others mean "normal".
DEFAULT_ALERT_SEVERITY_MAP = {"critical": "critical", "page": "critical", "error": "high", "high": "high",
                              "major": "high", "warning": "normal", "minor": "normal", "info": "low",
                              "low": "low", "none": "low"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SERVICEDESK_", env_file=".env", extra="ignore")

    data_dir: Path = Path(".data")
    # The read model. SQLite by default; `DATABASE_URL=postgresql+psycopg://...` for PostgreSQL.
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "SERVICEDESK_DATABASE_URL"),
    )
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "tickets"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # The interactive API docs (/docs, /redoc), whose pages load Swagger UI and ReDoc from a CDN.
    api_docs: bool = False
    # Requests larger than this are refused with 413 before they are read.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # Open tickets a worker keeps in memory, most recently active first (about 0.13 MiB each,
    # docs/benchmarks.md "Memory"). A ticket beyond it is evicted and replays its history (since
    # its last continue-as-new) before its next step: the bound on a worker's memory, whatever
    # the number of open tickets.
    cached_workflows: int = Field(default=5000, ge=1)
    # How long the API waits for a workflow to acknowledge an action.
    update_timeout_seconds: float = Field(default=30.0, gt=0)
    # Closed ticket histories kept by the Temporal namespace (dev server), for auditors.
    history_retention_days: int = Field(default=30, ge=1)
    # How often the `audit-archive` Temporal Schedule copies ended tickets' histories into the
    # read model's database (audit_archives), where they outlive that retention; 0 = no schedule.
    archive_every_minutes: int = Field(default=10, ge=0)
    # E-mail in (docs/email.md): the desk's own mail domain (Message-IDs it sends; mail from
    # it is never taken in, so the desk cannot loop with itself), the SMTP listener's
    # host:port ("" = off; `servicedesk dev` uses 127.0.0.1:2525), and the size limits.
    mail_domain: str = "servicedesk.localhost"
    smtp_listen: str = ""
    max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # Monitoring alerts (POST /inbound/alertmanager): the requester alert tickets are from,
    # whether a ticket resolves itself once every alert of its group has resolved, and which
    # priority a `severity` label means (SERVICEDESK_ALERT_SEVERITY_MAP='{"p1": "critical"}').
    alert_requester_email: str = "alerts@monitoring.localhost"
    alert_auto_resolve: bool = True
    alert_severity_map: dict[str, Literal["low", "normal", "high", "critical"]] = Field(
        default_factory=lambda: dict(DEFAULT_ALERT_SEVERITY_MAP))
    # Customers' signed links (models/links.py): the key they are signed with ("" = a key
    # generated once and kept in <data_dir>/secret-key), and the address they point at.
    secret_key: SecretStr = SecretStr("")
    public_url: str = "http://127.0.0.1:8000"
    # Notifications out (docs/notifications.md): the SMTP server mail is sent through
    # (`servicedesk dev` starts a sink on 127.0.0.1:1025 that keeps every mail in
    # <data_dir>/mail/), the sender, and how long a delivery is retried before it is given up.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = "Service desk <help@servicedesk.localhost>"
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    delivery_give_up_hours: float = Field(default=48, gt=0)
    delivery_retry_initial_seconds: float = Field(default=5.0, gt=0)
    delivery_retry_max_seconds: float = Field(default=300.0, gt=0)
    # Whose are a team's tickets, for teams that do not say (models/team_scope.py): every
    # agent's ("all"), or only its members' ("team"); admins and auditors see all either way.
    ticket_access: Literal["all", "team"] = "all"
    # Abuse limits (api/throttle.py), in the `limits` library's notation ("10/hour;50/day"):
    # requests opened from the portal's form per client address and per requester e-mail address
    # (each sends that address an acknowledgement), failed web sign-ins per client address and
    # per account (the e-mail typed, whether or not it is an agent's), and failed bearer tokens
    # per client address. Counts are kept in `rate_limit_storage`: memory:// counts in each
    # API process on its own; redis://host:6379 shares them (needs the `redis` package).
    rate_limit_portal_per_client: str = "10/hour;30/day"
    rate_limit_portal_per_address: str = "3/hour;10/day"
    rate_limit_failed_sign_ins: str = "10/15 minutes"
    rate_limit_failed_sign_ins_per_account: str = "5/15 minutes;20/day"
    rate_limit_failed_tokens: str = "30/minute"
    # the portal's knowledge-base suggestions ("Find answers first", /portal/kb/suggest) per client
    rate_limit_portal_suggest: str = "30/minute;600/hour"
    rate_limit_storage: str = "memory://"

    # Web sign-in sessions (models/web_sessions.py): at most this long after signing in, and
    # ended after this long unused.
    web_session_hours: float = Field(default=12, gt=0)
    web_session_idle_minutes: float = Field(default=120, gt=0)
    # Customers' portal sign-in (models/customer_sessions.py): how long the mailed link works
    # (once), how long a session lasts at most, and after how long unused it ends.
    portal_sign_in_link_minutes: float = Field(default=15, gt=0)
    portal_session_hours: float = Field(default=24, gt=0)
    portal_session_idle_minutes: float = Field(default=60, gt=0)

    @field_validator("rate_limit_portal_per_client", "rate_limit_portal_per_address", "rate_limit_failed_sign_ins",
                     "rate_limit_failed_sign_ins_per_account", "rate_limit_failed_tokens", "rate_limit_portal_suggest")
    @classmethod
    def _rate_limit(cls, v: str) -> str:
        try:
            parse_many(v)
        except ValueError as err:
            raise ValueError(f"not a rate limit like '10/hour' or '3/hour;10/day': {v!r} ({err})") from None
        return v

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, v: str) -> str:
        if v and not v.startswith(("sqlite", "postgresql")):
            raise ValueError("DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
        if v.startswith("postgresql://") or v.startswith("postgres://"):
            # Use psycopg 3, the driver this project installs.
            v = "postgresql+psycopg://" + v.split("://", 1)[1]
        return v

    @property
    def link_secret(self) -> str:
        """The key links are signed with: SERVICEDESK_SECRET_KEY, or one generated on first use
        and kept (mode 600) in the data folder, so links survive a restart."""
        if self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret-key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32) + "\n")
        return path.read_text().strip()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'servicedesk.db').resolve()}"
