"""Offline evaluation on MovieLens-format files, through the code the app runs.

``mediacenter recs-eval --train TRAIN.csv --test TEST.csv`` and ``benchmarks/recs.py`` call
:func:`evaluate_files`: the training ratings become signals with the app's own rule
(:func:`~mediacenter.recommend.signals.rating_strength`), the model is fitted by
:func:`~mediacenter.recommend.model.fit_model` and every test user is ranked by
:class:`~mediacenter.recommend.scoring.Ranker`, the page's scorer; ``movies.csv`` beside the
training file (when present) gives the content index its genres, titles and years.

The protocol is the usual one for top-N: every test rating of a user counts as relevant, titles
the user rated in training are never recommended, ``k`` recommendations per test user.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediacenter.recommend.content import CatalogIndex, ItemMeta, build_index
from mediacenter.recommend.model import Interaction, RecModel, SvdParams
from mediacenter.recommend.scoring import DEFAULT_WEIGHTS, HistoryItem, Ranker, Weights
from mediacenter.recommend.signals import rating_strength
from mediacenter.recommend.tuning import fit_tuned

MAX_CSV_BYTES = 1 << 30
_YEAR = re.compile(r"\((\d{4})\)\s*$")


class EvalInputError(ValueError):
    """A ratings or movies file that cannot be used, with the line at fault."""


@dataclass(frozen=True)
class Rating:
    user: int
    item: int
    stars: float
    at: float


def read_ratings(path: str | Path) -> list[Rating]:
    """``userId,movieId,rating,timestamp`` rows (header required, extra columns ignored)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise EvalInputError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    if size > MAX_CSV_BYTES:
        raise EvalInputError(f"{path} is larger than 1 GiB; refusing to load it")
    out: list[Rating] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            try:
                cu, ci, cr = (header.index(h) for h in ("userId", "movieId", "rating"))
            except ValueError:
                raise EvalInputError(
                    f"{path}: expected a header with userId,movieId,rating[,timestamp], got "
                    f"{','.join(header)[:80]!r}"
                ) from None
            ct = header.index("timestamp") if "timestamp" in header else None
            for line, row in enumerate(reader, start=2):
                if not row or not "".join(row).strip():
                    continue
                try:
                    stars = float(row[cr])
                    if not 0.0 <= stars <= 5.0:
                        raise ValueError("rating outside 0-5")
                    out.append(Rating(int(row[cu]), int(row[ci]), stars,
                                      float(row[ct]) if ct is not None else 0.0))
                except (ValueError, IndexError) as exc:
                    raise EvalInputError(f"{path}, line {line}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise EvalInputError(f"{path} is not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise EvalInputError(f"{path}: {exc}") from None
    return out


def read_movies(path: str | Path) -> list[ItemMeta]:
    """``movieId,title,genres`` (MovieLens ``movies.csv``) as content items."""
    out: list[ItemMeta] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            for line, row in enumerate(reader, start=2):
                try:
                    mid = int(row["movieId"])
                except (KeyError, TypeError, ValueError):
                    raise EvalInputError(f"{path}, line {line}: no usable movieId") from None
                title = (row.get("title") or "").strip()
                m = _YEAR.search(title)
                genres = tuple(g for g in (row.get("genres") or "").split("|")
                               if g and g != "(no genres listed)")
                out.append(ItemMeta(id=mid, key=f"ml:{mid}", title=title,
                                    year=int(m.group(1)) if m else None, genres=genres))
    except OSError as exc:
        raise EvalInputError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise EvalInputError(f"{path} is not UTF-8 text ({exc.reason})") from None
    return out


# -- metrics ---------------------------------------------------------------------------------


def ranking_metrics(recs: Mapping[int, Sequence[int]], relevant: Mapping[int, set[int]], k: int,
                    catalog_size: int) -> dict[str, float]:
    """Mean P@k, R@k, NDCG@k (binary gains), HR@k over the users of ``relevant``, and catalog
    coverage: distinct titles recommended / ``catalog_size``."""
    users = [u for u in relevant if relevant[u]]
    if not users:
        return {"users": 0, f"precision@{k}": 0.0, f"recall@{k}": 0.0, f"ndcg@{k}": 0.0,
                f"hit_rate@{k}": 0.0, "coverage": 0.0}
    p = r = ndcg = hr = 0.0
    shown: set[int] = set()
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for u in users:
        top = list(recs.get(u, ()))[:k]
        shown.update(top)
        hits = [1.0 if i in relevant[u] else 0.0 for i in top]
        n_hit = sum(hits)
        p += n_hit / k
        r += n_hit / len(relevant[u])
        hr += 1.0 if n_hit else 0.0
        dcg = float(np.dot(hits, discounts[:len(hits)]))
        idcg = float(discounts[:min(k, len(relevant[u]))].sum())
        ndcg += dcg / idcg
    n = len(users)
    return {
        "users": n,
        f"precision@{k}": round(p / n, 4),
        f"recall@{k}": round(r / n, 4),
        f"ndcg@{k}": round(ndcg / n, 4),
        f"hit_rate@{k}": round(hr / n, 4),
        "coverage": round(len(shown) / catalog_size, 4) if catalog_size else 0.0,
    }


# -- the app's recommender on MovieLens ------------------------------------------------------


@dataclass
class Fitted:
    """The recommender fitted on a training file: ready to rank any of its users."""

    index: CatalogIndex
    model: RecModel
    ranker: Ranker
    history: dict[int, list[HistoryItem]]
    seen: dict[int, np.ndarray]
    fit_seconds: float
    popularity: np.ndarray  # ratings per index row in the training file

    def with_weights(self, weights: Weights) -> Fitted:
        """The same fit ranked with other scoring settings (no refit)."""
        return dataclasses.replace(
            self, ranker=Ranker(self.index, self.model, self.popularity, weights=weights))


def catalog_for(train: Sequence[Rating], movies: Sequence[ItemMeta] | None) -> CatalogIndex:
    """The items that can be recommended: every movie of ``movies.csv`` (or, without it, every
    rated movie), with content features when ``movies.csv`` gave any."""
    known = {m.id: m for m in movies or ()}
    for r in train:
        if r.item not in known:
            known[r.item] = ItemMeta(id=r.item, key=f"ml:{r.item}")
    return build_index([known[i] for i in sorted(known)])


def history_of(ratings: Iterable[Rating], index: CatalogIndex, now: float
               ) -> dict[int, list[HistoryItem]]:
    """Each user's ratings as the scorer's history, with the app's strength and recency."""
    from mediacenter.recommend.signals import recency_weight

    out: dict[int, list[HistoryItem]] = defaultdict(list)
    for r in ratings:
        row = index.pos.get(r.item)
        if row is not None:
            out[r.user].append(HistoryItem(row, rating_strength(r.stars),
                                           recency_weight(r.at, now)))
    return out


def fit_on(train: Sequence[Rating], movies: Sequence[ItemMeta] | None, *,
           params: SvdParams | None = None, weights: Weights = DEFAULT_WEIGHTS,
           progress: Callable[[str, float], None] | None = None) -> Fitted:
    """Fit the app's recommender on MovieLens-format ratings."""
    t0 = time.perf_counter()
    index = catalog_for(train, movies)
    interactions = [Interaction(r.user, r.item, rating_strength(r.stars)) for r in train]
    model = fit_tuned(interactions, index.ids, index.keys, params=params, progress=progress)
    now = max((r.at for r in train), default=0.0)
    history = history_of(train, index, now)
    popularity = np.zeros(len(index))
    for r in train:
        popularity[index.pos[r.item]] += 1
    ranker = Ranker(index, model, popularity, weights=weights)
    seen = {u: np.array(sorted({h.row for h in hs}), dtype=np.int64)
            for u, hs in history.items()}
    return Fitted(index, model, ranker, dict(history), seen, time.perf_counter() - t0,
                  popularity)


def recommend_for(fitted: Fitted, user: int, k: int) -> list[int]:
    """Top-``k`` movie ids for a training user (seen titles excluded)."""
    scores = fitted.ranker.score(fitted.history.get(user, ()))
    exclude = np.zeros(len(fitted.index), dtype=bool)
    if user in fitted.seen:
        exclude[fitted.seen[user]] = True
    return [int(fitted.index.ids[r]) for r in scores.top(k, exclude)]


def evaluate_ratings(train: Sequence[Rating], test: Sequence[Rating],
                     movies: Sequence[ItemMeta] | None, *, k: int = 10,
                     params: SvdParams | None = None,
                     weights: Weights = DEFAULT_WEIGHTS) -> dict[str, float]:
    """Fit on ``train``, rank every user of ``test``, report the metrics and fit seconds."""
    if k <= 0:
        raise EvalInputError("k must be a positive number")
    fitted = fit_on(train, movies, params=params, weights=weights)
    relevant: dict[int, set[int]] = defaultdict(set)
    for r in test:
        relevant[r.user].add(r.item)
    t0 = time.perf_counter()
    recs = {u: recommend_for(fitted, u, k) for u in relevant}
    rank_s = time.perf_counter() - t0
    out: dict[str, float] = dict(ranking_metrics(recs, relevant, k, len(fitted.index)))
    out["fit_seconds"] = round(fitted.fit_seconds, 3)
    out["rank_ms_per_user"] = round(1000 * rank_s / max(1, len(relevant)), 3)
    out["train_ratings"] = len(train)
    out["test_ratings"] = len(test)
    out["catalog"] = len(fitted.index)
    return out


def evaluate_files(train_csv: str | Path, test_csv: str | Path, *, k: int = 10,
                   movies_csv: str | Path | None = None) -> dict[str, float]:
    """``recs-eval``: files in, metrics out. ``movies.csv`` beside ``train_csv`` is used when
    ``movies_csv`` is not given and it exists."""
    train = read_ratings(train_csv)
    test = read_ratings(test_csv)
    if not train:
        raise EvalInputError(f"{train_csv} holds no ratings")
    if movies_csv is None:
        beside = Path(train_csv).with_name("movies.csv")
        movies_csv = beside if beside.is_file() else None
    movies = read_movies(movies_csv) if movies_csv else None
    out = evaluate_ratings(train, test, movies, k=k)
    out["movies_csv"] = str(movies_csv) if movies_csv else None  # type: ignore[assignment]
    return out


def split_per_user(ratings: Sequence[Rating], fraction: float = 0.2, seed: int = 42
                   ) -> tuple[list[Rating], list[Rating]]:
    """Hold out ``fraction`` of each user's ratings at random (seeded): the benchmark's split."""
    import random

    by_user: dict[int, list[Rating]] = defaultdict(list)
    for r in ratings:
        by_user[r.user].append(r)
    rng = random.Random(seed)
    train: list[Rating] = []
    test: list[Rating] = []
    for u in sorted(by_user):
        rows = by_user[u][:]
        rng.shuffle(rows)
        n = max(1, round(len(rows) * fraction)) if len(rows) > 1 else 0
        test += rows[:n]
        train += rows[n:]
    return train, test


