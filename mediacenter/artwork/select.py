"""The image a profile sees for a title, per shape; impressions, rewards and "Why this image?".

This is the GUI's entry point (pure Python, no Qt). :func:`artwork_for` is called from a worker
thread for every visible tile, so its common path is a few indexed queries and one ``stat``:

1. the title's candidates (an episode or season without its own falls back to its season's,
   then its show's);
2. the profile's choice for this title: the ``artwork_choice`` row when it was made in this
   ``session`` (never flicker within a session), else a new decision by the bandit
   (:mod:`.bandit`), stored with the session id;
3. the crop file for the shape; when it does not exist yet it is drawn from the candidate's
   picture now (the only slow path, once per candidate and shape). The app asks with
   ``draw=False`` and has a missing crop drawn in a child process (:func:`draw_artwork`
   through :func:`mediacenter.offload.images_process_call`): PIL's work in a thread of the
   window's process took the UI thread's GIL and CPU while a list scrolled (issue 20).

It returns None only when the title has no usable candidate yet: the GUI shows a placeholder
and asks again after :func:`~mediacenter.artwork.pipeline.generate_library` has run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from mediacenter.artwork import cache
from mediacenter.artwork.bandit import (
    ART_FEATURES,
    TASTE_GROUPS,
    Arm,
    Decision,
    HybridModel,
    choose,
)
from mediacenter.artwork.crop import SIZES
from mediacenter.artwork.impressions import (
    bandit_features,
    candidate_art,
    genre_counts,
    latest_impression_id,
    observations,
    profile_taste,
    record_impression,
    record_reward,
    shows_of,
    stats_by_candidate,
)
from mediacenter.db.catalog import title_and_parents

__all__ = [
    "ArtworkPick",
    "artwork_for",
    "explain_choice",
    "record_impression",
    "record_reward",
]

SHAPES = tuple(SIZES)
MODEL_TTL_S = 30.0


@dataclass
class ArtworkPick:
    path: Path
    candidate_id: int | None
    shape: str
    why: dict = field(default_factory=dict)
    drawn: bool = True  # False: asked with draw=False and the crop file is not there yet


@dataclass
class _Cand:
    id: int
    title_id: int
    source: str
    time_s: float | None
    path: str
    score: float
    phash: str | None
    features: dict


def _candidates(db, title_id: int) -> list[_Cand]:
    rows = db.conn.execute(
        "SELECT id, title_id, source, time_s, path, score, phash, features_json "
        "FROM artwork_candidates WHERE title_id = ? ORDER BY score DESC, id", (title_id,))
    out = []
    for r in rows:
        try:
            feats = json.loads(r[7] or "{}")
        except ValueError:
            feats = {}
        out.append(_Cand(int(r[0]), int(r[1]), r[2], r[3], r[4], float(r[5]), r[6],
                         feats if isinstance(feats, dict) else {}))
    return out


def _art_source(db, title_id: int) -> tuple[int, list[_Cand]]:
    """(title whose art is used, its candidates): own, else season's, else show's."""
    cands = _candidates(db, title_id)
    if cands:
        return title_id, cands
    for parent in title_and_parents(db, title_id)[1:]:
        cands = _candidates(db, parent)
        if cands:
            return parent, cands
    return title_id, []


# -- model cache: refitting for every tile would cost a query of every impression ----------

_models: dict[tuple[str, int | None], tuple[int, float, HybridModel, np.ndarray]] = {}
_models_lock = threading.Lock()
_last_decisions: dict[tuple[str, int, int], dict] = {}


def forget_cached_models() -> None:
    """Drop every fitted model and remembered decision of this process: after a profile's data
    is erased, nothing learned from it (the shared part of the bandit learns from everyone)
    may stay in memory until a refit."""
    with _models_lock:
        _models.clear()
        _last_decisions.clear()


def _db_key(db) -> str:
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row else ""


def _model_for(db, profile_id: int) -> tuple[HybridModel, np.ndarray]:
    key = (_db_key(db), profile_id)
    stamp = latest_impression_id(db)
    now = time.monotonic()
    with _models_lock:
        hit = _models.get(key)
        # Reused for MODEL_TTL_S even when impressions arrive meanwhile (the GUI logs one per
        # tile drawn: refitting for each would cost more than it teaches), and for longer
        # when nothing new happened.
        if hit is not None and (now - hit[1] < MODEL_TTL_S or hit[0] == stamp):
            return hit[2], hit[3]
    model = HybridModel.fit(observations(db), profile_id)
    taste = profile_taste(db, profile_id)
    with _models_lock:
        _models[key] = (stamp, now, model, taste)
    return model, taste


def _rng(profile_id: int, title_id: int, session: str) -> np.random.Generator:
    # Seeded per (profile, title, session): a repeated call in one session decides the same.
    h = hashlib.sha1(f"{profile_id}:{title_id}:{session}".encode()).digest()
    return np.random.default_rng(int.from_bytes(h[:8], "little"))


def _choose(db, profile_id: int | None, title_id: int, cands: list[_Cand], session: str
            ) -> tuple[_Cand, dict]:
    by_id = {c.id: c for c in cands}
    if profile_id is None:
        return cands[0], {"policy": "best-score"}
    row = db.conn.execute(
        "SELECT candidate_id, session FROM artwork_choice WHERE profile_id = ? AND title_id = ?",
        (profile_id, title_id)).fetchone()
    current = int(row[0]) if row and row[0] in by_id else None
    if current is not None and row[1] == session:
        return by_id[current], {"policy": "session"}
    model, taste = _model_for(db, profile_id)
    arms = [Arm(c.id, candidate_art(db, c.id, json.dumps(c.features)), c.score) for c in cands]
    shows = shows_of(db, profile_id, title_id, current) if current is not None else 0
    d: Decision = choose(arms, taste, model, _rng(profile_id, title_id, session),
                         current=current, current_shows=shows)
    stored = True
    try:
        db.conn.execute(
            "INSERT INTO artwork_choice (profile_id, title_id, candidate_id, session, "
            "chosen_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (profile_id, title_id) DO UPDATE "
            "SET candidate_id = excluded.candidate_id, session = excluded.session, "
            "chosen_at = excluded.chosen_at",
            (profile_id, title_id, d.candidate_id, session, time.time()))
    except sqlite3.Error:
        # A profile deleted meanwhile, or the catalog busy past its timeout: show the image
        # anyway; the next call decides again.
        stored = False
    why = {"policy": d.reason, "previous": current, "stored": stored,
           "expected": {str(k): round(v, 4) for k, v in d.expected.items()}}
    _last_decisions[(_db_key(db), profile_id, title_id)] = {
        "reason": d.reason, "session": session, "at": time.time(),
        "sampled": {str(k): round(v, 4) for k, v in d.sampled.items()}}
    return by_id[d.candidate_id], why


def _crop_file(db, cache_dir: Path, art_title: int, cand: _Cand, shape: str
               ) -> tuple[Path, str | None, bool]:
    """Where the crop of ``cand`` for ``shape`` is kept, the title text drawn on it, and
    whether the picture gets that treatment."""
    from mediacenter.artwork.pipeline import title_text_for, treats_title

    kind = str(cand.features.get("kind", cand.source))
    treat = treats_title(cand.source, kind)
    text = title_text_for(db, art_title) if treat else None
    return cache.crop_path(cache_dir, art_title, cand.path, cand.phash, shape, text), text, treat


def _ready(path: Path) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    cache.touch_if_stale(path, st)
    return True


def _draw(cand: _Cand, shape: str, text: str | None, treat: bool, path: Path) -> bool:
    """Draw the crop of ``cand`` into ``path``; False when the candidate's picture is gone
    (evicted from the cache, sidecar deleted) or the cache cannot be written."""
    from mediacenter.artwork.pipeline import render_shape

    try:
        with Image.open(cand.path) as im:
            im.draft("RGB", (1920, 1920))
            img = im.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return False
    if img.width > 1920:
        img = img.resize((1920, round(img.height * 1920 / img.width)), Image.Resampling.LANCZOS)
    out, _info = render_shape(img, cand.features, shape, text, treat=treat)
    try:
        cache.save_crop(out, path)
    except OSError:
        return False
    return True


def art_source_title(db, title_id: int) -> int | None:
    """The title whose pictures ``title_id`` is shown with (its own, else its season's or
    show's), None when there are none yet; reads only (the audit's kids check)."""
    art_title, cands = _art_source(db, title_id)
    return art_title if cands else None


def artwork_for(db, cache_dir: Path, profile_id: int | None, title_id: int, shape: str, *,
                session: str, draw: bool = True) -> ArtworkPick | None:
    """The image ``profile_id`` sees for ``title_id`` as ``shape``, or None (placeholder).

    ``shape``: "poster" (2:3, 400x600), "tile" (16:9, 480x270), "hero" (1920x800), or
    "poster@2x" / "tile@2x" for high-density screens. ``session`` is any string that changes
    when the app starts or the profile is switched: within one session the image never
    changes. ``profile_id`` None (no profile yet) gets the best-scored image. May write the
    ``artwork_choice`` row (one short statement) and draw a missing crop; with ``draw`` False
    a missing crop is not drawn: the pick says ``drawn=False`` (see :func:`draw_artwork`).
    """
    if shape not in SIZES:
        raise ValueError(f"unknown artwork shape {shape!r} (expected one of {SHAPES})")
    art_title, cands = _art_source(db, title_id)
    if not cands:
        return None
    chosen, why = _choose(db, profile_id, title_id, cands, session)
    order = [chosen] + [c for c in cands if c.id != chosen.id]
    for cand in order:
        path, text, treat = _crop_file(db, Path(cache_dir), art_title, cand, shape)
        drawn = _ready(path)
        if not drawn and draw and not _draw(cand, shape, text, treat, path):
            continue
        why = dict(why)
        why.update({"candidate_id": cand.id, "source": cand.source, "time_s": cand.time_s,
                    "score": round(cand.score, 4), "kind": cand.features.get("kind"),
                    "features": bandit_features(cand.features),
                    "art_title_id": art_title})
        if cand.id != chosen.id:
            why["fallback_from"] = chosen.id  # the chosen picture is gone from the cache
        if art_title != title_id:
            why["borrowed_from_title"] = art_title
        return ArtworkPick(path, cand.id, shape, why, drawn=drawn or draw)
    return None


def draw_artwork(db, cache_dir: str, profile_id: int | None, title_id: int, shape: str,
                 session: str) -> tuple[str, int | None] | None:
    """:func:`artwork_for` drawing what is missing, as plain data (path, candidate id): what
    the app's images process runs for a crop the screen needs and the cache lacks."""
    pick = artwork_for(db, Path(cache_dir), profile_id, title_id, shape, session=session)
    return (str(pick.path), pick.candidate_id) if pick is not None else None


def _describe(weights: dict[str, float]) -> list[str]:
    words = {"quality": "well-exposed, sharp images", "closeup": "close-ups of faces",
             "brightness": "bright images", "colorful": "colourful images",
             "action": "busy, action-packed frames"}
    opposite = {"quality": "rougher images", "closeup": "wide shots",
                "brightness": "dark, moody images", "colorful": "muted colours",
                "action": "calm frames"}
    out = []
    for name, w in sorted(weights.items(), key=lambda kv: -abs(kv[1])):
        if abs(w) < 0.01:
            continue
        out.append(f"{words[name] if w > 0 else opposite[name]} ({w:+.3f} per unit)")
    return out[:3]


def explain_choice(db, profile_id: int | None, title_id: int) -> dict:
    """Everything a "Why this image?" view shows: the chosen candidate and its features, every
    candidate's expected click rate and uncertainty for this profile, the profile's tastes,
    the feature weights the bandit learned for it, and the impressions behind them."""
    art_title, cands = _art_source(db, title_id)
    out: dict = {"title_id": title_id, "art_title_id": art_title, "profile_id": profile_id,
                 "candidates": [], "chosen": None}
    if not cands:
        out["summary"] = ["No artwork yet: it is made in the background after a scan."]
        return out
    chosen_id = None
    session = None
    if profile_id is not None:
        row = db.conn.execute(
            "SELECT candidate_id, session, chosen_at FROM artwork_choice "
            "WHERE profile_id = ? AND title_id = ?", (profile_id, title_id)).fetchone()
        if row:
            chosen_id, session = int(row[0]), row[1]
            out["chosen_at"] = row[2]
    if chosen_id is None:
        chosen_id = cands[0].id
    out["session"] = session
    model, taste = (_model_for(db, profile_id) if profile_id is not None
                    else (HybridModel(), np.zeros(len(TASTE_GROUPS))))
    stats = stats_by_candidate(db, profile_id, title_id) if profile_id is not None else {}
    for c in cands:
        art = candidate_art(db, c.id, json.dumps(c.features))
        n, rsum = stats.get(c.id, (0, 0.0))
        out["candidates"].append({
            "candidate_id": c.id, "source": c.source, "kind": c.features.get("kind"),
            "time_s": c.time_s, "path": c.path, "score": round(c.score, 4),
            "features": bandit_features(c.features), "flags": c.features.get("flags", []),
            "expected_ctr": round(model.expected(art, taste, c.id), 4),
            "uncertainty": round(model.uncertainty(art, taste, c.id), 4),
            "image_effect": round(model.arm_effect(c.id)[0], 4),
            "impressions": n, "rewards": round(rsum, 2), "chosen": c.id == chosen_id})
    out["chosen"] = next((c for c in out["candidates"] if c["chosen"]), None)
    out["taste"] = {g: round(float(v), 3) for g, v in zip(TASTE_GROUPS, taste, strict=True)
                    if v > 0}
    if profile_id is not None:
        out["genres_watched"] = genre_counts(db, profile_id)
    weights = model.weights(taste)
    out["weights"] = weights
    decision = _last_decisions.get((_db_key(db), profile_id, title_id)) if profile_id else None
    out["decision"] = decision or {"reason": "best-score" if profile_id is None else "stored"}
    out["observations"] = {"personal": model.personal.n, "household": model.shared.n}
    summary = []
    ch = out["chosen"]
    if ch is not None:
        feats = ch["features"]
        traits = [name for name in ART_FEATURES[1:] if feats.get(name, 0) >= 0.5]
        what = (f"a frame at {ch['time_s']:.1f} s" if ch["time_s"] is not None
                else f"the {ch['kind']} image beside the file")
        extra = f", {', '.join(traits)}" if traits else ""
        summary.append(f"Shown: {what} (quality {ch['score']:.2f}{extra}).")
    reason = out["decision"]["reason"]
    summary.append({
        "thompson": "Picked by the bandit: its estimate for you was the best in this draw.",
        "explore": "Picked at random now and then, to keep learning what you like.",
        "kept": "Kept from before: an image stays for a few sessions so you recognise it.",
        "only": "The only image this title has.",
        "best-score": "The best-scored image: nothing you or your household did yet says "
                      "another would suit you better.",
        "stored": "Chosen in an earlier session.",
    }.get(reason, reason))
    likes = _describe(weights)
    if likes and model.personal.n + model.shared.n > 0:
        summary.append("You tend to respond to: " + "; ".join(likes) + ".")
    out["summary"] = summary
    return out


def why_text(info: dict) -> list[str]:
    """What "Why this image?" says, sentence by sentence, for a person: the summary of
    :func:`explain_choice` (what is shown and why), then how many images there were to
    choose from and what this profile's reactions to this one were."""
    lines = list(info.get("summary", []))
    cands = info.get("candidates", [])
    if len(cands) > 1:
        frames = sum(1 for c in cands if c.get("time_s") is not None)
        sidecars = len(cands) - frames
        parts = [p for p in (f"{frames} frame{'s' if frames != 1 else ''} of the video"
                             if frames else "",
                             f"{sidecars} image{'s' if sidecars != 1 else ''} beside the file"
                             if sidecars else "") if p]
        lines.append(f"Chosen from {len(cands)} images: {' and '.join(parts)}.")
    chosen = info.get("chosen")
    if chosen and chosen.get("impressions"):
        shown = chosen["impressions"]
        lines.append(f"You have seen it {shown} time{'s' if shown != 1 else ''}"
                     + (", and opened or played the title after it." if chosen.get("rewards")
                        else "."))
    return lines
