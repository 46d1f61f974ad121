"""The subject check's reference (benchmarks/artwork_subject.py): the moving region it takes
for the subject keeps the moving outline, so the head it reads off is the subject's own top."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

_spec = importlib.util.spec_from_file_location(
    "artwork_subject_bench",
    Path(__file__).resolve().parents[2] / "benchmarks" / "artwork_subject.py")
ref = importlib.util.module_from_spec(_spec)
sys.modules["artwork_subject_bench"] = ref
_spec.loader.exec_module(ref)


def test_closing_fills_a_gap_and_keeps_the_outline():
    mask = np.zeros((20, 30), dtype=bool)
    mask[5:15, 8:20] = True
    mask[9, 8:20] = False  # a flat band inside that did not change
    closed = ref._closing(mask)
    assert closed[9, 10:18].all()  # the gap is filled
    ys, xs = np.nonzero(closed)
    # ...and the region ends where the moving outline does (a dilation alone grew it a cell
    # each way, and put the head above the subject's top).
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (5, 14, 8, 19)


def test_closing_keeps_a_region_on_the_frames_edge():
    mask = np.zeros((10, 10), dtype=bool)
    mask[0:4, 0:5] = True
    assert (ref._closing(mask) == mask).all()


def test_closing_does_not_pull_a_region_onto_the_frames_edge():
    # A cell short of the top edge stays a cell short of it (the head it reads is its own).
    mask = np.zeros((10, 10), dtype=bool)
    mask[1:6, 2:7] = True
    assert (ref._closing(mask) == mask).all()
