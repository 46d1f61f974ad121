"""Impressions (a tile shown to a profile) and their rewards (a play or details-open soon after).

Writes are single short statements (autocommit), safe from any thread with its own
connection. Reading them back for the bandit (:func:`observations`) is bounded to the most
recent impressions so a years-old household stays fast.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict

import numpy as np

from mediacenter.artwork.bandit import Observation, art_vector, taste_vector
from mediacenter.db.catalog import title_and_parents

REWARD_WINDOW_S = 30 * 60
REWARDS = {"play": 1.0, "details": 0.5}
MAX_OBSERVATIONS = 20_000

_feature_cache: OrderedDict[tuple[str, int, str], np.ndarray] = OrderedDict()
_FEATURE_CACHE_SIZE = 50_000


def record_impression(db, profile_id: int, title_id: int, candidate_id: int | None,
                      row: str | None, *, at: float | None = None) -> int:
    """Log that ``profile_id`` was shown ``title_id`` with image ``candidate_id`` in ``row``."""
    cur = db.conn.execute(
        "INSERT INTO artwork_impressions (profile_id, title_id, candidate_id, row, at) "
        "VALUES (?, ?, ?, ?, ?)",
        (profile_id, title_id, candidate_id, row, time.time() if at is None else at))
    return int(cur.lastrowid)


def record_reward(db, profile_id: int, title_id: int, event: str, *, at: float | None = None,
                  window_s: float = REWARD_WINDOW_S) -> int | None:
    """Reward the latest impression of the title for the profile within ``window_s``.

    ``event`` is "play" (reward 1) or "details" (0.5); a play after a details-open raises the
    reward, never lowers it. An episode's play also rewards a tile of its season or show.
    Returns the rewarded impression's id, or None when no impression was recent enough.
    """
    if event not in REWARDS:
        raise ValueError(f"unknown reward event {event!r} (expected one of {sorted(REWARDS)})")
    now = time.time() if at is None else at
    value = REWARDS[event]
    ids = title_and_parents(db, title_id)
    for tid in ids:
        r = db.conn.execute(
            "SELECT id, reward FROM artwork_impressions WHERE profile_id = ? AND title_id = ? "
            "AND at >= ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
            (profile_id, tid, now - window_s, now + 1.0)).fetchone()
        if r is None:
            continue
        if value > (r[1] or 0.0):
            db.conn.execute(
                "UPDATE artwork_impressions SET reward = ?, rewarded_at = ? WHERE id = ?",
                (value, now, r[0]))
        return int(r[0])
    return None


def profile_taste(db, profile_id: int) -> np.ndarray:
    """Taste vector (genre-group shares) from the titles the profile played (shows' genres
    count for their episodes)."""
    rows = db.conn.execute(
        """SELECT g.name, count(*) FROM watch_state ws
           JOIN titles t ON t.id = ws.title_id
           JOIN title_genres tg ON tg.title_id IN (t.id, coalesce(t.show_id, -1))
           JOIN genres g ON g.id = tg.genre_id
           WHERE ws.profile_id = ? AND (ws.play_count > 0 OR ws.watched = 1)
           GROUP BY g.name""", (profile_id,)).fetchall()
    return taste_vector({name: n for name, n in rows})


def genre_counts(db, profile_id: int) -> dict[str, int]:
    rows = db.conn.execute(
        """SELECT g.name, count(*) FROM watch_state ws
           JOIN titles t ON t.id = ws.title_id
           JOIN title_genres tg ON tg.title_id IN (t.id, coalesce(t.show_id, -1))
           JOIN genres g ON g.id = tg.genre_id
           WHERE ws.profile_id = ? AND (ws.play_count > 0 OR ws.watched = 1)
           GROUP BY g.name ORDER BY count(*) DESC""", (profile_id,)).fetchall()
    return {name: int(n) for name, n in rows}


def _db_key(db) -> str:
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row else ""


def candidate_art(db, candidate_id: int, features_json: str | None = None) -> np.ndarray:
    """The bandit's feature vector of a candidate (cached per catalog, id and features: a
    regenerated picture keeps its row and id, with features measured anew)."""
    if features_json is None:
        r = db.conn.execute("SELECT features_json FROM artwork_candidates WHERE id = ?",
                            (candidate_id,)).fetchone()
        features_json = r[0] if r else "{}"
    key = (_db_key(db), int(candidate_id), str(features_json))
    hit = _feature_cache.get(key)
    if hit is not None:
        _feature_cache.move_to_end(key)
        return hit
    vec = art_vector(bandit_features(features_json))
    _feature_cache[key] = vec
    if len(_feature_cache) > _FEATURE_CACHE_SIZE:
        _feature_cache.popitem(last=False)
    return vec


def bandit_features(features_json: str | dict | None) -> dict[str, float]:
    """The 0..1 features the bandit uses, from a candidate's features_json."""
    try:
        d = json.loads(features_json) if isinstance(features_json, str) else (features_json or {})
    except ValueError:
        return {}
    feats = d.get("bandit") if isinstance(d, dict) else None
    return feats if isinstance(feats, dict) else {}


def observations(db, *, limit: int = MAX_OBSERVATIONS) -> list[Observation]:
    """The most recent impressions with a candidate, as bandit observations."""
    rows = db.conn.execute(
        """SELECT i.profile_id, i.candidate_id, i.reward, c.features_json
           FROM artwork_impressions i JOIN artwork_candidates c ON c.id = i.candidate_id
           ORDER BY i.id DESC LIMIT ?""", (limit,)).fetchall()
    tastes: dict[int, np.ndarray] = {}
    out: list[Observation] = []
    for pid, cid, reward, fj in rows:
        if pid not in tastes:
            tastes[pid] = profile_taste(db, pid)
        out.append(Observation(pid, candidate_art(db, cid, fj), tastes[pid], float(reward),
                               int(cid)))
    return out


def shows_of(db, profile_id: int, title_id: int, candidate_id: int) -> int:
    """How many times this profile was shown this image for this title."""
    return int(db.conn.execute(
        "SELECT count(*) FROM artwork_impressions WHERE profile_id = ? AND title_id = ? "
        "AND candidate_id = ?", (profile_id, title_id, candidate_id)).fetchone()[0])


def stats_by_candidate(db, profile_id: int, title_id: int) -> dict[int, tuple[int, float]]:
    """{candidate_id: (impressions, summed reward)} of one profile on one title."""
    return {int(c): (int(n), float(r or 0.0)) for c, n, r in db.conn.execute(
        "SELECT candidate_id, count(*), sum(reward) FROM artwork_impressions "
        "WHERE profile_id = ? AND title_id = ? AND candidate_id IS NOT NULL "
        "GROUP BY candidate_id", (profile_id, title_id))}


def latest_impression_id(db) -> int:
    r = db.conn.execute("SELECT max(id) FROM artwork_impressions").fetchone()
    return int(r[0] or 0)

