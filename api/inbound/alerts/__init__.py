"""Alertmanager in: its payload (alertmanager.py), one ticket per alert group (groups.py), and
the webhook route (routes.py). See docs/alerts.md."""
