"""A new ticket's intake in one activity (`intake_ticket`, run by TicketV2): triage, then
routing with what triage decided, then the SLA policy for that, each as the activity of its
own does it (activities/triage.py, routing.py, sla_policy.py). One round trip instead of three;
each decision still comes back to the workflow, which records it as its own event."""

from __future__ import annotations

from activities.defn import sync_activity
from activities.routing import RoutingActivities
from activities.sla_policy import SlaPolicyActivities
from activities.triage import TriageActivities
from workflows.activity_io import INTAKE_ACTIVITY, IntakeInput, IntakeResult, RouteInput, SlaPolicyInput


class IntakeActivities:
    def __init__(self, triage: TriageActivities, routing: RoutingActivities, policies: SlaPolicyActivities) -> None:
        self._triage = triage
        self._routing = routing
        self._policies = policies

    @sync_activity(INTAKE_ACTIVITY)
    def intake_ticket(self, inp: IntakeInput) -> IntakeResult:
        t = inp.triage
        triaged = self._triage.triage_ticket(t)
        # Routing is idempotent by its decision key: a retried intake gets the decision made.
        route = self._routing.route_ticket(RouteInput(number=t.number, category=triaged.category, tags=triaged.tags,
                                                      priority=triaged.priority, decision_key=inp.decision_key))
        policy = self._policies.load_sla_policy(SlaPolicyInput(number=t.number, priority=triaged.priority,
                                                               category=triaged.category,
                                                               requester_email=t.requester_email))
        return IntakeResult(triage=triaged, route=route, policy=policy)
