"""GET and PUT /me/notification-preferences: the bearer token's agent says which of their own
notices they are mailed (docs/notifications.md, "Agents' preferences")."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ReaderDep, SessionsDep
from api.me.schemas import NotificationPreferencesOut, PreferencesChange
from models.notification_preferences import preferences_of, set_preferences

router = APIRouter(tags=["Me"])
ERRORS = {422: {"description": "An unknown kind, or one that cannot be switched off; the body names it"}}


@router.get("/me/notification-preferences", response_model=NotificationPreferencesOut)
def get_notification_preferences(me: ReaderDep, sessions: SessionsDep) -> dict[str, bool]:
    """Which of your notices you are mailed: each kind true (on, the default) or false."""
    with sessions() as s:
        return preferences_of(s, me.agent_id)


@router.put("/me/notification-preferences", response_model=NotificationPreferencesOut, responses=ERRORS)
def put_notification_preferences(body: PreferencesChange, me: ReaderDep, sessions: SessionsDep) -> dict[str, bool]:
    """Switch kinds on or off (the ones left out stay as they are); answers all of them. Applies
    to notices already on their way too: a mail kept back is in the outbox as `suppressed`."""
    with sessions.begin() as s:
        return set_preferences(s, me.agent_id, body)
