"""The portal's customer sign-in (models/customer_sessions.py) on a migrated read model, SQLite
and PostgreSQL: only the session id's hash is kept, a session ends idle, at its expiry and at
sign-out, keeps its time zone; the sign-in link is signed, dated and works once (used_links);
its mail is one outbox row per link; a customer's list holds their tickets only, newest first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from models import customer_sessions as cs
from models.links import LinkError, sign_link
from models.portal import spend
from models.tables import Notification, TicketRow
from models.tokens import hash_token
from models.web_sessions import Lifetime

SECRET = "unit-test-secret"
LIFE = Lifetime(absolute=timedelta(hours=24), idle=timedelta(minutes=60))


def test_a_session_keeps_only_its_hash_and_ends_idle_expired_or_signed_out(database):
    with database.sessions.begin() as s:
        sid = cs.open_session(s, "Dana@Customer.example", LIFE)
        idle = cs.open_session(s, "dana@customer.example", LIFE)
        old = cs.open_session(s, "dana@customer.example", LIFE)
    with database.sessions.begin() as s:
        hashes = set(s.scalars(select(cs.CustomerSession.id_hash)))
        assert hash_token(sid) in hashes and sid not in hashes
        found = cs.customer_for_session(s, sid, LIFE.idle)
        assert found == cs.Customer(email="dana@customer.example", timezone="UTC")
        cs.set_timezone(s, sid, "Europe/Berlin")
        now = datetime.now(timezone.utc)
        s.execute(update(cs.CustomerSession).where(cs.CustomerSession.id_hash == hash_token(idle))
                  .values(last_seen_at=now - timedelta(minutes=61)))
        s.execute(update(cs.CustomerSession).where(cs.CustomerSession.id_hash == hash_token(old))
                  .values(expires_at=now - timedelta(seconds=1)))
    with database.sessions.begin() as s:
        assert cs.customer_for_session(s, sid, LIFE.idle).timezone == "Europe/Berlin"
        assert cs.customer_for_session(s, idle, LIFE.idle) is None
        assert cs.customer_for_session(s, old, LIFE.idle) is None
        assert cs.customer_for_session(s, "sdc_made-up", LIFE.idle) is None
        cs.close_session(s, sid)
    with database.sessions.begin() as s:
        assert cs.customer_for_session(s, sid, LIFE.idle) is None
        cs.open_session(s, "other@customer.example", LIFE)  # sweeps the ended ones by the way
    with database.sessions() as s:
        assert s.scalars(select(cs.CustomerSession.email)).all() == ["other@customer.example"]


def test_the_sign_in_link_is_signed_dated_and_spent_once(database):
    at = datetime.now(timezone.utc) + timedelta(minutes=15)
    token = cs.sign_sign_in(SECRET, "dana@customer.example", at, "link-1")
    claims = cs.verify_sign_in(SECRET, token)
    assert (claims.email, claims.link_id) == ("dana@customer.example", "link-1")
    for bad, kind in [(token[:-2] + "xx", "forged"), (cs.sign_sign_in("other", "d@x.example", at, "l"), "forged"),
                      ("nodot", "malformed"),
                      (sign_link(SECRET, 1, "view", at).split("/")[-1], "forged")]:  # a ticket link is not one
        with pytest.raises(LinkError) as err:
            cs.verify_sign_in(SECRET, bad)
        assert err.value.kind == kind
    with pytest.raises(LinkError) as err:
        cs.verify_sign_in(SECRET, token, now=at + timedelta(seconds=1))
    assert err.value.kind == "expired"
    assert spend(database.sessions, claims.link_id, 0, cs.SIGN_IN_PURPOSE).first
    assert not spend(database.sessions, claims.link_id, 0, cs.SIGN_IN_PURPOSE).first
    # Its mail: one outbox row per link, keeping the link's id and expiry, never the link.
    with database.sessions.begin() as s:
        first = cs.enqueue_sign_in_mail(s, "dana@customer.example", "link-1", at)
        assert cs.enqueue_sign_in_mail(s, "dana@customer.example", "link-1", at) == first
        row = s.get(Notification, first[0])
        assert (row.number, row.kind, row.links, row.data) == (0, cs.MAIL_KIND, [cs.SIGN_IN_PURPOSE], {"link_id": "link-1"})
        assert token not in str(row.data)


def test_a_customer_lists_their_own_tickets_newest_first_and_zones_are_checked(database):
    base = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with database.sessions.begin() as s:
        for n, who in [(901, "dana@customer.example"), (902, "eve@customer.example"), (903, "DANA@customer.example"),
                       (904, "dana@customer.example")]:
            s.add(TicketRow(number=n, subject=f"s{n}", requester_email=who, channel="web", status="open",
                            priority="normal", created_at=base + timedelta(days=n - 900), updated_at=base, last_seq=1))
    with database.sessions() as s:
        lines, total = cs.requests_of(s, "dana@customer.example", page=1, per_page=2)
        assert total == 3 and [x.number for x in lines] == [904, 903]
        lines, _ = cs.requests_of(s, "dana@customer.example", page=2, per_page=2)
        assert [x.number for x in lines] == [901]
    assert cs.valid_zone("Europe/Berlin") and cs.valid_zone("UTC")
    assert not any(cs.valid_zone(z) for z in ("", "Mars/Olympus", "../../etc/passwd", "/etc/localtime", "x" * 65))
