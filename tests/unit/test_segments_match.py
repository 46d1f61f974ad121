"""Fingerprints and matching on generated sound (no files): a theme found where it was put,
nothing found between unrelated sounds or in silence, chapter names and sidecars read."""

from __future__ import annotations

import numpy as np
import pytest

from mediacenter.segments.audio import Audio
from mediacenter.segments.chapters import (
    chapter_segments,
    kind_of_chapter,
    override,
    parse_edl,
    parse_ogm,
)
from mediacenter.segments.match import shared_stretches
from mediacenter.segments.model import Segment
from mediacenter.segments.prints import fingerprint, prints_from_bytes, to_bytes
from mediacenter.segments.synthetic import RATE, chatter, theme

RATE_IN = 8000  # what decode_audio hands over from 48 kHz


def _down(x: np.ndarray) -> np.ndarray:
    return x[: len(x) - len(x) % 6].reshape(-1, 6).mean(axis=1).astype(np.float32)


def _episode(seconds: float, seed: int, tune: np.ndarray | None, at: float) -> Audio:
    x = chatter(seconds, seed)
    if tune is not None:
        i = int(at * RATE)
        x[i:i + len(tune)] = tune
    return Audio(_down(x), RATE_IN, 0.0)


@pytest.mark.parametrize(("at_a", "at_b"), [(10.0, 31.37), (4.02, 4.07), (50.5, 12.25)])
def test_a_theme_is_found_where_it_plays_in_each_file(at_a, at_b):
    tune = theme(24.0, seed=3)
    a = fingerprint(_episode(120, 1, tune, at_a))
    b = fingerprint(_episode(120, 2, tune, at_b))
    found = shared_stretches(a, b, min_s=15)
    assert len(found) == 1
    s = found[0]
    assert s.a_start_s == pytest.approx(at_a, abs=0.5)
    assert s.b_start_s == pytest.approx(at_b, abs=0.5)
    assert s.length_s == pytest.approx(24.0, abs=0.8)
    assert s.score > 0.8


def test_unrelated_sounds_and_silence_share_nothing():
    a = fingerprint(_episode(120, 1, theme(24.0, seed=3), 10))
    b = fingerprint(_episode(120, 2, theme(24.0, seed=4), 10))  # another show's theme
    assert shared_stretches(a, b, min_s=15) == []
    quiet = Audio(np.zeros(RATE_IN * 60, np.float32), RATE_IN, 0.0)
    q = fingerprint(quiet)
    assert not q.valid.any()
    assert shared_stretches(q, fingerprint(quiet), min_s=5) == []


def test_a_quieter_copy_still_matches():
    tune = theme(20.0, seed=5)
    a = fingerprint(_episode(90, 1, tune, 20))
    b = fingerprint(_episode(90, 2, tune * 0.3, 40))
    (s,) = shared_stretches(a, b, min_s=15)
    assert s.a_start_s == pytest.approx(20, abs=0.5) and s.b_start_s == pytest.approx(40, abs=0.5)


def test_prints_survive_the_catalog_round_trip():
    p = fingerprint(_episode(30, 1, None, 0))
    back = prints_from_bytes(to_bytes({"head": p, "tail": p.slice_s(10, 20)}))
    assert np.array_equal(back["head"].words, p.words)
    assert np.array_equal(back["head"].valid, p.valid)
    assert back["tail"].start_s == pytest.approx(p.slice_s(10, 20).start_s)
    with pytest.raises(ValueError):
        prints_from_bytes(b"not a print")


@pytest.mark.parametrize(("name", "kind"), [
    ("Intro", "intro"), ("Opening Credits", "intro"), ("OP", "intro"), ("OP2", "intro"),
    ("Previously on", "recap"), ("Recap", "recap"), ("End Credits", "credits"),
    ("ED", "credits"), ("Outro", "credits"), ("Post-credits scene", "post_credits"),
    ("Ed's story", None), ("Part 2", None), ("Operation", None), ("", None),
])
def test_chapter_names(name, kind):
    assert kind_of_chapter(name) == kind


def test_chapters_become_segments_and_win_kind_by_kind():
    segs = chapter_segments([(0, 0, "Cold open"), (62.5, 0, "Opening"), (120, 0, "Part A"),
                             (1300, 0, "End Credits")], 1400)
    assert [(s.kind, s.start_s, s.end_s, s.how) for s in segs] == [
        ("intro", 62.5, 120, "chapter"), ("credits", 1300, 1400, "chapter")]
    found = [Segment("intro", 60, 118, 0.8, "fingerprint"),
             Segment("recap", 0, 50, 0.7, "fingerprint")]
    merged = override(found, segs)
    assert {(s.kind, s.how) for s in merged} == {
        ("recap", "fingerprint"), ("intro", "chapter"), ("credits", "chapter")}


def test_edl_and_ogm_sidecars():
    edl = parse_edl("# mine\n62.0 121.5 3\n0:21:40 0:23:20 0\n1 2 0\nbad line\n"
                    "300 330 3 recap\n", 1400)
    assert [(s.kind, s.start_s, s.end_s) for s in edl] == [
        ("intro", 62.0, 121.5), ("credits", 1300.0, 1400.0), ("intro", 1.0, 2.0),
        ("recap", 300.0, 330.0)]
    ogm = parse_ogm("CHAPTER01=00:00:00.000\nCHAPTER01NAME=Prologue\n"
                    "CHAPTER02=00:01:02.500\nCHAPTER02NAME=Opening\n"
                    "CHAPTER03=00:02:00.000\nCHAPTER03NAME=Story\n", 1400)
    assert [(s.kind, s.start_s, s.end_s, s.how) for s in ogm] == [
        ("intro", 62.5, 120.0, "sidecar")]
