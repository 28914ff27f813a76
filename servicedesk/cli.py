"""`servicedesk dev | worker | api | migrate | seed | token create | agent create | agent password | audit ... | backup | restore`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.routing import set_teams
from models.settings import Settings
from models.tables import Agent, Team
from models.tokens import issue_token, list_tokens, revoke_token
from workflows.messages import ROLES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="servicedesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dev", help="run Temporal dev server + worker + API, offline, data in .data/")
    sub.add_parser("worker", help="run a Temporal worker")
    api = sub.add_parser("api", help="run the HTTP API")
    api.add_argument("--host")
    api.add_argument("--port", type=int)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("seed", help="add the demo organisation (idempotent)")
    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    create = token.add_parser("create", help="issue a token for an agent; prints it once")
    create.add_argument("--agent", required=True, help="the agent's e-mail")
    create.add_argument("--name", default="cli", help="a label for the token")
    token.add_parser("list", help="every token: id, prefix, agent, name, created, revoked (never the token)")
    revoke = token.add_parser("revoke", help="revoke a token at once (and the web sessions it opened)")
    revoke.add_argument("ref", help="the token's id or its prefix, as `token list` shows them")
    agent = sub.add_parser("agent", help="agents").add_subparsers(dest="agent_command", required=True)
    add = agent.add_parser("create", help="add an agent")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--team", action="append", default=[],
                     help="team slug; repeat for several teams (the first is the home team)")
    add.add_argument("--skill", action="append", default=[], help="a skill for skill-match routing; repeatable")
    add.add_argument("--capacity", type=int, default=20, help="most open tickets routing gives the agent")
    password = agent.add_parser("password", help="set an agent's web sign-in password (ends their web sessions)")
    password.add_argument("--email", required=True)
    password.add_argument("--password-stdin", action="store_true",
                          help="read the password from standard input (else it is asked for, twice, without echo)")
    mail = sub.add_parser("mail", help="read the mail `servicedesk dev` kept (its sink): mail list | mail show N")
    mail.add_argument("mail_args", nargs=argparse.REMAINDER)
    from servicedesk import audit as audit_cli

    audit_cli.add_parser(sub)
    from servicedesk import backup as backup_cli

    backup_cli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "mail":
        from servicedesk.mailsink import main as mail_main

        return mail_main(args.mail_args or ["list"])

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    if args.command == "audit":
        return audit_cli.run(args, settings)
    if args.command in ("backup", "restore"):
        return backup_cli.run(args, settings)
    if args.command == "dev":
        from servicedesk.dev import run_dev

        return run_dev(settings)
    if args.command == "worker":
        return asyncio.run(run_worker(settings))
    if args.command == "api":
        return run_api(settings, args.host, args.port)
    engine = make_engine(settings.resolved_database_url)
    if args.command == "migrate":
        upgrade(engine)
        print("database is at the latest schema")
        return 0
    sessions = make_sessions(engine)
    if args.command == "seed":
        from models.seed import seed_demo

        with sessions.begin() as s:
            seed_demo(s)
        print("demo organisation seeded")
        return 0
    if args.command == "token" and args.token_command == "list":
        with sessions() as s:
            for t, a in list_tokens(s):
                state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
                print(f"{t.id}\t{t.prefix}\t{a.email}\t{t.name}\t{t.created_at:%Y-%m-%d %H:%M}\t{state}")
        return 0
    if args.command == "token" and args.token_command == "revoke":
        with sessions.begin() as s:
            revoked = revoke_token(s, args.ref)
        if revoked is None:
            print(f"no single token {args.ref!r} (give its id or prefix, as `servicedesk token list` shows)", file=sys.stderr)
            return 2
        print(f"revoked token {revoked.id} ({revoked.prefix})")
        return 0
    if args.command == "token":
        with sessions.begin() as s:
            found = s.scalars(select(Agent).where(Agent.email == args.agent.lower(), Agent.active)).first()
            if found is None:
                print(f"no active agent {args.agent}", file=sys.stderr)
                return 2
            print(issue_token(s, found, args.name))
        return 0
    if args.command == "agent" and args.agent_command == "password":
        return _set_password(sessions, args.email, args.password_stdin)
    if args.command == "agent":
        with sessions.begin() as s:
            team_ids = []
            for slug in args.team:
                team = s.scalars(select(Team).where(Team.slug == slug)).first()
                if team is None:
                    print(f"no team {slug}", file=sys.stderr)
                    return 2
                team_ids.append(team.id)
            if s.scalars(select(Agent).where(Agent.email == args.email.lower())).first() is not None:
                print(f"agent {args.email} already exists", file=sys.stderr)
                return 2
            agent = Agent(email=args.email.lower(), name=args.name, role=args.role, capacity=args.capacity,
                          skills=sorted({skill.strip().lower() for skill in args.skill}))
            s.add(agent)
            s.flush()
            set_teams(s, agent, team_ids)
        print(f"agent {args.email} created")
        return 0
    return 2  # pragma: no cover (argparse rejects unknown commands)


def _set_password(sessions: sessionmaker[Session], email: str, from_stdin: bool) -> int:
    import getpass

    from models.passwords import PasswordRefused, set_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            print("the two passwords differ; nothing changed", file=sys.stderr)
            return 2
    with sessions.begin() as s:
        found = s.scalars(select(Agent).where(Agent.email == email.strip().lower())).first()
        if found is None:
            print(f"no agent {email}", file=sys.stderr)
            return 2
        try:
            set_password(s, found, password)
        except PasswordRefused as why:
            print(f"password not set: {why}", file=sys.stderr)
            return 2
    print(f"password set for {found.email}; their web sessions are ended")
    return 0


async def run_worker(settings: Settings) -> int:
    from temporalio.client import Client

    from servicedesk.schedules import ensure_archive_schedule
    from servicedesk.worker import build_worker

    engine = make_engine(settings.resolved_database_url)
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    await ensure_archive_schedule(client, settings)
    worker = build_worker(client, make_sessions(engine), settings.task_queue, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        logging.getLogger("servicedesk").info("worker polling task queue %r", settings.task_queue)
        await stop.wait()
    engine.dispose()
    return 0


def run_api(settings: Settings, host: str | None, port: int | None) -> int:
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(settings), host=host or settings.api_host, port=port or settings.api_port,
                log_level="info", timeout_graceful_shutdown=10)
    return 0
