"""End credits of a film (or an episode with no season to compare with) from its pictures and
its sound, looked for from the end.

The pictures: keyframes of the last minutes (:func:`mediacenter.artwork.extract.keyframes`:
only keyframes are decoded) scored by the artwork scorer (:func:`mediacenter.artwork.score.
score_image`): its text/credits likelihood (light strokes in bands on a dark field) and its
black-frame flag. From the end backwards, the credits are the run of text and black pictures
that holds at least :data:`MIN_TEXT_FRAMES` text pictures; pictures of content after that run,
lasting :data:`~mediacenter.segments.season.POST_CREDITS_MIN_S` or more, are a scene after the
credits. The edges, known to a keyframe interval, are then found to half a second by decoding
pictures between the two keyframes around each edge (:func:`~mediacenter.artwork.extract.
extract_frames`). The sound: a silence or a change of loudness within a second of an edge makes
it surer (the cut to the credits usually has one).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from mediacenter.artwork.extract import ExtractError, extract_frames, keyframes
from mediacenter.artwork.score import score_image
from mediacenter.segments.audio import Audio
from mediacenter.segments.model import AnalysisError, Segment

SWEEP_S: Final = 2.0  # a keyframe looked at every this many seconds (or each keyframe)
ANALYSIS_WIDTH: Final = 320
TEXT_AT: Final = 0.5  # text likelihood from which a picture reads as credits
MIN_TEXT_FRAMES: Final = 3
MIN_CREDITS_S: Final = 15.0
POST_MIN_S: Final = 5.0
REFINE_STEP_S: Final = 0.5


@dataclass
class Look:
    time_s: float
    label: str  # "text", "black" or "content"


def label(img) -> str:
    s = score_image(img)
    if s.text_likelihood >= TEXT_AT:
        return "text"
    if "black" in s.flags:
        return "black"
    return "content"


def _sweep(path: Path, start_s: float, end_s: float,
           cancel: threading.Event | None) -> list[Look]:
    n = max(2, int((end_s - start_s) / SWEEP_S) + 1)
    times = [start_s + (end_s - start_s) * i / (n - 1) for i in range(n)]
    seen: dict[float, Look] = {}
    for _target, t, img in keyframes(path, times, width=ANALYSIS_WIDTH, cancel=cancel):
        key = round(t, 3)
        if key not in seen and t >= start_s - SWEEP_S * 5:
            seen[key] = Look(t, label(img))
    return sorted(seen.values(), key=lambda lk: lk.time_s)


def _refine(path: Path, before: float, after: float, inside: set[str],
            cancel: threading.Event | None) -> float:
    """The first time in (before, after] whose picture's label is in ``inside`` (the edge
    between a picture outside at ``before`` and one inside at ``after``)."""
    if after - before <= REFINE_STEP_S:
        return after
    times = list(np.arange(before + REFINE_STEP_S, after, REFINE_STEP_S))
    try:
        ex = extract_frames(path, times, max_width=ANALYSIS_WIDTH, cancel=cancel,
                            deadline_s=20.0)
    except ExtractError:
        return after
    # The frames come back in time order; the extractor takes a close keyframe as it is.
    for f in ex.frames:
        if before < f.time_s <= after and label(f.image) in inside:
            return f.time_s
    return after


def _loudness_edges(audio: Audio | None) -> np.ndarray:
    """Times where the sound falls silent or changes level by 10 dB (0.25 s steps)."""
    if audio is None or audio.rate <= 0 or len(audio.samples) < audio.rate:
        return np.zeros(0)
    step = audio.rate // 4
    n = len(audio.samples) // step
    x = audio.samples[: n * step].reshape(n, step)
    db = 10 * np.log10((x * x).mean(axis=1) + 1e-10)
    quiet = db < -50
    jumps = np.abs(np.diff(db)) > 10
    idx = np.flatnonzero(quiet[1:] | jumps)
    return audio.start_s + (idx + 1) * step / audio.rate


def _sure(edge: float, edges: np.ndarray, base: float) -> float:
    near = edges.size and float(np.min(np.abs(edges - edge))) <= 1.0
    return round(min(1.0, base + (0.15 if near else 0.0)), 3)


def credits_from_pictures(path: str | Path, duration_s: float, span: tuple[float, float], *,
                          audio: Audio | None = None,
                          cancel: threading.Event | None = None) -> list[Segment]:
    """Credits (and a scene after them) in ``span`` of ``path``, found from the end."""
    p = Path(path)
    try:
        looks = _sweep(p, span[0], span[1], cancel)
    except ExtractError as exc:
        raise AnalysisError(str(exc)) from exc
    return credits_from_looks(p, looks, duration_s, audio=audio, cancel=cancel)


def credits_from_looks(path: Path, looks: Sequence[Look], duration_s: float, *,
                       audio: Audio | None = None,
                       cancel: threading.Event | None = None) -> list[Segment]:
    texts = [i for i, lk in enumerate(looks) if lk.label == "text"]
    if len(texts) < MIN_TEXT_FRAMES:
        return []
    last = texts[-1]
    first = last
    # Back from the last text picture over text and black ones; a lone content picture
    # between two credits pictures (a logo, a still) does not end the run.
    i = last - 1
    while i >= 0:
        lab = looks[i].label
        if lab in ("text", "black"):
            first = i
        elif not (i > 0 and looks[i - 1].label in ("text", "black")):
            break
        i -= 1
    run_texts = sum(1 for k in range(first, last + 1) if looks[k].label == "text")
    if run_texts < MIN_TEXT_FRAMES:
        return []
    # The credits start at their first picture, or at the black that leads into it.
    start = looks[first].time_s
    if first > 0:
        start = _refine(path, looks[first - 1].time_s, start, {"text", "black"}, cancel)
    else:
        start = max(0.0, start)
    end = duration_s
    post: Segment | None = None
    after = [lk for lk in looks[last + 1:] if lk.label == "content"]
    if after and duration_s - after[0].time_s >= POST_MIN_S - SWEEP_S:
        k = looks.index(after[0])
        scene = _refine(path, looks[k - 1].time_s, after[0].time_s, {"content"}, cancel)
        if duration_s - scene >= POST_MIN_S:
            end = scene
    if end - start < MIN_CREDITS_S:
        return []
    edges = _loudness_edges(audio)
    share = run_texts / max(1, last - first + 1)
    out = [Segment("credits", start, end, _sure(start, edges, 0.55 + 0.3 * share),
                   "pictures")]
    if end < duration_s:
        post = Segment("post_credits", end, duration_s, _sure(end, edges, 0.6), "pictures")
        out.append(post)
    return out
