"""Search that forgives typos: "harbr lihgts" finds "Harbor Lights".

The catalog's full-text index (FTS5) matches words and word prefixes exactly; what it finds
comes first. When that is fewer than asked for, a second query forgives typos: each typed word
the index does not have is ORed with the title (and original title) words within a small edit
distance (Damerau: a swap of two neighbouring letters counts as one edit, "lihgts" ->
"lights"), ranked by the index's own bm25.

The words come from the index itself (an ``fts5vocab`` table over ``titles_fts``, created in
the connection's temp schema), cached per connection until the catalog changes
(``PRAGMA data_version`` and the connection's own changes), with each word's corrections
(type-ahead asks for the same words again): a query costs an edit distance per title word of
the same first letter, a few ms for 10,000 titles (``benchmarks/search.py``).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
import weakref
from dataclasses import dataclass, field

_TOKEN = re.compile(r"\w+", re.UNICODE)
_TITLE_COLUMNS = ("title", "original_title")


def fold(word: str) -> str:
    """A word as the index stores it: lower case, accents removed (FTS5's unicode61 with
    remove_diacritics 2)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def max_edits(word: str) -> int:
    """How many edits a word may be off: none for short words (too many near neighbours),
    one up to five letters, two from six."""
    n = len(word)
    return 0 if n <= 3 else 1 if n <= 5 else 2


def edit_distance(a: str, b: str, limit: int, *, prefix: bool = False) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours) of
    ``a`` and ``b`` — with ``prefix``, of ``a`` and the nearest start of ``b`` — or
    ``limit + 1`` as soon as it is certain to exceed ``limit``."""
    if prefix:
        b = b[:len(a) + limit]
    elif abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = i
        ai = a[i - 1]
        for j in range(1, len(b) + 1):
            cost = 0 if ai == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < best:
                best = v
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    # The last row holds the distance of ``a`` to every start of ``b``.
    return min(prev) if prefix else prev[len(b)]


@dataclass
class _Vocabulary:
    version: tuple[int, int]
    words: set[str]  # every word of every column
    by_first: dict[str, list[str]] = field(default_factory=dict)  # title words by 1st letter
    found: dict[tuple[str, bool], list[str]] = field(default_factory=dict)  # corrections


_CACHE: weakref.WeakKeyDictionary[sqlite3.Connection, _Vocabulary] = \
    weakref.WeakKeyDictionary()


def _version(conn: sqlite3.Connection) -> tuple[int, int]:
    return int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes


def _vocabulary(conn: sqlite3.Connection) -> _Vocabulary:
    version = _version(conn)
    hit = _CACHE.get(conn)
    if hit is not None and hit.version == version:
        return hit
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.titles_fts_terms "
                 "USING fts5vocab(main, titles_fts, col)")
    every: set[str] = set()
    by_first: dict[str, set[str]] = {}
    for term, col in conn.execute("SELECT term, col FROM temp.titles_fts_terms"):
        every.add(term)
        if col in _TITLE_COLUMNS and len(term) > 1:
            by_first.setdefault(term[0], set()).add(term)
    vocab = _Vocabulary(_version(conn), every, {k: sorted(v) for k, v in by_first.items()})
    _CACHE[conn] = vocab
    return vocab


def corrections(conn: sqlite3.Connection, word: str, *, partial: bool = False,
                limit: int = 6) -> list[str]:
    """Title words within :func:`max_edits` of ``word`` (folded), nearest first, at most
    ``limit``; none for a word the index has. ``partial``: the word is still being typed (the
    last one of a type-ahead query), so the start of a longer word counts too ("lihgt" ->
    "lights")."""
    word = fold(word)
    k = max_edits(word)
    vocab = _vocabulary(conn)
    if k == 0 or word in vocab.words:
        return []
    key = (word, partial)
    hit = vocab.found.get(key)
    if hit is not None:
        return hit
    # Same first letter, or its first two letters swapped ("ahrbor"): the typos people make
    # rarely change the first letter, and this keeps the candidates few.
    # Each edit loses at most one of the word's letters: a word with more than k letters
    # the candidate lacks is never within k, which spares most edit distances.
    n = len(word)
    letters = set(word)
    found: list[tuple[int, int, str]] = []
    for first in dict.fromkeys(word[:2]):
        for term in vocab.by_first.get(first, ()):
            if abs(len(term) - n) <= k and len(letters.difference(term)) <= k:
                d = edit_distance(word, term, k)
                if d <= k:
                    found.append((d, 0, term))
                    continue
            if partial and len(term) > n and \
                    len(letters.difference(term[:n + k])) <= k:
                d = edit_distance(word, term, k, prefix=True)
                if d <= k:
                    found.append((d, 1, term))
    found.sort()
    out = vocab.found[key] = [t for _d, _p, t in found[:limit]]
    return out


def forgiving_query(conn: sqlite3.Connection, text: str) -> str | None:
    """The FTS5 query that forgives typos in ``text``: each word as a prefix ORed with its
    corrections (the last word's as it is still being typed), ANDed; None when no word has a
    correction (the plain prefix query says it all)."""
    tokens = _TOKEN.findall(text)
    groups, corrected = [], False
    for i, token in enumerate(tokens):
        fixes = corrections(conn, token, partial=i == len(tokens) - 1)
        corrected |= bool(fixes)
        alternatives = [f'"{token}"*'] + [f'"{c}"' for c in fixes]
        groups.append(alternatives[0] if len(alternatives) == 1
                      else "(" + " OR ".join(alternatives) + ")")
    return " AND ".join(groups) if corrected else None
