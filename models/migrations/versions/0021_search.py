"""one search over tickets' conversations and the knowledge base (docs/search.md)

SQLite: search_documents and, over its title and body, the FTS5 table search_fts (porter
stemming on unicode61 words), kept in step by triggers. PostgreSQL: search_documents with a
generated tsvector (each '<' followed by a space: the parser would drop
`<word ...>` as an HTML tag, and a customer's text is not HTML) and its GIN index; pg_trgm (installed if missing) for the trigram index on
search_words. Both: what the read model already has is indexed (tickets and their events'
text), so an upgraded desk finds its old tickets.

Revision ID: 0021
Revises: 0020
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

BACKFILL_BATCH = 500

SQLITE = [
    """CREATE TABLE search_documents (
        id INTEGER NOT NULL PRIMARY KEY, kind VARCHAR(10) NOT NULL, ref INTEGER NOT NULL, part VARCHAR(40) NOT NULL,
        audience VARCHAR(10) NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,
        CONSTRAINT uq_search_documents_part UNIQUE (kind, ref, part))""",
    """CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END""",
    """CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END""",
    """CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
        INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END""",
    "CREATE TABLE search_words (word VARCHAR(40) NOT NULL PRIMARY KEY) WITHOUT ROWID",
]

POSTGRESQL = [
    """CREATE TABLE search_documents (
        id BIGSERIAL PRIMARY KEY, kind VARCHAR(10) NOT NULL, ref INTEGER NOT NULL, part VARCHAR(40) NOT NULL,
        audience VARCHAR(10) NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, replace(title, '<', '< ')), 'A')
                                          || setweight(to_tsvector('english'::regconfig, replace(body, '<', '< ')), 'B')) STORED,
        CONSTRAINT uq_search_documents_part UNIQUE (kind, ref, part))""",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
    "CREATE TABLE search_words (word VARCHAR(40) NOT NULL PRIMARY KEY)",
]


def _trigram_schema(bind) -> str:
    """Where pg_trgm is, installing it if it is not (in `public` when there is one, so that it
    outlives any one schema of the desk's; it is a trusted extension: a database owner may)."""
    find = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                   "WHERE e.extname = 'pg_trgm'")
    schema = bind.execute(find).scalar()
    if schema is None:
        has_public = bind.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).scalar()
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm" + (" SCHEMA public" if has_public else "")))
        schema = bind.execute(find).scalar()
    return '"' + schema.replace('"', '""') + '"'


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in POSTGRESQL:
            op.execute(statement)
        op.execute(f"CREATE INDEX ix_search_words_trgm ON search_words USING gin (word {_trigram_schema(bind)}.gin_trgm_ops)")
    else:
        for statement in SQLITE:
            op.execute(statement)
    _backfill(bind)


def _backfill(bind) -> None:
    """Index every ticket the read model has, a batch of tickets at a time, with the code that
    indexes them as they are projected (models/search)."""
    from models.search import index
    from models.search.tickets import TEXT_EVENTS, event_documents, ticket_document

    tickets = sa.table("tickets", sa.column("number"), sa.column("subject"), sa.column("description"))
    events = sa.table("ticket_events", sa.column("number"), sa.column("seq"), sa.column("kind"), sa.column("data", sa.JSON))
    s = Session(bind=bind)
    last = None
    while True:
        q = sa.select(tickets.c.number, tickets.c.subject, tickets.c.description).order_by(tickets.c.number)
        batch = s.execute((q.where(tickets.c.number > last) if last is not None else q).limit(BACKFILL_BATCH)).all()
        if not batch:
            break
        numbers = [b.number for b in batch]
        texts: dict[int, list] = {}
        for e in s.execute(sa.select(events.c.number, events.c.seq, events.c.kind, events.c.data)
                           .where(events.c.number.in_(numbers), events.c.kind.in_(sorted(TEXT_EVENTS)))):
            texts.setdefault(e.number, []).append((e.seq, e.kind, e.data))
        docs = [ticket_document(b.number, b.subject, b.description or "") for b in batch]
        for number, evs in texts.items():
            docs += event_documents(number, evs)
        index(s, docs)
        last = numbers[-1]
    s.flush()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.execute("DROP TABLE IF EXISTS search_words")
    op.execute("DROP TABLE IF EXISTS search_documents")
