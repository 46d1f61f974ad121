"""Title treatment: the title written on pictures, readable and never on a face.

The pipeline writes it on posters only (the app writes its own title over heroes); the hero
placements stay for callers that want a titled wide picture.

The text sits on a soft dark gradient and carries a blurred shadow, so it reads on any picture.
Where it goes is chosen among a few placements (poster: bottom or top band; hero: bottom-left,
bottom-right, top-left) by how little of the subject it would cover; a placement that would
touch a face is never taken, and when every placement would, the font shrinks and, failing
that, the title is left off (the UI shows the title beside the art anyway).

Fonts: a bold system font when the platform has one (DejaVu on Linux, Segoe UI / Arial on
Windows, Helvetica / Arial on macOS), else Pillow's own scalable font
(``ImageFont.load_default(size=...)``, Pillow >= 10.1).
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

Box = tuple[float, float, float, float]

_FONT_FILES = (
    "DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "C:/Windows/Fonts/segoeuib.ttf",
    "C:/Windows/Fonts/arialbd.ttf",
    "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
    "/Library/Fonts/Arial Bold.ttf",
    "/System/Library/Fonts/Helvetica.ttc",
)


@functools.lru_cache(maxsize=1)
def _font_path() -> str | None:
    for name in _FONT_FILES:
        try:
            ImageFont.truetype(name, 12)
        except OSError:
            continue
        return name
    return None


@functools.lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A bold font at ``size`` pixels: a system font, else Pillow's built-in scalable one."""
    path = _font_path()
    if path is not None:
        return ImageFont.truetype(path, size)
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow < 10.1 or no FreeType: the small bitmap font
        return ImageFont.load_default()


def font_name() -> str:
    return _font_path() or "Pillow built-in"


def _wrap(draw: ImageDraw.ImageDraw, text: str, fnt, max_w: float, max_lines: int
          ) -> list[str] | None:
    words = text.split()
    lines: list[str] = []
    cur = ""
    for word in words:
        trial = f"{cur} {word}".strip()
        if draw.textlength(trial, font=fnt) <= max_w:
            cur = trial
            continue
        if cur:
            lines.append(cur)
        cur = word
        if draw.textlength(cur, font=fnt) > max_w:
            return None  # one word wider than the space: try a smaller size
    if cur:
        lines.append(cur)
    return lines if len(lines) <= max_lines else None


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def _layout(size: tuple[int, int], text: str, shape: str, font_px: int, placement: str):
    """(font, lines, line height, text box) for one placement, or None when it won't fit."""
    W, H = size
    fnt = font(font_px)
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    margin = round(min(W, H) * 0.06)
    max_w = (W - 2 * margin) if shape == "poster" else W * 0.42
    lines = _wrap(draw, text, fnt, max_w, 3)
    if not lines:
        return None
    asc, desc = fnt.getmetrics() if hasattr(fnt, "getmetrics") else (font_px, font_px // 4)
    line_h = round((asc + desc) * 1.05)
    block_w = max(draw.textlength(line, font=fnt) for line in lines)
    block_h = line_h * len(lines)
    x: float
    y: float
    if shape == "poster":
        x = (W - block_w) / 2
        y = H - margin - block_h if placement == "bottom" else margin
    else:
        x = margin if placement.endswith("left") else W - margin - block_w
        y = H - margin * 1.3 - block_h if placement.startswith("bottom") else margin
    return fnt, lines, line_h, (x, y, x + block_w, y + block_h)


def place_title(size: tuple[int, int], text: str, shape: str, subject: Box | None,
                face: Box | None):
    """The layout the title takes (see module docstring), or None to leave it off."""
    words = text.split()
    # A title too long for three lines at the smallest size is shortened with an ellipsis.
    for n in range(len(words), 0, -1):
        trial = " ".join(words[:n]) + ("" if n == len(words) else " …")
        chosen = _place(size, trial, shape, subject, face)
        if chosen is not None:
            return chosen
        if _fits_somewhere(size, trial, shape):
            return None  # it fits, but only over a face: leave it off
    return None


def _fits_somewhere(size: tuple[int, int], text: str, shape: str) -> bool:
    base = _base_px(size, shape)
    return _layout(size, text, shape, max(10, round(base * 0.5)),
                   "bottom" if shape == "poster" else "bottom-left") is not None


def _base_px(size: tuple[int, int], shape: str) -> int:
    return round(size[0] * (0.105 if shape == "poster" else 0.04))


def _place(size: tuple[int, int], text: str, shape: str, subject: Box | None,
           face: Box | None):
    placements = ("bottom", "top") if shape == "poster" else (
        "bottom-left", "bottom-right", "top-left")
    base = _base_px(size, shape)
    sizes = (base, round(base * 0.8), round(base * 0.64), round(base * 0.5))
    for font_px in sizes:
        best = None
        for placement in placements:
            lay = _layout(size, text, shape, max(10, font_px), placement)
            if lay is None:
                continue
            box = lay[3]
            pad = font_px * 0.3
            padded = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
            if face is not None and _overlap(padded, face) > 0:
                continue
            cost = _overlap(padded, subject) if subject is not None else 0.0
            if best is None or cost < best[0]:
                best = (cost, placement, lay)
        if best is not None:
            area = (best[2][3][2] - best[2][3][0]) * (best[2][3][3] - best[2][3][1])
            # Covering more than a third of the text's own area of the subject reads as
            # "over the subject": try a smaller size first.
            if best[0] <= area * 0.34 or font_px == sizes[-1]:
                return best[1], best[2]
    return None


def apply_title(img: Image.Image, text: str, shape: str, subject: Box | None = None,
                face: Box | None = None) -> tuple[Image.Image, Box | None]:
    """``img`` with the title drawn on it, and the text's box (None when left off)."""
    text = " ".join((text or "").split())
    if not text:
        return img, None
    chosen = place_title(img.size, text, shape, subject, face)
    if chosen is None:
        return img, None
    placement, (fnt, lines, line_h, box) = chosen
    W, H = img.size
    out = img.convert("RGBA")
    # Gradient behind the text, from its side of the picture toward the middle.
    grad = Image.new("L", (W, H), 0)
    gd = ImageDraw.Draw(grad)
    if shape == "poster" or placement.startswith(("bottom", "top")):
        band_top = box[1] - line_h * 1.2
        band_bot = box[3] + line_h * 0.8
        span = max(1.0, band_bot - band_top)
        for y in range(max(0, int(band_top)), min(H, int(band_bot) + 1)):
            t = min(1.0, max(0.0, (y - band_top) / span))
            a = 170 * (t if placement.startswith("bottom") else (1 - t)) ** 0.8
            gd.line([(0, y), (W, y)], fill=int(a))
    shade = Image.new("RGBA", (W, H), (0, 0, 0, 255))
    shade.putalpha(grad.filter(ImageFilter.GaussianBlur(max(2, line_h // 3))))
    out = Image.alpha_composite(out, shade)
    # Soft shadow, then the text.
    shadow = Image.new("L", (W, H), 0)
    sd = ImageDraw.Draw(shadow)
    text_layer = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    td = ImageDraw.Draw(text_layer)
    off = max(1, line_h // 18)
    for i, line in enumerate(lines):
        lw = td.textlength(line, font=fnt)
        if shape == "poster":
            x = (W - lw) / 2
        elif placement.endswith("left"):
            x = box[0]
        else:
            x = box[2] - lw
        y = box[1] + i * line_h
        sd.text((x + off, y + off), line, font=fnt, fill=220)
        td.text((x, y), line, font=fnt, fill=(255, 255, 255, 255))
    blk = Image.new("RGBA", (W, H), (0, 0, 0, 255))
    blk.putalpha(shadow.filter(ImageFilter.GaussianBlur(max(1, line_h // 10))))
    out = Image.alpha_composite(out, blk)
    out = Image.alpha_composite(out, text_layer)
    return out.convert("RGB"), box


def fonts_available() -> list[str]:
    """Which of the known font files exist here (for doctor-like reports)."""
    return [p for p in _FONT_FILES if "/" in p and Path(p).exists()]
