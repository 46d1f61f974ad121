"""One profile's pick among a title's arms (preview clips, description styles), by the artwork's
contextual bandit (:mod:`mediacenter.artwork.bandit`, reused as it is: tastes x features shared
over the household, a personal model, a per-arm effect, Thompson sampling, stickiness).

The arm shown stays the same within a ``session`` (``choice_current``); a new session draws
again. The models are refitted from :mod:`.feedback` at most every ``MODEL_TTL_S`` per kind and
profile (or when nothing new was logged).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mediacenter.artwork.bandit import TASTE_GROUPS, Arm, HybridModel, art_vector, choose
from mediacenter.artwork.impressions import profile_taste
from mediacenter.previews import feedback

MODEL_TTL_S = 30.0


@dataclass
class Option:
    """One arm: its name (a candidate id, a style), the bandit's features, a prior score."""

    arm: str
    features: dict[str, float]
    score: float = 0.0


@dataclass
class Pick:
    arm: str
    reason: str  # "session" | "kept" | "thompson" | "explore" | "only" | "best-score"
    expected: dict[str, float] = field(default_factory=dict)


_models: dict[tuple[str, str, int], tuple[int, float, HybridModel, np.ndarray]] = {}
_lock = threading.Lock()


def forget_cached_models() -> None:
    """Drop every fitted model of this process (a profile's data was erased: the shared part
    learned from it too)."""
    with _lock:
        _models.clear()


def _db_key(db) -> str:
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row else ""


def model_for(db, kind: str, names: Sequence[str], profile_id: int
              ) -> tuple[HybridModel, np.ndarray]:
    """The fitted model and the profile's taste vector (cached, see the module docstring)."""
    key = (_db_key(db), kind, profile_id)
    stamp = feedback.latest_id(db, kind)
    now = time.monotonic()
    with _lock:
        hit = _models.get(key)
        if hit is not None and (now - hit[1] < MODEL_TTL_S or hit[0] == stamp):
            return hit[2], hit[3]
    model = HybridModel.fit(feedback.observations(db, kind, names), profile_id, names)
    taste = profile_taste(db, profile_id)
    with _lock:
        _models[key] = (stamp, now, model, taste)
    return model, taste


def _rng(kind: str, profile_id: int, title_id: int, session: str) -> np.random.Generator:
    h = hashlib.sha1(f"{kind}:{profile_id}:{title_id}:{session}".encode()).digest()
    return np.random.default_rng(int.from_bytes(h[:8], "little"))


def pick(db, kind: str, names: Sequence[str], profile_id: int | None, title_id: int,
         options: Sequence[Option], session: str) -> Pick:
    """The arm ``profile_id`` gets for ``title_id`` in ``session`` (stored for the session)."""
    if not options:
        raise ValueError("no options to choose from")
    by_arm = {o.arm: o for o in options}
    if profile_id is None:
        return Pick(max(options, key=lambda o: o.score).arm, "best-score")
    cur = feedback.current(db, kind, profile_id, title_id)
    current = cur[0] if cur and cur[0] in by_arm else None
    if current is not None and cur is not None and cur[1] == session:
        return Pick(current, "session")
    model, taste = model_for(db, kind, names, profile_id)
    keys = {o.arm: feedback.arm_key(o.arm) for o in options}
    arms = [Arm(keys[o.arm], art_vector(o.features, names), o.score) for o in options]
    shows = feedback.shows_of(db, kind, profile_id, title_id, current) if current else 0
    d = choose(arms, taste, model, _rng(kind, profile_id, title_id, session),
               current=keys[current] if current else None, current_shows=shows)
    back = {v: k for k, v in keys.items()}
    arm = back[d.candidate_id]
    feedback.set_current(db, kind, profile_id, title_id, arm, session)
    return Pick(arm, d.reason, {back[k]: round(v, 4) for k, v in d.expected.items()})


def explain(db, kind: str, names: Sequence[str], profile_id: int | None, title_id: int,
            options: Sequence[Option]) -> dict:
    """Each option's expected reward and uncertainty for this profile, its own impressions and
    rewards, the profile's tastes and the feature weights learned for it."""
    if profile_id is None:
        model, taste = HybridModel(names), np.zeros(len(TASTE_GROUPS))
        stats: dict[str, tuple[int, float]] = {}
    else:
        model, taste = model_for(db, kind, names, profile_id)
        stats = feedback.stats_by_arm(db, kind, profile_id, title_id)
    rows = []
    for o in options:
        art = art_vector(o.features, names)
        key = feedback.arm_key(o.arm)
        n, r = stats.get(o.arm, (0, 0.0))
        rows.append({"arm": o.arm, "expected": round(model.expected(art, taste, key), 4),
                     "uncertainty": round(model.uncertainty(art, taste, key), 4),
                     "impressions": n, "rewards": round(r, 2)})
    return {"options": rows,
            "taste": {g: round(float(v), 3) for g, v in zip(TASTE_GROUPS, taste, strict=True)
                      if v > 0},
            "weights": model.weights(taste),
            "observations": {"personal": model.personal.n, "household": model.shared.n}}
