"""What both backends share about text: cleaning what is indexed, the words of a query, the
snippet's markers and their escaping, and the typo tolerance's choice of a correction."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

# The snippet functions (FTS5's snippet, PostgreSQL's ts_headline) put these around a match;
# they are private-use characters, removed from everything indexed, so the only ones in a
# snippet are theirs. The text is HTML-escaped first, then they become <mark> and </mark>.
START, STOP = "\ue000", "\ue001"
_UNSAFE = re.compile("[\ue000\ue001\x00-\x08\x0b\x0c\x0e-\x1f]")
WORD = re.compile(r"[^\W_]+")  # letters and digits, as FTS5's unicode61 splits them
MAX_QUERY_CHARS = 200
VOCABULARY_WORD = (3, 40)  # the lengths of the words kept for the typo tolerance


def clean(text: str) -> str:
    return _UNSAFE.sub(" ", text)


def marked_html(snippet: str) -> str:
    """A snippet as HTML: the text escaped, only <mark> added."""
    return html.escape(snippet, quote=True).replace(START, "<mark>").replace(STOP, "</mark>")


def vocabulary(*texts: str) -> set[str]:
    """The words of `texts` kept for correcting typos: lower case, with a letter, not too long."""
    low, high = VOCABULARY_WORD
    return {w for t in texts for w in WORD.findall(t.lower())
            if low <= len(w) <= high and not w.isdigit()}


@dataclass
class Query:
    """A query as websearch_to_tsquery reads one: words (all of them), "a phrase", `or`, -word."""

    groups: list[list[list[str]]] = field(default_factory=list)  # OR of AND of phrases (a phrase: its words)
    excluded: list[list[str]] = field(default_factory=list)

    def words(self) -> list[str]:
        return [w for g in self.groups for p in g for w in p]


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse(query: str) -> Query:
    q = Query()
    current: list[list[str]] = []
    for m in _TOKEN.finditer(query[:MAX_QUERY_CHARS * 2]):
        negated, phrase, bare = m.group(1), m.group(2), m.group(3)
        if bare is not None and bare.lower() == "or":
            if current:
                q.groups.append(current)
                current = []
            continue
        if bare is not None and bare.startswith("-"):
            negated, bare = "-", bare[1:]
        words = WORD.findall((phrase if phrase is not None else bare).lower())
        if not words:
            continue
        (q.excluded if negated else current).append(words)
    if current:
        q.groups.append(current)
    return q


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment): edits, a swap of neighbours counting one."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def best_correction(word: str, candidates: list[str]) -> str | None:
    """The closest candidate within one edit (two for words of six letters or more); among
    equals, one the word is a subsequence of (a letter left out is the commonest typo), then
    the one sharing the longest start, then the shortest."""
    allowed = 1 if len(word) < 6 else 2
    scored = []
    for c in candidates:
        if c == word:
            continue
        d = distance(word, c)
        if d <= allowed:
            common = len(next((word[:i] for i in range(min(len(word), len(c)), 0, -1) if word[:i] == c[:i]), ""))
            scored.append((d, not _subsequence(word, c), -common, len(c), c))
    return min(scored)[-1] if scored else None


def replace_word(query: str, word: str, by: str) -> str:
    return re.sub(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", by, query, flags=re.IGNORECASE)
