"""The ticket's durable timers, as parts that take a typed view of the ticket (ticket_access):
the SLA milestones, the wait for the customer's confirmation, and the survey's expiry. Each
waits with one `wait_condition(timeout=...)` and re-plans when what it waits for changes; a
firing applies its actions at once, so nothing runs between the decision and the change."""

from __future__ import annotations


from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import closing, notices, sla
    from workflows.actions import clocks
    from workflows.activity_io import NotifyInput
    from workflows.followups import Reroute
    from workflows.messages import SYSTEM, AutoClosed, SlaMilestoneReached, SurveyExpired, TicketState
    from workflows.sla_types import EscalationLevel, Milestone
    from workflows.ticket_access import Ticket


class SlaTimer:
    """One durable timer for the nearest SLA milestone, re-planned whenever the clocks change
    (status, priority, policy) instead of polling."""

    def __init__(self, ticket: Ticket) -> None:
        self._ticket = ticket

    async def run(self) -> None:
        t = self._ticket
        while t.state.status != "closed":
            version = t.sla_version
            milestone = sla.next_milestone(t.state.sla)
            changed = lambda: t.sla_version != version or t.state.status == "closed"  # noqa: E731  # a named condition for wait_condition, read where it is used
            if milestone is None:
                await workflow.wait_condition(changed)
                continue
            delay = (milestone.due_at - workflow.now()).total_seconds()
            if delay > 0:
                try:
                    await workflow.wait_condition(changed, timeout=delay, timeout_summary=_summary(milestone))
                    continue  # the clocks changed first: re-plan
                except TimeoutError:
                    pass
            if t.sla_version == version:
                self.fire_due()

    def fire_due(self) -> None:
        """Fire every milestone due by now, in order, as one step (a breach and its level 1
        come due together). A level that moves the ticket to a team has it routed there, and
        this step's notices wait for that, so the new assignee is the one told."""
        t, now = self._ticket, workflow.now()
        told: list[NotifyInput] = []
        reroute: EscalationLevel | None = None
        while (m := sla.next_milestone(t.state.sla)) is not None and m.due_at <= now:
            level = clocks.escalation_level(t.state, m)  # under the terms of the clock that breached
            to = recipients(t.state, m, level)
            seq = t.apply(SlaMilestoneReached(actor=SYSTEM, milestone=m, fired_at=now))
            if level is not None and level.reassign_team and not level.reassign_agent:
                reroute = level
            if to:
                # The team roles are settled now: for an escalation, the team that held the
                # ticket when its clock breached (clocks.milestone_team).
                told.append(notice(t.state, m, seq, to, clocks.milestone_team(t.state, m)))
        if reroute is not None:
            t.queue([], Reroute(f"escalation level {reroute.level}", team=reroute.reassign_team, notices=told))
        else:
            t.queue(told)


class ClosingTimers:
    """A resolved ticket waits for its customer's confirmation and closes itself when the
    policy's period passes without one; a closed ticket waits for its survey's answer or expiry."""

    def __init__(self, ticket: Ticket) -> None:
        self._ticket = ticket

    async def confirmation(self) -> None:
        t = self._ticket
        while t.state.status != "closed":
            await workflow.wait_condition(lambda: t.state.confirmation_due_at is not None or t.state.status == "closed")
            due = t.state.confirmation_due_at
            if due is None:
                return
            delay = (due - workflow.now()).total_seconds()
            if delay > 0:
                try:
                    await workflow.wait_condition(
                        lambda: t.state.confirmation_due_at != due, timeout=delay,
                        timeout_summary=f"confirmation of #{t.state.number} awaited until {due:%Y-%m-%d %H:%M:%S} UTC")
                    continue  # confirmed, rejected, reopened or closed meanwhile
                except TimeoutError:
                    pass
            s = t.state
            if s.confirmation_due_at == due and s.status == "resolved" and s.resolved_at is not None:
                t.apply(AutoClosed(actor=SYSTEM, waited_seconds=round((workflow.now() - s.resolved_at).total_seconds())))

    async def survey(self) -> None:
        t = self._ticket
        while closing.survey_open(t.state):
            survey = t.state.survey
            assert survey is not None
            delay = (survey.expires_at - workflow.now()).total_seconds()
            if delay > 0:
                try:
                    await workflow.wait_condition(
                        lambda: not closing.survey_open(t.state), timeout=delay,
                        timeout_summary=f"survey of #{t.state.number} open until {survey.expires_at:%Y-%m-%d %H:%M:%S} UTC")
                    continue
                except TimeoutError:
                    pass
            if closing.survey_open(t.state):
                t.apply(SurveyExpired(actor=SYSTEM))


def _summary(m: Milestone) -> str:
    return f"SLA {m.clock.replace('_', ' ')} {m.kind} {label(m)} due {m.due_at:%Y-%m-%d %H:%M:%S} UTC"


def label(m: Milestone) -> str:
    return {"warning": f"{m.n}%", "breach": "", "escalation": f"level {m.n}"}[m.kind]


def recipients(state: TicketState, m: Milestone, level: EscalationLevel | None) -> list[str]:
    policy = clocks.milestone_terms(state, m)
    if m.kind == "warning" and policy is not None:
        return next((list(w.notify) for w in policy.warnings if w.percent == m.n), [])
    if m.kind == "breach":
        return ["assignee"]
    return list(level.notify) if level is not None else []


def notice(s: TicketState, m: Milestone, seq: int, recipients: list[str], team: str | None) -> NotifyInput:
    return NotifyInput(number=s.number, seq=seq, kind=f"sla_{m.kind}", recipients=recipients, assignee=s.assignee,
                       team=team, subject=f"[#{s.number}] SLA {m.clock.replace('_', ' ')} {m.kind} {label(m)}: {s.subject}",
                       data={"milestone": m.id, "due_at": m.due_at.isoformat(), "priority": s.priority, "clock": m.clock,
                             "kind": m.kind, "label": label(m), "ticket": notices.ticket_data(s)})

