"""The throughput estimator on synthetic samples: steady links, steps, spikes, noise, junk."""

from __future__ import annotations

import math
import random

import pytest

from mediacenter.playback.quality import ThroughputEstimator, dip_share


def feed(est: ThroughputEstimator, t0: float, seconds: float, bps: float,
         every: float = 0.5, **kw) -> float:
    """Samples of ``every`` seconds each at ``bps`` for ``seconds``; returns the end time."""
    t = t0
    while t < t0 + seconds - 1e-9:
        t += every
        est.add(t, int(bps * every / 8), every, **kw)
    return t


def test_nothing_known_before_a_sample():
    assert ThroughputEstimator().estimate() is None


def test_steady_link_is_estimated_closely():
    est = ThroughputEstimator()
    feed(est, 0, 10, 4e6)
    assert est.estimate() == pytest.approx(4e6, rel=0.01)


def test_first_sample_counts_at_face_value():
    est = ThroughputEstimator()
    est.add(1.0, 1_000_000, 2.0)  # 4 Mbit/s
    assert est.estimate() == pytest.approx(4e6, rel=0.01)


def test_a_falling_link_is_followed_within_seconds():
    est = ThroughputEstimator()
    t = feed(est, 0, 20, 6e6)
    t_step = t
    # 6 -> 1.5 Mbit/s: soon the estimate no longer keeps a 3 Mbit/s rendition (0.95 margin).
    while est.estimate() > 3.0e6 / 0.95:
        t = feed(est, t, 0.5, 1.5e6)
        assert t - t_step <= 4.0, "the estimate must fall within 4 s of a step down"


def test_a_rising_link_is_followed_but_more_slowly():
    est = ThroughputEstimator()
    t = feed(est, 0, 20, 1.5e6)
    t_step = t
    while est.estimate() < 0.8 * 6e6:
        t = feed(est, t, 0.5, 6e6)
        assert t - t_step <= 12.0
    assert t - t_step >= 2.0, "one good second must not be taken for a faster link"


def test_one_upward_spike_is_ignored():
    est = ThroughputEstimator()
    t = feed(est, 0, 10, 2e6)
    est.add(t + 0.5, int(50e6 * 0.5 / 8), 0.5)  # a burst out of a kernel buffer
    assert est.estimate() == pytest.approx(2e6, rel=0.02)


def test_one_downward_spike_is_ignored():
    est = ThroughputEstimator()
    t = feed(est, 0, 10, 2e6)
    est.add(t + 0.5, int(0.05e6 * 0.5 / 8), 0.5)
    assert est.estimate() == pytest.approx(2e6, rel=0.02)


def test_two_slow_samples_in_a_row_are_believed():
    est = ThroughputEstimator()
    t = feed(est, 0, 10, 2e6, every=1.0)
    t = feed(est, t, 2.0, 0.2e6, every=1.0)
    assert est.estimate() < 1.5e6


def test_noisy_link_estimate_is_stable_and_not_above_the_mean():
    rng = random.Random(7)
    est = ThroughputEstimator()
    t = 0.0
    values = []
    for _ in range(400):
        t += 0.5
        bps = max(0.1e6, rng.gauss(3e6, 1e6))
        est.add(t, int(bps * 0.5 / 8), 0.5)
        if t > 20:
            values.append(est.estimate())
    assert min(values) > 2.0e6 and max(values) < 3.6e6
    assert sum(values) / len(values) < 3.1e6  # conservative: the lower of two averages


def test_sparse_samples_still_follow_the_link():
    """A full buffer downloads one segment every few seconds: the estimate must still move
    in seconds of wall time, not in hundreds of samples."""
    est = ThroughputEstimator()
    t = 0.0
    for _ in range(10):
        t += 2.0
        est.add(t, int(1.5e6 * 0.3 / 8), 0.3)
    for _ in range(4):
        t += 2.0
        est.add(t, int(6e6 * 0.3 / 8), 0.3)
    assert est.estimate() > 4e6


def test_app_limited_samples_only_raise_the_estimate():
    est = ThroughputEstimator()
    t = feed(est, 0, 5, 4e6)
    assert not est.add(t + 0.5, int(1e6 * 0.5 / 8), 0.5, app_limited=True)
    assert est.estimate() == pytest.approx(4e6, rel=0.02)
    t = feed(est, t, 10, 8e6, app_limited=True)
    assert est.estimate() > 6e6


def test_tiny_and_broken_samples_are_ignored():
    est = ThroughputEstimator()
    feed(est, 0, 5, 4e6)
    before = est.estimate()
    assert not est.add(10.0, 500, 0.001)  # latency, not throughput
    assert not est.add(10.5, 0, 0.5)
    assert not est.add(11.0, 100_000, 0.0)
    assert not est.add(11.5, 100_000, -1.0)
    assert not est.add(12.0, 100_000, math.nan)
    assert not est.add(12.5, 100_000, math.inf)
    assert est.estimate() == before


def test_seed_is_a_start_that_real_samples_replace():
    est = ThroughputEstimator()
    est.seed(20e6)
    assert est.estimate() == pytest.approx(20e6)
    feed(est, 0, 20, 2e6)
    assert est.estimate() == pytest.approx(2e6, rel=0.05)


@pytest.mark.parametrize("bad", [0.0, -5.0, math.nan, math.inf])
def test_seed_ignores_nonsense(bad: float):
    est = ThroughputEstimator()
    est.seed(bad)
    assert est.estimate() is None


def test_penalize_scales_the_estimate_down():
    est = ThroughputEstimator()
    feed(est, 0, 10, 4e6)
    est.penalize(0.5)
    assert est.estimate() == pytest.approx(2e6, rel=0.02)


def test_state_reports_what_is_stored():
    est = ThroughputEstimator()
    feed(est, 0, 3, 4e6)
    s = est.state()
    assert s["samples"] == 6
    assert s["estimate_bps"] == pytest.approx(min(s["fast_bps"], s["slow_bps"]))


def test_uncertainty_is_unknown_until_samples_were_compared():
    est = ThroughputEstimator()
    assert est.uncertainty() is None
    feed(est, 0, 1.0, 4e6)  # the first sample has no estimate to be compared with
    assert est.uncertainty() is None
    feed(est, 1.0, 2.0, 4e6)
    assert est.uncertainty() == pytest.approx(0.0, abs=1e-9)


def test_uncertainty_is_the_recent_worst_shortfall():
    # Jitter within a second or two is what the median filter is for; a link that holds a
    # new level for a few seconds at a time (Wi-Fi with neighbours) is what the margin is for.
    rng = random.Random(3)
    steady, noisy = ThroughputEstimator(), ThroughputEstimator()
    t = 0.0
    level = 4e6
    for i in range(60):
        t += 0.5
        if i % 6 == 0:
            level = max(0.5e6, rng.gauss(4e6, 0.35 * 4e6))
        steady.add(t, int(rng.gauss(4e6, 0.02 * 4e6) * 0.5 / 8), 0.5)
        noisy.add(t, int(level * 0.5 / 8), 0.5)
    assert steady.uncertainty() < 0.06
    assert noisy.uncertainty() > 0.25


def test_a_dip_raises_uncertainty_for_a_while_then_it_is_forgotten():
    est = ThroughputEstimator()
    t = feed(est, 0, 10, 4e6)
    t = feed(est, t, 2.0, 2e6)  # a dip long enough to pass the median filter
    assert est.uncertainty() > 0.3
    feed(est, t, 12, 4e6)  # longer than the 8 s window of remembered shortfalls
    assert est.uncertainty() < 0.05


def test_only_shortfalls_count_not_a_faster_link():
    est = ThroughputEstimator()
    t = feed(est, 0, 6, 2e6)
    feed(est, t, 4, 6e6)  # the link got faster: no reason for more caution
    assert est.uncertainty() == pytest.approx(0.0, abs=1e-9)


def test_dip_share_reads_as_a_share_of_the_estimate():
    assert dip_share(1.0) == pytest.approx(0.5)  # the link fell to half
    assert dip_share(0.0) == 0.0
    assert dip_share(0.04) == pytest.approx(0.0385, abs=1e-4)
