"""The console's queue counts (models/queues.queue_counts: the queues of open tickets counted in
one pass) are the counts of the queues' own lists, for every queue, viewer and team scope, on a
migrated SQLite read model with a ticket of every mix of status, assignee, team and next breach."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from models import queries
from models.queues import QUEUES, Viewer, narrowed, queue_counts
from models.seed import seeded_database
from models.tables import TicketRow
from models.team_scope import Scope
from workflows.vocabulary import STATUSES

NOW = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)


@pytest.fixture
def sessions(tmp_path):
    engine, sessions = seeded_database(f"sqlite:///{tmp_path / 'desk.db'}")
    breaches = (None, NOW - timedelta(minutes=5), NOW + timedelta(minutes=30), NOW + timedelta(days=2))
    mixes = itertools.product(STATUSES, ("sam@demo.example", "sky@demo.example", None),
                              ("support", "billing", "network", None), breaches)
    with sessions.begin() as s:
        for number, (status, assignee, team, breach) in enumerate(mixes, start=1):
            s.add(TicketRow(number=number, subject=f"t{number}", description="", requester_email="c@example.com",
                            requester_name="C", channel="email", status=status, priority="normal", tags=[],
                            team=team, assignee=assignee, sla_next_breach_at=breach, created_at=NOW,
                            updated_at=NOW, last_seq=1))
    yield sessions
    engine.dispose()


@pytest.mark.parametrize("who, scope", [
    (Viewer("sam@demo.example", ("support",), NOW), Scope()),
    (Viewer("sam@demo.example", ("support", "network"), NOW), Scope(frozenset({"billing"}))),
    (Viewer("mo@demo.example", (), NOW), Scope(frozenset({"support", "network"}))),
])
def test_each_queues_count_is_the_count_of_its_list(sessions, who, scope):
    with sessions() as s:
        expected = {slug: queries.search_tickets(s, narrowed(q.base(who), queries.TicketFilter(scope=scope)),
                                                 limit=1, offset=0, sort=q.sort)[1]
                    for slug, q in QUEUES.items()}
        counts = queue_counts(s, who, scope)
    assert counts == expected
    assert list(counts) == list(QUEUES)
    # Not a vacuous comparison: every queue but those the viewer has none in holds tickets.
    assert expected["all"] > expected["breaching"] > 0 and expected["waiting"] > 0 and expected["unassigned"] > 0
    assert (expected["mine"] > 0) == (who.email == "sam@demo.example")
    assert (expected["team"] > 0) == bool(who.teams)
