"""The search backend on PostgreSQL: the generated tsvector `tsv` (the title at weight A, the
body at B, the `english` configuration's stemming) behind a GIN index, websearch_to_tsquery,
ts_rank (A counts 1.0, B 0.4), ts_headline for snippets. Typo candidates: the indexed words
nearest by trigrams (pg_trgm's % and <-> on search_words, through its GIN trigram index),
called in the schema the extension lives in, whatever the search_path."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, bindparam, func, literal_column, select, text
from sqlalchemy.orm import Session

from models.search.tables import documents as D
from models.search.text import START, STOP, Query

CONFIG: Any = literal_column("'english'::regconfig")
TSV: Any = literal_column("search_documents.tsv")
HEADLINE = f'StartSel="{START}", StopSel="{STOP}", MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "'
CANDIDATES = 20
NEWEST: Any = D.c.id  # a common word: the primary key read backwards, filtered
# The text is not HTML: a '<' is followed by a space before parsing (as the generated column
# does, migration 0021), else the parser drops `<word ...>` as a tag and its words with it.
UNTAG = "< "


def websearch(q: Query) -> str:
    """The parsed query written back for websearch_to_tsquery (so both backends read a query alike)."""
    def phrase(words: list[str]) -> str:
        return '"' + " ".join(words) + '"'

    out = " or ".join(" ".join(phrase(p) for p in group) for group in q.groups)
    return out + "".join(f" -{phrase(p)}" for p in q.excluded)


def _tsquery(q: Query, name: str | None = None) -> Any:
    return func.websearch_to_tsquery(CONFIG, bindparam(name, websearch(q), type_=Text))


def match(q: Query) -> tuple[Any, Any, Any]:
    tsq = _tsquery(q)
    return D, TSV.op("@@")(tsq), func.ts_rank(TSV, tsq)


def snippets(s: Session, ids: list[int], q: Query) -> dict[int, str]:
    source = func.replace(func.coalesce(func.nullif(D.c.body, ""), D.c.title), "<", UNTAG)
    stmt = select(D.c.id, func.ts_headline(CONFIG, source, _tsquery(q, "q"), HEADLINE)).where(D.c.id.in_(ids))
    return {id_: snippet.replace(UNTAG, "<") for id_, snippet in s.execute(stmt)}


def trigram_schema(s: Session) -> str:
    schema = s.scalar(text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                           "WHERE e.extname = 'pg_trgm'"))
    if schema is None:
        raise RuntimeError("the pg_trgm extension is not installed (docs/search.md): CREATE EXTENSION pg_trgm")
    return str(schema)


def candidates(s: Session, word: str) -> list[str]:
    ext = '"' + trigram_schema(s).replace('"', '""') + '"'
    stmt = text(f"SELECT word FROM search_words WHERE word OPERATOR({ext}.%) :w "
                f"ORDER BY word OPERATOR({ext}.<->) :w LIMIT {CANDIDATES}")
    return list(s.scalars(stmt, {"w": word}))
