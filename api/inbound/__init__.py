"""What comes in from outside: e-mail (mail/: the HTTP endpoint and the SMTP listener) and
monitoring alerts (alerts/: Alertmanager's webhook, one ticket per alert group)."""
