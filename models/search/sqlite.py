"""The search backend on SQLite: FTS5 (`search_fts`, an external-content table over
search_documents' title and body, porter stemming on unicode61 words), ranked by bm25 with the
title weighing ten times the body, snippets by FTS5's snippet(). Typo candidates: the indexed
words with the same first letter and a length within two, measured in Python."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Text, bindparam, case, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from models.search.tables import documents as D
from models.search.tables import words as W
from models.search.text import START, STOP, Query

TITLE_WEIGHT = 10.0
SNIPPET_TOKENS = 16
FTS = table("search_fts", column("rowid", Integer), column("title", Text), column("body", Text))
_FTS: Any = literal_column("search_fts")
NEWEST: Any = FTS.c.rowid  # FTS5 reads its matches in rowid order: newest first without a sort


def expression(q: Query) -> str:
    """The query in FTS5's syntax: every word quoted (no operator or column filter can come in
    from the user), phrases kept, `or` between groups, excluded phrases NOT."""
    def phrase(words: list[str]) -> str:
        return '"' + " ".join(words) + '"'

    expr = " OR ".join("(" + " AND ".join(phrase(p) for p in group) + ")" for group in q.groups)
    if q.excluded:
        expr = f"({expr}) NOT ({' OR '.join(phrase(p) for p in q.excluded)})"
    return expr


def match(q: Query) -> tuple[Any, Any, Any]:
    """(the FROM, the condition that a document matches, its score: higher is better)."""
    source = D.join(FTS, FTS.c.rowid == D.c.id)
    return source, _FTS.op("MATCH")(bindparam(None, expression(q), type_=Text)), -func.bm25(_FTS, TITLE_WEIGHT, 1.0)


def snippets(s: Session, ids: list[int], q: Query) -> dict[int, str]:
    def snippet(col: int) -> Any:
        return func.snippet(_FTS, col, START, STOP, "…", SNIPPET_TOKENS)

    text_of = case((FTS.c.body == "", snippet(0)), else_=snippet(1))  # the body's, or the title's if none
    stmt = (select(FTS.c.rowid, text_of).select_from(FTS)
            .where(_FTS.op("MATCH")(bindparam(None, expression(q), type_=Text)), FTS.c.rowid.in_(ids)))
    return {rowid: snippet for rowid, snippet in s.execute(stmt)}


def candidates(s: Session, word: str) -> list[str]:
    first = word[0]
    return list(s.scalars(select(W.c.word).where(W.c.word >= first, W.c.word < chr(ord(first) + 1),
                                                 func.length(W.c.word).between(len(word) - 2, len(word) + 2))))


