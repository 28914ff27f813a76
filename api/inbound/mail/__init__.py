"""E-mail in: parse a raw message, tell robots from people, thread replies into tickets,
keep attachments; one service (inbound.MailIntake) behind the HTTP endpoint and the SMTP
listener. See docs/email.md."""
