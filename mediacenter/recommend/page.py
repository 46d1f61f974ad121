"""A profile's home page: Netflix-style rows, chosen and ordered for the profile.

:func:`build_page` is the :class:`~mediacenter.home.rows.PageBuilder` the GUI calls. Rows:

- ``continue`` - Continue watching (episodes: the one to play next), with progress;
- ``top`` - Top picks for {profile}: the best scores, re-ranked so that the genres match the
  profile's history in proportion (calibration, Steck 2018) instead of ten titles of one taste;
- ``because:<title_id>`` - Because you watched X: titles closest to X by the SVD's item factors
  and by content, for the profile's most recent liked titles;
- ``genre:<name>`` - the profile's own largest genres (the household's largest for a new
  profile), best scores first;
- ``new`` - New in your library (added in the last :data:`NEW_WINDOW_S`), newest first;
  a new title that suits the profile also opens the row it looks at first, at the hours it
  usually watches (held back until then: :mod:`.release`);
- ``trending`` - Trending in your household: what the other profiles played lately, each play
  fading with a half-life of :data:`TRENDING_HALF_LIFE_S`;
- ``again`` - Watch it again: titles the profile finished, those not played for a while
  (:data:`AGAIN_AFTER_S`) first; a film finished tonight is there too, not gone from Home.

Continue watching comes first and Top picks second; the other rows are ordered by how well
their titles score for the profile (and the hour: see :func:`context_boost`). No title appears
twice in a row, more than twice on a page, or at the same place in two rows
(:func:`mediacenter.home.rows.dedupe_rows`); later rows prefer titles not shown yet, and a small
library gets short rows (a third of what there is to recommend) so that Top picks does not take
it all. "Because you watched" starts with the first finished title that anything in the library
is like. Every item carries a reason (:mod:`.explain`).

Works without a model (content, household popularity, NFO ratings), loads the model file
lazily, keeps it per process and reloads it when the file changes. The catalog's content index
is cached per catalog file and rebuilt when the catalog's movies and shows change. A kids
profile only ever sees :func:`~mediacenter.db.content_rating.visible_title_ids`.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlite_utils

from mediacenter.db.app_settings import calibrated_recs, trend_opt_outs
from mediacenter.db.content_rating import visible_title_ids
from mediacenter.db.profiles import Profile, ProfileNotFoundError, get_profile
from mediacenter.db.taste_adjustments import adjustments
from mediacenter.db.watch import continue_watching, next_episode
from mediacenter.home.rows import KIND_CONTINUE, Page, Row, RowItem, dedupe_rows
from mediacenter.humanize import format_clock, time_left
from mediacenter.recommend import release
from mediacenter.recommend.content import CatalogIndex, build_index, catalog_signature
from mediacenter.recommend.content import load_catalog_items as _load_items
from mediacenter.recommend.explain import Explainer, because_phrase, genre_shares
from mediacenter.recommend.model import ModelFileError, RecModel
from mediacenter.recommend.scoring import HistoryItem, Ranker, Scores
from mediacenter.recommend.signals import (
    Signal,
    apply_adjustments,
    profile_signals,
    recency_weight,
)
from mediacenter.recommend.train import model_path_for_db

ROW_LENGTH = 20
MIN_ROW_LENGTH = 3  # rows are a third of what can be recommended, this many at least
MIN_ROW_ITEMS = 2  # a row left with fewer (after dedupe) is dropped
# Fewer are enough where one title says the row: what is like a film, what was finished.
MIN_ITEMS = {"because": 1, "again": 1}
CANDIDATES = 200  # best-scored titles a row chooses from
BECAUSE_ROWS = 3
MIN_SIMILARITY = 0.05  # below this cosine a title is not "like" the one the row names
GENRE_ROWS = 3
GENRE_MIN_SHARE = 0.1
NEW_WINDOW_S = 30 * 86400.0
TRENDING_WINDOW_S = 30 * 86400.0
TRENDING_HALF_LIFE_S = 7 * 86400.0  # last night's film outweighs three plays a month ago
AGAIN_AFTER_S = 30 * 86400.0
CALIBRATION = 0.5  # 0: scores only; 1: genre proportions only
# "Calibrated / more diverse" (a profile's choice, app_settings): Top picks held closer to the
# profile's genre mix; its cost in NDCG@10 and gain in calibration are measured by
# benchmarks/recs.py on held-out MovieLens ratings.
CALIBRATION_STRONG = 0.9
CONTEXT_WEIGHT = 0.3
CONTEXT_MIN_SESSIONS = 5
ModelArg = RecModel | str | os.PathLike[str] | None


# -- per-process caches ----------------------------------------------------------------------

_LOCK = threading.Lock()
_INDEX_CACHE: dict[str, tuple[tuple, CatalogIndex]] = {}
_MODEL_CACHE: dict[str, tuple[tuple[int, int], RecModel | None, str | None]] = {}
_RANKER_CACHE: dict[str, tuple[int, int, Ranker]] = {}
_VISIBLE_CACHE: dict[tuple, frozenset[int]] = {}


def _db_key(db: sqlite_utils.Database) -> str:
    path = model_path_for_db(db)
    return str(path.parent.parent) if path is not None else f"memory:{id(db.conn)}"


def catalog_index(db: sqlite_utils.Database) -> CatalogIndex:
    """The catalog's content index, rebuilt only when its movies and shows changed.

    Nothing written since the last call on this connection, by it (``total_changes()``) or by
    any other (``PRAGMA data_version``), means nothing to check; otherwise the titles'
    signature decides.
    """
    key = _db_file(db)
    (version,) = db.conn.execute("PRAGMA data_version").fetchone()
    (changes,) = db.conn.execute("SELECT total_changes()").fetchone()
    stamp = (id(db.conn), version, changes)
    with _LOCK:
        cached = _INDEX_CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    signature = catalog_signature(db)
    if cached is not None and cached[1].signature == signature:
        index = cached[1]
    else:
        index = build_index(_load_items(db), signature=signature)
    with _LOCK:
        _INDEX_CACHE[key] = (stamp, index)
    return index


def _db_file(db: sqlite_utils.Database) -> str:
    for _seq, name, file in db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return file or f"memory:{id(db.conn)}"
    return f"memory:{id(db.conn)}"


def load_model_cached(path: str | os.PathLike[str]) -> tuple[RecModel | None, str | None]:
    """(model, note): the model at ``path``, kept per process and reloaded when the file
    changes (size or mtime). A missing or unusable file gives (None, why) - never a crash."""
    p = str(Path(path))
    try:
        st = os.stat(p)
        stamp = (st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        return None, "No recommendation model yet: rows from content and popularity"
    except OSError as exc:
        return None, f"Recommendation model unreadable ({exc.strerror}); using content"
    with _LOCK:
        cached = _MODEL_CACHE.get(p)
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    try:
        model, note = RecModel.load(p), None
    except ModelFileError as exc:
        model, note = None, f"{exc}; using content and popularity until it is retrained"
    with _LOCK:
        _MODEL_CACHE[p] = (stamp, model, note)
    return model, note


def _resolve_model(db: sqlite_utils.Database, model: ModelArg
                   ) -> tuple[RecModel | None, str | None]:
    if isinstance(model, RecModel):
        return model, None
    path = model if model is not None else model_path_for_db(db)
    if path is None:
        return None, "In-memory catalog: no model file"
    return load_model_cached(path)


def _ranker(db: sqlite_utils.Database, index: CatalogIndex, model: RecModel | None) -> Ranker:
    key = _db_key(db)
    with _LOCK:
        cached = _RANKER_CACHE.get(key)
    if cached is not None and cached[0] == id(index) and cached[1] == id(model):
        return cached[2]
    ranker = Ranker(index, model)
    with _LOCK:
        _RANKER_CACHE[key] = (id(index), id(model), ranker)
    return ranker


def _visible(db: sqlite_utils.Database, profile: Profile, index: CatalogIndex
             ) -> frozenset[int] | None:
    if not profile.is_kids:
        return None
    key = (_db_key(db), index.signature, profile.id, profile.max_rating,
           db.conn.execute("SELECT max(updated_at), count(*) FROM titles").fetchone())
    with _LOCK:
        cached = _VISIBLE_CACHE.get(key)
    if cached is not None:
        return cached
    ids = visible_title_ids(db, profile)
    out = frozenset(ids or ())
    with _LOCK:
        if len(_VISIBLE_CACHE) > 32:
            _VISIBLE_CACHE.clear()
        _VISIBLE_CACHE[key] = out
    return out


def clear_caches() -> None:
    """Forget cached indexes and models (tests; a catalog replaced under the same path)."""
    with _LOCK:
        _INDEX_CACHE.clear()
        _MODEL_CACHE.clear()
        _RANKER_CACHE.clear()
        _VISIBLE_CACHE.clear()


# -- household facts -------------------------------------------------------------------------


@dataclass
class Household:
    """What the other profiles did, for the scores and the reasons.

    Never who: a reason may say a title is popular in the household, not with whom (one
    profile's viewing is not another's to read). Profiles that opted out of household trends
    (:func:`mediacenter.db.app_settings.trend_opt_outs`) count only for themselves; private
    sessions are never recorded at all.
    """

    popularity: np.ndarray  # per index row: recency-weighted viewers (profiles that share)
    trending: np.ndarray  # per index row: the others' plays of the last month, fading weekly
    others_played: frozenset[int]  # rows another (sharing) profile ever played
    profiles: int


def household(db: sqlite_utils.Database, index: CatalogIndex, profile_id: int, now: float
              ) -> Household:
    pop = np.zeros(len(index))
    trend = np.zeros(len(index))
    others: set[int] = set()
    private = trend_opt_outs(db) - {profile_id}
    (n_profiles,) = db.conn.execute("SELECT count(*) FROM profiles").fetchone()
    rows = db.conn.execute(
        """SELECT coalesce(CASE WHEN t.kind IN ('episode', 'season') THEN t.show_id END, t.id),
                  ws.profile_id, max(ws.last_played_at), max(ws.watched)
           FROM watch_state ws JOIN titles t ON t.id = ws.title_id
           WHERE ws.last_played_at IS NOT NULL
           GROUP BY 1, 2"""
    ).fetchall()
    for tid, pid, last, watched in rows:
        r = index.pos.get(int(tid))
        if r is None or pid in private:
            continue
        w = recency_weight(last, now) * (1.0 if watched else 0.5)
        pop[r] += w
        if pid == profile_id:
            continue
        others.add(r)
        if last is not None and now - last <= TRENDING_WINDOW_S:
            fade = math.exp(-max(0.0, now - last) * math.log(2) / TRENDING_HALF_LIFE_S)
            trend[r] += fade * (1.0 if watched else 0.5)
    for tid, pid in db.conn.execute(
        "SELECT title_id, profile_id FROM ratings WHERE source = 'explicit' AND value > 0"
    ):
        r = index.pos.get(int(tid))
        if r is not None and pid not in private:
            pop[r] += 0.5
    return Household(pop, trend, frozenset(others), int(n_profiles))


# -- context: the hour and the day -------------------------------------------------------------


def time_bucket(ts: float) -> tuple[str, str]:
    """("weekday"|"weekend", "morning"|"afternoon"|"evening"|"night") in local time."""
    t = time.localtime(ts)
    day = "weekend" if t.tm_wday >= 5 else "weekday"
    h = t.tm_hour
    part = ("night" if h < 5 else "morning" if h < 12 else "afternoon" if h < 17
            else "evening" if h < 23 else "night")
    return day, part


def context_boost(db: sqlite_utils.Database, index: CatalogIndex, profile_id: int, now: float
                  ) -> tuple[np.ndarray | None, Callable[[int], str | None] | None]:
    """Per-title boost from what the profile plays at this time of the week, with reasons.

    For each genre (and for movies vs shows), the lift of its share among the profile's
    sessions started in the current bucket (weekday/weekend x part of day) over its share
    among all sessions, smoothed; a title gets the mean log-lift of its genres. None until the
    profile has :data:`CONTEXT_MIN_SESSIONS` sessions in this bucket.
    """
    rows = db.conn.execute(
        """SELECT s.started_at, coalesce(CASE WHEN t.kind IN ('episode', 'season')
                                              THEN t.show_id END, t.id)
           FROM watch_sessions s JOIN titles t ON t.id = s.title_id
           WHERE s.profile_id = ? AND s.end_reason IN ('finished', 'stopped')
           ORDER BY s.started_at DESC LIMIT 2000""",
        (profile_id,),
    ).fetchall()
    bucket = time_bucket(now)
    in_bucket = [tid for at, tid in rows if time_bucket(at) == bucket and tid in index.pos]
    everything = [tid for _at, tid in rows if tid in index.pos]
    if len(in_bucket) < CONTEXT_MIN_SESSIONS or len(everything) < 2 * CONTEXT_MIN_SESSIONS:
        return None, None
    n_genres = len(index.genre_names) + 2

    def counts(ids: Sequence[int]) -> dict[str, float]:
        out: dict[str, float] = {}
        for tid in ids:
            r = index.pos[tid]
            keys = [*index.genre_names_of(r), f"kind:{index.items[r].kind}"]
            for g in keys:
                out[g] = out.get(g, 0.0) + 1.0
        return out

    cb, ca = counts(in_bucket), counts(everything)
    lift = {g: math.log(((cb.get(g, 0.0) + 1) / (len(in_bucket) + n_genres))
                        / ((ca[g] + 1) / (len(everything) + n_genres))) for g in ca}
    genre_lift = np.array([lift.get(g, 0.0) for g in index.genre_names])
    kinds = np.array([item.kind for item in index.items])
    kind_lift = np.where(kinds == "show", lift.get("kind:show", 0.0),
                         lift.get("kind:movie", 0.0))
    n_keys = np.asarray(index.genres.sum(axis=1)).ravel() + 1.0
    mean_lift = (np.asarray(index.genres @ genre_lift).ravel() + kind_lift) / n_keys
    boost = CONTEXT_WEIGHT * np.clip(mean_lift, -1.0, 1.0)
    day, part = bucket
    when = f"{day} {part}s"

    def reason(row: int) -> str | None:
        keys = [*index.genre_names_of(row), f"kind:{index.items[row].kind}"]
        top_value, top_key = max((lift.get(g, 0.0), g) for g in keys)
        if top_value <= 0.2 or cb.get(top_key, 0) < 2:
            return None
        what = {"kind:show": "shows", "kind:movie": "movies"}.get(top_key, top_key)
        return f"You often watch {what} on {when}"

    return boost, reason


# -- row building ----------------------------------------------------------------------------


def calibrated(candidates: np.ndarray, scores: np.ndarray, genres, target: Mapping[int, float],
               k: int, strength: float = CALIBRATION) -> list[int]:
    """Greedy calibrated re-ranking: pick ``k`` of ``candidates`` (index rows, best first)
    maximising (1 - strength) * relevance - strength * KL(target || list genres).

    ``genres`` is the index's row x genre 0/1 matrix; ``target`` maps a genre column to its
    share of the profile's history. Without a target the scores' order is kept.
    """
    if not target or len(candidates) <= 1:
        return [int(c) for c in candidates[:k]]
    g = genres[candidates].toarray()
    sums = g.sum(axis=1, keepdims=True)
    p_item = np.divide(g, sums, out=np.zeros_like(g), where=sums > 0)
    cols = np.zeros(g.shape[1])
    for c, v in target.items():
        cols[c] = v
    p = cols / cols.sum()
    s = scores[candidates].astype(np.float64)
    lo, hi = float(s.min()), float(s.max())
    rel = (s - lo) / (hi - lo) if hi > lo else np.ones_like(s)
    chosen: list[int] = []
    q_sum = np.zeros(g.shape[1])
    rel_sum = 0.0
    available = np.ones(len(candidates), dtype=bool)
    mask = p > 0
    for _ in range(min(k, len(candidates))):
        n = len(chosen) + 1
        q = (q_sum[None, :] + p_item) / n
        q_tilde = 0.99 * q[:, mask] + 0.01 * p[mask]
        kl = (p[mask] * np.log(p[mask] / q_tilde)).sum(axis=1)
        gain = (1 - strength) * (rel_sum + rel) / n - strength * kl
        gain[~available] = -np.inf
        j = int(np.argmax(gain))
        chosen.append(j)
        available[j] = False
        q_sum += p_item[j]
        rel_sum += rel[j]
    return [int(candidates[j]) for j in chosen]


def _fresh_first(rows: Sequence[int], used: Mapping[int, int], k: int) -> list[int]:
    """``k`` rows, preferring titles not on the page yet (stable within each group)."""
    fresh = [r for r in rows if used.get(r, 0) == 0]
    again = [r for r in rows if used.get(r, 0) == 1]
    return (fresh + again)[:k]


def _continue_row(db: sqlite_utils.Database, profile_id: int,
                  visible: frozenset[int] | None) -> Row | None:
    """In-progress movies and, for shows, the episode to play next, most recent first."""
    items: list[RowItem] = []
    for tid in continue_watching(db, profile_id, limit=ROW_LENGTH):
        kind = db.conn.execute("SELECT kind FROM titles WHERE id = ?", (tid,)).fetchone()
        if kind is None:
            continue
        play = next_episode(db, profile_id, tid) if kind[0] == "show" else tid
        if play is None or (visible is not None and play not in visible):
            continue
        ep_kind, season, episode, resume, duration = db.conn.execute(
            "SELECT t.kind, t.season_number, t.episode_number, ws.resume_position_ms, "
            "ws.duration_ms FROM titles t LEFT JOIN watch_state ws "
            "ON ws.title_id = t.id AND ws.profile_id = ? WHERE t.id = ?",
            (profile_id, play)).fetchone()
        resume = int(resume or 0)
        code = f"S{season or 0:02d}E{episode or 0:02d} · " if ep_kind == "episode" else ""
        if resume > 0:
            left = f", {time_left(int(duration) - resume)}" if duration else ""
            reason = f"{code}Resume at {format_clock(resume)}{left}"
        else:
            reason = f"{code}Next episode" if ep_kind == "episode" else f"{code}Start"
        progress = min(1.0, resume / duration) if duration and resume > 0 else 0.0
        items.append(RowItem(int(play), reason, float(progress)))
    if not items:
        return None
    return Row("continue", "Continue watching", tuple(items), KIND_CONTINUE)


@dataclass
class _Ctx:
    index: CatalogIndex
    scores: Scores
    explainer: Explainer
    exclude: np.ndarray  # bool per row: never recommend
    visible: np.ndarray  # bool per row
    used: dict[int, int]
    row_len: int = ROW_LENGTH

    def candidates(self, among: np.ndarray | None = None, k: int = CANDIDATES) -> np.ndarray:
        return self.scores.top(k, self.exclude, among)

    def take(self, rows: Sequence[int]) -> None:
        for r in rows:
            self.used[r] = self.used.get(r, 0) + 1

    def item(self, row: int, reason: str) -> RowItem:
        return RowItem(int(self.index.ids[row]), reason)


def _z(x: np.ndarray) -> np.ndarray:
    std = float(x.std())
    return (x - float(x.mean())) / std if std > 1e-12 else np.zeros_like(x)


def _similar(ctx: _Ctx, seed_row: int, ranker: Ranker, norms: list[np.ndarray]
             ) -> list[int]:
    """Rows like ``seed_row`` (content, and the model's item factors when it knows the
    title), most similar first and among the similar what suits the profile; at most enough
    for a row. ``norms`` caches the factors' norms between seeds."""
    index = ctx.index
    sim = index.similar(seed_row)
    if ranker.usable_model and ranker.known[seed_row]:
        q = ranker.q
        assert q is not None
        if not norms:
            norms.append(np.linalg.norm(q, axis=1))
        denom = np.where(norms[0] > 0, norms[0] * norms[0][seed_row], 1.0)
        cf_sim = np.where(ranker.known, (q @ q[seed_row]) / denom, 0.0)
        w = ranker.cf_confidence
        sim = (1 - w) * sim + w * np.clip(cf_sim, 0, None)
    mix = _z(sim) + 0.25 * _z(ctx.scores.total)
    mix[ctx.exclude | (sim < MIN_SIMILARITY)] = -np.inf
    mix[seed_row] = -np.inf
    return [int(r) for r in np.argsort(-mix, kind="stable")[: 3 * ctx.row_len]
            if np.isfinite(mix[r])]


def _because_rows(ctx: _Ctx, seeds: Sequence[tuple[int, Signal]],
                  similar: Mapping[int, list[int]]) -> list[Row]:
    out: list[Row] = []
    index = ctx.index
    for seed_row, signal in seeds:
        order = similar[seed_row]
        if len(order) < MIN_ITEMS["because"]:
            continue
        picked = _fresh_first(order, ctx.used, ctx.row_len)
        ctx.take(picked)
        phrase = because_phrase(signal, index.items[seed_row].title)
        items = tuple(ctx.item(r, ctx.explainer.similar_reason(r, seed_row, phrase))
                      for r in picked)
        out.append(Row(f"because:{int(index.ids[seed_row])}", phrase, items))
    return out


def _in_genre(reason: str, genre: str) -> str:
    return reason if genre.casefold() in reason.casefold() else f"{genre} · {reason}"


def _genre_rows(ctx: _Ctx, share: Mapping[str, float], count: Mapping[str, int],
                household_pop: np.ndarray) -> list[Row]:
    index = ctx.index
    if not index.genre_names:
        return []
    genres: list[tuple[str, str]] = []  # (genre, why the row is here)
    personal = [(v, g) for g, v in share.items()
                if v >= GENRE_MIN_SHARE and count.get(g, 0) >= 2]
    personal.sort(key=lambda t: (-t[0], t[1]))
    for v, g in personal[:GENRE_ROWS]:
        genres.append((g, f"{round(v * 100)} % of what you watch is {g}"))
    if len(genres) < GENRE_ROWS:
        # The household's (or the library's) largest genres fill in for a new profile.
        weight = np.asarray(index.genres.T @ (household_pop + 1.0)).ravel()
        for c in np.argsort(-weight, kind="stable"):
            g = index.genre_names[int(c)]
            if all(g != have for have, _ in genres):
                genres.append((g, f"{g} in your library"))
            if len(genres) >= GENRE_ROWS:
                break
    genres_csc = index.genres.tocsc()
    out = []
    for g, row_reason in genres:
        col = index.genre_names.index(g)
        among = np.zeros(len(index), dtype=bool)
        among[genres_csc.indices[genres_csc.indptr[col]:genres_csc.indptr[col + 1]]] = True
        cand = [int(r) for r in ctx.candidates(among, 3 * ctx.row_len)]
        if len(cand) < MIN_ROW_ITEMS:
            continue
        picked = _fresh_first(cand, ctx.used, ctx.row_len)
        ctx.take(picked)
        items = tuple(ctx.item(r, _in_genre(ctx.explainer.reason(r), g)) for r in picked)
        out.append(Row(f"genre:{g}", g, items, reason=row_reason))
    return out


def _new_row(ctx: _Ctx, now: float) -> Row | None:
    index = ctx.index
    among = (index.added_at >= now - NEW_WINDOW_S) & (index.added_at <= now + 60)
    among &= ~ctx.exclude
    if not among.any():
        return None
    # Newest first (what makes the row "new", and not Top picks again), the score between
    # titles of one scan.
    rows = np.flatnonzero(among)
    order = np.lexsort((rows, -ctx.scores.total[rows], -np.floor(index.added_at[rows] / 60)))
    cand = [int(r) for r in rows[order][: 3 * ctx.row_len]]
    picked = _fresh_first(cand, ctx.used, ctx.row_len)
    ctx.take(picked)
    return Row("new", "New in your library",
               tuple(ctx.item(r, _new_reason(ctx, r, now)) for r in picked))


def _new_reason(ctx: _Ctx, r: int, now: float) -> str:
    taste = ctx.explainer.taste_match(r)
    if taste and taste.startswith("Matches your taste for "):
        return "New and m" + taste[1:]
    if taste and taste.startswith("You love "):
        return "New and matches your taste for " + taste.removeprefix("You love ")
    if taste:
        return f"New · {taste}"
    days = int(max(0.0, now - ctx.index.added_at[r]) // 86400)
    return "Added today" if days == 0 else f"Added {days} day{'s' if days != 1 else ''} ago"


def _premiere(rows: list[Row], plan: release.ReleasePlan, ctx: _Ctx, now: float) -> list[Row]:
    """The plan's new titles open the row the profile looks at first (Top picks when the page
    has no row of that kind), and only that row: once is enough where it is seen first."""
    if not plan.premiere:
        return rows
    items = [ctx.item(ctx.index.pos[t], _new_reason(ctx, ctx.index.pos[t], now))
             for t in plan.premiere]
    kinds = [r.key.split(":", 1)[0] for r in rows]
    at = next((i for i, k in enumerate(kinds) if k == plan.row), None)
    if at is None:
        at = next((i for i, k in enumerate(kinds) if k == "top"), None)
    if at is None:
        return rows
    out = []
    for i, row in enumerate(rows):
        if i == at:
            keep = [it for it in row.items if it.title_id not in plan.premiere]
            row = Row(row.key, row.title, tuple(items + keep)[:max(len(row.items), len(items))],
                      row.kind, row.reason)
        elif row.kind != KIND_CONTINUE:
            left = tuple(it for it in row.items if it.title_id not in plan.premiere)
            if len(left) < len(row.items):
                if kinds[i] != "top" and len(left) < MIN_ITEMS.get(kinds[i], MIN_ROW_ITEMS):
                    continue
                row = Row(row.key, row.title, left, row.kind, row.reason)
        out.append(row)
    return out


def _trending_row(ctx: _Ctx, hh: Household) -> Row | None:
    if hh.profiles < 2:
        return None
    among = hh.trending > 0
    if not among.any():
        return None
    mix = _z(hh.trending) + 0.2 * _z(ctx.scores.total)
    mix[~among | ctx.exclude] = -np.inf
    order = [int(r) for r in np.argsort(-mix, kind="stable")[: 3 * ctx.row_len]
             if np.isfinite(mix[r])]
    if not order:
        return None
    picked = _fresh_first(order, ctx.used, ctx.row_len)
    ctx.take(picked)
    items = tuple(ctx.item(r, "Popular in your household lately") for r in picked)
    return Row("trending", "Trending in your household", items)


def _again_row(ctx: _Ctx, signals: Mapping[int, Signal], now: float) -> Row | None:
    index = ctx.index
    picks: list[tuple[float, int, str]] = []
    for tid, s in signals.items():
        r = index.pos.get(tid)
        if r is None or not ctx.visible[r] or s.excluded:
            continue
        finished = (s.source == "watch" and s.strength >= 0.8) or (
            s.source == "explicit" and s.strength > 0)
        if not finished:
            continue
        if s.source == "explicit":
            reason = "You loved it" if s.strength >= 1.0 else "You liked it"
        elif "times" in s.detail or "twice" in s.detail or "episode" in s.detail:
            reason = f"You {s.detail}"
        else:
            reason = f"You watched it {_ago(now - (s.at or now))}"
        # Not played for a while first: a classic to return to beats last night's film.
        rested = s.at is None or now - s.at >= AGAIN_AFTER_S
        picks.append((float(rested) + s.strength + 0.1 * float(ctx.scores.total[r]), r,
                      reason))
    if not picks:
        return None
    picks.sort(key=lambda t: (-t[0], t[1]))
    rows = _fresh_first([r for _s, r, _ in picks], ctx.used, ctx.row_len)
    ctx.take(rows)
    reasons = {r: reason for _s, r, reason in picks}
    return Row("again", "Watch it again", tuple(ctx.item(r, reasons[r]) for r in rows))


def _ago(seconds: float) -> str:
    """ "today", "yesterday", "3 days ago", "2 months ago"."""
    days = int(max(0.0, seconds) // 86400)
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 60:
        return f"{days} days ago"
    months = days // 30
    return f"{months} months ago"


def _row_strength(row: Row, index: CatalogIndex, total: np.ndarray) -> float:
    vals = [float(total[index.pos[it.title_id]]) for it in row.items[:5]
            if it.title_id in index.pos]
    return float(np.mean(vals)) if vals else -10.0


# Which rows keep a title shown in several (the earlier here): see build_page.
DEDUPE_ORDER = {"continue": 0, "top": 1, "because": 2, "again": 3, "genre": 4, "trending": 5,
                "new": 6}

# Added to a row's strength (the mean score of its first titles) when rows are ordered.
ROW_PRIOR = {"because": 0.3, "genre": 0.1, "new": 0.2, "trending": 0.15, "again": -0.4}


# -- the page --------------------------------------------------------------------------------


@dataclass
class _Prepared:
    profile: Profile
    index: CatalogIndex
    ranker: Ranker
    signals: dict[int, Signal]
    history_signals: dict[int, Signal]
    visible_ids: frozenset[int] | None
    household: Household
    ctx: _Ctx
    liked: list[tuple[int, float]]
    share: dict[str, float]
    count: dict[str, int]
    notes: list[str]


def _prepare(db: sqlite_utils.Database, profile_id: int, now: float, model: ModelArg
             ) -> _Prepared:
    """Everything the rows are made from: the profile, its signals and its scores."""
    profile = get_profile(db, profile_id)
    if profile is None:
        raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
    notes: list[str] = []
    index = catalog_index(db)
    rec_model, note = _resolve_model(db, model)
    if note:
        notes.append(note)
    ranker = _ranker(db, index, rec_model)
    if rec_model is not None and len(index) and not ranker.known.any():
        notes.append("The model does not know this catalog's titles yet; it will be retrained")

    visible_ids = _visible(db, profile, index)
    visible = np.ones(len(index), dtype=bool)
    if visible_ids is not None:
        visible = np.isin(index.ids, np.fromiter(visible_ids, dtype=np.int64))

    # Seen, rated or refused: never a recommendation, even where "Your taste" says not to
    # count it (:mod:`mediacenter.db.taste_adjustments`).
    everything = profile_signals(db, profile_id, now, adjusted=False)
    adj = adjustments(db, profile_id)
    signals = apply_adjustments(everything, adj)
    history: list[HistoryItem] = []
    history_signals: dict[int, Signal] = {}
    exclude = ~visible
    for tid in everything:
        r = index.pos.get(tid)
        if r is not None:
            exclude[r] = True
    for tid, s in signals.items():
        r = index.pos.get(tid)
        if r is None:
            continue
        history.append(HistoryItem(r, s.strength, recency_weight(s.at, now)))
        history_signals[r] = s
    avoid = [index.feature_col[f] for f in sorted(adj.less_like) if f in index.feature_col]
    hh = household(db, index, profile_id, now)
    boost, context_reason = context_boost(db, index, profile_id, now)
    scores = ranker.score(history, boost, hh.popularity, avoid)
    liked = [(r, s.strength * recency_weight(s.at, now)) for r, s in history_signals.items()
             if s.liked]
    share, count = genre_shares(index, liked)
    for feature in adj.less_like:  # Top picks is not calibrated back toward it
        if feature.startswith("genre:"):
            share.pop(feature.removeprefix("genre:"), None)
    explainer = Explainer(index, scores, history_signals, share, count, hh.others_played,
                          boost, context_reason, now)
    # A third of what can be recommended per row: a small library still fills several rows.
    row_len = int(np.clip(int((~exclude).sum()) // 3, MIN_ROW_LENGTH, ROW_LENGTH))
    ctx = _Ctx(index, scores, explainer, exclude, visible, {}, row_len)
    return _Prepared(profile, index, ranker, signals, history_signals, visible_ids, hh, ctx,
                     liked, share, count, notes)


def score_titles(db: sqlite_utils.Database, profile_id: int, *, now: float | None = None,
                 model: ModelArg = None) -> dict[int, float]:
    """Every title the profile could be recommended (movies and shows it may see and has not
    played, rated or refused) with its score: what the rows are cut from. For diagnostics
    and tests; the page is :func:`build_page`."""
    now = time.time() if now is None else float(now)
    prep = _prepare(db, profile_id, now, model)
    total = prep.ctx.scores.total
    return {int(prep.index.ids[r]): float(total[r])
            for r in np.flatnonzero(~prep.ctx.exclude)}


def build_page(db: sqlite_utils.Database, profile_id: int, *, now: float | None = None,
               model: ModelArg = None, release_timing: str = "timed") -> Page:
    """The home page of ``profile_id`` (see the module doc). ``model``: a loaded
    :class:`RecModel`, a model file path, or None for the catalog's own model file.
    ``release_timing``: how new titles are surfaced (:func:`.release.plan`; the app always
    times them, the benchmark compares).

    Raises :class:`~mediacenter.db.profiles.ProfileNotFoundError` for an unknown profile.
    """
    started = time.perf_counter()
    now = time.time() if now is None else float(now)
    prep = _prepare(db, profile_id, now, model)
    profile, index, ranker, ctx = prep.profile, prep.index, prep.ranker, prep.ctx
    scores, explainer, hh = ctx.scores, ctx.explainer, prep.household
    history_signals, signals, share, count = (prep.history_signals, prep.signals, prep.share,
                                              prep.count)
    liked, notes, visible_ids = prep.liked, prep.notes, prep.visible_ids
    plan = release.plan(db, profile_id, now, ids=index.ids, added_at=index.added_at,
                        scores=scores.total, recommendable=~ctx.exclude, timing=release_timing)
    for tid in plan.hold:
        ctx.exclude[index.pos[tid]] = True

    cont = _continue_row(db, profile_id, visible_ids)
    seeds = sorted(((r, s) for r, s in history_signals.items() if s.liked and s.at),
                   key=lambda t: (-(t[1].at or 0.0), t[0]))[:BECAUSE_ROWS]
    norms: list[np.ndarray] = []
    similar = {r: _similar(ctx, r, ranker, norms) for r, _s in seeds}
    # A title that is one of the few like a watched film stays for that film's row, unless
    # Top picks would run short without it.
    scarce = {r for order in similar.values() if len(order) < MIN_ROW_ITEMS for r in order}
    top_row = None
    if len(index):
        target = {index.genre_names.index(g): v for g, v in share.items()}
        cand = ctx.candidates()
        plenty = np.array([r for r in cand if r not in scarce], dtype=cand.dtype)
        if len(plenty) >= ctx.row_len:
            cand = plenty
        pull = CALIBRATION_STRONG if calibrated_recs(db, profile_id) else CALIBRATION
        picked = calibrated(cand, scores.total, index.genres, target, ctx.row_len, pull)
        ctx.take(picked)
        if picked:
            top_row = Row("top", f"Top picks for {profile.name}",
                          tuple(ctx.item(r, explainer.reason(r)) for r in picked))
    others: list[Row] = []
    others += _because_rows(ctx, seeds, similar)
    others += _genre_rows(ctx, share, count, hh.popularity)
    for row in (_new_row(ctx, now), _trending_row(ctx, hh), _again_row(ctx, signals, now)):
        if row is not None:
            others.append(row)

    def strength(row: Row) -> float:
        kind = row.key.split(":", 1)[0]
        if kind == "again" and all(
                now - (signals[it.title_id].at or 0.0) < AGAIN_AFTER_S for it in row.items):
            return -np.inf  # only what was just watched: the end of the page
        prior = ROW_PRIOR.get(kind, 0.0)
        if kind in ("new", "trending") and len(liked) < 3:
            prior += 0.5  # a new profile: what is new and what the others watch, first
        return _row_strength(row, index, scores.total) + prior

    others.sort(key=lambda r: -strength(r))
    ordered = ([cont] if cont else []) + ([top_row] if top_row else []) + others
    # Rows claim their titles in order of what they tell (a "Because you watched" row keeps
    # its few similar titles before "New" repeats them), then show in the order above.
    claimed = {r.key: r for r in dedupe_rows(
        sorted(ordered, key=lambda r: DEDUPE_ORDER.get(r.key.split(":", 1)[0], 9)),
        max_per_page=2)}
    final = [claimed[r.key] for r in ordered if r.key in claimed]
    final = [r for r in final if r.kind == KIND_CONTINUE or r.key == "top"
             or len(r.items) >= MIN_ITEMS.get(r.key.split(":", 1)[0], MIN_ROW_ITEMS)]
    final = _premiere(final, plan, ctx, now)
    tops = [r for r in final if r.key == "top"]
    hero = tops[0].items[0] if tops and tops[0].items else None
    return Page(tuple(final), hero=hero, built_in_s=time.perf_counter() - started,
                notes=tuple(notes))
