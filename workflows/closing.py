"""A ticket's ending, pure: the customer's confirmation of a resolution (or the period after
which it closes itself), and the satisfaction survey a closed ticket asks for."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from workflows.messages import (
    DEFAULT_CONFIRM_WITHIN_SECONDS,
    DEFAULT_SURVEY_WITHIN_SECONDS,
    SurveyAnswer,
    SurveyState,
    TicketState,
)

MAX_SURVEY_COMMENT = 2_000
# How the ticket closed, by the action that closed it.
CLOSED_BY = {"close": "closed", "confirmed": "confirmed", "auto_close": "auto_closed", "merge": "merged"}


def confirm_within(state: TicketState) -> int:
    policy = state.sla.policy
    return policy.confirm_within_seconds if policy is not None else DEFAULT_CONFIRM_WITHIN_SECONDS


def survey_within(state: TicketState) -> int:
    policy = state.sla.policy
    return policy.survey_within_seconds if policy is not None else DEFAULT_SURVEY_WITHIN_SECONDS


def on_status(new: TicketState, before_status: str, kind: str, now: datetime) -> None:
    """Start or stop the confirmation wait and the survey as the status changes."""
    if new.status == "resolved" and before_status != "resolved":
        new.confirmation_due_at = now + timedelta(seconds=confirm_within(new))
    elif new.status != "resolved":
        new.confirmation_due_at = None
    if new.status == "closed" and before_status != "closed":
        new.closed_reason = CLOSED_BY.get(kind, "closed")
        if new.closed_reason != "merged":  # a duplicate's customer is asked on the primary
            new.survey = SurveyState(sent_at=now, expires_at=now + timedelta(seconds=survey_within(new)))


def survey_problem(state: TicketState, answer: SurveyAnswer) -> tuple[str, str] | None:
    """(error type, message) saying why this answer cannot be taken, or None."""
    survey = state.survey
    if survey is None:
        return "SurveyClosed", f"ticket {state.number} has no survey"
    if survey.answered_at is not None:
        return "SurveyClosed", f"the survey of ticket {state.number} was already answered"
    if survey.expired:
        return "SurveyClosed", f"the survey of ticket {state.number} has expired"
    if not 1 <= answer.csat <= 5:
        return "InvalidAction", "csat: must be from 1 to 5"
    if answer.nps is not None and not 0 <= answer.nps <= 10:
        return "InvalidAction", "nps: must be from 0 to 10"
    if len(answer.comment) > MAX_SURVEY_COMMENT:
        return "InvalidAction", f"comment: longer than {MAX_SURVEY_COMMENT} characters"
    return None


def record_answer(new: TicketState, answer: SurveyAnswer, now: datetime) -> dict[str, Any]:
    assert new.survey is not None
    new.survey.answered_at = now
    new.survey.csat, new.survey.nps, new.survey.comment = answer.csat, answer.nps, answer.comment.strip()
    return {"csat": answer.csat, "nps": answer.nps, "comment": new.survey.comment}


def survey_open(state: TicketState) -> bool:
    return state.survey is not None and state.survey.answered_at is None and not state.survey.expired
