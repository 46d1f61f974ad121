"""Years of seeded, lifelike household viewing: for the Insights tests and benchmarks and the
release-timing simulation.

Each profile gets a :class:`Schedule` (the hours of the week it watches: weekday evenings,
late nights, weekend afternoons, after school...), a taste that moves over the years (two
favourite genres giving way to two others), binges of episodes and some films left early.
History is written with :func:`mediacenter.recommend.synthetic.record_watch`, the way the
player's recorder leaves it. Everything is seeded.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from mediacenter.db.tx import transaction
from mediacenter.recommend.synthetic import GENRES, Catalog, record_watch

DAY = 86400.0
HOURS_OF_WEEK = 168


@dataclass(frozen=True)
class Schedule:
    """A weight per hour of the week (0 = Monday 00:00, local time): when a profile watches."""

    name: str
    weights: tuple[float, ...]

    def draw(self, rng: random.Random) -> int:
        return rng.choices(range(HOURS_OF_WEEK), weights=self.weights)[0]

    def active_hours(self, share: float = 0.8) -> set[int]:
        """The fewest hours of the week that hold ``share`` of the weight."""
        order = sorted(range(HOURS_OF_WEEK), key=lambda h: -self.weights[h])
        total = sum(self.weights)
        out: set[int] = set()
        acc = 0.0
        for h in order:
            if acc >= share * total:
                break
            out.add(h)
            acc += self.weights[h]
        return out


def _schedule(name: str, weekday: Sequence[tuple[int, int, float]],
              weekend: Sequence[tuple[int, int, float]]) -> Schedule:
    w = [0.02] * HOURS_OF_WEEK  # anything may happen, now and then
    for day in range(7):
        spans = weekend if day >= 5 else weekday
        for start, end, weight in spans:
            h = start
            while h != end:
                w[day * 24 + h] += weight
                h = (h + 1) % 24
    return Schedule(name, tuple(w))


SCHEDULES = (
    _schedule("weekday evenings", [(19, 23, 1.0)], [(15, 23, 0.7)]),
    _schedule("late nights", [(22, 2, 1.0)], [(21, 3, 1.0)]),
    _schedule("weekend afternoons", [(20, 22, 0.3)], [(12, 19, 1.0)]),
    _schedule("after school", [(16, 19, 1.0)], [(8, 12, 1.0)]),
    _schedule("mornings and lunch", [(6, 8, 0.8), (12, 14, 0.6)], [(9, 12, 0.8)]),
    _schedule("evenings and weekends", [(20, 24 % 24, 0.8)], [(10, 24 % 24, 0.5)]),
)


def schedule_for(index: int) -> Schedule:
    return SCHEDULES[index % len(SCHEDULES)]


def generate_years(db: sqlite_utils.Database, catalog: Catalog, profile_ids: Sequence[int], *,
                   years: float = 5.0, per_day: float = 1.2, seed: int = 5,
                   now: float = 1_700_000_000.0) -> dict[int, Schedule]:
    """``years`` of viewing up to ``now`` for each profile (``per_day`` sittings a day on
    average); returns each profile's schedule. Sittings are films (most finished, some left
    early or part-way) or runs of a show's episodes (binges)."""
    rng = random.Random(seed)
    titles = catalog.movies + catalog.shows
    start = now - years * 365 * DAY
    # Monday 00:00 local time of the week ``start`` falls in: schedules are hours of the week.
    import time

    t = time.localtime(start)
    week0 = start - (t.tm_wday * DAY + t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec)
    schedules: dict[int, Schedule] = {}
    with transaction(db):
        for k, pid in enumerate(profile_ids):
            sched = schedules[pid] = schedule_for(k)
            old = set(rng.sample(GENRES, 2))
            new = set(rng.sample([g for g in GENRES if g not in old], 2))
            by_taste = {
                "old": [x for x in titles if old & set(catalog.genres_of[x])],
                "new": [x for x in titles if new & set(catalog.genres_of[x])],
                "any": titles,
            }
            progress: dict[int, int] = {}  # show -> episodes watched
            n = int(years * 365 * per_day)
            weeks = int(years * 52)
            for _ in range(n):
                week = rng.randrange(weeks)
                hour = sched.draw(rng)
                at = week0 + week * 7 * DAY + hour * 3600 + rng.uniform(0, 3000)
                if not start <= at <= now - 3600:
                    continue
                drift = (at - start) / (now - start)  # 0 at the start, 1 now
                r = rng.random()
                pool = by_taste["new"] if r < 0.75 * drift else (
                    by_taste["old"] if r < 0.75 else by_taste["any"])
                tid = rng.choice(pool or titles)
                if tid in catalog.episodes:
                    eps = catalog.episodes[tid]
                    done = progress.get(tid, 0) % len(eps)
                    run = min(len(eps) - done, rng.choice((1, 1, 2, 3, 4, 6)))
                    for ep in eps[done:done + run]:
                        record_watch(db, pid, ep, at=at, fraction=1.0 if rng.random() < 0.9
                                     else 0.5, duration_ms=2_400_000)
                        at += 2_500
                    progress[tid] = done + run
                else:
                    f = rng.random()
                    fraction = 1.0 if f < 0.72 else (0.02 if f < 0.86 else 0.55)
                    record_watch(db, pid, tid, at=at, fraction=fraction)
    return schedules
