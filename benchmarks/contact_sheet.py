#!/usr/bin/env python3
"""Contact sheets: one PNG per clip with every sampled frame, the kept candidates and the crops.

For a person to look at what the artwork pipeline does on real videos (default: the clips in
../shared/data/video). Each sheet has three bands:

1. every sampled frame (after letterbox removal), with its time, score and the reasons it was
   rejected; kept candidates are framed in green, rejected frames in red, near-duplicates in
   grey; the subject box is drawn in yellow, a face box in cyan;
2. the poster, tile and hero crops of the best candidate (with the title treatment);
3. the same crops of the second candidate, when there is one.

Usage: benchmarks/contact_sheet.py [--videos DIR] [--out DIR] [--json]
Prints the sheets' paths (JSON with --json).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from PIL import Image, ImageDraw  # noqa: E402

from mediacenter.artwork.crop import BASE_SHAPES, common_content_box, detect_letterbox  # noqa: E402
from mediacenter.artwork.extract import ExtractError, extract_frames  # noqa: E402
from mediacenter.artwork.phash import phash  # noqa: E402
from mediacenter.artwork.pipeline import SAMPLES, pick_frames, render_shape  # noqa: E402
from mediacenter.artwork.score import score_image  # noqa: E402
from mediacenter.artwork.treatment import font  # noqa: E402

THUMB_W = 240
SHEET_W = max(4 * (THUMB_W + 8) + 8, 8 + 200 + 10 + 320 + 10 + 480 + 8)
VIDEO_EXT = {".mp4", ".mkv", ".webm", ".avi", ".mpeg", ".mpg", ".ogg", ".ogv", ".mov", ".ts"}


def _box(d: ImageDraw.ImageDraw, b, ox: int, oy: int, w: int, h: int, color) -> None:
    d.rectangle([ox + b[0] * w, oy + b[1] * h, ox + b[2] * w - 1, oy + b[3] * h - 1],
                outline=color, width=2)


def sheet_for(video: Path, out_dir: Path) -> Path:
    title = video.stem.replace("-", " ").replace("_", " ").title()
    ex = extract_frames(video, count=SAMPLES)
    kept = pick_frames(ex.frames)
    kept_times = {c.time_s for c in kept}
    size = ex.frames[0].image.size
    content = common_content_box([detect_letterbox(f.image) for f in ex.frames], size)
    small = font(13)
    thumbs = []
    for f in ex.frames:
        img = f.image.crop(content) if f.image.size == size else f.image
        s = score_image(img)
        t = img.copy()
        t.thumbnail((THUMB_W, THUMB_W))
        tw, th = t.size
        tile = Image.new("RGB", (THUMB_W + 8, th + 34), (24, 24, 28))
        tile.paste(t, (4, 4))
        d = ImageDraw.Draw(tile)
        if f.time_s in kept_times:
            color = (60, 220, 90)
        elif s.flags:
            color = (230, 60, 60)
        else:
            color = (140, 140, 140)  # a good frame dropped as a near-duplicate (or not top N)
        d.rectangle([1, 1, tw + 6, th + 6], outline=color, width=3)
        _box(d, s.subject, 4, 4, tw, th, (250, 220, 40))
        if s.face:
            _box(d, s.face, 4, 4, tw, th, (60, 220, 230))
        label = f"{f.time_s:.2f}s  {s.score:.2f}  {' '.join(s.flags)}  {phash(img)[:6]}"
        d.text((4, th + 12), label, font=small, fill=(230, 230, 230))
        thumbs.append(tile)
    row_h = max(t.height for t in thumbs) if thumbs else 0
    rows = (len(thumbs) + 3) // 4
    crop_rows = []
    for c in kept[:2]:
        imgs = [render_shape(c.image, c.features, shape, title)[0] for shape in BASE_SHAPES]
        # poster 400x600 -> 200x300; tile 480x270 -> 320x180; hero 1920x800 -> 480x200.
        scaled = [imgs[0].resize((200, 300)), imgs[1].resize((320, 180)),
                  imgs[2].resize((480, 200))]
        crop_rows.append((c, scaled))
    crops_h = sum(320 for _ in crop_rows)
    sheet = Image.new("RGB", (SHEET_W, 40 + rows * (row_h + 6) + crops_h + 10), (12, 12, 14))
    d = ImageDraw.Draw(sheet)
    d.text((8, 10), f"{video.name}  {ex.width}x{ex.height}  {ex.duration_s:.1f}s  "
           f"{len(ex.frames)} frames, {len(kept)} kept  (extract {ex.elapsed_s:.2f}s)",
           font=font(16), fill=(255, 255, 255))
    for i, t in enumerate(thumbs):
        sheet.paste(t, (8 + (i % 4) * (THUMB_W + 8), 40 + (i // 4) * (row_h + 6)))
    y = 40 + rows * (row_h + 6) + 6
    for rank, (c, scaled) in enumerate(crop_rows, 1):
        d.text((8, y), f"#{rank} candidate at {c.time_s:.2f}s, score {c.score:.2f}",
               font=small, fill=(200, 200, 200))
        x = 8
        for im in scaled:
            sheet.paste(im, (x, y + 18))
            x += im.width + 10
        y += 320
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{video.stem}-{video.suffix.lstrip('.')}.png"
    sheet.save(path)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=Path, default=HERE.parent.parent / "shared/data/video",
                    help="folder of clips (default ../shared/data/video)")
    ap.add_argument("--out", type=Path,
                    default=Path(tempfile.gettempdir()) / "mediacenter-contact-sheets",
                    help="where to write the PNGs")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args()
    done, failed = [], {}
    for v in sorted(args.videos.iterdir()):
        if v.suffix.lower() not in VIDEO_EXT:
            continue
        try:
            done.append(str(sheet_for(v, args.out)))
        except ExtractError as exc:
            failed[v.name] = str(exc)
    if args.json:
        print(json.dumps({"sheets": done, "failed": failed}, indent=2))
    else:
        for p in done:
            print(p)
        for k, v in failed.items():
            print(f"{k}: {v}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
