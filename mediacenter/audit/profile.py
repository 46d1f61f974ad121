"""One profile's recommendation audit: its home page measured beside most-popular, and, for a
kids profile, proof that nothing above its rating is shown anywhere.

The page is the one the app builds (:func:`mediacenter.recommend.page.build_page`); its
recommendation rows (all but Continue watching and Watch it again, which replay the history)
are measured with :mod:`.metrics` against the profile's history (the signals the recommender
counts, liked ones weighted as the page weighs them), and so is the reference: the most popular
titles the profile may see and has not seen, as many and in rows of the same lengths.

Popularity is the catalog's vote counts (.nfo ``<votes>``) when most titles have them, else
what the household played (the recommender's own popularity part); ``popularity_source`` says
which. Read only: the audit writes nothing (artwork and previews are asked which title's
pictures and clips a title would use, never to choose one).

The kids check: every title of every row, every search result for the name of each title the
profile may not see (those a child would try), the title whose pictures (artwork candidates)
and clips (previews) each shown title would use, and every row already stored for the
profile in a table that refers to a title (impressions, choices, history: found from the
schema's foreign keys) must be within its rating.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import sqlite_utils

from mediacenter.audit import metrics as m
from mediacenter.db.app_settings import calibrated_recs
from mediacenter.db.catalog import search_visible
from mediacenter.db.content_rating import visible_title_ids
from mediacenter.db.profile_tables import profile_tables
from mediacenter.db.profiles import ProfileNotFoundError, get_profile
from mediacenter.recommend.page import ModelArg, build_page, catalog_index, household
from mediacenter.recommend.signals import profile_signals, recency_weight

HISTORY_ROWS = ("continue", "again")
SEARCH_PROBES = 100  # forbidden titles whose names are searched for (kids check)


@dataclass(frozen=True)
class ListMetrics:
    """The measures of one list of recommendations (the app's page, or most-popular)."""

    titles: int
    long_tail_share: float
    gini_exposure: float
    coverage: float
    calibration_kl: float
    calibration_kl_top: float  # of the first row alone (Top picks)
    intra_list_diversity: float
    novelty: float


@dataclass(frozen=True)
class KidsCheck:
    """Titles above the profile's rating found in each place (all 0 when it holds)."""

    max_rating: str | None
    checked: dict[str, int]
    above: dict[str, list[int]]

    @property
    def violations(self) -> int:
        return sum(len(v) for v in self.above.values())


@dataclass(frozen=True)
class Audit:
    profile_id: int
    profile: str
    kids: bool
    calibrated_option: bool
    popularity_source: str  # "votes" | "household"
    history_titles: int
    history_long_tail_share: float
    candidates: int
    app: ListMetrics
    most_popular: ListMetrics
    kids_check: KidsCheck | None = None
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.kids_check is not None:
            out["kids_check"]["violations"] = self.kids_check.violations
        out["seconds"] = round(self.seconds, 3)
        for key in ("app", "most_popular"):
            out[key] = {k: round(v, 4) if isinstance(v, float) else v
                        for k, v in out[key].items()}
        out["history_long_tail_share"] = round(self.history_long_tail_share, 4)
        return out


def _measure(rows: list[list[int]], top: list[int], popularity: np.ndarray,
             tail: np.ndarray, candidates: np.ndarray, history_mix: np.ndarray, index
             ) -> ListMetrics:
    flat = list(dict.fromkeys(r for row in rows for r in row))
    exposure = m.exposure(rows, len(popularity))
    return ListMetrics(
        titles=len(flat),
        long_tail_share=m.tail_share(flat, tail),
        gini_exposure=m.gini(exposure[candidates]),
        coverage=m.coverage(flat, len(candidates)),
        calibration_kl=m.calibration_kl(history_mix, m.genre_mix(flat, index.genres))
        if flat else 0.0,
        calibration_kl_top=m.calibration_kl(history_mix, m.genre_mix(top, index.genres))
        if top else 0.0,
        intra_list_diversity=m.intra_list_diversity(flat, index.features),
        novelty=m.novelty(flat, popularity),
    )


def audit_profile(db: sqlite_utils.Database, profile_id: int, *, now: float | None = None,
                  model: ModelArg = None) -> Audit:
    """Audit ``profile_id``'s home page (see the module doc). Raises ProfileNotFoundError."""
    started = time.perf_counter()
    now = time.time() if now is None else float(now)
    profile = get_profile(db, profile_id)
    if profile is None:
        raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
    page = build_page(db, profile_id, now=now, model=model)
    index = catalog_index(db)
    n = len(index)
    notes = list(page.notes)

    # popularity: community votes when most titles have them, else the household's plays
    votes = np.array([float(it.votes or 0) for it in index.items])
    if n and (votes > 0).mean() >= 0.5:
        popularity, source = votes, "votes"
    else:
        popularity, source = household(db, index, profile_id, now).popularity, "household"
    tail = m.long_tail_mask(popularity)

    everything = profile_signals(db, profile_id, now, adjusted=False)
    counted = profile_signals(db, profile_id, now)
    liked = [(index.pos[t], s.strength * recency_weight(s.at, now))
             for t, s in counted.items() if t in index.pos and s.liked]
    history_rows = [r for r, _w in liked]
    history_mix = (m.genre_mix(history_rows, index.genres, [w for _r, w in liked])
                   if liked else np.zeros(len(index.genre_names)))

    allowed = visible_title_ids(db, profile)
    visible = np.ones(n, dtype=bool) if allowed is None else np.isin(
        index.ids, np.fromiter(allowed, dtype=np.int64))
    seen = np.zeros(n, dtype=bool)
    for t in everything:
        r = index.pos.get(t)
        if r is not None:
            seen[r] = True
    candidates = np.flatnonzero(visible & ~seen)

    app_rows: list[list[int]] = []
    top: list[int] = []
    for page_row in page.rows:
        if page_row.key in HISTORY_ROWS:
            continue
        ranked = [index.pos[it.title_id] for it in page_row.items if it.title_id in index.pos]
        if ranked:
            app_rows.append(ranked)
        if page_row.key == "top":
            top = ranked
    # most popular: the same number of titles, in rows of the same lengths
    n_titles = len({r for row in app_rows for r in row})
    order = candidates[np.argsort(-popularity[candidates], kind="stable")][:n_titles]
    mp_rows, k = [], 0
    for row in app_rows:
        fresh = order[k:k + len(row)]
        k += len(row)
        if len(fresh):
            mp_rows.append([int(r) for r in fresh])
    mp_top = mp_rows[0] if mp_rows else []

    kids = kids_check(db, profile, allowed, page) if profile.is_kids else None
    return Audit(
        profile_id=profile.id, profile=profile.name, kids=profile.is_kids,
        calibrated_option=calibrated_recs(db, profile_id), popularity_source=source,
        history_titles=len(history_rows),
        history_long_tail_share=m.tail_share(history_rows, tail),
        candidates=len(candidates),
        app=_measure(app_rows, top, popularity, tail, candidates, history_mix, index),
        most_popular=_measure(mp_rows, mp_top, popularity, tail, candidates, history_mix,
                              index),
        kids_check=kids, seconds=time.perf_counter() - started, notes=tuple(notes))


def kids_check(db: sqlite_utils.Database, profile, allowed: set[int] | None, page
               ) -> KidsCheck:
    """Titles above a kids profile's rating in every place it could meet one."""
    allow = allowed or set()
    checked: dict[str, int] = {}
    above: dict[str, list[int]] = {}
    shown = [it.title_id for row in page.rows for it in row.items]
    if page.hero is not None:
        shown.append(page.hero.title_id)
    checked["rows"] = len(shown)
    above["rows"] = sorted({t for t in shown if t not in allow})

    # search: the names of titles it may not see, as a child would type them
    forbidden = [(tid, name) for tid, name in db.conn.execute(
        "SELECT id, title FROM titles WHERE removed_at IS NULL "
        "AND kind IN ('movie', 'show', 'other') ORDER BY id") if tid not in allow]
    step = max(1, len(forbidden) // SEARCH_PROBES)
    probes = forbidden[::step][:SEARCH_PROBES]
    found: set[int] = set()
    hits_seen = 0
    for _tid, name in probes:
        for hit in search_visible(db, name, allowed, 20):
            hits_seen += 1
            found.add(hit.row.id)
            shown.append(hit.row.id)
    checked["search_queries"] = len(probes)
    checked["search_results"] = hits_seen
    above["search"] = sorted(t for t in found if t not in allow)

    # the pictures and clips each shown title would use
    from mediacenter.artwork.select import art_source_title
    from mediacenter.previews.store import preview_source_title

    distinct = sorted(set(shown))
    art, clips = set(), set()
    for tid in distinct:
        a = art_source_title(db, tid)
        if a is not None:
            art.add(a)
        p = preview_source_title(db, tid)
        if db.conn.execute("SELECT 1 FROM preview_candidates WHERE title_id = ? LIMIT 1",
                           (p,)).fetchone():
            clips.add(p)
    checked["artwork_candidates"] = len(art)
    above["artwork_candidates"] = sorted(t for t in art if t not in allow)
    checked["previews"] = len(clips)
    above["previews"] = sorted(t for t in clips if t not in allow)

    # every stored row of the profile that names a title
    stored: set[int] = set()
    n_rows = 0
    for table in profile_tables(db):
        if table.title_column is None:
            continue
        for (tid,) in db.conn.execute(
                f'SELECT "{table.title_column}" FROM "{table.name}" WHERE {table.where()}',
                (profile.id,)):
            n_rows += 1
            if tid is not None:
                stored.add(int(tid))
    checked["stored_rows"] = n_rows
    above["stored"] = sorted(t for t in stored if t not in allow)
    return KidsCheck(profile.max_rating, checked, above)
