"""Agents' web sign-in passwords: argon2id hashes (argon2-cffi, its recommended parameters),
the rules a new password meets, and checking one.

Only the hash is stored (agents.password_hash). An admin sets a password (CLI `servicedesk
agent password`, `PUT /admin/agents/{id}/password`); the agent changes it (`PUT /me/password`,
the console's account page). Either way the agent's other web sessions end."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import Agent, utcnow
from models.web_sessions import close_sessions_of

MIN_CHARS = 10
MAX_CHARS = 256  # argon2 takes any length; a bound keeps one sign-in from costing much more than another

_hasher = PasswordHasher()
# Checked when the account does not exist or has no password, so that answering "no" takes as
# long as checking a real hash: the time of a refusal does not tell which addresses are agents.
_DUMMY = _hasher.hash("no account has this password")


class PasswordRefused(ValueError):
    """A new password that breaks a rule; the message says which."""


def problem(password: str, agent: Agent) -> str | None:
    """What is wrong with `password` as `agent`'s new password, or None."""
    if len(password) < MIN_CHARS:
        return f"a password has at least {MIN_CHARS} characters"
    if len(password) > MAX_CHARS:
        return f"a password has at most {MAX_CHARS} characters"
    if password.strip() != password:
        return "a password does not start or end with a space"
    lowered = password.lower()
    if lowered in (agent.email.lower(), agent.email.split("@")[0].lower(), agent.name.lower()):
        return "a password is not the account's e-mail address or name"
    if len(set(password)) < 4:
        return "a password has at least 4 different characters"
    return None


def set_password(s: Session, agent: Agent, password: str, keep_session: str | None = None) -> None:
    """Give `agent` this password (raises PasswordRefused, naming the rule it breaks) and end
    every web session the agent has open but `keep_session` (the agent's own, changing it)."""
    if (why := problem(password, agent)) is not None:
        raise PasswordRefused(why)
    agent.password_hash = _hasher.hash(password)
    agent.password_changed_at = utcnow()
    close_sessions_of(s, agent.id, keep=keep_session)


def matches(agent: Agent | None, password: str) -> bool:
    """Whether `password` is `agent`'s: False for no agent, an inactive one or one without a
    password, in about the same time as a real check."""
    stored = agent.password_hash if agent is not None and agent.active else None
    try:
        ok = _hasher.verify(stored or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored is not None


def check(s: Session, email: str, password: str) -> Agent | None:
    """The active agent whose e-mail and password these are, or None. A hash made with older
    parameters is made again with today's."""
    agent = s.scalars(select(Agent).where(Agent.email == email.strip().lower())).first()
    if not matches(agent, password):
        return None
    assert agent is not None and agent.password_hash is not None  # matches() says so
    if _hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = _hasher.hash(password)
    return agent
