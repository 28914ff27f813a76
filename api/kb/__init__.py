"""The knowledge base over HTTP (docs/knowledge-base.md): articles, their versions, status moves
and files under /kb; the review reminders' workflow is started from here (reminders.py)."""
