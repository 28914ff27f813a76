"""The long ticket's workload: one ticket driven through N actions through the API, as a
careful client sends them. bench/long_ticket.py times it; tests/e2e/test_long_ticket.py runs it
and checks that nothing is lost or applied twice.

Notes and replies are updates with an Idempotency-Key, customer replies signals, IN_FLIGHT at a
time (the server takes at most ten in-flight updates per workflow); `plan` says the mix. Each
action carries a unique marker `[LT-nnnnn]` (MARKER), or, for a priority change, its key.

`desk` below is the API as a client sees it: `http` (an httpx client), `auth()` (an agent's
headers) and `act(number, headers=..., **body)` (POST /tickets/{number}/actions): the tests'
Desk (tests/api/conftest.py) or the benchmarks' Stack (bench/stack.py).
"""

from __future__ import annotations

import asyncio
import collections
import re
import time
from dataclasses import dataclass, field
from typing import Any

IN_FLIGHT = 8
MARKER = re.compile(r"\[LT-(\d{5})\]")
PRIORITIES = ("high", "low", "normal")


@dataclass
class Planned:
    i: int
    kind: str  # note, reply, customer_reply, pend, resume, set_priority
    body: dict[str, Any]

    @property
    def key(self) -> str:
        return f"lt-{self.i:05d}"

    @property
    def marker(self) -> str:
        return f"[LT-{self.i:05d}]"


def plan(actions: int) -> list[list[Planned]]:
    """Groups of actions: a group of one is sent alone (pend, resume: they must meet the
    status they were meant for), a larger group is sent IN_FLIGHT at a time. Every 500
    actions: pend, 20 agent messages while pending (a customer reply would wake it), resume,
    then a mix of notes (~64%), replies (~15%), customer replies (20%), priority changes (1%)."""
    groups: list[list[Planned]] = []
    i = 0

    def take(kind: str, body: dict[str, Any]) -> Planned:
        nonlocal i
        p = Planned(i, kind, body)
        i += 1
        return p

    def message(kind: str) -> Planned:
        p = take(kind, {})
        text = f"{p.marker} {kind.replace('_', ' ')} number {p.i} of the long ticket"
        p.body = {"body": text} if kind == "customer_reply" else {"kind": kind, "body": text}
        return p

    while i < actions:
        groups.append([take("pend", {"kind": "pend", "reason": f"[LT-{i:05d}] waiting for logs"})])
        groups.append([message("note" if n % 3 else "reply") for n in range(min(20, actions - i))])
        if i < actions:
            groups.append([take("resume", {"kind": "resume"})])
        mixed = []
        for n in range(min(500 - 22, actions - i)):
            j = i
            if j % 100 == 50:
                mixed.append(take("set_priority", {"kind": "set_priority", "priority": PRIORITIES[(j // 100) % 3]}))
            elif j % 5 == 0:
                mixed.append(message("customer_reply"))
            elif j % 7 == 0:
                mixed.append(message("reply"))
            else:
                mixed.append(message("note"))
        groups.append(mixed)
    flat = [p for g in groups for p in g]
    assert [p.i for p in flat] == list(range(actions))
    return [g for g in groups if g]


@dataclass
class Drive:
    """What the client saw: retried answers by error type, and the time taken."""

    retries: collections.Counter = field(default_factory=collections.Counter)
    seconds: float = 0.0
    messages: dict[str, str] = field(default_factory=dict)  # one message of each retried type


async def send(desk, number: int, p: Planned, drive: Drive) -> dict | None:
    """One action as a careful client sends it: an update with its Idempotency-Key, retried
    with the same key on 503 (the ticket between two runs, the server busy) and 504 (not
    acknowledged in time: it may have applied, the key makes the retry safe). A customer
    reply (a signal) is sent once and must be accepted."""
    if p.kind == "customer_reply":
        # Accepted at once, however busy the ticket: the endpoint reads the requester from the
        # read model and only signals (no query to queue behind the ticket's work).
        r = await desk.http.post(f"/tickets/{number}/customer-replies", json=p.body, headers=desk.auth())
        assert r.status_code == 202, (p, r.status_code, r.text)
        return None
    for attempt in range(40):
        r = await desk.act(number, headers={"Idempotency-Key": p.key}, **p.body)
        if r.status_code == 200:
            return r.json()
        assert r.status_code in (503, 504), (p, r.status_code, r.text)
        error = r.json()["error"]
        drive.retries[error["type"]] += 1
        drive.messages.setdefault(error["type"], error["message"])
        await asyncio.sleep(min(0.05 * (attempt + 1), 1.0))
    raise AssertionError(f"{p} never acknowledged")


async def drive_ticket(desk, number: int, groups: list[list[Planned]], in_flight: int = IN_FLIGHT) -> Drive:
    drive = Drive()
    started = time.perf_counter()
    for group in groups:
        queue = collections.deque(group)

        async def worker() -> None:
            while queue:
                await send(desk, number, queue.popleft(), drive)

        await asyncio.gather(*(worker() for _ in range(min(in_flight, len(group)))))
    drive.seconds = time.perf_counter() - started
    return drive
