#!/usr/bin/env python3
"""Recommendation quality and speed, each figure beside its reference in the same run.

On MovieLens latest-small (default ../shared/data/movielens-small), split per user at random,
once per --seeds seed (default 8 seeds): 20 % of each user's ratings held out as the test
split; every held-out rating is relevant, titles rated in training are never recommended, 10
recommendations per user. On every split, all of these are scored by the same
ranking_metrics on the same held-out ratings:

- app: the recommender the app runs, through ``mediacenter.recommend.evaluate.evaluate_files``
  (what ``mediacenter recs-eval`` calls) on the split written to CSV files with movies.csv;
- most_popular: the most-rated titles the user has not rated;
- svd_default: Surprise's SVD with its default settings on the star ratings, ranked by
  predicted rating;
- ease: EASE (Steck 2019, lambda 500) in numpy, a strong simple reference (on the first
  --ease-seeds splits: it takes 40-100 s each).

The app's settings (SvdParams, FOLD_ALPHA, Weights) were chosen by benchmarks/recs_tune.py on
development splits cut from the training part only; no test rating was used to choose them.
Each figure is reported per split and as mean, standard deviation, lowest and highest over
the splits. Targets: ndcg_ratio_vs_most_popular mean >= 1.5; thin histories (new profiles:
every user of the split, a third of them at a time, keeps only its first 1-3 training ratings
while the others keep theirs; the app and most-popular fitted on that cut data and scored on
those users' held-out ratings): ratio >= 1.0 on every split (its lowest).
fit_seconds_full: the app's fit on every rating of the file; target <= 10 s for 100k ratings
(scaled linearly in fit_seconds_per_100k). Home page: a generated 10,000-title catalog with a
3-profile household and a trained model; the first page (content index and model loaded) and
the median of 20 pages after it, beside the catalog's own ``list_titles`` of the same titles
(what the plain catalog list costs). Target <= 100 ms.

Usage: benchmarks/recs.py [--data DIR] [--seeds 1,2,...] [--ease-seeds 1] [--no-ease]
                          [--titles 10000] [--no-page] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mediacenter.audit import metrics as audit_metrics  # noqa: E402
from mediacenter.db import open_db  # noqa: E402
from mediacenter.db.catalog import list_titles  # noqa: E402
from mediacenter.recommend import page as page_mod  # noqa: E402
from mediacenter.recommend.evaluate import (  # noqa: E402
    Fitted,
    Rating,
    evaluate_files,
    fit_on,
    ranking_metrics,
    read_movies,
    read_ratings,
    recommend_for,
    split_per_user,
)
from mediacenter.recommend.explain import genre_shares  # noqa: E402
from mediacenter.recommend.synthetic import generate_catalog, generate_household  # noqa: E402
from mediacenter.recommend.train import model_path_for_db, train_model  # noqa: E402

K = 10


def write_split(train: list[Rating], test: list[Rating], movies_csv: Path, out: Path
                ) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in (("train.csv", train), ("test.csv", test)):
        p = out / name
        with open(p, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["userId", "movieId", "rating", "timestamp"])
            for r in rows:
                w.writerow([r.user, r.item, f"{r.stars:g}", int(r.at)])
        paths.append(p)
    # movies.csv beside the training file, as recs-eval expects; a link, not a copy
    (out / "movies.csv").symlink_to(movies_csv.resolve())
    return paths[0], paths[1]


def relevant_of(test: list[Rating], users: set[int] | None = None) -> dict[int, set[int]]:
    rel: dict[int, set[int]] = defaultdict(set)
    for r in test:
        if users is None or r.user in users:
            rel[r.user].add(r.item)
    return rel


def seen_of(train: list[Rating]) -> dict[int, set[int]]:
    seen: dict[int, set[int]] = defaultdict(set)
    for r in train:
        seen[r.user].add(r.item)
    return seen


def most_popular_recs(train: list[Rating], users) -> dict[int, list[int]]:
    """The most-rated titles of ``train`` each user has not rated, best first."""
    order = [i for i, _ in Counter(r.item for r in train).most_common()]
    seen = seen_of(train)
    recs = {}
    for u in users:
        out = []
        for i in order:
            if i not in seen[u]:
                out.append(i)
                if len(out) == K:
                    break
        recs[u] = out
    return recs


def most_popular(train: list[Rating], rel: dict[int, set[int]], catalog: int) -> dict:
    t0 = time.perf_counter()
    recs = most_popular_recs(train, rel)
    fit = time.perf_counter() - t0
    return {**ranking_metrics(recs, rel, K, catalog), "fit_seconds": round(fit, 3)}


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def svd_default(train: list[Rating], rel: dict[int, set[int]], catalog: int) -> dict:
    # The Trainset is built directly (Dataset.load_from_df would need pandas).
    from surprise import SVD, Trainset

    t0 = time.perf_counter()
    users = {u: k for k, u in enumerate(sorted({r.user for r in train}))}
    items = {i: k for k, i in enumerate(sorted({r.item for r in train}))}
    ur, ir = defaultdict(list), defaultdict(list)
    for r in train:
        ur[users[r.user]].append((items[r.item], r.stars))
        ir[items[r.item]].append((users[r.user], r.stars))
    ts = Trainset(ur, ir, len(users), len(items), len(train), (0.5, 5.0), users, items)
    algo = SVD(random_state=0)
    algo.fit(ts)
    fit = time.perf_counter() - t0
    item_ids = np.array(sorted(items, key=items.get))
    seen = seen_of(train)
    recs = {}
    for u in rel:
        s = algo.bi + algo.qi @ algo.pu[users[u]]  # + mu + b_u: the same for every item
        s = s.copy()
        s[[items[i] for i in seen[u]]] = -np.inf
        recs[u] = [int(item_ids[j]) for j in _top(s, K)]
    return {**ranking_metrics(recs, rel, K, catalog), "fit_seconds": round(fit, 3)}


def ease(train: list[Rating], rel: dict[int, set[int]], catalog: int, lam: float = 500.0
         ) -> dict:
    t0 = time.perf_counter()
    users = {u: k for k, u in enumerate(sorted({r.user for r in train}))}
    items = {i: k for k, i in enumerate(sorted({r.item for r in train}))}
    x = np.zeros((len(users), len(items)), dtype=np.float64)
    for r in train:
        x[users[r.user], items[r.item]] = 1.0
    g = x.T @ x
    g[np.diag_indices_from(g)] += lam
    p = np.linalg.inv(g)
    b = -p / np.diag(p)
    b[np.diag_indices_from(b)] = 0.0
    fit = time.perf_counter() - t0
    item_ids = np.array(sorted(items, key=items.get))
    recs = {}
    for u in rel:
        row = x[users[u]]
        s = row @ b
        s[row > 0] = -np.inf
        recs[u] = [int(item_ids[j]) for j in _top(s, K)]
    return {**ranking_metrics(recs, rel, K, catalog), "fit_seconds": round(fit, 3)}


THIN_GROUPS = 3  # every user is cut once, a third of the users at a time


def thin_cuts(train: list[Rating], test: list[Rating], seed: int, groups: int = THIN_GROUPS
              ) -> list[tuple[list[Rating], dict[int, set[int]]]]:
    """New profiles, every user in turn: the users (shuffled with ``seed``) in ``groups``
    disjoint groups; per group, ``train`` with that group's users cut to their first 1-3
    ratings (the others keep theirs, so the model still has a household to learn from), and
    the group's held-out titles in ``test``."""
    users = sorted({r.user for r in train})
    random.Random(seed).shuffle(users)
    by_user: dict[int, list[Rating]] = defaultdict(list)
    for r in train:
        by_user[r.user].append(r)
    out = []
    for g in range(groups):
        thin = sorted(users[g::groups])
        keep = {u: 1 + k % 3 for k, u in enumerate(thin)}
        cut: list[Rating] = []
        for u in sorted(by_user):
            rows = by_user[u]
            cut += sorted(rows, key=lambda r: (r.at, r.item))[: keep[u]] if u in keep else rows
        out.append((cut, relevant_of(test, set(thin))))
    return out


def app_recs(fitted: Fitted, users) -> dict[int, list[int]]:
    return {u: recommend_for(fitted, u, K) for u in users}


def thin_histories(train: list[Rating], test: list[Rating], movies, catalog: int,
                   seed: int = 5) -> dict:
    """Every user cut to its first 1-3 training ratings (a third at a time): the app against
    most-popular on the same users, each fitted on the same cut data."""
    app: dict[int, list[int]] = {}
    pop: dict[int, list[int]] = {}
    rel: dict[int, set[int]] = {}
    for cut, group_rel in thin_cuts(train, test, seed):
        app.update(app_recs(fit_on(cut, movies), group_rel))
        pop.update(most_popular_recs(cut, group_rel))
        rel.update(group_rel)
    a = ranking_metrics(app, rel, K, catalog)["ndcg@10"]
    p = ranking_metrics(pop, rel, K, catalog)["ndcg@10"]
    return {"users": len(rel), "app_ndcg@10": a, "most_popular_ndcg@10": p,
            "ratio": round(a / p, 3) if p else None}


METRICS = ("ndcg@10", "precision@10", "recall@10", "hit_rate@10", "coverage")
# Top picks' pull toward the profile's genre mix: none, the page's default, and the profile's
# "calibrated / more diverse" option.
PULLS = {"none": 0.0, "default": page_mod.CALIBRATION, "calibrated": page_mod.CALIBRATION_STRONG}


def calibration_tradeoff(train: list[Rating], rel: dict[int, set[int]], movies,
                         catalog: int) -> dict:
    """Top-10 cut as the page cuts Top picks (``page.calibrated`` over the best-scored
    ``page.CANDIDATES``, toward the genre shares of what the user liked in training) at each
    pull of PULLS, on the same fit, scored on the same held-out ratings: NDCG@10 and the
    calibration KL of the list's genres against the liked history's (Steck 2018, as the audit
    computes it)."""
    fitted = fit_on(train, movies)
    index = fitted.index
    lists: dict[str, dict[int, list[int]]] = {name: {} for name in PULLS}
    kls: dict[str, list[float]] = {name: [] for name in PULLS}
    for user in rel:
        history = fitted.history.get(user, ())
        scores = fitted.ranker.score(history)
        exclude = np.zeros(len(index), dtype=bool)
        if user in fitted.seen:
            exclude[fitted.seen[user]] = True
        cand = scores.top(page_mod.CANDIDATES, exclude)
        liked = [(h.row, h.target * h.weight) for h in history if h.target > 0]
        share, _count = genre_shares(index, liked)
        target = {index.genre_names.index(g): v for g, v in share.items()}
        mix = (audit_metrics.genre_mix([r for r, _w in liked], index.genres,
                                       [w for _r, w in liked])
               if liked else np.zeros(len(index.genre_names)))
        for name, pull in PULLS.items():
            picked = (page_mod.calibrated(cand, scores.total, index.genres, target, K, pull)
                      if pull > 0 else [int(c) for c in cand[:K]])
            lists[name][user] = [int(index.ids[r]) for r in picked]
            if picked:
                kls[name].append(audit_metrics.calibration_kl(
                    mix, audit_metrics.genre_mix(picked, index.genres)))
    return {name: {"ndcg@10": ranking_metrics(lists[name], rel, K, catalog)["ndcg@10"],
                   "calibration_kl": round(statistics.mean(kls[name]), 4) if kls[name] else None}
            for name in PULLS}


def spread(values: list[float], digits: int = 4) -> dict:
    """Mean, standard deviation, lowest and highest of one figure over the seeds."""
    return {"mean": round(statistics.mean(values), digits),
            "sd": round(statistics.stdev(values), digits) if len(values) > 1 else 0.0,
            "min": round(min(values), digits), "max": round(max(values), digits),
            "n": len(values)}


def bench_split(ratings: list[Rating], movies, catalog: int, data: Path, seed: int,
                with_ease: bool) -> dict:
    """Every recommender on one split (20 % of each user's ratings held out with ``seed``),
    scored by the same ranking_metrics on the same held-out ratings."""
    train, test = split_per_user(ratings, 0.2, seed=seed)
    rel = relevant_of(test)
    out: dict = {"seed": seed, "train": len(train), "test": len(test), "users": len(rel)}
    with tempfile.TemporaryDirectory(prefix="mc-recs-") as tmp:
        train_csv, test_csv = write_split(train, test, data / "movies.csv", Path(tmp))
        app = evaluate_files(train_csv, test_csv, k=K)
    app.pop("movies_csv", None)
    out["app"] = app
    out["most_popular"] = most_popular(train, rel, catalog)
    out["svd_default"] = svd_default(train, rel, catalog)
    if with_ease:
        out["ease_lambda500"] = ease(train, rel, catalog)
    out["thin_histories"] = thin_histories(train, test, movies, catalog, seed=seed)
    out["calibration"] = calibration_tradeoff(train, rel, movies, catalog)
    return out


def bench_quality(data: Path, seeds: list[int], ease_seeds: int) -> dict:
    ratings = read_ratings(data / "ratings.csv")
    movies = read_movies(data / "movies.csv")
    catalog = len({m.id for m in movies} | {r.item for r in ratings})
    out: dict = {"ratings": len(ratings), "catalog": catalog, "seeds": seeds}
    splits = []
    for k, seed in enumerate(seeds):
        print(f"recs.py: split {k + 1} of {len(seeds)} (seed {seed})", file=sys.stderr)
        splits.append(bench_split(ratings, movies, catalog, data, seed, k < ease_seeds))
    out["splits"] = splits
    summary: dict = {}
    for name in ("app", "most_popular", "svd_default", "ease_lambda500"):
        runs = [s[name] for s in splits if name in s]
        if runs:
            summary[name] = {m: spread([r[m] for r in runs]) for m in METRICS}
            summary[name]["fit_seconds"] = spread([r["fit_seconds"] for r in runs], 2)
    out["summary"] = summary
    out["ndcg_ratio_vs_most_popular"] = spread(
        [s["app"]["ndcg@10"] / s["most_popular"]["ndcg@10"] for s in splits], 3)
    with_ease = [s for s in splits if "ease_lambda500" in s]
    if with_ease:
        out["ndcg_ratio_vs_ease"] = spread(
            [s["app"]["ndcg@10"] / s["ease_lambda500"]["ndcg@10"] for s in with_ease], 3)
    out["thin_histories"] = {
        "ratio": spread([s["thin_histories"]["ratio"] for s in splits], 3),
        "app_ndcg@10": spread([s["thin_histories"]["app_ndcg@10"] for s in splits]),
        "most_popular_ndcg@10": spread([s["thin_histories"]["most_popular_ndcg@10"]
                                        for s in splits]),
        "users": splits[0]["thin_histories"]["users"],
    }

    # The "calibrated / more diverse" option: NDCG@10 it costs, calibration KL it gains, each
    # split's figures paired (the option against the page's default pull).
    out["calibration"] = {
        name: {"ndcg@10": spread([sp["calibration"][name]["ndcg@10"] for sp in splits]),
               "calibration_kl": spread([sp["calibration"][name]["calibration_kl"]
                                         for sp in splits])}
        for name in PULLS}
    out["calibrated_option_vs_default"] = {
        "ndcg_lost": spread([1 - sp["calibration"]["calibrated"]["ndcg@10"]
                             / sp["calibration"]["default"]["ndcg@10"] for sp in splits], 4),
        "kl_gained": spread([1 - sp["calibration"]["calibrated"]["calibration_kl"]
                             / sp["calibration"]["default"]["calibration_kl"] for sp in splits],
                            4)}

    # Fit time on every rating of the file, as the app would train on it. CPU seconds too:
    # the machines are shared, and wall time on a busy one says little about the code.
    t0, c0 = time.perf_counter(), time.process_time()
    fit_on(ratings, movies)
    fit_full, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    out["fit_seconds_full"] = round(fit_full, 2)
    out["fit_cpu_seconds_full"] = round(fit_cpu, 2)
    out["fit_seconds_per_100k"] = round(fit_full * 100_000 / len(ratings), 2)
    out["fit_cpu_seconds_per_100k"] = round(fit_cpu * 100_000 / len(ratings), 2)
    return out


def bench_page(n_titles: int) -> dict:
    now = 1_700_000_000.0
    with tempfile.TemporaryDirectory(prefix="mc-recs-page-") as tmp:
        db = open_db(Path(tmp) / "catalog.sqlite3")
        catalog = generate_catalog(db, n_titles, now=now)
        profiles = generate_household(db, catalog, ["Ann", "Sam", "Kim"], watches=150, now=now)
        t0 = time.perf_counter()
        info = train_model(db, model_path_for_db(db), now=now)
        train_s = time.perf_counter() - t0
        page_mod.clear_caches()
        t0 = time.perf_counter()
        first = page_mod.build_page(db, profiles[0], now=now)
        first_s = time.perf_counter() - t0
        times, cpu, refs = [], [], []
        for k in range(20):
            t0, c0 = time.perf_counter(), time.process_time()
            page = page_mod.build_page(db, profiles[k % len(profiles)], now=now)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            t0 = time.perf_counter()
            list_titles(db, ("movie", "show"))
            refs.append(time.perf_counter() - t0)
        db.conn.close()
    warm, ref = statistics.median(times), statistics.median(refs)
    return {
        "page_titles": n_titles,
        "page_rows": len(page.rows),
        "page_items": sum(len(r.items) for r in page.rows),
        "page_first_ms": round(first_s * 1000, 1),
        "page_ms": round(warm * 1000, 1),
        "page_p90_ms": round(sorted(times)[int(0.9 * len(times)) - 1] * 1000, 1),
        "page_cpu_ms": round(statistics.median(cpu) * 1000, 1),
        "list_titles_ms": round(ref * 1000, 1),
        "page_ratio_vs_list_titles": round(warm / ref, 3),
        "household_train_s": round(train_s, 2),
        "household_signals": info.signals,
        "first_page_rows": [r.key for r in first.rows],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=HERE.parent.parent / "shared/data/movielens-small",
                    help="MovieLens latest-small folder (ratings.csv, movies.csv)")
    ap.add_argument("--titles", type=int, default=10_000, help="catalog size for the page")
    ap.add_argument("--seeds", default="1,2,3,4,5,6,7,8",
                    help="the test splits: one seed each (comma-separated)")
    ap.add_argument("--ease-seeds", type=int, default=1,
                    help="on how many of the splits EASE runs too (40-100 s each)")
    ap.add_argument("--no-ease", action="store_true", help="skip EASE")
    ap.add_argument("--no-page", action="store_true", help="skip the home page timing")
    ap.add_argument("--json", action="store_true", help="print JSON only")
    args = ap.parse_args()
    if not (args.data / "ratings.csv").is_file():
        print(f"no ratings.csv in {args.data}", file=sys.stderr)
        return 2
    try:
        seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    except ValueError:
        ap.error("--seeds takes comma-separated integers")
    if not seeds:
        ap.error("--seeds needs at least one seed")
    out = bench_quality(args.data, seeds, 0 if args.no_ease else args.ease_seeds)
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if not args.no_page:
        out.update(bench_page(args.titles))
    out["targets"] = {"ndcg_ratio_vs_most_popular.mean": ">= 1.5",
                      "thin_histories.ratio.min": ">= 1.0 (on every split)",
                      "fit_seconds_per_100k": "<= 10", "page_ms": "<= 100"}
    out["pass"] = {
        "ndcg_ratio_vs_most_popular.mean": out["ndcg_ratio_vs_most_popular"]["mean"] >= 1.5,
        "thin_histories.ratio.min": out["thin_histories"]["ratio"]["min"] >= 1.0,
        "fit_seconds_per_100k": out["fit_seconds_per_100k"] <= 10,
    }
    if "page_ms" in out:
        out["pass"]["page_ms"] = out["page_ms"] <= 100
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            if k != "splits":
                print(f"{k:>28}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
