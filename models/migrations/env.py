"""Alembic environment: runs on the connection `models.migrate` hands it."""

from alembic import context

from models.tables import Base
import models.alerts  # puts alert_groups on Base.metadata
import models.mail  # puts mail_messages, attachments, inbound_mail on Base.metadata
import models.webhooks  # puts webhooks on Base.metadata
import models.search.tables  # puts search_documents and search_words on Base.metadata
import models.portal  # puts used_links on Base.metadata
import models.audit.archive  # puts audit_archives on Base.metadata
import models.action_keys  # puts action_keys on Base.metadata
import models.notification_preferences  # puts agent_notification_preferences on Base.metadata
import models.macros  # puts macros on Base.metadata
import models.saved_views  # puts saved_views on Base.metadata
import models.presence  # puts ticket_presence on Base.metadata
import models.kb.tables  # puts kb_articles, kb_article_versions, kb_article_files on Base.metadata
import models.kb.usage  # puts kb_views, kb_votes, kb_deflections, kb_ticket_links on Base.metadata
import models.customer_sessions  # puts customer_sessions on Base.metadata
import models.web_sessions  # noqa: F401  # puts web_sessions on Base.metadata (the others bind `models`, used)

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
)
with context.begin_transaction():
    context.run_migrations()
