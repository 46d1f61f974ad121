#!/usr/bin/env python3
"""Search that forgives typos, on a 10,000-title catalog: how often the wanted title is found,
and how fast, against the exact search beside it and a naive fuzzy matcher.

Usage: benchmarks/search.py [--movies ../shared/data/movielens-small/movies.csv]
                            [--titles 10000] [--queries 300] [--seed 7] [--json]

The catalog holds real film titles (MovieLens' movies.csv, 9,742 of them; padded with generated
ones up to --titles), written the way the library writer stores them (titles + FTS row). The
queries are made from titles picked at random (seeded): one or two of their words, each word of
five letters or more given one typo of the kinds people make (a letter dropped, doubled,
replaced by a keyboard neighbour, two neighbours swapped); the same words without typos make
the clean queries. Nothing here was used to choose the app's rules (edit limits by word
length were set beforehand).

Systems, each asked for 5 results per query:
* app       db.catalog.search (the forgiving search the app runs);
* exact     db.catalog.search(forgiving=False): the same index, prefixes only (the search
            before typos were forgiven);
* difflib   difflib.get_close_matches over every title (a naive fuzzy matcher, no index).
Timings: one untimed pass of each first (the app's word list warm, the index's pages cached),
then per query the app and the exact search back to back, the order alternating; difflib once
per query. The word list's build after a catalog change is timed on its own (``vocab_build_ms``).
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mediacenter.db import open_db  # noqa: E402
from mediacenter.db.catalog import search  # noqa: E402
from mediacenter.db.fuzzy import _vocabulary, fold  # noqa: E402
from mediacenter.db.tx import transaction  # noqa: E402
from mediacenter.recommend.synthetic import WORDS, add_title  # noqa: E402

DEFAULT_MOVIES = HERE.parent.parent / "shared/data/movielens-small/movies.csv"
_YEAR = re.compile(r"^(.*?)\s*\((\d{4})\)\s*$")
_NEIGHBOURS = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}
TARGETS = {"typo_hit5": 0.9, "app_p95_ms": 50.0, "vocab_build_ms": 500.0}


def load_titles(path: Path, n: int, rng: random.Random) -> list[tuple[str, int | None, list[str]]]:
    out: list[tuple[str, int | None, list[str]]] = []
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            m = _YEAR.match(row["title"])
            title, year = (m.group(1), int(m.group(2))) if m else (row["title"], None)
            if title.endswith(", The"):
                title = "The " + title[:-5]
            out.append((title, year, [g for g in row["genres"].split("|") if "(" not in g]))
    while len(out) < n:
        words = rng.sample(WORDS, 2)
        out.append((f"{words[0].title()} {words[1].title()} {len(out)}", 2000, []))
    return out[:n]


def typo(word: str, rng: random.Random) -> str:
    """One typo people make, never on the first letter."""
    i = rng.randrange(1, len(word))
    kind = rng.choice(("drop", "double", "neighbour", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "neighbour" and word[i] in _NEIGHBOURS:
        return word[:i] + rng.choice(_NEIGHBOURS[word[i]]) + word[i + 1:]
    if i + 1 < len(word) and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


def make_queries(titles: list[tuple[int, str]], n: int,
                 rng: random.Random) -> list[tuple[int, str, str]]:
    """(title id, clean query, typo query) for ``n`` titles that have a word of 5+ letters."""
    out = []
    pool = [(tid, t) for tid, t in titles
            if any(len(w) >= 5 for w in re.findall(r"[A-Za-z]+", t))]
    for tid, title in rng.sample(pool, n):
        words = sorted(re.findall(r"[A-Za-z]+", title), key=len, reverse=True)[:2]
        clean = " ".join(w.lower() for w in words)
        typos = " ".join(typo(w.lower(), rng) if len(w) >= 5 else w.lower() for w in words)
        out.append((tid, clean, typos))
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--movies", type=Path, default=DEFAULT_MOVIES)
    ap.add_argument("--titles", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "catalog.sqlite3")
        titles = load_titles(args.movies, args.titles, rng)
        with transaction(db):
            ids = [(add_title(db, t, year=y, genres=g, plot=f"A film called {t}.",
                              key=f"movie:{i}"), t)
                   for i, (t, y, g) in enumerate(titles)]
        by_id = dict(ids)
        lowered = {fold(t): tid for tid, t in ids}
        queries = make_queries(ids, args.queries, rng)

        start = time.perf_counter()
        _vocabulary(db.conn)
        vocab_ms = (time.perf_counter() - start) * 1000

        def app(q: str) -> list[int]:
            return [h.row.id for h in search(db, q, limit=5)]

        def exact(q: str) -> list[int]:
            return [h.row.id for h in search(db, q, limit=5, forgiving=False)]

        def naive(q: str) -> list[int]:
            return [lowered[m] for m in difflib.get_close_matches(fold(q), list(lowered), n=5,
                                                                 cutoff=0.5)]

        for _tid, clean, typos in queries[:20]:  # untimed: caches warm for both
            app(typos), exact(typos), app(clean), exact(clean)
        found = {"app": [0, 0], "exact": [0, 0], "difflib": [0, 0]}
        ms: dict[str, list[float]] = {"app": [], "exact": [], "difflib": []}
        ratios = []
        for i, (tid, clean, typos) in enumerate(queries):
            for slot, q in enumerate((typos, clean)):
                timed = {}
                order = (("app", app), ("exact", exact)) if (i + slot) % 2 == 0 else \
                    (("exact", exact), ("app", app))
                for name, fn in order:
                    t0 = time.perf_counter()
                    hits = fn(q)
                    timed[name] = (time.perf_counter() - t0) * 1000
                    found[name][slot] += tid in hits
                for name, v in timed.items():
                    ms[name].append(v)
                ratios.append(timed["app"] / max(timed["exact"], 1e-3))
            t0 = time.perf_counter()
            hits = naive(typos)
            ms["difflib"].append((time.perf_counter() - t0) * 1000)
            found["difflib"][0] += tid in hits
        db.conn.close()
    n = len(queries)
    result = {
        "titles": len(titles),
        "queries": n,
        "typo_hit5": round(found["app"][0] / n, 3),
        "typo_hit5_exact": round(found["exact"][0] / n, 3),
        "typo_hit5_difflib": round(found["difflib"][0] / n, 3),
        "clean_hit5": round(found["app"][1] / n, 3),
        "clean_hit5_exact": round(found["exact"][1] / n, 3),
        "app_p50_ms": round(statistics.median(ms["app"]), 2),
        "app_p95_ms": round(pct(ms["app"], 0.95), 2),
        "exact_p50_ms": round(statistics.median(ms["exact"]), 2),
        "exact_p95_ms": round(pct(ms["exact"], 0.95), 2),
        "difflib_p50_ms": round(statistics.median(ms["difflib"]), 2),
        "app_vs_exact_median_ratio": round(statistics.median(ratios), 2),
        "vocab_build_ms": round(vocab_ms, 1),
        "examples": [{"typed": q, "wanted": by_id[t]} for t, _c, q in queries[:5]],
    }
    result["targets_met"] = bool(
        result["typo_hit5"] >= TARGETS["typo_hit5"]
        and result["clean_hit5"] >= result["clean_hit5_exact"]
        and result["app_p95_ms"] <= TARGETS["app_p95_ms"]
        and result["vocab_build_ms"] <= TARGETS["vocab_build_ms"])
    print(json.dumps(result, indent=None if args.json else 2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
