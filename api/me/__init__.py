"""The caller's own settings, whatever their role: which notices they are mailed
(routes.py; the service is models/notification_preferences.py, which the web console uses too)."""
