"""Synthetic catalogs and households, for the recommender's tests and benchmark.

Titles are written with plain SQL the way the library writer stores them (titles, genres,
tags, people, FTS row), and watch history the way
:class:`~mediacenter.playback.history.WatchRecorder` leaves it (a finished or stopped session
row plus ``watch_state``), so the recommender reads exactly what it reads in the app; a few
thousand titles cost well under a second. Everything is seeded.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from mediacenter.db.tx import transaction
from mediacenter.db.watch import early_threshold_ms

GENRES = ("Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama",
          "Family", "Fantasy", "History", "Horror", "Music", "Mystery", "Romance", "Sci-Fi",
          "Thriller", "War", "Western")
TAGS = ("heist", "space", "time travel", "based on a true story", "dystopia", "robots",
        "road trip", "coming of age", "revenge", "haunted house", "courtroom", "sports",
        "friendship", "survival", "spy", "magic", "detective", "small town")
WORDS = ("alien", "ship", "crew", "planet", "detective", "murder", "city", "family", "war",
         "soldier", "love", "wedding", "island", "ghost", "house", "robot", "future", "king",
         "dragon", "band", "music", "team", "coach", "prison", "escape", "heist", "bank",
         "storm", "mountain", "desert", "ocean", "village", "school", "teacher", "doctor")


def add_title(db: sqlite_utils.Database, title: str, *, kind: str = "movie",
              year: int | None = None, genres: Sequence[str] = (), tags: Sequence[str] = (),
              people: Sequence[tuple[str, str, int | None]] = (), plot: str | None = None,
              added_at: float = 0.0, rating: float | None = None, votes: int | None = None,
              mpaa: str | None = None, imdb_id: str | None = None, tmdb_id: str | None = None,
              show_id: int | None = None, season: int | None = None,
              episode: int | None = None, original_title: str | None = None,
              key: str | None = None, removed_at: float | None = None) -> int:
    """Insert one title with its links; returns its id. Call inside a transaction for speed."""
    c = db.conn
    key = key or f"{kind}:{title.casefold()}:{year}:{season}:{episode}:{show_id}"
    cur = c.execute(
        "INSERT INTO titles (key, kind, parent_id, show_id, title, sort_title, original_title, "
        "year, season_number, episode_number, plot, rating, votes, mpaa, imdb_id, tmdb_id, "
        "metadata_source, added_at, updated_at, removed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'nfo', ?, ?, ?)",
        (key, kind, show_id, show_id, title, title.casefold(), original_title, year, season,
         episode, plot, rating, votes, mpaa, imdb_id, tmdb_id, added_at, added_at, removed_at),
    )
    tid = int(cur.lastrowid or 0)
    for table, link, names in (("genres", "title_genres", genres), ("tags", "title_tags", tags)):
        col = "genre_id" if table == "genres" else "tag_id"
        for name in names:
            c.execute(f"INSERT OR IGNORE INTO {table} (name) VALUES (?)", (name,))
            (gid,) = c.execute(f"SELECT id FROM {table} WHERE name = ?", (name,)).fetchone()
            c.execute(f"INSERT OR IGNORE INTO {link} (title_id, {col}) VALUES (?, ?)", (tid, gid))
    for name, role, order in people:
        c.execute("INSERT OR IGNORE INTO people (name) VALUES (?)", (name,))
        (pid,) = c.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()
        c.execute("INSERT OR IGNORE INTO title_people (title_id, person_id, role, ord) "
                  "VALUES (?, ?, ?, ?)", (tid, pid, role, order))
    c.execute("INSERT INTO titles_fts (rowid, title, plot, genres) VALUES (?, ?, ?, ?)",
              (tid, title, plot, " ".join(genres)))
    return tid


def add_show(db: sqlite_utils.Database, title: str, *, seasons: int = 1, episodes: int = 3,
             **kw) -> tuple[int, list[int]]:
    """A show and its episodes (in viewing order); returns (show id, episode ids)."""
    show = add_title(db, title, kind="show", **kw)
    eps = []
    for s in range(1, seasons + 1):
        for e in range(1, episodes + 1):
            eps.append(add_title(db, f"{title} {s}x{e}", kind="episode", show_id=show,
                                 season=s, episode=e, year=kw.get("year"),
                                 added_at=kw.get("added_at", 0.0)))
    return show, eps


def record_watch(db: sqlite_utils.Database, profile_id: int, title_id: int, *, at: float,
                 fraction: float = 1.0, duration_ms: int = 5_400_000, plays: int = 1) -> None:
    """History as the recorder leaves it: ``plays`` sessions ending at ``fraction`` of the
    title (1.0: finished and watched; below the early threshold: abandoned; else stopped).
    Sessions start ``at`` (the last one) and a day apart before it."""
    c = db.conn
    pos = int(duration_ms * min(1.0, max(0.0, fraction)))
    watched = fraction >= 0.9
    if watched:
        reason = "finished"
    elif pos < early_threshold_ms(duration_ms):
        reason = "abandoned"
    else:
        reason = "stopped"
    for k in range(plays):
        start = at - (plays - 1 - k) * 86400.0
        c.execute(
            "INSERT INTO watch_sessions (profile_id, title_id, started_at, ended_at, "
            "last_position_ms, max_position_ms, duration_ms, watched_ms, end_reason, "
            "completed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (profile_id, title_id, start, start + pos / 1000.0, pos, pos, duration_ms, pos,
             reason, int(watched)))
    c.execute(
        "INSERT INTO watch_state (profile_id, title_id, resume_position_ms, duration_ms, "
        "play_count, watched, last_played_at, watched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (profile_id, title_id) DO UPDATE SET "
        "resume_position_ms = excluded.resume_position_ms, play_count = excluded.play_count, "
        "watched = max(watched, excluded.watched), last_played_at = excluded.last_played_at, "
        "watched_at = coalesce(excluded.watched_at, watched_at)",
        (profile_id, title_id, 0 if watched else pos, duration_ms, plays if watched else 0,
         int(watched), at, at if watched else None))


@dataclass
class Catalog:
    movies: list[int]
    shows: list[int]
    episodes: dict[int, list[int]]
    genres_of: dict[int, tuple[str, ...]]


def generate_catalog(db: sqlite_utils.Database, n_titles: int, *, seed: int = 1,
                     show_share: float = 0.1, episodes_per_show: int = 3,
                     now: float = 1_700_000_000.0) -> Catalog:
    """``n_titles`` movies and shows with genres, tags, people, plots, ratings and dates.

    Titles cluster by "taste" (two or three related genres, a pool of people per cluster), so
    that content similarity and collaborative signal have something to find.
    """
    rng = random.Random(seed)
    clusters = [rng.sample(GENRES, 3) for _ in range(12)]
    cast = [[f"Actor {c}-{k}" for k in range(25)] for c in range(len(clusters))]
    directors = [[f"Director {c}-{k}" for k in range(6)] for c in range(len(clusters))]
    out = Catalog([], [], {}, {})
    with transaction(db):
        for n in range(n_titles):
            c = rng.randrange(len(clusters))
            genres = tuple(dict.fromkeys(rng.sample(clusters[c], rng.randint(1, 3))))
            people = [(rng.choice(directors[c]), "director", None)] + [
                (name, "actor", k) for k, name in enumerate(rng.sample(cast[c], 4))]
            words = rng.sample(WORDS, 6)
            plot = "A story about " + ", ".join(words) + "."
            kw: dict[str, Any] = dict(year=rng.randint(1960, 2024), genres=genres,
                      tags=tuple(rng.sample(TAGS, rng.randint(0, 2))), people=people, plot=plot,
                      added_at=now - rng.uniform(0, 3 * 365 * 86400),
                      rating=round(rng.uniform(4.0, 9.0), 1), votes=rng.randint(10, 50_000),
                      mpaa=rng.choice(["G", "PG", "PG-13", "R"]))
            name = f"Title {n} {words[0].capitalize()}"
            if rng.random() < show_share:
                show, eps = add_show(db, name, episodes=episodes_per_show, **kw)
                out.shows.append(show)
                out.episodes[show] = eps
                out.genres_of[show] = genres
            else:
                tid = add_title(db, name, **kw)
                out.movies.append(tid)
                out.genres_of[tid] = genres
    return out


def generate_household(db: sqlite_utils.Database, catalog: Catalog, names: Sequence[str], *,
                       watches: int = 40, seed: int = 2, now: float = 1_700_000_000.0,
                       habits: Sequence[tuple[float, float]] | None = None) -> list[int]:
    """Profiles with a favourite pair of genres each and a watch history that mostly follows
    it (finished, a few rewatches, some abandoned early, some in progress). Returns ids.

    ``habits`` (one per name): the local hours (start, end; an end past 24 runs past midnight)
    in which each profile starts :data:`HABIT_SHARE` of its sessions; without them sessions
    start at any hour."""
    from mediacenter.db.profiles import create_profile

    rng = random.Random(seed)
    ids = [create_profile(db, name).id for name in names]
    titles = catalog.movies + catalog.shows
    with transaction(db):
        for pid in ids:
            fav = set(rng.sample(GENRES, 2))
            liked = [t for t in titles if fav & set(catalog.genres_of[t])]
            other = [t for t in titles if not fav & set(catalog.genres_of[t])]
            picks = rng.sample(liked, min(len(liked), int(watches * 0.8)))
            picks += rng.sample(other, min(len(other), watches - len(picks)))
            for k, tid in enumerate(picks):
                at = now - rng.uniform(3600, 200 * 86400)
                if habits is not None and rng.random() < HABIT_SHARE:
                    at = _in_habit(at, habits[ids.index(pid)], rng, now)
                r = rng.random()
                fraction = 1.0 if r < 0.7 else (0.01 if r < 0.85 else 0.6)
                plays = 2 if fraction == 1.0 and k % 9 == 0 else 1
                if tid in catalog.episodes:
                    for ep in catalog.episodes[tid][: rng.randint(1, len(catalog.episodes[tid]))]:
                        record_watch(db, pid, ep, at=at, fraction=fraction, duration_ms=2_400_000)
                        at += 3000
                else:
                    record_watch(db, pid, tid, at=at, fraction=fraction, plays=plays)
    return ids


HABIT_SHARE = 0.85


def _in_habit(at: float, habit: tuple[float, float], rng: random.Random, now: float) -> float:
    """A time on the day of ``at`` within the hours of ``habit`` (local time), not after now."""
    t = time.localtime(at)
    midnight = at - (t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec)
    out = midnight + rng.uniform(*habit) * 3600.0
    return out - 86400.0 if out > now - 3600 else out


def synthetic_ratings(n_users: int = 120, n_items: int = 300, per_user: int = 30, *,
                      clusters: int = 6, seed: int = 3
                      ) -> tuple[list[tuple[int, int, float, int]], list[tuple[int, str, str]]]:
    """MovieLens-shaped data with structure to find: (ratings, movies).

    Movies have a long-tailed popularity (Zipf) and belong to one of ``clusters`` tastes (each
    a pair of genres); a user has one taste and takes three quarters of its ratings from it,
    the rest from the whole catalog, popular titles more often either way. Ratings are
    ``(userId, movieId, stars, timestamp)``; movies ``(movieId, "Title (year)", "G1|G2")``.
    """
    rng = random.Random(seed)
    tastes = [(GENRES[(2 * c) % len(GENRES)], GENRES[(2 * c + 1) % len(GENRES)])
              for c in range(clusters)]
    movies = []
    item_cluster: dict[int, int] = {}
    weight: dict[int, float] = {}
    for m in range(1, n_items + 1):
        c = rng.randrange(clusters)
        item_cluster[m] = c
        weight[m] = 1.0 / m ** 0.8  # movie 1 is the most popular
        movies.append((m, f"Movie {m} ({rng.randint(1970, 2020)})", "|".join(tastes[c])))
    by_cluster: dict[int, list[int]] = {}
    for m, c in item_cluster.items():
        by_cluster.setdefault(c, []).append(m)

    def draw(pool: list[int], k: int, taken: set[int]) -> list[int]:
        pool = [m for m in pool if m not in taken]
        out: list[int] = []
        while pool and len(out) < k:
            m = rng.choices(pool, weights=[weight[x] for x in pool])[0]
            pool.remove(m)
            out.append(m)
        return out

    ratings = []
    t0 = 1_500_000_000
    for u in range(1, n_users + 1):
        c = rng.randrange(clusters)
        chosen = draw(by_cluster.get(c, []), int(per_user * 0.75), set())
        chosen += draw(list(item_cluster), per_user - len(chosen), set(chosen))
        for k, m in enumerate(chosen):
            stars = rng.choice([3.0, 3.5, 4.0, 4.5, 5.0]) if item_cluster[m] == c else \
                rng.choice([2.0, 3.0, 3.5, 4.0])
            ratings.append((u, m, stars, t0 + u * 10_000 + k * 60))
    return ratings, movies
