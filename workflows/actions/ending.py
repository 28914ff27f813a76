"""How a resolved ticket ends: the customer confirms or rejects the resolution (or the wait
for it runs out), then answers the satisfaction survey (or it expires). The waits themselves
are workflows/closing.py's."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from workflows import closing
from workflows.actions.base import TicketAction, leads, stays
from workflows.actions.conversation import add_entry
from workflows.records import Actor, TicketState
from workflows.validation import ActionRejected, check_length

MAX_SURVEY_COMMENT = 2_000


@dataclass(frozen=True)
class CustomerConfirmation:
    """The customer's answer to "is it solved?" (the `confirmation` signal's payload): it
    becomes ResolutionConfirmed or ResolutionRejected."""

    actor: Actor  # kind "customer"
    decision: Literal["confirm", "reject"]
    comment: str = ""
    link_id: str = ""  # the signed link it came through
    kind: Literal["confirmation"] = "confirmation"


@dataclass(frozen=True)
class ResolutionConfirmed(TicketAction):
    """The customer confirmed the resolution: the ticket closes."""

    actor: Actor
    link_id: str = ""
    kind: Literal["confirmed"] = "confirmed"

    moves = leads("closed", "resolved")
    closes_as = "confirmed"

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        return {"link_id": self.link_id}


@dataclass(frozen=True)
class ResolutionRejected(TicketAction):
    """The customer says it is not solved: the ticket reopens, their comment is their message."""

    actor: Actor
    comment: str = ""
    link_id: str = ""
    kind: Literal["rejected"] = "rejected"

    moves = leads("open", "resolved")

    def check(self, state: TicketState) -> None:
        check_length("comment", self.comment)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        if comment := self.comment.strip():
            add_entry(new, self.actor, "public", comment, now)
        return {"comment": comment, "link_id": self.link_id}


@dataclass(frozen=True)
class AutoClosed(TicketAction):
    """No confirmation within the period: the ticket closes itself."""

    actor: Actor
    waited_seconds: int
    kind: Literal["auto_close"] = "auto_close"

    moves = leads("closed", "resolved")
    closes_as = "auto_closed"

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        return {"waited_seconds": self.waited_seconds}


@dataclass(frozen=True)
class SurveyAnswer(TicketAction):
    """The customer's satisfaction survey answer (the `survey` signal): one per ticket."""

    actor: Actor
    csat: int  # 1..5
    nps: int | None = None  # 0..10
    comment: str = ""
    link_id: str = ""
    kind: Literal["survey_answer"] = "survey_answer"

    moves = stays("closed")  # one of the two things that still happen to a closed ticket

    def check(self, state: TicketState) -> None:
        survey = state.survey
        if survey is None:
            raise ActionRejected("SurveyClosed", f"ticket {state.number} has no survey")
        if survey.answered_at is not None:
            raise ActionRejected("SurveyClosed", f"the survey of ticket {state.number} was already answered")
        if survey.expired:
            raise ActionRejected("SurveyClosed", f"the survey of ticket {state.number} has expired")
        if not 1 <= self.csat <= 5:
            raise ActionRejected("InvalidAction", "csat: must be from 1 to 5")
        if self.nps is not None and not 0 <= self.nps <= 10:
            raise ActionRejected("InvalidAction", "nps: must be from 0 to 10")
        check_length("comment", self.comment, MAX_SURVEY_COMMENT)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        assert new.survey is not None  # check() refused a ticket without one
        new.survey.answered_at = now
        new.survey.csat, new.survey.nps, new.survey.comment = self.csat, self.nps, self.comment.strip()
        return {"csat": self.csat, "nps": self.nps, "comment": new.survey.comment, "link_id": self.link_id}


@dataclass(frozen=True)
class SurveyExpired(TicketAction):
    """Nobody answered the survey in time."""

    actor: Actor
    kind: Literal["survey_expired"] = "survey_expired"

    moves = stays("closed")

    def check(self, state: TicketState) -> None:
        if not closing.survey_open(state):
            raise ActionRejected("SurveyClosed", f"the survey of ticket {state.number} is not open")

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        assert new.survey is not None  # check() refused a ticket without an open survey
        new.survey.expired = True
        return {"expired_at": new.survey.expires_at.isoformat()}
