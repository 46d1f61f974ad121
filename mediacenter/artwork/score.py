"""How good a frame is as artwork, and where its subject is (Pillow + numpy, no Qt).

Everything is measured on a copy scaled to a fixed analysis width, so thresholds mean the same
for a 480p clip and a 4K film and a frame costs a few milliseconds. The measures:

- exposure: mean and spread of luma, share of near-black and near-white pixels;
- sharpness: variance of the Laplacian of luma (the classic focus measure);
- colorfulness: Hasler & Süsstrunk's opponent-colour statistic;
- contrast: standard deviation of luma, and the 2-98 % range (a fade squeezes it);
- text/credits likelihood: light, colourless, thin structures in bands over a dark field;
- a saliency map from edges, saturation, colour rarity and skin tones, which also gives the
  subject's box (the crops keep it whole) and a face-like box from skin tones;
- figure strength: whether the saliency peak is a figure walled off from the frame's border
  or part of the set (a tree line against the sky): a frame with no figure has no subject
  for a crop to frame, and scores lower.

A frame is *rejected* (flagged, and its score cut) when it is near-black, near-white, a fade,
blank or nearly flat, blurred, or looks like credits; the pipeline never picks a rejected frame
while a good one exists. Thresholds were set on generated frames
(tests/unit/test_artwork_score.py) and on the real clips in ``../shared/data/video``
(benchmarks/contact_sheet.py shows them).
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field

import numpy as np
from PIL import Image

# Bump when what the scorer measures, or which frames it lets through, changes: a title
# whose candidates an older scorer chose is chosen again (pipeline.plan_title).
SCORER_VERSION = 2
ANALYSIS_WIDTH = 320
SALIENCY_WIDTH = 80

# Rejection thresholds (luma on 0..1, Laplacian variance on 0..255 luma at ANALYSIS_WIDTH).
BLACK_MEAN = 0.08
BLACK_SHARE = 0.92
WHITE_MEAN = 0.93
FLAT_RANGE = 0.16  # 2-98 % luma range below this: flat (an empty wall, a car park: no art)
BLANK_RANGE = 0.12  # ...below this: nothing to see at all (fog, a blank screen): a fade
FADE_RANGE = 0.32  # ...or below this while dim or washed out
FADE_DIM_MEAN = 0.22
FADE_WASHED_MEAN = 0.82
BLUR_LAPLACIAN = 25.0
CREDITS_REJECT = 0.6
GEODESIC_FLOOR = 0.03  # colour steps below this (opponent units, 0..~1.5) are texture
FIGURE_LEVEL = 0.3  # of the figure map: what counts as part of a figure
FIGURE_MAX_AREA = 0.45  # a "figure" larger than this share of the frame is background
FIGURE_REACH = 0.03  # pieces of figure this close to the saliency peak belong to its subject
# Following a figure up from the subject's box (its head): across gaps of this many map rows,
# up to this share of the box's height, sideways up to this share of its width.
_ABOVE_GAP = 2
_ABOVE_MAX = 1.5
_ABOVE_SIDE = 0.25
# Another figure at least this share of the subject's size stands beside it as its equal (two
# cars side by side, two people talking): both are the subject.
GROUP_SHARE = 0.5
BORDER_TOUCH = 0.5  # a salient region's weight per frame edge (top, left, right) it runs into

Box = tuple[float, float, float, float]  # left, top, right, bottom as fractions of the frame


@dataclass
class FrameScore:
    """Measures of one frame; ``score`` in 0..1, ``flags`` say why it was rejected."""

    score: float
    flags: list[str]
    brightness: float  # mean luma 0..1
    contrast: float  # luma std 0..1
    luma_range: float  # 2-98 % luma range 0..1
    black_share: float
    white_share: float
    sharpness: float  # variance of the Laplacian (0..255 luma, analysis size)
    colorfulness: float  # Hasler-Süsstrunk, ~0 grey .. 100+ vivid
    saturation: float  # mean HSV saturation 0..1
    edge_density: float  # share of pixels on a strong edge
    skin_share: float  # share of skin-toned pixels
    text_likelihood: float  # 0..1: credits, title cards, text on a plain field
    subject: Box  # the salient region the crops must keep whole
    attention: Box  # where 80 % of the saliency lies (a softer centre for framing)
    face: Box | None  # skin-toned region inside the subject, when there is one
    figure: float  # 0..1: how much the saliency peak is a figure, not set
    features: dict[str, float] = field(default_factory=dict)  # for the bandit, 0..1 each

    @property
    def rejected(self) -> bool:
        return bool(self.flags)

    def to_json_dict(self) -> dict:
        d = asdict(self)
        for k, v in list(d.items()):
            if isinstance(v, float):
                d[k] = round(v, 4)
            elif isinstance(v, tuple):
                d[k] = [round(x, 4) for x in v]
        if d["face"] is not None:
            d["face"] = [round(x, 4) for x in d["face"]]
        return d


def _analysis_copy(img: Image.Image, width: int) -> np.ndarray:
    img = img.convert("RGB")
    w, h = img.size
    if w <= 0 or h <= 0:
        raise ValueError("empty image")
    height = max(8, round(h * width / w))
    small = img.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(small, dtype=np.float32) / 255.0


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def _laplacian_var(y255: np.ndarray) -> float:
    lap = (
        y255[1:-1, :-2] + y255[1:-1, 2:] + y255[:-2, 1:-1] + y255[2:, 1:-1]
        - 4.0 * y255[1:-1, 1:-1]
    )
    return float(lap.var())


def _sobel_mag(y: np.ndarray) -> np.ndarray:
    p = np.pad(y, 1, mode="edge")
    gx = (p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2])
    gy = (p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:])
    return np.hypot(gx, gy) / 4.0


def _colorfulness(rgb255: np.ndarray) -> float:
    r, g, b = rgb255[..., 0], rgb255[..., 1], rgb255[..., 2]
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """Skin-toned pixels: the YCbCr box of Chai & Ngan, ANDed with the RGB rule of Kovac et
    al. (either alone lights up wood, sand and sunsets)."""
    r, g, b = rgb[..., 0] * 255, rgb[..., 1] * 255, rgb[..., 2] * 255
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    ycc = (cb >= 77) & (cb <= 127) & (cr >= 137) & (cr <= 173) & (y > 50)
    mx = np.maximum(np.maximum(r, g), b)
    mn = np.minimum(np.minimum(r, g), b)
    rgb_rule = (r > 95) & (g > 40) & (b > 20) & (mx - mn > 15) & (np.abs(r - g) > 15) & (r > g) & (
        r > b)
    return ycc & rgb_rule


def _normalize(a: np.ndarray) -> np.ndarray:
    """Scale to 0..1 with the median at 0: what is merely typical of the frame is not salient."""
    lo, hi = (float(v) for v in np.percentile(a, [50, 99.5]))
    if hi - lo <= 1e-6:
        return np.zeros_like(a)
    return np.clip((a - lo) / (hi - lo), 0.0, 1.0)


def _blur(a: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of a float map (Pillow cannot blur 32-bit float images)."""
    if sigma <= 0:
        return a.astype(np.float32)
    r = max(1, min(int(3 * sigma), max(a.shape) - 1))
    x = np.arange(-r, r + 1, dtype=np.float32)
    k = np.exp(-(x**2) / (2 * sigma * sigma))
    k /= k.sum()
    out = a.astype(np.float32)
    for axis in (0, 1):
        n = out.shape[axis]
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r, r)
        p = np.pad(out, pad, mode="reflect" if n > r else "edge")
        acc = np.zeros_like(out)
        for i, w in enumerate(k):
            acc += w * (p[i:i + n, :] if axis == 0 else p[:, i:i + n])
        out = acc
    return out


def _center_surround(a: np.ndarray, fine: float, coarse: float) -> np.ndarray:
    return np.abs(_blur(a, fine) - _blur(a, coarse))


def _border_contrast(opp: np.ndarray) -> np.ndarray:
    """How unlike the frame's border each pixel is: the distance from its colour to the
    nearest colour found along the border ("background connectivity": what touches the
    edges of the frame is mostly background, a figure is what differs from all of it)."""
    h, w = opp.shape[:2]
    ring = max(1, round(min(h, w) * 0.08))
    border = np.concatenate([opp[:ring].reshape(-1, 3), opp[-ring:].reshape(-1, 3),
                             opp[:, :ring].reshape(-1, 3), opp[:, -ring:].reshape(-1, 3)])
    step = max(1, len(border) // 96)
    samples = border[::step]
    flat = opp.reshape(-1, 3)
    d = np.sqrt(((flat[:, None, :] - samples[None, :, :]) ** 2).sum(axis=-1)).min(axis=1)
    return d.reshape(h, w)


def _geodesic_figure(opp: np.ndarray, floor: float = GEODESIC_FLOOR) -> np.ndarray:
    """How walled off from the frame's border each pixel is: the cheapest path to the border
    where a step costs the colour change it crosses beyond ``floor`` (texture, grain).

    Background reaches the border through similar colours; a figure is separated from it by
    its outline all round, even where its colour also occurs at the border (a grey rabbit
    beside grey rocks): boundary connectivity (Wei et al. 2012, Zhu et al. 2014). Relaxed in
    four directions until nothing shortens (tens of passes on an 80-pixel map).
    """
    h, w = opp.shape[:2]
    wx = np.maximum(0.0, np.sqrt(((opp[:, 1:] - opp[:, :-1]) ** 2).sum(axis=-1)) - floor)
    wy = np.maximum(0.0, np.sqrt(((opp[1:] - opp[:-1]) ** 2).sum(axis=-1)) - floor)
    d = np.full((h, w), np.inf)
    d[0, :] = d[-1, :] = d[:, 0] = d[:, -1] = 0.0
    for _ in range(4 * (h + w)):
        before = d.copy()
        np.minimum(d[:, 1:], d[:, :-1] + wx, out=d[:, 1:])
        np.minimum(d[:, :-1], d[:, 1:] + wx, out=d[:, :-1])
        np.minimum(d[1:, :], d[:-1, :] + wy, out=d[1:, :])
        np.minimum(d[:-1, :], d[1:, :] + wy, out=d[:-1, :])
        if np.array_equal(d, before):
            break
    return d


def saliency_map(rgb: np.ndarray) -> np.ndarray:
    """A 0..1 map of where the eye goes, at the size of ``rgb`` (use a small copy); see
    :func:`_saliency_parts`."""
    return _saliency_parts(rgb)[0]


def _saliency_parts(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(saliency, figure): the 0..1 map of where the eye goes, and the part of it that says
    what is walled off from the border (the figure, for :func:`_whole_figure`).

    Centre-surround differences of luma and of the two opponent colour channels (Itti's
    model, at two scales) find details; the distance from the border's colours finds large
    figures whose inside is plain; edges, and skin tones where they have detail (eyes, a
    mouth: a beige wall has none), with a centre bias. Cheap stand-ins for the learned
    saliency models that a desktop app cannot ship.
    """
    h, w = rgb.shape[:2]
    y = _luma(rgb)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    scale = w / 80.0
    cs_l = _normalize(_center_surround(y, 1.0 * scale, 6.0 * scale) + _center_surround(
        y, 2.0 * scale, 12.0 * scale))
    cs_c = _normalize(_center_surround(rg, 1.0 * scale, 8.0 * scale)
                      + _center_surround(yb, 1.0 * scale, 8.0 * scale)
                      + _center_surround(rg, 2.0 * scale, 16.0 * scale)
                      + _center_surround(yb, 2.0 * scale, 16.0 * scale))
    edges = _normalize(_blur(_sobel_mag(y), 1.5 * scale))
    opp = np.stack([_blur(y, scale), _blur(rg, scale) * 1.5, _blur(yb, scale) * 1.5], axis=-1)
    figure = _normalize(_border_contrast(opp))
    walled = _normalize(_geodesic_figure(opp))
    skin = _blur(skin_mask(rgb).astype(np.float32), 1.5 * scale)
    detail = _blur(np.maximum(cs_l, edges), 2.0 * scale)
    skin_term = np.clip(skin * 2.0, 0.0, 1.0) * np.clip(detail * 1.5, 0.0, 1.0)
    yy, xx = np.mgrid[0:h, 0:w]
    # Where people look in film frames: strongly toward the centre (Tseng et al., 2009).
    center = np.exp(-(((xx / w - 0.5) / 0.32) ** 2 + ((yy / h - 0.5) / 0.36) ** 2) / 2)
    sal = 0.22 * cs_l + 0.22 * cs_c + 0.10 * edges + 0.32 * figure + 0.25 * skin_term
    sal = sal * (0.35 + 0.65 * center)
    sal = _blur(sal.astype(np.float32), 1.0 * scale)
    hi = float(sal.max())
    return ((sal / hi).astype(np.float32) if hi > 1e-6 else np.zeros_like(sal)), walled


def _quantile_box(mass: np.ndarray, lo: float, hi: float) -> Box:
    h, w = mass.shape
    total = float(mass.sum())
    if total <= 1e-9:
        return (0.25, 0.25, 0.75, 0.75)
    cx = np.cumsum(mass.sum(axis=0)) / total
    cy = np.cumsum(mass.sum(axis=1)) / total
    x0 = float(np.searchsorted(cx, lo)) / w
    x1 = float(np.searchsorted(cx, hi) + 1) / w
    y0 = float(np.searchsorted(cy, lo)) / h
    y1 = float(np.searchsorted(cy, hi) + 1) / h
    return (max(0.0, x0), max(0.0, y0), min(1.0, x1), min(1.0, y1))


def _regions(mask: np.ndarray) -> list[tuple[list[tuple[int, int]], tuple[int, int, int, int]]]:
    """4-connected regions of ``mask``: (cells, (x0, y0, x1, y1)) each (maps are ~80x45)."""
    h, w = mask.shape
    seen = np.zeros_like(mask, dtype=bool)
    out = []
    for y0, x0 in zip(*np.nonzero(mask), strict=True):
        if seen[y0, x0]:
            continue
        cells = []
        q = deque([(int(y0), int(x0))])
        seen[y0, x0] = True
        while q:
            yy, xx = q.popleft()
            cells.append((yy, xx))
            for ny, nx in ((yy - 1, xx), (yy + 1, xx), (yy, xx - 1), (yy, xx + 1)):
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    q.append((ny, nx))
        ys = [c[0] for c in cells]
        xs = [c[1] for c in cells]
        out.append((cells, (min(xs), min(ys), max(xs), max(ys))))
    return out


def _peak_region(sal: np.ndarray, level: float, walled: np.ndarray | None = None) -> Box:
    """Bounding box of the region above ``level`` x max that holds the most saliency mass;
    see :func:`_peak_cells`."""
    return _peak_cells(sal, level, walled)[0]


def _peak_cells(sal: np.ndarray, level: float,
                walled: np.ndarray | None = None) -> tuple[Box, list[tuple[int, int]]]:
    """(bounding box, cells) of the region above ``level`` x max that holds the most
    saliency mass.

    Mass, not the single brightest cell: a large, moderately salient figure (a person, an
    animal) beats a small glint or a bright patch of sky; and halved for each of the top, left
    and right edges of the frame the region runs into.
    """
    h, w = sal.shape
    hi = float(sal.max())
    if hi <= 1e-9:
        return (0.25, 0.25, 0.75, 0.75), []
    regions = _regions(sal >= level * hi)

    def weight(r: tuple[list[tuple[int, int]], tuple[int, int, int, int]]) -> float:
        mass = float(sum(sal[c] for c in r[0])) * BORDER_TOUCH ** _touches(r[1], w)
        if walled is not None:
            # Detail on the set (a tree line against the sky) is salient too, but connected
            # to the border; a figure is walled off from it.
            mass *= 0.25 + float(np.mean([walled[c] for c in r[0]]))
        return mass

    best = max(regions, key=weight)
    x0, y0, x1, y1 = best[1]
    return (float(x0 / w), float(y0 / h), float((x1 + 1) / w), float((y1 + 1) / h)), best[0]


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _intersects(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _mean_in(a: np.ndarray, b: Box) -> float:
    h, w = a.shape
    part = a[int(b[1] * h):max(int(b[1] * h) + 1, int(b[3] * h)),
             int(b[0] * w):max(int(b[0] * w) + 1, int(b[2] * w))]
    return float(part.mean()) if part.size else 0.0


def _area(b: Box) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _pad_box(b: Box, pad: float) -> Box:
    return (float(max(0.0, b[0] - pad)), float(max(0.0, b[1] - pad)), float(min(1.0, b[2] + pad)),
            float(min(1.0, b[3] + pad)))


def _share_inside(inner: Box, outer: Box) -> float:
    iw = max(0.0, min(inner[2], outer[2]) - max(inner[0], outer[0]))
    ih = max(0.0, min(inner[3], outer[3]) - max(inner[1], outer[1]))
    return iw * ih / max(1e-9, _area(inner))


def _touches(box_cells: tuple[int, int, int, int], w: int) -> int:
    """How many of the top, left and right edges of the frame a region's box runs into:
    what does is mostly set (trees, sky, walls); a subject stands on the bottom edge at most."""
    x0, y0, x1, _y1 = box_cells
    return int(y0 == 0) + int(x0 == 0) + int(x1 == w - 1)


def _whole_figure(peak: Box, figure: np.ndarray, level: float = FIGURE_LEVEL) -> Box:
    """The saliency peak grown to the whole figure it belongs to: the regions of the figure
    map (what is walled off from the border) that reach it. The peak is often a detail (a
    bright flank, a face); the crops must keep the whole subject, head included. A figure over
    :data:`FIGURE_MAX_AREA` of the frame is background after all: the peak alone."""
    h, w = figure.shape
    near = _pad_box(peak, FIGURE_REACH)
    px0, py0 = int(near[0] * w), int(near[1] * h)
    px1, py1 = max(px0 + 1, int(np.ceil(near[2] * w))), max(py0 + 1, int(np.ceil(near[3] * h)))
    whole = peak
    # Every piece of figure reaching the peak: a car's roof and bonnet are split by its dark
    # windscreen, a character's head from its body by a collar.
    for cells, (x0, y0, x1, y1) in _regions(figure >= level):
        piece = (x0 / w, y0 / h, (x1 + 1) / w, (y1 + 1) / h)
        # A piece spanning much of the frame is set (a horizon running into the figure's
        # outline), not figure.
        if _area(piece) <= FIGURE_MAX_AREA and any(
                px0 <= xx < px1 and py0 <= yy < py1 for yy, xx in cells):
            whole = _union(whole, piece)
    return peak if _area(whole) > FIGURE_MAX_AREA else whole


def _figure_above(box: Box, figure: np.ndarray, level: float = FIGURE_LEVEL / 2) -> Box:
    """``box`` grown upward over the figure that goes on above it from its middle columns.

    A subject's box is often its body alone: a head is a separate piece of figure when a
    collar, a neck or a shadow splits it off, and the head is what a crop must not lose. From
    the middle half of the box's columns at its top, the figure cells (4-connected, across a
    gap of up to ``_ABOVE_GAP`` rows) are followed upward, at most ``_ABOVE_MAX`` of the box's
    height and sideways no further than ``_ABOVE_SIDE`` of its width. Half the figure level:
    a plain figure's inside is less walled off than its outline.
    """
    h, w = figure.shape
    mask = figure >= level
    bx0, by0, bx1, by1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    side = (bx1 - bx0) * _ABOVE_SIDE
    lo_x, hi_x = max(0, int(bx0 - side)), min(w, int(np.ceil(bx1 + side)))
    c0 = int(bx0 + (bx1 - bx0) * 0.25)
    c1 = max(c0 + 1, int(np.ceil(bx1 - (bx1 - bx0) * 0.25)))
    row = min(h - 1, int(by0))
    cur = np.zeros(w, dtype=bool)
    cur[c0:c1] = mask[row, c0:c1]
    if not cur.any():
        return box
    limit = max(0, int(by0 - (by1 - by0) * _ABOVE_MAX))
    top, left, right = row, int(np.nonzero(cur)[0].min()), int(np.nonzero(cur)[0].max())
    reach, gap = cur, 0
    y = row - 1
    while y >= limit and gap <= _ABOVE_GAP:
        # Cells of this row touching (or diagonal to) what was reached in the row below.
        near = reach | np.roll(reach, 1) | np.roll(reach, -1)
        nxt = np.zeros(w, dtype=bool)
        nxt[lo_x:hi_x] = mask[y, lo_x:hi_x] & near[lo_x:hi_x]
        if nxt.any():
            # The whole run of figure each reached cell belongs to (a head wider than a neck).
            runs = mask[y] & (np.arange(w) >= lo_x) & (np.arange(w) < hi_x)
            grow = nxt
            while True:
                more = runs & (grow | np.roll(grow, 1) | np.roll(grow, -1))
                if np.array_equal(more, grow):
                    break
                grow = more
            xs = np.nonzero(grow)[0]
            top, left, right = y, min(left, int(xs.min())), max(right, int(xs.max()))
            reach, gap = grow, 0
        else:
            gap += 1  # a dark line (a collar, an outline) between head and body
        y -= 1
    if top >= by0:
        return box
    return (min(box[0], left / w), top / h, max(box[2], (right + 1) / w), box[3])


def _with_like_figures(box: Box, figure: np.ndarray, level: float = FIGURE_LEVEL / 2) -> Box:
    """``box`` joined by the figures beside it that are its equals.

    Pieces of figure up to ``_ABOVE_GAP`` cells apart are one figure (a car's roof and bonnet
    either side of its windscreen), at half the figure level as in :func:`_figure_above`. The
    figure that overlaps ``box`` most is the subject's; another joins it when it is its like:
    between :data:`GROUP_SHARE` and 1/GROUP_SHARE of its cells and of its box's width and
    height, itself a figure (its mean figure value at least half :data:`FIGURE_LEVEL`, as
    everywhere else: not relative to the subject's, since a grey car on a grey road is less
    walled off than the red one beside it), and clear of the top, left and right edges of the
    frame (set runs into them). So a crop does
    not keep one of two cars side by side, or one of two people talking, and cut the other;
    a tree, a wall or the sky beside a subject is not its like.
    """
    h, w = figure.shape
    mask = figure >= level
    grown = mask.copy()
    for _ in range(_ABOVE_GAP):
        step = grown.copy()
        step[1:] |= grown[:-1]
        step[:-1] |= grown[1:]
        step[:, 1:] |= grown[:, :-1]
        step[:, :-1] |= grown[:, 1:]
        grown = step
    x0, y0 = int(box[0] * w), int(box[1] * h)
    x1, y1 = max(x0 + 1, int(np.ceil(box[2] * w))), max(y0 + 1, int(np.ceil(box[3] * h)))
    pieces = []
    for cells, _grown_box in _regions(grown):
        own_cells = [c for c in cells if mask[c]]
        if not own_cells:
            continue
        inside = sum(1 for yy, xx in own_cells if x0 <= xx < x1 and y0 <= yy < y1)
        walled = float(np.mean([figure[c] for c in own_cells]))
        ys, xs = [c[0] for c in own_cells], [c[1] for c in own_cells]
        pieces.append((len(own_cells), inside, walled, (min(xs), min(ys), max(xs), max(ys))))
    own = max(pieces, key=lambda p: p[1], default=None)
    if own is None or own[1] == 0:
        return box
    n0, _, _, (ox0, oy0, ox1, oy1) = own
    ow, oh = ox1 + 1 - ox0, oy1 + 1 - oy0

    def like(a: float, b: float) -> bool:
        return GROUP_SHARE * b <= a <= b / GROUP_SHARE

    def frac(b: tuple[int, int, int, int]) -> Box:
        return (b[0] / w, b[1] / h, (b[2] + 1) / w, (b[3] + 1) / h)

    group = box
    for piece in pieces:
        n, _, walled, cells_box = piece
        px0, py0, px1, py1 = cells_box
        if piece is own or _touches(cells_box, w):
            continue
        if like(n, n0) and like(px1 + 1 - px0, ow) and like(py1 + 1 - py0, oh) \
                and walled >= FIGURE_LEVEL / 2:
            group = _union(group, frac(cells_box))
    # A group is of whole figures: the subject's own, all its pieces, too.
    return group if group == box else _union(group, frac(own[3]))


def locate_subject(rgb: np.ndarray) -> tuple[Box, Box, Box | None, np.ndarray, float]:
    """(subject, attention, face or None, saliency map, figure strength) of a small RGB array.

    The figure strength (0..1) says how much the saliency peak is a figure rather than set:
    its mean walled-off value over :data:`FIGURE_LEVEL`. Detail on the set (a tree line
    against the sky, a textured wall) can outshine the subject; the subject found then is
    the set, and no crop of it frames anyone. A peak mostly of skin tones is a face, and a
    figure however the frame cuts it (a close-up runs into the frame's edges, so nothing
    walls it off)."""
    sal, figure = _saliency_parts(rgb)
    attention = _quantile_box(np.clip(sal - np.median(sal), 0, None) ** 2, 0.1, 0.9)
    peak, cells = _peak_cells(sal, 0.7, figure)
    skin = skin_mask(rgb)
    near_skin = _blur(skin.astype(np.float32), 1.0)
    strength = 0.0
    if cells:
        on_skin = float(np.mean([near_skin[c] for c in cells]))
        walled = float(np.mean([figure[c] for c in cells]))
        strength = 1.0 if on_skin >= 0.5 else float(np.clip(walled / FIGURE_LEVEL, 0.0, 1.0))
    subject = _pad_box(_with_like_figures(_figure_above(
        _whole_figure(peak, figure), figure), figure), 0.02)
    face = None
    if skin.mean() >= 0.004:
        # The skin blob nearest the saliency peak: a face or hands in the subject.
        blob = _pad_box(_peak_region(near_skin * (0.5 + 0.5 * sal), 0.35), 0.02)
        # Wood, sand and petals pass for skin too: only a blob that is itself salient, or
        # touches the salient region, counts as a face.
        # A face is compact: a skin-toned region over an eighth of the frame is a wall, a
        # floor or an extreme close-up (where the subject box already covers it).
        # And it belongs to the subject: mostly inside it. A skin-toned rock or wall beside
        # the subject would otherwise drag every crop away from it.
        compact = _area(blob) <= 0.12
        if compact and _share_inside(blob, subject) >= 0.5:
            face = blob
            subject = _union(subject, face)
    return subject, attention, face, sal, strength


def text_likelihood(y: np.ndarray, colorfulness: float) -> float:
    """0..1: how much the frame looks like credits or a title card.

    Credits are light, colourless, thin strokes in horizontal bands on a dark, flat field:
    most pixels dark, a small share bright, many bright/dark transitions along rows inside
    the bright bands, and little colour.
    """
    dark = float((y < 0.18).mean())
    bright_mask = y > 0.55
    bright = float(bright_mask.mean())
    if bright < 0.002 or bright > 0.35 or dark < 0.45:
        return 0.0
    rows = bright_mask.mean(axis=1)
    active = rows > 0.01
    bands = int(np.count_nonzero(np.diff(active.astype(np.int8)) == 1)) + int(active[0])
    # Strokes: transitions along a row per bright pixel (text ~ 0.3-0.6, a lamp ~ 0.05).
    trans = float(np.count_nonzero(np.diff(bright_mask.astype(np.int8), axis=1))) / max(
        1.0, float(bright_mask.sum()))
    s = 0.0
    s += min(1.0, (dark - 0.45) / 0.35) * 0.3
    s += min(1.0, trans / 0.35) * 0.35
    s += min(1.0, bands / 3.0) * 0.2
    s += (1.0 - min(1.0, colorfulness / 25.0)) * 0.15
    return float(np.clip(s, 0.0, 1.0))


def rejection_flags(brightness: float, black_share: float, luma_range: float, sharpness: float,
                    text: float) -> list[str]:
    """Why a frame is no picture to show (empty: it may be shown); the measures as in
    :class:`FrameScore`."""
    flags: list[str] = []
    if brightness < BLACK_MEAN or black_share > BLACK_SHARE:
        flags.append("black")
    elif brightness > WHITE_MEAN:
        flags.append("white")
    if luma_range < BLANK_RANGE or (
        luma_range < FADE_RANGE and (brightness < FADE_DIM_MEAN or brightness > FADE_WASHED_MEAN)
    ):
        flags.append("fade")
    elif luma_range < FLAT_RANGE:
        # Nearly flat at a normal brightness: an empty car park, a wall, an overcast sky.
        # No picture for art; a preview may pass through it (previews/segments.py).
        flags.append("flat")
    if sharpness < BLUR_LAPLACIAN and "black" not in flags:
        flags.append("blurred")
    if text >= CREDITS_REJECT:
        flags.append("text")
    return flags


def quick_flags(img: Image.Image) -> list[str]:
    """:func:`score_image`'s rejection flags alone (no saliency, no score): a few ms a frame,
    for checking every frame of a stretch of video."""
    rgb = _analysis_copy(img, ANALYSIS_WIDTH)
    y = _luma(rgb)
    p2, p98 = np.percentile(y, [2, 98])
    colorfulness = _colorfulness(rgb * 255.0)
    return rejection_flags(float(y.mean()), float((y < 0.07).mean()), float(p98 - p2),
                           _laplacian_var(y * 255.0), text_likelihood(y, colorfulness))


def score_image(img: Image.Image) -> FrameScore:
    """Measure one frame (any size, any mode). Pure: same picture, same numbers."""
    rgb = _analysis_copy(img, ANALYSIS_WIDTH)
    y = _luma(rgb)
    y255 = y * 255.0
    brightness = float(y.mean())
    contrast = float(y.std())
    p2, p98 = np.percentile(y, [2, 98])
    luma_range = float(p98 - p2)
    black_share = float((y < 0.07).mean())
    white_share = float((y > 0.94).mean())
    sharpness = _laplacian_var(y255)
    rgb255 = rgb * 255.0
    colorfulness = _colorfulness(rgb255)
    mx = rgb.max(axis=-1)
    saturation = float(np.where(mx > 1e-3, (mx - rgb.min(axis=-1)) / np.maximum(mx, 1e-3),
                                0.0).mean())
    edge = _sobel_mag(y)
    edge_density = float((edge > 0.12).mean())
    skin_share = float(skin_mask(rgb).mean())
    text = text_likelihood(y, colorfulness)

    small = _analysis_copy(img, SALIENCY_WIDTH)
    subject, attention, face, sal, figure_q = locate_subject(small)

    flags = rejection_flags(brightness, black_share, luma_range, sharpness, text)

    # Quality in 0..1 from the parts; each is a soft curve, not a cliff.
    sharp_q = float(np.clip((np.log10(max(sharpness, 1.0)) - 1.5) / 1.5, 0, 1))
    exposure_q = float(np.exp(-(((brightness - 0.45) / 0.28) ** 2))) * (
        1.0 - min(1.0, black_share * 1.5 + white_share * 2))
    contrast_q = float(np.clip(contrast / 0.22, 0, 1))
    color_q = float(np.clip(colorfulness / 70.0, 0, 1))
    # A subject that stands out in a clean frame beats a busy frame: saliency concentrated in
    # a modest part of the picture, on a figure (a frame whose most salient thing is set has
    # no subject for a crop to frame: the tree line beside Big Buck Bunny).
    focus_q = float(np.clip(1.0 - _area(attention) * 1.1, 0, 1)) * 0.35 + float(
        np.clip(sal.std() * 3.0, 0, 1)) * 0.35 + figure_q * 0.3
    people_q = float(np.clip(skin_share * 12.0, 0, 1))
    score = (0.26 * sharp_q + 0.2 * exposure_q + 0.14 * contrast_q + 0.14 * color_q
             + 0.14 * focus_q + 0.12 * people_q)
    score *= 1.0 - 0.6 * text
    if flags:
        score *= 0.25

    features = {
        "quality": round(float(score), 4),
        # Close-up: a face-sized skin region, or a subject filling much of the frame.
        "closeup": round(float(np.clip(skin_share * 10.0 + max(0.0, _area(subject) - 0.3), 0,
                                       1)), 4),
        "brightness": round(brightness, 4),
        "colorful": round(float(np.clip(colorfulness / 90.0, 0, 1)), 4),
        # Action vs calm: dense strong edges and contrast read as busy, energetic frames.
        "action": round(float(np.clip(edge_density * 4.0 * (0.5 + contrast * 2.0), 0, 1)), 4),
    }
    return FrameScore(
        score=float(score), flags=flags, brightness=brightness, contrast=contrast,
        luma_range=luma_range, black_share=black_share, white_share=white_share,
        sharpness=sharpness, colorfulness=colorfulness, saturation=saturation,
        edge_density=edge_density, skin_share=skin_share, text_likelihood=text,
        subject=subject, attention=attention, face=face, figure=figure_q, features=features,
    )
