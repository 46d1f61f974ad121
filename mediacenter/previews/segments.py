"""Preview segments from an :class:`~.analyse.Analysis`: candidates, scores, reasons (pure).

A segment starts on a shot boundary (or where the usable span or a decoded window starts) and
lasts ``MIN_S``–``MAX_S`` seconds, ending before a cut when one falls in that range. It is
refused when any sample inside it is flagged by the artwork scorer (black, white, a fade,
blurred, credits or text) or lies in a span to avoid (credits, intros and recaps the segment
analyser of issue 16 found); nearly flat pictures ("flat": an empty car park between the cars
that drive through it) are no art but may pass in a preview, up to ``FLAT_SHARE`` of it. The
rest are scored on what makes a preview worth watching: picture quality, motion, sound, faces,
and a few shots rather than one; near-duplicates (the same stretch, or the same picture) are
dropped; the best ``KEEP`` remain, best first.

A title shorter than a full segment's usable span gets segments as long as its span allows
(a 12 s home video has 9 usable seconds); one with under ``MIN_SHORT_S`` gets none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mediacenter.artwork.bandit import ART_FEATURES
from mediacenter.artwork.phash import DUPLICATE_DISTANCE, distance
from mediacenter.previews.analyse import Analysis, Sample

MIN_S = 10.0
MAX_S = 30.0
PREF_S = 20.0
MIN_SHORT_S = 2.0
KEEP = 4
MAX_OVERLAP = 0.5  # share of the shorter segment two kept segments may share
GRID_S = 2.0  # starts tried between cuts
FADE_GUARD_S = 1.0  # around a black or faded picture: the fade into it, the flash around it
FADE_WALK_S = 6.0  # how far a steady dimming toward a black picture counts as its fade
FLAT_SHARE = 0.5  # of a segment's samples that may be "flat"
PASSABLE = frozenset({"flat"})  # flags a preview may pass through

Span = tuple[float, float]


@dataclass
class SegmentCandidate:
    """One stretch of the title a preview could show."""

    start_s: float
    end_s: float
    score: float
    reasons: list[str]
    features: dict[str, float]  # the bandit's (ART_FEATURES), 0..1 each
    measures: dict[str, float | None] = field(default_factory=dict)
    phash: str = ""

    @property
    def length_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
                "score": round(self.score, 4), "reasons": list(self.reasons),
                "features": dict(self.features), "measures": dict(self.measures),
                "phash": self.phash}


def lengths_for(span_s: float) -> tuple[float, float, float]:
    """(shortest, preferred, longest) segment for a usable span of ``span_s`` seconds."""
    return min(MIN_S, span_s), min(PREF_S, span_s), min(MAX_S, span_s)


def _in_any(t: float, spans: Sequence[Span]) -> bool:
    return any(a <= t <= b for a, b in spans)


def _window_of(t: float, windows: Sequence[Span]) -> Span | None:
    for a, b in windows:
        if a - 1e-6 <= t <= b + 1e-6:
            return a, b
    return None


def _overlap(a: SegmentCandidate, b: SegmentCandidate) -> float:
    inter = min(a.end_s, b.end_s) - max(a.start_s, b.start_s)
    return max(0.0, inter) / max(1e-6, min(a.length_s, b.length_s))


def _score(all_inside: list[Sample], start: float, end: float, on_cut: bool, has_audio: bool
           ) -> tuple[float, list[str], dict[str, float], dict[str, float | None]]:
    inside = [s for s in all_inside if s.quality is not None] or all_inside[:1]
    q = np.array([s.quality or 0.0 for s in inside])
    motion = (float(np.mean([s.motion for s in all_inside[1:]])) if len(all_inside) > 1
              else 0.0)
    motion_q = float(np.clip(motion / 0.08, 0, 1))
    levels = [s.audio_db for s in all_inside if s.audio_db is not None]
    loud = float(np.mean(levels)) if levels else -90.0
    audio_q = float(np.clip((loud + 40.0) / 28.0, 0, 1)) if levels else 0.0
    faces = float(np.mean([s.face for s in inside]))
    cuts = sum(1 for s in all_inside[1:] if s.cut)
    shots_q = float(np.clip(cuts / max(1.0, (end - start) / 10.0) / 3.0, 0, 1))
    quality = float(0.75 * q.mean() + 0.25 * q.min())
    score = (0.42 * quality + 0.16 * motion_q + 0.12 * audio_q + 0.14 * faces
             + 0.10 * shots_q + 0.06 * float(on_cut))
    if not has_audio:
        score += 0.12 * 0.5  # a silent film is not worse for having no sound to measure
    feats = {name: float(np.mean([s.features.get(name, 0.0) for s in inside]))
             for name in ART_FEATURES}
    feats["quality"] = quality
    feats["action"] = max(feats["action"], motion_q)
    feats = {k: round(float(np.clip(v, 0, 1)), 4) for k, v in feats.items()}
    reasons = []
    if quality >= 0.45:
        reasons.append("sharp, well-exposed pictures")
    if motion_q >= 0.5:
        reasons.append("lots of movement")
    elif motion_q < 0.1:
        reasons.append("calm, steady pictures")
    if levels and audio_q >= 0.6:
        reasons.append("lively sound")
    if faces >= 0.4:
        reasons.append("faces on screen")
    if cuts:
        reasons.append(f"{cuts + 1} shots")
    if on_cut:
        reasons.append("starts on a cut")
    measures = {"quality": round(quality, 4), "motion": round(motion, 4),
                "audio_db": round(loud, 1) if levels else None, "faces": round(faces, 3),
                "cuts": cuts}
    return float(score), reasons, feats, measures


def find_segments(a: Analysis, *, avoid: Sequence[Span] = (), keep: int = KEEP
                  ) -> list[SegmentCandidate]:
    """The best ``keep`` preview segments of the analysed video, best first."""
    samples = sorted(a.samples, key=lambda s: s.time_s)
    if not samples:
        return []
    u0, u1 = a.usable_start_s, a.usable_end_s
    lo, pref, hi = lengths_for(u1 - u0)
    if u1 - u0 < MIN_SHORT_S:
        return []
    windows = a.windows or [(u0, u1)]
    times = np.array([s.time_s for s in samples])
    bad = fading(samples)
    bad = [b or bool(set(s.flags) - PASSABLE) or _in_any(s.time_s, avoid)
           for b, s in zip(bad, samples, strict=True)]
    flat = np.array([bool(set(s.flags) & PASSABLE) for s in samples])
    cut_times = [s.time_s for s in samples if s.cut]
    starts = set(cut_times)
    for w0, w1 in windows:
        t = max(w0, u0)
        while t < w1:
            starts.add(round(t, 3))
            t += GRID_S
    out: list[SegmentCandidate] = []
    for s in sorted(starts):
        win = _window_of(s, windows)
        if win is None or s < u0 - 1e-6:
            continue
        limit = min(win[1], u1)
        if limit - s < lo - 1e-6:
            continue
        ends = {min(s + pref, limit), min(s + lo, limit), min(s + hi, limit)}
        # End just before a cut when one falls in range: the preview stops on a shot's end.
        ends.update(c - 0.05 for c in cut_times if s + lo <= c - 0.05 <= min(s + hi, limit))
        on_cut = s in cut_times
        for e in sorted(ends):
            if e - s < lo - 1e-6:
                continue
            i0, i1 = np.searchsorted(times, s - 1e-6), np.searchsorted(times, e + 1e-6)
            if i1 - i0 < 2 or any(bad[i0:i1]) or flat[i0:i1].mean() > FLAT_SHARE:
                continue
            inside = samples[i0:i1]
            score, reasons, feats, measures = _score(inside, s, e, on_cut, a.has_audio)
            scored = [x for x in inside if x.phash] or inside
            mid = scored[len(scored) // 2]
            out.append(SegmentCandidate(round(s, 3), round(e, 3), score, reasons, feats,
                                        measures, mid.phash))
    return dedupe_segments(out, keep=keep)


def fading(samples: Sequence[Sample]) -> list[bool]:
    """Samples that belong to a fade: the pictures before a black or faded one that grow
    steadily darker toward it (a fade out), those after it that grow brighter (a fade in),
    and any within ``FADE_GUARD_S`` of it. The scorer flags only the last, darkest pictures
    of a fade; a preview must not show any of it."""
    out = [False] * len(samples)
    dark = [i for i, s in enumerate(samples) if {"black", "fade"} & set(s.flags)]
    for j in dark:
        t = samples[j].time_s
        for i, s in enumerate(samples):
            if abs(s.time_s - t) <= FADE_GUARD_S:
                out[i] = True
        for step in (-1, 1):
            i = j + step
            while 0 <= i < len(samples) and abs(samples[i].time_s - t) <= FADE_WALK_S:
                nearer = samples[i - step]
                if samples[i].brightness <= nearer.brightness + 0.01:
                    break  # no longer brightening away from the dark picture
                out[i] = True
                i += step
    return out


def dedupe_segments(cands: list[SegmentCandidate], *, keep: int = KEEP
                    ) -> list[SegmentCandidate]:
    """Best first; a segment sharing over ``MAX_OVERLAP`` of itself with a kept one, or showing
    the same picture in its middle, is a near-duplicate and goes."""
    kept: list[SegmentCandidate] = []
    for c in sorted(cands, key=lambda c: (-c.score, c.start_s, -c.end_s)):
        if any(_overlap(c, k) > MAX_OVERLAP for k in kept):
            continue
        if c.phash and any(k.phash and distance(c.phash, k.phash) <= DUPLICATE_DISTANCE // 2
                           for k in kept):
            continue
        kept.append(c)
        if len(kept) >= keep:
            break
    return kept
