"""A ticket's ending, pure: how long a resolution waits for the customer's confirmation before
the ticket closes itself, and the satisfaction survey a closed ticket asks for. The customer's
answers are actions (workflows/actions/ending.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from workflows.records import DEFAULT_CONFIRM_WITHIN_SECONDS, DEFAULT_SURVEY_WITHIN_SECONDS, SurveyState, TicketState


def confirm_within(state: TicketState) -> int:
    policy = state.sla.policy
    return policy.confirm_within_seconds if policy is not None else DEFAULT_CONFIRM_WITHIN_SECONDS


def survey_within(state: TicketState) -> int:
    policy = state.sla.policy
    return policy.survey_within_seconds if policy is not None else DEFAULT_SURVEY_WITHIN_SECONDS


def on_status(new: TicketState, before_status: str, closes_as: str, now: datetime) -> None:
    """Start or stop the confirmation wait and the survey as the status changes; a ticket that
    closes records how (`closes_as`: the closing action's TicketAction.closes_as)."""
    if new.status == "resolved" and before_status != "resolved":
        new.confirmation_due_at = now + timedelta(seconds=confirm_within(new))
    elif new.status != "resolved":
        new.confirmation_due_at = None
    if new.status == "closed" and before_status != "closed":
        new.closed_reason = closes_as
        if new.closed_reason != "merged":  # a duplicate's customer is asked on the primary
            new.survey = SurveyState(sent_at=now, expires_at=now + timedelta(seconds=survey_within(new)))


def survey_open(state: TicketState) -> bool:
    return state.survey is not None and state.survey.answered_at is None and not state.survey.expired
