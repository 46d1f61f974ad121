"""Does the artwork keep its subject's head? The subject check of benchmarks/artwork.py.

The reference is independent of the app's scorer: **the subject is what moves**. For a frame
at time ``t`` the frames within ``WINDOW_S`` of it are decoded here (PyAV), their per-pixel
median is the still background, and the largest connected region of the frame that differs
from it (and any other at least half its size) is the subject: the bunny against the still
set of bigbuckbunny.mp4, the cars and bikes against the still road of car-detection.mp4. Its
head is the part of that region's core (its middle half, column-wise: not a raised arm) in the
top ``HEAD_SHARE`` of its height. A crop keeps the head
when its window holds at least ``KEEP_SHARE`` of that part.
The app never sees motion (score.py works on one frame at a time), so this cannot agree with
it by construction; it only works on clips shot from a still camera, which these two are.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from artwork_heldout import HeldOutClip

SUBJECT_CLIPS = ("bigbuckbunny.mp4", "car-detection.mp4")
WINDOW_S = 0.6
HEAD_SHARE = 0.25
KEEP_SHARE = 0.9
_GRID = 96  # analysis width for the motion mask



def _frames_near(path: Path, t: float, within: tuple[float, float] | None = None
                 ) -> tuple[np.ndarray, list[np.ndarray]]:
    """(the frame nearest ``t``, the frames within WINDOW_S of it, and inside ``within`` when
    given: one shot of a montage) as small grey arrays. Times count from the video's first
    picture, as the app's do (an MPEG-2 stream may start at 0.54 s)."""
    import av

    from mediacenter.artwork.extract import _start_s

    lo, hi = t - WINDOW_S, t + WINDOW_S
    if within is not None:
        lo, hi = max(lo, within[0]), min(hi, within[1])
    out: list[tuple[float, np.ndarray]] = []
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        start = _start_s(c, s)
        c.seek(max(0, int((start + lo - 1.0) / s.time_base)), stream=s, backward=True)
        for f in c.decode(s):
            ft = float(f.time) - start if f.time is not None else None
            if ft is None or ft < lo:
                continue
            if ft > hi:
                break
            img = f.to_image().convert("L")
            img = img.resize((_GRID, max(8, round(img.height * _GRID / img.width))),
                             Image.Resampling.BILINEAR)
            out.append((ft, np.asarray(img, dtype=np.float32) / 255.0))
    if len(out) < 3:
        raise ValueError(f"too few frames around {t:.2f}s in {path.name}")
    here = min(out, key=lambda p: abs(p[0] - t))[1]
    return here, [a for _t, a in out]


def _regions(mask: np.ndarray) -> list[list[tuple[int, int]]]:
    """The cells (y, x) of each 4-connected region of ``mask``."""
    h, w = mask.shape
    seen = np.zeros_like(mask)
    out = []
    for y0, x0 in zip(*np.nonzero(mask), strict=True):
        if seen[y0, x0]:
            continue
        q, cells = deque([(int(y0), int(x0))]), []
        seen[y0, x0] = True
        while q:
            y, x = q.popleft()
            cells.append((y, x))
            for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    q.append((ny, nx))
        out.append(cells)
    return out


def _dilate(mask: np.ndarray) -> np.ndarray:
    """``mask`` grown by one cell in all eight directions (nothing wraps round the frame)."""
    h, w = mask.shape
    p = np.pad(mask, 1)
    out = np.zeros_like(mask)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            out |= p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
    return out


def _closing(mask: np.ndarray) -> np.ndarray:
    """Dilation then erosion by the 3x3 square: gaps one or two cells wide are filled, the
    outline is kept. Done on the mask framed by a cell of nothing, so a region running off
    the frame's edge is not eaten there and one a cell short of it is not pulled onto it."""
    framed = np.pad(mask, 1)
    return ~_dilate(~_dilate(framed))[1:-1, 1:-1]


def motion_heads(path: Path, t: float,
                 within: tuple[float, float] | None = None) -> list[np.ndarray]:
    """The heads of the moving subjects at ``t``: for the largest moving region and any other
    at least half its size (two cars side by side are both the subject), the (x, y) centres
    of its cells in the top HEAD_SHARE of its height, as fractions of the frame."""
    here, near = _frames_near(path, t, within)
    diff = np.abs(here - np.median(np.stack(near), axis=0))
    mask = diff > max(0.06, float(np.percentile(diff, 90)))
    # Close small gaps (a subject's flat inside changes less than its outline): a closing,
    # so the region's outline stays where the moving outline is (a dilation alone put the
    # head a cell above the subject's top).
    closed = _closing(mask)
    h, w = mask.shape
    regions = [r for r in _regions(closed) if len(r) >= 0.002 * w * h]
    if not regions:
        return []
    largest = max(len(r) for r in regions)
    heads = []
    for cells in regions:
        if len(cells) < largest / 2:
            continue
        ys = np.array([c[0] for c in cells])
        xs = np.array([c[1] for c in cells])
        # The body's core columns (the middle half of its cells), so that a raised arm or
        # an outstretched hand is not taken for the head.
        lo, hi = np.percentile(xs, [25, 75])
        core = (xs >= lo) & (xs <= hi)
        top = ys[core].min() + (ys[core].max() + 1 - ys[core].min()) * HEAD_SHARE
        sel = core & (ys < top)
        heads.append(np.stack([(xs[sel] + 0.5) / w, (ys[sel] + 0.5) / h], axis=1))
    return heads


def judge_crops(video: Path, crops: list[dict],
                frame_size_of: Callable[[dict], tuple[int, int]],
                shot_of: Callable[[float], tuple[float, float] | None] | None = None
                ) -> list[dict]:
    """For each crop of ``crops`` (process_video's: window in the candidate picture's pixels)
    that can be judged, how much of the moving subject's head its window holds: the crop with
    "head_inside" and the reference's "heads" added. ``frame_size_of(crop)`` gives that
    picture's size; ``shot_of(t)``, for a montage, the (start, end) of the shot a time lies in
    (None: not one to check). The frames around each time are decoded once."""
    judged = []
    cache: dict[float, list[np.ndarray]] = {}
    for crop in crops:
        t = crop.get("source_time_s")
        if t is None:
            continue
        shot = shot_of(t) if shot_of is not None else None
        if shot_of is not None and shot is None:
            continue
        if t not in cache:
            try:
                cache[t] = motion_heads(video, t, shot)
            except ValueError:  # too few frames to tell what moves: not judged
                cache[t] = []
        if not cache[t]:
            continue
        w, h = frame_size_of(crop)
        x0, y0, x1, y1 = (v / s for v, s in zip(crop["window"], (w, h, w, h), strict=True))
        share = max(float(((pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0)
                           & (pts[:, 1] <= y1)).mean()) for pts in cache[t])
        judged.append({**crop, "head_inside": share, "heads": cache[t]})
    return judged


def summarize(judged: list[dict]) -> dict:
    """{"checked", "kept", "missed": [...]} of :func:`judge_crops`' judgements: a crop keeps
    the head when its window holds at least KEEP_SHARE of it."""
    missed = [{"time_s": j["source_time_s"], "shape": j["shape"],
               "head_inside": round(j["head_inside"], 2),
               "window": [round(v) for v in j["window"]],
               "heads": [np.round(p, 3).tolist() for p in j["heads"]]}
              for j in judged if j["head_inside"] < KEEP_SHARE]
    return {"checked": len(judged), "kept": len(judged) - len(missed), "missed": missed}


def draw_misses(missed: list[dict], frame_of: Callable[[float], str], out_dir: Path,
                prefix: str) -> None:
    """One picture per missed crop, for a person to judge: the frame, the reference's head
    cells (red dots), the crop's window (cyan). ``frame_of(time_s)`` is the candidate's file."""
    from PIL import ImageDraw

    out_dir.mkdir(parents=True, exist_ok=True)
    for m in missed:
        with Image.open(frame_of(m["time_s"])) as im:
            img = im.convert("RGB")
        w, h = img.size
        d = ImageDraw.Draw(img)
        for pts in m["heads"]:
            for x, y in pts:
                d.ellipse((x * w - 3, y * h - 3, x * w + 3, y * h + 3), fill=(230, 30, 30))
        d.rectangle(m["window"], outline=(0, 230, 230), width=3)
        img.save(out_dir / f"{prefix}-{m['time_s']:.2f}s-{m['shape']}.jpg", quality=85)


def _size(path: str) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


def _compact(missed: list[dict]) -> list[dict]:
    return [{k: v for k, v in m.items() if k not in ("heads", "window")} for m in missed]


def _check_video(video: Path, out_dir: Path, sheet: Path | None, prefix: str,
                 shot_of: Callable[[float], tuple[float, float] | None] | None = None
                 ) -> tuple[dict, dict]:
    """Artwork for ``video`` as the app makes it, every candidate's crops judged: the
    summaries of all of them and of the best-scored candidate's (what a profile sees until
    the bandit has evidence); the misses drawn into ``sheet`` when given."""
    from mediacenter.artwork.pipeline import KEEP, SAMPLES, process_video

    res = process_video(video, out_dir, title_text=None, samples=SAMPLES, keep=KEEP,
                        crops_for=KEEP)
    frames = {c.time_s: c.path for c in res.candidates if c.path}
    sizes = {t: _size(path) for t, path in frames.items()}
    judged = judge_crops(video, res.crops, lambda crop: sizes[crop["source_time_s"]], shot_of)
    every = summarize(judged)
    first = summarize([j for j in judged if j["candidate"] == 0])
    if sheet is not None:
        draw_misses(every["missed"], frames.__getitem__, sheet, prefix)
    return every, first


def bench_subject(videos: list[Path], tmp: Path, sheet: Path | None = None) -> dict:
    """The subject check on the clips of SUBJECT_CLIPS found in ``videos``: every candidate's
    poster, tile and hero, and those of the candidate the app shows first. These clips were
    looked at while the subject finding was changed: a tuning-set figure, reported as such."""
    out: dict = {}
    kept = checked = chosen_kept = chosen_checked = 0
    for video in (v for v in videos if v.name in SUBJECT_CLIPS):
        every, first = _check_video(video, tmp / f"subject-{video.stem}", sheet,
                                    f"tuning-{video.stem}")
        kept, checked = kept + every["kept"], checked + every["checked"]
        chosen_kept, chosen_checked = chosen_kept + first["kept"], chosen_checked + first["checked"]
        out[video.name] = {"crops_checked": every["checked"], "head_kept": every["kept"],
                           "missed": _compact(every["missed"]),
                           "shown_first_head_kept": f"{first['kept']}/{first['checked']}"}
    return {"tuning_subject_head_kept_share": round(kept / checked, 4) if checked else None,
            "tuning_subject_head_kept_shown_first": f"{chosen_kept}/{chosen_checked}",
            "tuning_subject_per_clip": out}


def bench_subject_heldout(clips: list[HeldOutClip], tmp: Path,
                          sheet: Path | None = None) -> dict:
    """The subject check on montages of SUBJECT_CLIPS at moments and in looks nobody looked
    at (``artwork_heldout.heldout_clips(..., traps=False)``: stretches of the two clips at
    random offsets, mirrored, cropped or graded; the same footage, not new content). A crop
    is checked when its frame lies in a stretch from a still camera (both are), 0.25 s or
    more from a cut; the motion window stays inside that stretch."""
    kept = checked = chosen_kept = chosen_checked = 0
    missed: list[dict] = []
    for clip in clips:
        def shot_of(t: float, clip: HeldOutClip = clip) -> tuple[float, float] | None:
            at = clip.footage_at(t)
            return None if at is None or at[2] not in SUBJECT_CLIPS else (at[0], at[1])

        every, first = _check_video(clip.path, tmp / f"subject-{clip.path.stem}", sheet,
                                    clip.path.stem, shot_of)
        kept, checked = kept + every["kept"], checked + every["checked"]
        chosen_kept, chosen_checked = chosen_kept + first["kept"], chosen_checked + first["checked"]
        missed += [{"clip": clip.path.name, **m} for m in _compact(every["missed"])]
    return {"heldout_subject_head_kept_share": round(kept / checked, 4) if checked else None,
            "heldout_subject_crops_checked": checked,
            "heldout_subject_head_kept_shown_first": f"{chosen_kept}/{chosen_checked}",
            "heldout_subject_missed": missed}
