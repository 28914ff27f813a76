"""The command line an operator uses to set up agents and tokens."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from models.db import make_engine, make_sessions
from models.tables import Agent
from models.tokens import agent_for_token


def _cli(*args: str, db_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "servicedesk", *args], env=env, capture_output=True, text=True, timeout=120)


def test_migrate_seed_agent_and_token(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _cli("migrate", db_url=url).returncode == 0
    assert _cli("migrate", db_url=url).returncode == 0  # idempotent
    assert _cli("seed", db_url=url).returncode == 0
    assert _cli("seed", db_url=url).returncode == 0
    r = _cli("agent", "create", "--email", "Kim@Example.com", "--name", "Kim", "--role", "supervisor", "--team", "billing", db_url=url)
    assert r.returncode == 0, r.stderr
    r = _cli("agent", "create", "--email", "kim@example.com", "--name", "Kim again", db_url=url)
    assert r.returncode == 2 and "already exists" in r.stderr
    r = _cli("agent", "create", "--email", "lee@example.com", "--name", "Lee", "--team", "nope", db_url=url)
    assert r.returncode == 2 and "no team nope" in r.stderr
    r = _cli("token", "create", "--agent", "kim@example.com", db_url=url)
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    r = _cli("token", "create", "--agent", "ghost@example.com", db_url=url)
    assert r.returncode == 2 and "no active agent" in r.stderr

    engine = make_engine(url)
    with make_sessions(engine)() as s:
        agent = agent_for_token(s, token)
        assert agent is not None and (agent.email, agent.role) == ("kim@example.com", "supervisor")
        assert s.scalar(select(Agent).where(Agent.email == "kim@example.com")).team_id is not None
        assert agent_for_token(s, token + "x") is None

    # Listed without the token itself; revoked by its prefix, it stops working at once.
    r = _cli("token", "list", db_url=url)
    assert r.returncode == 0 and token[:12] in r.stdout and token not in r.stdout and "kim@example.com" in r.stdout
    r = _cli("token", "revoke", token[:12], db_url=url)
    assert r.returncode == 0 and "revoked token" in r.stdout, r.stderr
    with make_sessions(engine)() as s:
        assert agent_for_token(s, token) is None
    assert "revoked" in _cli("token", "list", db_url=url).stdout
    r = _cli("token", "revoke", "sdk_nothing", db_url=url)
    assert r.returncode == 2 and "no single token" in r.stderr
    engine.dispose()


def test_an_admin_sets_an_agents_password(tmp_path):
    from models import passwords

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _cli("migrate", db_url=url).returncode == 0 and _cli("seed", db_url=url).returncode == 0

    def set_it(email: str, password: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "DATABASE_URL": url}
        return subprocess.run([sys.executable, "-m", "servicedesk", "agent", "password", "--email", email, "--password-stdin"],
                              input=password + "\n", env=env, capture_output=True, text=True, timeout=120)

    r = set_it("sam@demo.example", "short")
    assert r.returncode == 2 and "password not set: a password has at least 10 characters" in r.stderr
    r = set_it("ghost@demo.example", "long enough password")
    assert r.returncode == 2 and "no agent ghost@demo.example" in r.stderr
    r = set_it("Sam@Demo.example", "long enough password")
    assert r.returncode == 0 and "password set for sam@demo.example" in r.stdout, r.stderr
    engine = make_engine(url)
    with make_sessions(engine)() as s:
        assert passwords.check(s, "sam@demo.example", "long enough password") is not None
        assert passwords.check(s, "sam@demo.example", "short") is None
    engine.dispose()
