"""Crops for each place the UI shows art: a 2:3 poster, a 16:9 tile, a wide hero (Pillow only).

The order of work: letterbox and pillarbox bars are cut first (they are not part of the
picture); then a window of the shape's aspect is placed around the salient subject, on a
rule-of-thirds line where the frame allows it, and never so that it cuts the subject (or a face)
in half; when the subject cannot fit a window cut from the frame, the window grows past the
frame and the missing part is a blurred, darkened copy of the picture (the "fit" mode), so a
subject is always whole. Last the window is scaled to the output size: up to 2x with Lanczos
(4x for the hero, drawn under the UI's gradient), with a light unsharp mask; beyond that the
picture is kept at the limit on a blurred fill.

Boxes are (left, top, right, bottom). ``crop_window`` is pure arithmetic and tested as such.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from mediacenter.artwork.score import SALIENCY_WIDTH

Box = tuple[float, float, float, float]

# Output pixel sizes per shape. The home rows draw tiles at 480x270 (1x); "@2x" variants are
# for high-density screens and are made on first request.
SIZES: dict[str, tuple[int, int]] = {
    "poster": (400, 600),
    "poster@2x": (800, 1200),
    "tile": (480, 270),
    "tile@2x": (960, 540),
    "hero": (1920, 800),
}
BASE_SHAPES = ("poster", "tile", "hero")
MAX_UPSCALE = 2.0
# The hero is drawn under the UI's gradient and text: softness shows less there than the
# edges of a small picture framed on a blurred fill would (a 480-wide frame still fills it).
MAX_UPSCALE_HERO = 4.0
TRIM_KEEP = 0.7
# Rows of the saliency map (SALIENCY_WIDTH cells across) left above a too-tall subject's box:
# the figure's walled-off value fades over its outline (the colour map is blurred by a row,
# the figure is cut at half its inside's level), so the box's top can be rows below the top
# of the subject (2.7 rows on car-detection.mp4 at 16.56 s).
TRIM_HEADROOM_ROWS = 3.0
WIDE_SUBJECT_AT = 0.6  # a subject's centre this far down a window wider than the frame

# Letterbox detection: a bar row/column is dark and flat across its length.
_BAR_MEAN = 0.11
_BAR_STD = 0.035
_BAR_MIN_SHARE = 0.004  # one analysis pixel: thin dark edges from the encoder go too
_BAR_MAX_SHARE = 0.30  # at most this much per side: a dark scene is not a letterbox


def base_shape(shape: str) -> str:
    return shape.split("@", 1)[0]


def aspect(shape: str) -> float:
    w, h = SIZES[shape]
    return w / h


def detect_letterbox(img: Image.Image) -> tuple[int, int, int, int]:
    """The picture's box inside black bars (letterbox top/bottom, pillarbox left/right).

    Measured on a 320-wide grey copy; a side counts as a bar only when it is a run of dark,
    flat rows (or columns) from the edge covering 2-30 % of the frame.
    """
    w, h = img.size
    small = img.convert("L")
    sw = min(320, w)
    sh = max(4, round(h * sw / w))
    a = np.asarray(small.resize((sw, sh), Image.Resampling.BILINEAR), dtype=np.float32) / 255.0

    def run(means: np.ndarray, stds: np.ndarray) -> int:
        bar = (means < _BAR_MEAN) & (stds < _BAR_STD)
        n = 0
        while n < len(bar) and bar[n]:
            n += 1
        return n

    rows_m, rows_s = a.mean(axis=1), a.std(axis=1)
    cols_m, cols_s = a.mean(axis=0), a.std(axis=0)
    top = run(rows_m, rows_s)
    bottom = run(rows_m[::-1], rows_s[::-1])
    left = run(cols_m, cols_s)
    right = run(cols_m[::-1], cols_s[::-1])

    def keep(n: int, total: int) -> int:
        share = n / total
        return n if _BAR_MIN_SHARE <= share <= _BAR_MAX_SHARE else 0

    if top + bottom >= sh or left + right >= sw:
        return (0, 0, w, h)  # the whole frame is dark: nothing to cut
    top, bottom = keep(top, sh), keep(bottom, sh)
    left, right = keep(left, sw), keep(right, sw)
    sx, sy = w / sw, h / sh
    # One scaled pixel of margin: the edge of a bar is a blend of bar and picture.
    box = (
        round((left + (1 if left else 0)) * sx),
        round((top + (1 if top else 0)) * sy),
        w - round((right + (1 if right else 0)) * sx),
        h - round((bottom + (1 if bottom else 0)) * sy),
    )
    if box[2] - box[0] < w * 0.4 or box[3] - box[1] < h * 0.4:
        return (0, 0, w, h)
    return box


def common_content_box(boxes: list[tuple[int, int, int, int]],
                       size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The picture box for a whole title: the largest of its frames' boxes.

    A dark frame can look like it has wider bars than it has; the bars are the same for every
    frame of a film, so the brightest evidence wins.
    """
    if not boxes:
        return (0, 0, *size)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


@dataclass(frozen=True)
class Window:
    box: Box  # in source pixels; may extend past the frame in "fit" mode
    mode: str  # "crop" (inside the frame) or "fit" (grown past it, filled with blur)
    kept: Box  # the region the window was made to keep whole (subject, or face)


def _fits(inner: Box, outer: Box, eps: float = 0.5) -> bool:
    return (inner[0] >= outer[0] - eps and inner[1] >= outer[1] - eps
            and inner[2] <= outer[2] + eps and inner[3] <= outer[3] + eps)


def _place(center: float, desired: float, lo: float, hi: float) -> float:
    """Clamp ``desired`` start into [lo, hi] (hi < lo means no position keeps it whole)."""
    if hi < lo:
        return center
    return min(max(desired, lo), hi)


def crop_window(size: tuple[int, int], target_aspect: float, subject: Box,
                face: Box | None = None, attention: Box | None = None) -> Window:
    """Where to cut a ``target_aspect`` (w/h) window from a frame of ``size``.

    ``subject``/``face``/``attention`` are in pixels. The window is the largest of the aspect
    that fits the frame; it keeps the subject whole (else the face, else grows past the frame),
    and puts the point of interest on a third: a face's eyes a third from the top, a subject
    off-centre toward the side it already leans to in the frame.
    """
    W, H = size
    if target_aspect < W / H:
        wh, ww = float(H), H * target_aspect
    else:
        ww, wh = float(W), W / target_aspect
    must = subject
    if (must[2] - must[0] > ww + 0.5 or must[3] - must[1] > wh + 0.5) and face is not None and (
        face[2] - face[0] <= ww and face[3] - face[1] <= wh
    ):
        must = face
    elif must[3] - must[1] > wh + 0.5 and wh >= TRIM_KEEP * (must[3] - must[1]):
        # Too tall for a wide window: keep its upper part (heads are at the top; feet and
        # floors can go), never less than TRIM_KEEP of it. The subject's box comes from a
        # coarse map, so its top can be low: what the window gives up is taken from the
        # feet, with TRIM_HEADROOM_ROWS of the map left above the box.
        top = max(0.0, must[1] - TRIM_HEADROOM_ROWS * W / SALIENCY_WIDTH)
        must = (must[0], top, must[2], top + wh)
    focus = face if face is not None and _fits(face, must) else must
    fx = (focus[0] + focus[2]) / 2
    fy = (focus[1] + focus[3]) / 2
    if attention is not None and focus is subject:
        # The attention box is softer but steadier; lean the framing toward its centre.
        fx = 0.6 * fx + 0.4 * (attention[0] + attention[2]) / 2
        fy = 0.6 * fy + 0.4 * (attention[1] + attention[3]) / 2

    if must[2] - must[0] > ww + 0.5 or must[3] - must[1] > wh + 0.5:
        # Cannot keep it whole inside the frame: grow the window around it, keep the aspect.
        mw, mh = must[2] - must[0], must[3] - must[1]
        margin = 1.06
        if mw / mh > target_aspect:
            bw, bh = mw * margin, mw * margin / target_aspect
        else:
            bh, bw = mh * margin, mh * margin * target_aspect
        cx, cy = (must[0] + must[2]) / 2, (must[1] + must[3]) / 2
        # Stay inside the frame along the axis that allows it.
        x0 = min(max(cx - bw / 2, 0.0), W - bw) if bw <= W else cx - bw / 2
        y0 = min(max(cy - bh / 2, 0.0), H - bh) if bh <= H else cy - bh / 2
        return Window((x0, y0, x0 + bw, y0 + bh), "fit", must)

    # Horizontal: thirds on wide windows (toward the side the subject leans to), centre on
    # narrow ones (a poster is too narrow for thirds to read).
    rel = fx / W
    if target_aspect >= 1.2 and abs(rel - 0.5) > 0.08:
        third = 1 / 3 if rel < 0.5 else 2 / 3
        desired_x = fx - ww * third
    else:
        desired_x = fx - ww / 2
    # Vertical: a face's centre a third from the top leaves headroom. A subject sits a little
    # low in a wide window: what a wide cut loses should be feet and floor, not the head (a
    # subject's box is often only its most salient part, its head above it).
    if face is not None and focus is face:
        desired_y = fy - wh / 3
    elif target_aspect > W / H:
        desired_y = fy - wh * WIDE_SUBJECT_AT
    else:
        desired_y = fy - wh / 2
    lo_x, hi_x = max(0.0, must[2] - ww), min(W - ww, must[0])
    lo_y, hi_y = max(0.0, must[3] - wh), min(H - wh, must[1])
    x0 = _place(fx - ww / 2, desired_x, lo_x, hi_x)
    y0 = _place(fy - wh / 2, desired_y, lo_y, hi_y)
    x0 = min(max(x0, 0.0), W - ww)
    y0 = min(max(y0, 0.0), H - wh)
    return Window((x0, y0, x0 + ww, y0 + wh), "crop", must)


def _blurred_fill(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The picture scaled to cover ``size``, blurred and darkened: padding that belongs."""
    w, h = img.size
    s = max(size[0] / w, size[1] / h)
    small = img.resize((max(1, round(w * s / 8)), max(1, round(h * s / 8))),
                       Image.Resampling.BILINEAR)
    small = small.filter(ImageFilter.GaussianBlur(3))
    big = small.resize((max(size[0], round(w * s)), max(size[1], round(h * s))),
                       Image.Resampling.BILINEAR)
    left = (big.width - size[0]) // 2
    top = (big.height - size[1]) // 2
    big = big.crop((left, top, left + size[0], top + size[1]))
    return ImageEnhance.Brightness(big).enhance(0.55)


Mapping = Callable[[Box], Box]


def render(img: Image.Image, window: Window, out_size: tuple[int, int], *,
           pad_small: bool = True) -> tuple[Image.Image, Mapping]:
    """Cut ``window`` from ``img`` and scale it to ``out_size``.

    Returns the picture and a function taking a box in source pixels to output pixels (the
    treatment uses it to keep the title off the subject and the face).
    """
    img = img.convert("RGB")
    W, H = img.size
    x0, y0, x1, y1 = window.box
    bw, bh = x1 - x0, y1 - y0
    ow, oh = out_size
    scale = ow / bw
    limit = MAX_UPSCALE_HERO if ow / oh > 2.0 else MAX_UPSCALE
    if pad_small and scale > limit + 1e-6:
        # Too small for the output: show it at the limit, centred on a blurred fill of itself.
        inner_w, inner_h = round(bw * limit), round(bh * limit)
        inner, inner_map = render(img, window, (inner_w, inner_h), pad_small=False)
        canvas = _blurred_fill(inner, out_size)
        ox, oy = (ow - inner_w) // 2, (oh - inner_h) // 2
        canvas.paste(inner, (ox, oy))

        def shifted(b: Box) -> Box:
            k = inner_map(b)
            return (k[0] + ox, k[1] + oy, k[2] + ox, k[3] + oy)

        return canvas, shifted

    cx0, cy0 = max(0, round(x0)), max(0, round(y0))
    cx1, cy1 = min(W, round(x1)), min(H, round(y1))
    if window.mode == "fit" or cx0 > x0 + 0.5 or cy0 > y0 + 0.5 or cx1 < x1 - 0.5 or cy1 < y1 - 0.5:
        canvas = _blurred_fill(img, out_size)
        part = img.crop((cx0, cy0, cx1, cy1))
        pw = max(1, round((cx1 - cx0) * scale))
        ph = max(1, round((cy1 - cy0) * scale))
        part = part.resize((pw, ph), Image.Resampling.LANCZOS)
        canvas.paste(part, (round((cx0 - x0) * scale), round((cy0 - y0) * scale)))
        out = canvas
    else:
        out = img.resize(out_size, Image.Resampling.LANCZOS, box=(x0, y0, x1, y1))
        if scale > 1.25:
            out = out.filter(ImageFilter.UnsharpMask(radius=1.2, percent=60, threshold=2))

    def mapping(b: Box) -> Box:
        return ((b[0] - x0) * scale, (b[1] - y0) * scale, (b[2] - x0) * scale,
                (b[3] - y0) * scale)

    return out, mapping


def frac_to_px(box: Box, size: tuple[int, int]) -> Box:
    w, h = size
    return (box[0] * w, box[1] * h, box[2] * w, box[3] * h)
