#!/usr/bin/env python3
"""Release timing in simulation (issue 15): new titles surfaced at the hours each profile
usually watches, in the row it plays from most, against surfacing them at once.

The recommender's synthetic household (``mediacenter.recommend.synthetic``: a clustered
catalog, profiles with a favourite pair of genres) with habits: each profile starts 85 % of
its history's sessions within its own hours of the day. Some films nobody played are taken out
of the library and come back, one by one, at random times of the simulated weeks (a scan
finds them whenever it runs). Every day each profile opens the app in its usual hours (p 0.85)
and, a Poisson number of times (mean 0.7), at another hour for a quick look. Each visit builds
the real home page (``build_page`` on the real catalog, impressions and plays written where the
app writes them), and a simulated viewer reads it:

- rows top to bottom, going on to the next row with p 0.75 (a quick look: two rows at most),
  the first six tiles of each row (what fits the screen); every tile seen is an impression;
- a tile seen is played with p = 0.35 x appeal x context x fatigue ^ (earlier impressions of
  it): appeal is how much of the profile's history shares the title's genres (0..1), context
  1 in the profile's hours and 0.2 on a quick look, fatigue 0.5 (a title passed over once is
  half as likely to be played the next time: impression discounting, Lee et al., KDD 2014);
  at most one play per visit; a play is recorded as the app records it (watch history and the
  impression's reward).

Policies, each on its own copy of the same catalog, with the same visits and the same random
draws per (profile, title, visit): ``timed`` (the app: ``release.plan``), ``at_once`` (the
same premiere place, whatever the hour: the reference the issue names) and ``off`` (before
release timing: new titles only in "New in your library", whenever they arrive). Reported per
policy: the share of (profile, new title) pairs first shown within the profile's habit hours,
plays of new titles within a week of their arrival, the delay to the first impression, and all
plays (what the other titles lost or gained). Deterministic: a seed gives the same figures.

The policy's constants (``mediacenter/recommend/release.py``) were set before this simulation
was written and not tuned on it; ``--fatigue 1`` shows what the figures rest on.

Usage: benchmarks/release_timing.py [--days 42] [--new 120] [--titles 1000] [--seeds 11 12 13]
       [--fatigue 0.5]   (prints JSON)
"""

from __future__ import annotations

import os

os.environ["TZ"] = "UTC"  # the habits, the policy and the report read the same clock
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import math
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

time.tzset()
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mediacenter.artwork.impressions import record_impression, record_reward  # noqa: E402
from mediacenter.db import open_db, transaction  # noqa: E402
from mediacenter.recommend import page as page_mod  # noqa: E402
from mediacenter.recommend.synthetic import (  # noqa: E402
    generate_catalog,
    generate_household,
    record_watch,
)

DAY = 86400.0
T0 = 1_699_920_000.0  # a midnight (UTC): the simulation's first day
NAMES = ("Ann", "Ben", "Cat", "Dan", "Eve", "Fay")
# Usual hours (start, end; past 24 runs past midnight): evenings, late nights, a breakfast
# watcher, a lunch-break one, after school.
HABITS = ((19.0, 23.0), (20.0, 24.5), (6.5, 9.0), (12.0, 14.5), (16.0, 19.0), (21.5, 25.5))
HABIT_VISIT_P = 0.85
QUICK_VISITS_PER_DAY = 0.7
NEXT_ROW_P = 0.75
QUICK_ROWS = 2
TILES_SEEN = 6
PLAY_BASE = 0.35
QUICK_CONTEXT = 0.2
POLICIES = ("timed", "at_once", "off")


def in_habit(ts: float, habit: tuple[float, float]) -> bool:
    h = (ts % DAY) / 3600.0
    lo, hi = habit
    return lo <= h < hi or lo <= h + 24.0 < hi


@dataclass
class World:
    path: Path
    profiles: list[int]
    habits: dict[int, tuple[float, float]]
    releases: dict[int, float]  # new title id -> when it arrives
    appeal: dict[tuple[int, int], float]  # (profile, title) -> 0..1
    first_episode: dict[int, int]  # show id -> its first episode (what a play of it plays)
    visits: list[tuple[float, int, bool]] = field(default_factory=list)  # (at, profile, habit)


def build_world(folder: Path, args) -> World:
    path = folder / "world.sqlite3"
    db = open_db(path)
    # The library as it was a month before: nothing in it is new when the run starts.
    catalog = generate_catalog(db, args.titles, seed=args.seed, now=T0 - 30 * DAY)
    names = NAMES[: args.profiles]
    habits = HABITS[: args.profiles]
    profiles = generate_household(db, catalog, names, watches=60, seed=args.seed + 1, now=T0,
                                  habits=habits)
    played = {t for (t,) in db.conn.execute(
        "SELECT DISTINCT coalesce(t.show_id, t.id) FROM watch_state ws "
        "JOIN titles t ON t.id = ws.title_id")}
    rng = random.Random(args.seed + 2)
    new = rng.sample(sorted(m for m in catalog.movies if m not in played), args.new)
    last = (args.days - 7) * DAY  # every new title has a full week left to be played
    releases = {t: T0 + rng.uniform(0.0, last) for t in new}
    with transaction(db):
        db.conn.executemany("UPDATE titles SET removed_at = ? WHERE id = ?",
                            [(T0 - DAY, t) for t in new])
    # Appeal: the share of the profile's finished titles that share a genre with the title.
    genres_of = catalog.genres_of
    appeal: dict[tuple[int, int], float] = {}
    for pid in profiles:
        finished = [t for (t,) in db.conn.execute(
            "SELECT DISTINCT coalesce(t.show_id, t.id) FROM watch_state ws "
            "JOIN titles t ON t.id = ws.title_id WHERE ws.profile_id = ? AND ws.watched = 1",
            (pid,))]
        for tid, genres in genres_of.items():
            g = set(genres)
            shared = sum(1 for f in finished if g & set(genres_of.get(f, ())))
            appeal[(pid, tid)] = shared / max(1, len(finished))
    first_episode = {s: eps[0] for s, eps in catalog.episodes.items()}
    db.conn.close()
    world = World(path, profiles, dict(zip(profiles, habits, strict=True)), releases, appeal,
                  first_episode)
    vr = random.Random(args.seed + 3)
    for d in range(args.days):
        for pid in profiles:
            lo, hi = world.habits[pid]
            if vr.random() < HABIT_VISIT_P:
                world.visits.append((T0 + d * DAY + vr.uniform(lo, hi) * 3600.0, pid, True))
            for _ in range(_poisson(vr, QUICK_VISITS_PER_DAY)):
                while True:
                    at = T0 + d * DAY + vr.uniform(0.0, DAY)
                    if not in_habit(at, (lo, hi)):
                        break
                world.visits.append((at, pid, False))
    world.visits.sort()
    return world


def _poisson(rng: random.Random, mean: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-mean)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _draw(seed: int, pid: int, tid: int, visit: int) -> float:
    """The same uniform draw for a (profile, title, visit) under every policy."""
    return random.Random(hash((seed, pid, tid, visit)) & 0xFFFFFFFF).random()


def simulate(world: World, policy: str, folder: Path, args) -> dict:
    path = folder / f"{policy}.sqlite3"
    shutil.copyfile(world.path, path)
    page_mod.clear_caches()
    db = open_db(path)
    pending = sorted((at, t) for t, at in world.releases.items())
    released: dict[int, float] = {}
    seen: dict[tuple[int, int], int] = {}
    first_seen: dict[tuple[int, int], float] = {}
    played_at: dict[tuple[int, int], float] = {}
    plays = 0
    build_s: list[float] = []
    for v, (at, pid, habit) in enumerate(world.visits):
        arriving = [(t_at, t) for t_at, t in pending if t_at <= at]
        if arriving:
            pending = pending[len(arriving):]
            with transaction(db):
                db.conn.executemany(
                    "UPDATE titles SET removed_at = NULL, added_at = ?, updated_at = ? "
                    "WHERE id = ?", [(t_at, t_at, t) for t_at, t in arriving])
            released.update({t: t_at for t_at, t in arriving})
        t0 = time.perf_counter()
        page = page_mod.build_page(db, pid, now=at, release_timing=policy)
        build_s.append(time.perf_counter() - t0)
        context = 1.0 if habit else QUICK_CONTEXT
        rng = random.Random((args.seed, v).__hash__() & 0xFFFFFFFF)
        chosen: tuple[int, str] | None = None
        for i, row in enumerate(page.rows):
            if i > 0 and (rng.random() >= NEXT_ROW_P or (not habit and i >= QUICK_ROWS)):
                break
            for item in row.items[:TILES_SEEN]:
                tid = item.title_id
                key = (pid, tid)
                before = seen.get(key, 0)
                seen[key] = before + 1
                first_seen.setdefault(key, at)
                record_impression(db, pid, tid, None, row.key, at=at)
                if chosen is not None or row.kind == "continue":
                    continue
                p = (PLAY_BASE * world.appeal.get(key, 0.0) * context
                     * args.fatigue ** before)
                if _draw(args.seed, pid, tid, v) < p:
                    chosen = (tid, row.key)
            if chosen is not None:
                break
        if chosen is not None:
            tid, _row = chosen
            plays += 1
            played_at.setdefault((pid, tid), at)
            record_reward(db, pid, tid, "play", at=at + 30)
            with transaction(db):
                record_watch(db, pid, world.first_episode.get(tid, tid), at=at + 60)
    db.conn.close()
    pairs = [(p, t) for p in world.profiles for t in released]
    shown = [k for k in pairs if k in first_seen and first_seen[k] - released[k[1]] <= 7 * DAY]
    return {
        "pairs": len(pairs),
        "shown": len(shown),
        "in_hours": sum(1 for k in shown if in_habit(first_seen[k], world.habits[k[0]])),
        "played_week": sum(1 for k in pairs
                           if k in played_at and played_at[k] - released[k[1]] <= 7 * DAY),
        "delays_h": [(first_seen[k] - released[k[1]]) / 3600.0 for k in shown],
        "all_plays": plays,
        "build_s": build_s,
    }


def summary(raw: list[dict]) -> dict:
    """One policy's figures over the households of every seed."""
    pairs = sum(r["pairs"] for r in raw)
    shown = sum(r["shown"] for r in raw)
    week = sum(r["played_week"] for r in raw)
    delays = [d for r in raw for d in r["delays_h"]]
    build = [b for r in raw for b in r["build_s"]]
    return {
        "pairs": pairs,
        "pairs_shown_within_week": shown,
        "first_impression_in_habit_hours": round(sum(r["in_hours"] for r in raw)
                                                 / max(1, shown), 4),
        "new_title_plays_within_week": week,
        "new_title_plays_within_week_per_seed": [r["played_week"] for r in raw],
        "new_title_plays_within_week_share": round(week / max(1, pairs), 4),
        "median_hours_to_first_impression": round(statistics.median(delays), 1)
        if delays else None,
        "all_plays": sum(r["all_plays"] for r in raw),
        "page_build_ms_median": round(1000 * statistics.median(build), 1) if build else None,
    }


def run(args) -> dict:
    raw: dict[str, list[dict]] = {p: [] for p in POLICIES}
    visits = 0
    t_start = time.perf_counter()
    for seed in args.seeds:
        folder = Path(tempfile.mkdtemp(prefix="release-timing-"))
        try:
            one = argparse.Namespace(**{**vars(args), "seed": seed})
            world = build_world(folder, one)
            visits += len(world.visits)
            for policy in POLICIES:
                raw[policy].append(simulate(world, policy, folder, one))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    p = {policy: summary(r) for policy, r in raw.items()}

    def ratio(key: str, ref: str) -> float | None:
        b = p[ref][key]
        return round(p["timed"][key] / b, 3) if b else None

    keys = ("first_impression_in_habit_hours", "new_title_plays_within_week", "all_plays")
    return {
        "days": args.days, "new_titles_per_seed": args.new, "titles": args.titles,
        "profiles": args.profiles, "seeds": args.seeds, "fatigue": args.fatigue,
        "visits": visits, "sqlite": sqlite3.sqlite_version, "policies": p,
        "timed_vs_at_once": {k: ratio(k, "at_once") for k in keys},
        "timed_vs_off": {k: ratio(k, "off") for k in keys},
        "seconds": round(time.perf_counter() - t_start, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=42)
    ap.add_argument("--new", type=int, default=120, help="titles that arrive during the run")
    ap.add_argument("--titles", type=int, default=1000)
    ap.add_argument("--profiles", type=int, default=6, choices=range(1, len(NAMES) + 1))
    ap.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13],
                    help="one household per seed; the figures pool them")
    ap.add_argument("--fatigue", type=float, default=0.5,
                    help="play probability kept per earlier impression of the title")
    args = ap.parse_args(argv)
    if args.days < 8:
        ap.error("--days must be at least 8 (a week to play each new title)")
    print(json.dumps(run(args), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
