"""A new ticket's intake in one activity (`intake_ticket`): what to ask it, and the actions its
answer becomes, for both main loops (TicketV1 since `batched-activities`, TicketV2)."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows import alerts
    from workflows.activity_io import IntakeInput, TriageInput
    from workflows.activity_specs import INTAKE, execute
    from workflows.messages import SYSTEM, Action, Routed, SlaPolicyLoaded, TicketState, Triaged


async def decide(s: TicketState) -> list[Action]:
    """Triage, route and find the SLA policy of the new ticket `s` in one activity: the actions
    to apply, in order. A failure opens the ticket untriaged and unrouted (and with no policy),
    and the history and the log say why."""
    triage = TriageInput(number=s.number, subject=s.subject, description=s.description,
                         requester_email=s.requester_email, channel=s.channel, priority=s.priority,
                         category=s.category, tags=list(s.tags), labels=alerts.group_labels(s.alerts))
    try:
        # The routing decision is recorded as this ticket's event 3 (after created, triaged).
        found = await execute(INTAKE, IntakeInput(triage=triage, decision_key=f"{s.number}:{s.last_seq + 2}"),
                              summary="intake: triage, route, SLA policy")
    except ActivityError as err:
        workflow.logger.warning("intake failed for ticket %s: %s", s.number, err.cause)
        return [Triaged(actor=SYSTEM, category=s.category, priority=s.priority, rules=[f"triage failed: {err.cause}"]),
                Routed(actor=SYSTEM, team=None, assignee=None, reason=f"intake: routing failed: {err.cause}")]
    t, route, policy = found.triage, found.route, found.policy
    return [Triaged(actor=SYSTEM, category=t.category, priority=t.priority, tags=t.tags, rules=t.rules,
                    reasons=t.reasons, auto_resolve=t.auto_resolve),
            Routed(actor=SYSTEM, team=route.team, assignee=route.assignee, reason=f"intake: {route.reason}"),
            SlaPolicyLoaded(actor=SYSTEM, policy=policy.policy, tier=policy.tier, reason=f"intake: {policy.reason}")]
