"""The bitrate bounds benchmarks/abr.py prints beside its results (what no policy can beat)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "abr_bench", Path(__file__).resolve().parents[2] / "benchmarks" / "abr.py")
abr = importlib.util.module_from_spec(_spec)
sys.modules["abr_bench"] = abr  # dataclasses look their module up
_spec.loader.exec_module(abr)

LADDER = abr.Ladder(bandwidth=(3_000_000, 1_000_000, 300_000), file_bps=(0, 0, 0), segments=20)


def test_capacity_integrates_the_step_function_within_the_window():
    pts = [(0.0, 1e6), (10.0, 2e6), (30.0, 0.0), (35.0, 4e6), (50.0, 9e6)]
    assert abr.capacity_bits(pts, 40.0) == pytest.approx(10e6 + 40e6 + 0 + 20e6)
    assert abr.capacity_bits([(0.0, 1e6)], 40.0) == pytest.approx(40e6)


def test_a_link_below_the_top_bounds_what_can_be_shown():
    caps = [40e6, 40e6]  # two 40 s windows at 1 Mbit/s
    b = abr.bitrate_bounds(caps, 40.0, LADDER, [3e6, 1e6, 0.3e6], stall_budget_s=0.0,
                           startup_s=0.0)
    assert b["no_stall_kbps"] == pytest.approx(1000.0)
    assert b["at_stall_budget_kbps"] == pytest.approx(1000.0)
    # Stalling half the time lets a policy show twice the bitrate while it plays, no more.
    b = abr.bitrate_bounds(caps, 40.0, LADDER, [3e6, 1e6, 0.3e6], stall_budget_s=40.0,
                           startup_s=0.0)
    assert b["at_stall_budget_kbps"] == pytest.approx(2000.0)
    # A start-up is time not played either: 10 s of it per window and 20 s of stalls leave
    # 40 s of play for the 80 Mbit the links carried; 80 % of 2500 kbit/s (2000) would need
    # exactly that start-up.
    b = abr.bitrate_bounds(caps, 40.0, LADDER, [3e6, 1e6, 0.3e6], stall_budget_s=20.0,
                           startup_s=10.0, reference_kbps=2500.0)
    assert b["at_stall_budget_kbps"] == pytest.approx(2000.0)
    assert b["no_stall_kbps"] == pytest.approx(80e6 / 60 / 1000, abs=0.1)
    assert b["startup_for_80pct_s"] == pytest.approx(10.0)


def test_bounds_never_exceed_the_top_variant_and_credit_light_segments():
    b = abr.bitrate_bounds([400e6], 40.0, LADDER, [2.5e6, 1e6, 0.3e6], stall_budget_s=10.0,
                           startup_s=1.0)
    assert b["no_stall_kbps"] == pytest.approx(3000.0)
    assert b["at_stall_budget_kbps"] == pytest.approx(3000.0)
    b = abr.bitrate_bounds([40e6], 40.0, LADDER, [2.5e6, 1e6, 0.3e6], stall_budget_s=0.0,
                           startup_s=0.0)
    assert b["nominal_over_actual"] == pytest.approx(1.2)
    assert b["no_stall_kbps"] == pytest.approx(1200.0)
