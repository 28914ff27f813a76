"""Tickets: the agents' operations on tickets (routes.py: create, list, view, act, reply,
events; attachments.py; audit.py: timelines, exports and archived histories), their request and
answer bodies (schemas.py, actions.py: derived from the workflow's actions), and the services
the other domains share to reach a ticket: the Temporal gateway (gateway.py), idempotent
creation (intake.py), team scope (scope.py), downloads and split/merge checks (links.py)."""
