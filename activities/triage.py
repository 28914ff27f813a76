"""Triage at intake: the enabled rules from SQL, in position order, set the category, raise
the priority, add tags and say whether an alert ticket resolves with its alert group. The
rule engine is models.triage_admin.evaluate (shared with the admin API's preview); this
module feeds it the requester's customer tier and hands the verdict back to the workflow."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.defn import sync_activity
from models.customers import customer_tier
from models.tables import TriageRule
from models.triage_admin import enabled_rules, evaluate
from workflows.activity_io import TriageInput, TriageResult
from workflows.messages import TRIAGE_ACTIVITY


def triage(rules: list[TriageRule], inp: TriageInput, tier: str | None = None) -> TriageResult:
    """Pure: the rules (in the order given) applied to one ticket whose requester has `tier`."""
    return TriageResult(**asdict(evaluate(rules, inp, tier)))


class TriageActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @sync_activity(TRIAGE_ACTIVITY)
    def triage_ticket(self, inp: TriageInput) -> TriageResult:
        with self._sessions() as s:
            result = triage(enabled_rules(s), inp, customer_tier(s, inp.requester_email))
        for reason in result.reasons:
            if " skipped: " in reason:
                activity.logger.warning("ticket %s: triage %s", inp.number, reason)
        return result
