"""Choosing the SVD's regularisation on the data at hand, when the data is small.

The defaults (:class:`~mediacenter.recommend.model.SvdParams`) were tuned on MovieLens, 66,000
ratings of 600 users. A household, or a small ratings file, is another kind of data: with a
few thousand signals the same SGD over-fits, and on a generated 120-user set a regularisation
five times stronger ranks a third better while on MovieLens it falls to most-popular's level
(benchmarks/README.md). So for data up to :data:`TUNE_MAX_INTERACTIONS` signals,
:func:`fit_tuned` holds out a fifth of the positive signals of every user with enough of them,
fits each candidate of :data:`REG_CANDIDATES` on the rest, keeps the one whose ranking of the
held-out titles is best (NDCG@10, collaborative score alone), and refits on everything. Larger
data keeps the MovieLens setting: each extra fit would cost seconds there.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from mediacenter.recommend.content import ItemMeta, build_index
from mediacenter.recommend.model import Interaction, Progress, RecModel, SvdParams, fit_model
from mediacenter.recommend.scoring import HistoryItem, Ranker, Weights

TUNE_MAX_INTERACTIONS = 30_000
REG_CANDIDATES = (0.02, 0.05, 0.1)
MIN_VALIDATION_USERS = 5
_CF_ONLY = Weights(content=0.0, content_thin=0.0, pop=0.0, pop_floor=0.0, cf_half=1e-9)


def _holdout(interactions: Sequence[Interaction], seed: int
             ) -> tuple[list[Interaction], dict[int, set[int]]]:
    """(training part, held-out positive items per user) - a fifth of each user's positives,
    for users with at least 5 of them."""
    rng = np.random.default_rng(seed)
    by_user: dict[int, list[Interaction]] = defaultdict(list)
    for it in interactions:
        by_user[it.user].append(it)
    train: list[Interaction] = []
    held: dict[int, set[int]] = {}
    for user in sorted(by_user):
        rows = by_user[user]
        positives = [k for k, it in enumerate(rows) if it.target > 0]
        if len(positives) >= 5:
            take = set(rng.choice(positives, max(1, len(positives) // 5), replace=False).tolist())
            held[user] = {rows[k].item for k in take}
            train += [it for k, it in enumerate(rows) if k not in take]
        else:
            train += rows
    return train, held


def _ndcg(model: RecModel, train: Sequence[Interaction], held: dict[int, set[int]],
          k: int = 10) -> float:
    index = build_index([ItemMeta(int(t), str(key)) for t, key in
                         zip(model.item_ids, model.item_keys, strict=True)])
    ranker = Ranker(index, model, weights=_CF_ONLY)
    history: dict[int, list[HistoryItem]] = defaultdict(list)
    for it in train:
        if it.item in index.pos:
            history[it.user].append(HistoryItem(index.pos[it.item], it.target))
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    total = 0.0
    for user, items in held.items():
        scores = ranker.score(history.get(user, ()))
        exclude = np.zeros(len(index), dtype=bool)
        exclude[[h.row for h in history.get(user, ())]] = True
        top = index.ids[scores.top(k, exclude)]
        gains = np.array([1.0 if int(t) in items else 0.0 for t in top])
        ideal = discounts[:min(k, len(items))].sum()
        total += float(gains @ discounts[:len(gains)]) / ideal if ideal else 0.0
    return total / max(1, len(held))


def fit_tuned(
    interactions: Sequence[Interaction],
    item_ids: Sequence[int] | np.ndarray,
    item_keys: Sequence[str],
    *,
    params: SvdParams | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    meta: dict | None = None,
) -> RecModel:
    """:func:`~mediacenter.recommend.model.fit_model`, with the regularisation chosen on a
    held-out part of the data when it is small (see the module doc). The choice and the
    validation scores go into ``model.meta["tuning"]``."""
    base = params or SvdParams()
    n_users = len({it.user for it in interactions})
    if len(interactions) > TUNE_MAX_INTERACTIONS or n_users < MIN_VALIDATION_USERS:
        return fit_model(interactions, item_ids, item_keys, params=base, progress=progress,
                         cancel=cancel, meta=meta)
    train, held = _holdout(interactions, base.seed)
    if len(held) < MIN_VALIDATION_USERS:
        return fit_model(interactions, item_ids, item_keys, params=base, progress=progress,
                         cancel=cancel, meta=meta)
    n = len(REG_CANDIDATES)
    results: dict[str, float] = {}
    best_reg, best_score = base.reg, -math.inf
    for k, reg in enumerate(REG_CANDIDATES):
        def sub(phase: str, f: float, k: int = k) -> None:
            if progress:
                progress(f"choosing settings: {phase}", 0.5 * (k + f) / n)

        candidate = dataclasses.replace(base, reg=reg)
        model = fit_model(train, item_ids, item_keys, params=candidate, progress=sub,
                          cancel=cancel)
        score = _ndcg(model, train, held)
        results[f"{reg:g}"] = round(float(score), 4)
        if score > best_score + 1e-9:
            best_reg, best_score = reg, score

    def final(phase: str, f: float) -> None:
        if progress:
            progress(phase, 0.5 + 0.5 * f)

    tuning = {"reg": best_reg, "validation_ndcg@10": results, "validation_users": len(held)}
    return fit_model(interactions, item_ids, item_keys,
                     params=dataclasses.replace(base, reg=best_reg), progress=final,
                     cancel=cancel, meta={**(meta or {}), "tuning": tuning})
