"""Preview segments from measured samples: what is refused, how they are scored and deduped."""

from __future__ import annotations

from mediacenter.previews.analyse import Analysis, Sample, plan_windows, usable_span
from mediacenter.previews.segments import MAX_S, MIN_S, fading, find_segments


def _sample(t: float, *, flags=(), quality=0.7, motion=0.05, bright=0.45, cut=False,
            face=False, phash: str | None = None) -> Sample:
    return Sample(t, list(flags), quality, {"quality": quality, "closeup": 0.2,
                                            "brightness": bright, "colorful": 0.5,
                                            "action": 0.4}, face, motion, bright, cut, -20.0,
                  phash if phash is not None else f"{int(t * 7919) & 0xFFFFFFFFFFFFFFFF:016x}")


def _analysis(duration: float, samples: list[Sample]) -> Analysis:
    u0, u1 = usable_span(duration)
    return Analysis(duration, u0, u1, samples, True, 640, 360, 0.0, plan_windows(duration))


def test_the_last_quarter_and_flagged_pictures_are_never_in_a_segment():
    samples = [_sample(t / 2, flags=("text",) if 20 <= t / 2 <= 23 else ())
               for t in range(0, 200)]
    segs = find_segments(_analysis(100.0, samples))
    assert segs
    for s in segs:
        assert s.end_s <= 75.0 + 1e-6
        assert MIN_S - 1e-6 <= s.end_s - s.start_s <= MAX_S + 1e-6
        assert s.end_s < 20.0 or s.start_s > 23.0


def test_near_duplicates_go_and_the_best_comes_first():
    samples = [_sample(t / 2, quality=0.9 if t / 2 > 30 else 0.4, cut=(t % 40 == 0))
               for t in range(0, 200)]
    segs = find_segments(_analysis(100.0, samples), keep=4)
    assert [round(s.score, 4) for s in segs] == sorted((round(s.score, 4) for s in segs),
                                                        reverse=True)
    for i, a in enumerate(segs):
        for b in segs[i + 1:]:
            inter = min(a.end_s, b.end_s) - max(a.start_s, b.start_s)
            assert inter <= 0.5 * min(a.length_s, b.length_s) + 1e-6
    assert segs[0].start_s >= 30.0 - 1e-6  # the sharper stretch wins


def test_the_same_picture_twice_is_a_near_duplicate():
    samples = [_sample(t / 2, phash="ffff0000ffff0000") for t in range(0, 200)]
    assert len(find_segments(_analysis(100.0, samples))) == 1


def test_a_fade_is_refused_from_its_first_darkening_picture():
    # Bright until 30 s, then darker every half second until black at 33 s.
    samples = []
    for i in range(0, 100):
        t = i / 2
        bright = 0.5 if t < 30 else max(0.0, 0.5 - (t - 30) * 0.17)
        flags = ("black",) if bright < 0.08 else ()
        samples.append(_sample(t, bright=bright, flags=flags))
    fade = [s.time_s for s, f in zip(samples, fading(samples), strict=True) if f]
    assert 30.5 in fade and 31.5 in fade
    for s in find_segments(_analysis(50.0, samples)):
        assert s.end_s <= 30.0


def test_a_short_clip_gets_a_shorter_segment_and_a_tiny_one_none():
    short = [_sample(t / 2) for t in range(0, 16)]  # 8 s: 6 usable seconds
    segs = find_segments(_analysis(8.0, short))
    assert len(segs) == 1 and segs[0].end_s <= 6.0 + 1e-6
    assert find_segments(_analysis(2.0, [_sample(0.2), _sample(0.7)])) == []


def test_long_films_are_read_in_windows_before_the_last_quarter():
    windows = plan_windows(7200.0)
    assert len(windows) > 4
    assert windows[-1][1] <= 7200 * 0.75 + 1e-6
    assert plan_windows(300.0) == [usable_span(300.0)]


def test_a_preview_passes_through_flat_pictures_but_is_not_made_of_them():
    # A car park: cars drive through an empty, nearly flat lot (car-detection.mp4 got no
    # preview while every empty moment refused the segments around it).
    def lot(t: float) -> tuple[str, ...]:
        return ("flat",) if int(t) % 10 >= 6 else ()

    samples = [_sample(t / 2, flags=lot(t / 2)) for t in range(0, 160)]
    segs = find_segments(_analysis(80.0, samples))
    assert segs
    # Nothing but flat pictures: no preview there.
    empty = [_sample(t / 2, flags=("flat",) if t / 2 < 40 else ("text",)) for t in range(160)]
    assert not find_segments(_analysis(80.0, empty))
