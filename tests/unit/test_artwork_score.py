"""Frame scoring on generated pictures: bad frames are rejected, the subject is found."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from mediacenter.artwork.extract import Frame, sample_times
from mediacenter.artwork.phash import distance, phash
from mediacenter.artwork.pipeline import pick_frames
from mediacenter.artwork.score import locate_subject, score_image, text_likelihood
from mediacenter.artwork.treatment import font


def scene(size=(640, 360), subject_at=(0.72, 0.45), seed=1, radius=0.12,
          color=(220, 40, 30)) -> Image.Image:
    """A textured, lit background (grass-like strokes under a sky) with a bright subject."""
    rng = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size)
    d = ImageDraw.Draw(img)
    for y in range(h):  # sky to ground gradient
        t = y / h
        d.line([(0, y), (w, y)], fill=(int(90 + 60 * t), int(120 + 40 * t), int(170 - 90 * t)))
    for _ in range(900):  # texture: short strokes of varied tones
        x, y = rng.randrange(w), rng.randrange(h // 3, h)
        g = rng.randrange(60, 160)
        d.line([(x, y), (x + rng.randint(-4, 4), y - rng.randint(3, 12))],
               fill=(g // 2, g, g // 3), width=1)
    cx, cy = subject_at[0] * w, subject_at[1] * h
    r = radius * h
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=color, outline=(255, 240, 220), width=3)
    d.ellipse([cx - r / 3, cy - r / 2, cx, cy - r / 6], fill=(255, 230, 200))
    return img


def credits(size=(640, 360)) -> Image.Image:
    img = Image.new("RGB", size, (6, 6, 8))
    d = ImageDraw.Draw(img)
    f = font(18)
    lines = ["Directed by", "JANE DOE", "", "Produced by", "JOHN ROE  MARY MAJOR",
             "Music", "RICHARD MILES"]
    for i, line in enumerate(lines):
        tw = d.textlength(line, font=f)
        d.text(((size[0] - tw) / 2, 40 + i * 40), line, font=f, fill=(235, 235, 235))
    return img


def test_a_good_frame_passes_and_scores_well():
    s = score_image(scene())
    assert s.flags == []
    assert s.score > 0.4
    assert 0.2 < s.brightness < 0.8
    assert s.text_likelihood < 0.3


def test_near_black_frame_is_rejected():
    img = Image.new("RGB", (640, 360), (4, 4, 6))
    ImageDraw.Draw(img).text((10, 10), "x", fill=(30, 30, 30))
    s = score_image(img)
    assert "black" in s.flags
    assert s.score < score_image(scene()).score * 0.3


def test_near_white_frame_is_rejected():
    s = score_image(Image.new("RGB", (640, 360), (250, 250, 252)))
    assert "white" in s.flags


@pytest.mark.parametrize("radius", [4, 8])
def test_blurred_frame_is_rejected(radius):
    blurred = scene().filter(ImageFilter.GaussianBlur(radius))
    s = score_image(blurred)
    assert "blurred" in s.flags
    assert s.sharpness < score_image(scene()).sharpness / 5


@pytest.mark.parametrize("level", [0.08, 0.18])
def test_fade_to_black_is_rejected(level):
    faded = ImageEnhance.Brightness(scene()).enhance(level)
    s = score_image(faded)
    assert "fade" in s.flags or "black" in s.flags


def test_fade_to_white_is_rejected():
    washed = Image.blend(scene(), Image.new("RGB", (640, 360), (255, 255, 255)), 0.85)
    s = score_image(washed)
    assert s.flags  # fade or white
    assert set(s.flags) & {"fade", "white"}


def test_credits_look_like_text():
    s = score_image(credits())
    assert s.text_likelihood >= 0.6
    assert "text" in s.flags


def test_text_likelihood_is_zero_for_a_plain_bright_frame():
    import numpy as np

    y = np.full((180, 320), 0.6, dtype=np.float32)
    assert text_likelihood(y, 30.0) == 0.0


@pytest.mark.parametrize("where", [(0.2, 0.5), (0.75, 0.35), (0.5, 0.7)])
def test_saliency_finds_the_subject(where):
    s = score_image(scene(subject_at=where))
    x0, y0, x1, y1 = s.subject
    assert x0 <= where[0] <= x1 and y0 <= where[1] <= y1
    # The box is about the subject, not the whole frame.
    assert (x1 - x0) * (y1 - y0) < 0.5


def test_skin_toned_subject_gives_a_face_box_and_closeup_feature():
    img = scene(subject_at=(0.3, 0.4), color=(224, 172, 140), radius=0.18)
    s = score_image(img)
    assert s.face is not None
    fx0, fy0, fx1, fy1 = s.face
    assert fx0 <= 0.3 <= fx1 and fy0 <= 0.4 <= fy1
    assert s.features["closeup"] > score_image(scene()).features["closeup"]


def test_features_for_the_bandit_are_in_range():
    for img in (scene(), credits(), Image.new("RGB", (64, 36))):
        feats = score_image(img).features
        assert set(feats) == {"quality", "closeup", "brightness", "colorful", "action"}
        assert all(0.0 <= v <= 1.0 for v in feats.values())


def test_phash_matches_reencoded_and_separates_scenes(tmp_path):
    a = scene(seed=1)
    p = tmp_path / "a.jpg"
    a.save(p, quality=40)
    with Image.open(p) as again:
        assert distance(phash(a), phash(again)) <= 6
    other = scene(seed=5, subject_at=(0.2, 0.7), color=(30, 60, 220))
    assert distance(phash(a), phash(other)) > 12
    assert distance(phash(a), "zz") == 64


def test_pick_frames_keeps_good_frames_once_best_first():
    good = scene(seed=1)
    frames = [
        Frame(1.0, Image.new("RGB", (640, 360), (3, 3, 3)), True),
        Frame(2.0, good, True),
        Frame(2.5, good.copy(), False),  # the same shot again: a near-duplicate
        Frame(3.0, good.filter(ImageFilter.GaussianBlur(6)), True),
        Frame(4.0, ImageEnhance.Brightness(good).enhance(0.1), True),
        Frame(5.0, credits(), True),
        Frame(6.0, scene(seed=9, subject_at=(0.25, 0.6), color=(240, 200, 40)), True),
    ]
    kept = pick_frames(frames, keep=6)
    times = [c.time_s for c in kept]
    assert set(times) <= {2.0, 2.5, 6.0}
    assert len([t for t in times if t in (2.0, 2.5)]) == 1  # deduplicated
    assert 6.0 in times
    assert all(not c.features["flags"] for c in kept)
    assert kept == sorted(kept, key=lambda c: -c.score)


def test_pick_frames_keeps_one_fallback_when_all_are_bad():
    frames = [Frame(float(i), Image.new("RGB", (320, 180), (2, 2, 2)), True) for i in range(3)]
    kept = pick_frames(frames)
    assert len(kept) == 1 and kept[0].features["fallback"] is True


def test_sample_times_skip_head_and_tail():
    ts = sample_times(100.0, 10)
    assert len(ts) == 10
    assert ts[0] > 5.0 and ts[-1] < 92.0
    assert ts == sorted(ts)
    assert sample_times(0, 5) == [] and sample_times(10, 0) == []


def test_a_nearly_flat_picture_is_flat_and_a_blank_one_a_fade():
    # An empty car park: grey asphalt, a little texture, mid brightness.
    rng = np.random.default_rng(3)

    def ground(spread: float) -> Image.Image:
        # Blotches a few pixels across (fine noise averages away at the analysis size).
        a = np.clip(110 + rng.normal(0, spread, (45, 80, 1)) * np.ones(3), 0, 255)
        return Image.fromarray(a.astype(np.uint8)).resize((640, 360), Image.Resampling.NEAREST)

    s = score_image(ground(8.5))
    assert s.flags == ["flat"], (s.flags, s.luma_range)
    fog = score_image(ground(3.0))
    assert "fade" in fog.flags, (fog.flags, fog.luma_range)


def _grass(size=(640, 360), seed=4) -> Image.Image:
    w, h = size
    rng = np.random.default_rng(seed)
    a = np.zeros((h, w, 3), dtype=np.float32)
    a[:] = (70, 150, 40)
    a += rng.normal(0, 22, size=(h, w, 1)) * np.array([0.6, 1.0, 0.4])
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def _figure_and_wall(seed: int = 4) -> tuple[Image.Image, Image.Image]:
    """The same grey on the same grass: once as a figure standing apart, once as a wall grown
    into the frame's corner (set, like Big Buck Bunny's tree line against the sky)."""
    figure, wall = _grass(seed=seed), _grass(seed=seed)
    w, h = figure.size
    ImageDraw.Draw(figure).ellipse((int(w * 0.34), int(h * 0.2), int(w * 0.66), int(h * 0.8)),
                                   fill=(150, 150, 165))
    ImageDraw.Draw(wall).rectangle((int(w * 0.62), 0, w, int(h * 0.55)), fill=(150, 150, 165))
    return figure, wall


def test_a_frame_whose_salient_peak_is_set_scores_below_one_with_a_figure():
    # A crop of the wall frames nobody: that frame makes weaker art.
    figure, wall = _figure_and_wall()
    small = lambda img: np.asarray(img.resize((80, 45)), dtype=np.float32) / 255.0  # noqa: E731
    assert locate_subject(small(figure))[4] >= 0.9
    assert locate_subject(small(wall))[4] <= 0.3
    assert score_image(figure).figure >= 0.9 and score_image(wall).figure <= 0.3
    assert score_image(figure).score - score_image(wall).score >= 0.04


def test_pick_frames_offers_no_set_frame_beside_one_with_a_figure():
    figure, wall = _figure_and_wall()
    other_wall = _figure_and_wall(seed=9)[1].transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    frames = [Frame(1.0, wall, True), Frame(2.0, figure, True), Frame(3.0, other_wall, True)]
    assert [c.time_s for c in pick_frames(frames, keep=6)] == [2.0]
    # A title of nothing but set (a landscape) keeps its frames.
    kept = pick_frames([Frame(1.0, wall, True), Frame(3.0, other_wall, True)], keep=6)
    assert sorted(c.time_s for c in kept) == [1.0, 3.0]


def _closeup(size=(1280, 720), seed=3) -> Image.Image:
    """A face filling the frame from the hair above it to below the chin: it runs into the
    frame's top and bottom edges, so nothing walls it off."""
    w, h = size
    rng = np.random.default_rng(seed)
    a = np.zeros((h, w, 3), np.float32)
    a[:] = (60, 70, 90)
    a += rng.normal(0, 8, (h, w, 1))
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    d.ellipse((int(w * 0.3), int(-h * 0.15), int(w * 0.7), int(h * 1.2)), fill=(60, 40, 30))
    d.ellipse((int(w * 0.34), int(h * 0.1), int(w * 0.66), int(h * 1.1)), fill=(224, 172, 140))
    for ex in (0.43, 0.57):
        d.ellipse((int(w * (ex - 0.03)), int(h * 0.42), int(w * (ex + 0.03)), int(h * 0.5)),
                  fill=(250, 250, 250))
        d.ellipse((int(w * (ex - 0.012)), int(h * 0.43), int(w * (ex + 0.012)), int(h * 0.49)),
                  fill=(40, 30, 20))
    d.ellipse((int(w * 0.45), int(h * 0.75), int(w * 0.55), int(h * 0.82)), fill=(170, 70, 70))
    return img.filter(ImageFilter.GaussianBlur(1.5))


def test_a_closeup_cut_by_the_frame_is_a_figure_not_set():
    # Close-ups are what film artwork is made of: a face is the subject however the frame
    # cuts it, and its frame is offered beside a wide shot with a figure in it.
    close = _closeup()
    assert score_image(close).figure == 1.0
    figure, _wall = _figure_and_wall()
    kept = pick_frames([Frame(1.0, figure, True), Frame(2.0, close, True)], keep=6)
    assert sorted(c.time_s for c in kept) == [1.0, 2.0]


def test_a_set_frame_far_above_the_figures_does_not_set_their_floor(monkeypatch):
    # The 70 % floor is taken among the frames that may be offered: a set frame scoring far
    # above every frame with a figure must not push them all under it (and be all that is
    # left).
    import dataclasses

    from mediacenter.artwork import pipeline as pipeline_module

    figure, wall = _figure_and_wall()
    other_figure = _figure_and_wall(seed=9)[0].transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    made = {id(wall): dataclasses.replace(score_image(wall), score=0.9, figure=0.1),
            id(figure): dataclasses.replace(score_image(figure), score=0.5, figure=1.0),
            id(other_figure): dataclasses.replace(score_image(other_figure), score=0.45,
                                                  figure=1.0)}
    monkeypatch.setattr(pipeline_module, "score_image", lambda img: made[id(img)])
    frames = [Frame(1.0, wall, True), Frame(2.0, figure, True), Frame(3.0, other_figure, True)]
    assert [c.time_s for c in pick_frames(frames, keep=6)] == [2.0, 3.0]
