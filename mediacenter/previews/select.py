"""The preview a profile sees for a title, its impression and reward, "Why this preview?".

:func:`preview_for` is what the UI asks when focus rests on a title (a worker thread, its own
connection): the title's rendered candidates (an episode or season without its own use the
show's), the bandit's pick for this profile and session (:mod:`.choose`, features of the clip x
the profile's tastes), and the clip's path. None when the title has no clip yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mediacenter.artwork.bandit import ART_FEATURES
from mediacenter.previews import cache, feedback, store
from mediacenter.previews.choose import Option, explain, pick

KIND = "preview"
NAMES = ART_FEATURES  # a clip is measured like a picture: quality, close-up, brightness...


@dataclass
class PreviewPick:
    path: Path
    candidate_id: int
    title_id: int  # the title whose clip it is (the show's, for an episode)
    start_s: float
    end_s: float
    source: str  # "trailer" | "segment"
    features: dict[str, float] = field(default_factory=dict)
    why: dict = field(default_factory=dict)


def _options(cands: list[store.PreviewCandidate]) -> list[Option]:
    return [Option(str(c.id), c.bandit, c.score) for c in cands]


def preview_for(db, profile_id: int | None, title_id: int, *, session: str
                ) -> PreviewPick | None:
    """The clip ``profile_id`` sees for ``title_id`` in ``session``, or None (none made yet).

    May write the ``choice_current`` row (one short statement). Marks the clip recently used.
    """
    source_title = store.preview_source_title(db, title_id)
    cands = [c for c in store.candidates(db, source_title) if c.path]
    if not cands:
        return None
    by_id = {str(c.id): c for c in cands}
    p = pick(db, KIND, NAMES, profile_id, title_id, _options(cands), session)
    order = [by_id[p.arm]] + [c for c in cands if str(c.id) != p.arm]
    for c in order:
        if cache.served(Path(c.path)):
            why: dict[str, object] = {"policy": p.reason, "expected": p.expected,
                                      "reasons": c.reasons}
            if str(c.id) != p.arm:
                why["fallback_from"] = int(p.arm)  # the chosen clip was evicted
            return PreviewPick(Path(c.path), c.id, source_title, c.start_s, c.end_s, c.source,
                               c.bandit, why)
    return None


def has_preview(db, title_id: int | None) -> bool:
    """Whether the title (or, for an episode, its show) has a clip to show."""
    if title_id is None:
        return False
    return any(c.path for c in store.candidates(db, store.preview_source_title(db, title_id)))


def record_preview_shown(db, profile_id: int, title_id: int, chosen: PreviewPick,
                         *, at: float | None = None) -> int:
    """Log that the preview played for the profile (after the dwell, not on every focus)."""
    return feedback.record_impression(db, KIND, profile_id, title_id,
                                      str(chosen.candidate_id), chosen.features, at=at)


def explain_preview(db, profile_id: int | None, title_id: int) -> dict:
    """Everything "Why this preview?" shows: the candidates (span, score, reasons, expected
    reward for this profile), the one chosen, and sentences for a person."""
    source_title = store.preview_source_title(db, title_id)
    cands = store.candidates(db, source_title)
    out: dict = {"title_id": title_id, "preview_title_id": source_title,
                 "profile_id": profile_id, "candidates": [], "chosen": None}
    if not cands:
        out["summary"] = ["No preview yet: clips are cut in the background after a scan."]
        return out
    cur = feedback.current(db, KIND, profile_id, title_id) if profile_id is not None else None
    chosen = cur[0] if cur else str(cands[0].id)
    info = explain(db, KIND, NAMES, profile_id, title_id, _options(cands))
    by_arm = {o["arm"]: o for o in info["options"]}
    for c in cands:
        o = by_arm[str(c.id)]
        out["candidates"].append({
            "candidate_id": c.id, "source": c.source, "start_s": c.start_s, "end_s": c.end_s,
            "score": round(c.score, 4), "reasons": c.reasons, "features": c.bandit,
            "rendered": bool(c.path), "expected_reward": o["expected"],
            "uncertainty": o["uncertainty"], "impressions": o["impressions"],
            "rewards": o["rewards"], "chosen": str(c.id) == chosen})
    out["chosen"] = next((c for c in out["candidates"] if c["chosen"]), None)
    out.update({k: info[k] for k in ("taste", "weights", "observations")})
    out["summary"] = why_preview_text(out)
    return out


def why_preview_text(info: dict) -> list[str]:
    """"Why this preview?" in sentences."""
    ch = info.get("chosen")
    cands = info.get("candidates", [])
    if ch is None:
        return list(info.get("summary", []))
    lines = []
    if ch["source"] == "trailer":
        lines.append("Shown: the trailer that came with this title.")
    else:
        what = f"{_clock(ch['start_s'])}–{_clock(ch['end_s'])}"
        why = f" ({', '.join(ch['reasons'])})" if ch["reasons"] else ""
        lines.append(f"Shown: the stretch from {what} of the video{why}.")
        lines.append("Never from the last quarter, never black, blurred, a fade or credits.")
    if len(cands) > 1:
        lines.append(f"Chosen for you from {len(cands)} clips: the one you are most likely to "
                     "watch after, learned from what you and others did after previews.")
    obs = info.get("observations", {})
    if obs and not obs.get("household"):
        lines.append("Nothing learned yet: the best-scored clip comes first.")
    if ch.get("impressions"):
        n = ch["impressions"]
        lines.append(f"You have seen it {n} time{'s' if n != 1 else ''}"
                     + (", and opened or played the title after it." if ch.get("rewards")
                        else "."))
    return lines


def _clock(s: float) -> str:
    s = round(s)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
