"""The search index's tables. Migration 0021 makes them, with what each database adds: on
SQLite the FTS5 table `search_fts` over title and body (kept in step by triggers), on
PostgreSQL the generated tsvector column `tsv` with its GIN index, and the trigram index on
`search_words` (pg_trgm)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text, UniqueConstraint

from models.tables import Base

documents = Table(
    "search_documents", Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # ticket | article
    Column("ref", Integer, nullable=False),  # the ticket's number, the article's id
    Column("part", String(40), nullable=False),  # ticket | event:<seq> | article
    Column("audience", String(10), nullable=False),  # public | internal
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("kind", "ref", "part", name="uq_search_documents_part"),
)

# Every word ever indexed (lower case, unstemmed): where a misspelt query word finds its
# correction. Words are never removed: a correction that finds nothing is not offered.
words = Table("search_words", Base.metadata, Column("word", String(40), primary_key=True))
