"""Agents' notification preferences (models/notification_preferences.py) on a migrated SQLite
read model, and their effect where notices are delivered: a switched-off kind is recorded
`suppressed` with its reason, also when it was switched off while the row waited to be sent."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.delivery import DeliveryActivities
from activities.notifications import NotificationActivities
from models.notification_preferences import preferences_of, set_preferences
from models.seed import seeded_database
from models.settings import Settings
from models.sla_admin import ConfigError
from models.tables import Agent, Notification
from workflows.activity_io import NotifyInput


@pytest.fixture
def sessions(tmp_path):
    engine, sessions = seeded_database(f"sqlite:///{tmp_path / 'desk.db'}")
    yield sessions
    engine.dispose()


def agent_id(sessions, email: str) -> int:
    with sessions() as s:
        return s.scalars(select(Agent.id).where(Agent.email == email)).one()


def test_every_kind_is_on_until_switched_and_only_the_agents_own_kinds_switch(sessions):
    sam = agent_id(sessions, "sam@demo.example")
    with sessions.begin() as s:
        assert preferences_of(s, sam) == {"assigned": True, "customer_replied": True, "mention": True}
        assert set_preferences(s, sam, {"mention": False}) == {"assigned": True, "customer_replied": True, "mention": False}
        assert set_preferences(s, sam, {"mention": True, "assigned": False})["mention"] is True
    for kind, says in (("sla_escalation", "SLA notices cannot be switched off"), ("sla_warning", "always go out"),
                       ("ticket_received", "not sent to agents"), ("nonsense", "unknown notification kind")):
        with sessions.begin() as s, pytest.raises(ConfigError) as refused:
            set_preferences(s, sam, {"customer_replied": False, kind: False})
        assert refused.value.field == kind and says in refused.value.message
    with sessions.begin() as s, pytest.raises(ConfigError):
        set_preferences(s, sam, {"mention": "no"})  # what a careless caller might send
    with sessions() as s:  # nothing of a refused change was kept, and Sky's are Sky's
        assert preferences_of(s, sam) == {"assigned": False, "customer_replied": True, "mention": True}
        assert all(preferences_of(s, agent_id(sessions, "sky@demo.example")).values())


def test_a_switched_off_kind_is_recorded_suppressed_and_never_sent(sessions):
    sam = agent_id(sessions, "sam@demo.example")
    env = ActivityEnvironment()
    record = NotificationActivities(sessions).notify
    notice = NotifyInput(number=7, seq=3, kind="customer_replied", recipients=["sam@demo.example"], assignee="sam@demo.example",
                         team="support", subject="[#7] Dana replied: Printer jams", data={"body": "Still jams."})
    assert env.run(record, notice).recorded == ["sam@demo.example"]  # on: pending, to be sent
    with sessions.begin() as s:
        set_preferences(s, sam, {"customer_replied": False})
    later = env.run(record, NotifyInput(**(vars(notice) | {"seq": 4})))
    assert (later.recorded, later.suppressed) == ([], ["sam@demo.example"])

    # The row recorded before the switch waits (for a retry, say): it is kept back when its turn comes.
    class NoMail:
        def send(self, *_):
            raise AssertionError("a switched-off notice was mailed")

    deliver = DeliveryActivities(sessions, Settings(secret_key="k" * 32), mailer=NoMail()).deliver_notification
    with sessions() as s:
        rows = s.scalars(select(Notification).where(Notification.number == 7).order_by(Notification.seq)).all()
    assert [r.status for r in rows] == ["pending", "suppressed"]
    assert "switched customer_replied notices off" in env.run(deliver, rows[0].id)
    assert env.run(deliver, rows[1].id) == "already suppressed"
    with sessions() as s:
        rows = s.scalars(select(Notification).where(Notification.number == 7).order_by(Notification.seq)).all()
    assert [(r.status, r.sent_at) for r in rows] == [("suppressed", None), ("suppressed", None)]
    assert all("notification preferences" in (r.last_error or "") for r in rows)
