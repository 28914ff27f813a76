"""Configuration and the organisation: teams, agents and tokens (directory.py), availability and
queues, routing, SLA policies and calendars, triage rules, webhooks and the outbox, and the
health check. Each module is one router with its bodies (`*_schemas.py`)."""
