"""benchmarks/abr_sim.py: the link model, the chunk accounting and the offline optimum."""

from __future__ import annotations

import importlib.util
import itertools
import random
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "abr_sim_bench", Path(__file__).resolve().parents[2] / "benchmarks" / "abr_sim.py")
sim = importlib.util.module_from_spec(_spec)
sys.modules["abr_sim_bench"] = sim  # dataclasses look their module up
_spec.loader.exec_module(sim)


def test_the_link_integrates_and_inverts_the_step_function_and_loops():
    link = sim.Link([(0.0, 1e6), (5.0, 3e6), (10.0, 0.0), (15.0, 2e6)], offset_s=0.0)
    assert link.period == pytest.approx(20.0)
    assert float(link.bits_at(7.0)) == pytest.approx(5e6 + 6e6)
    assert float(link.bits_at(12.0)) == pytest.approx(20e6)  # nothing while the link is out
    assert float(link.bits_at(25.0)) == pytest.approx(30e6 + 5e6)  # looped
    # 5 Mbit of link from t=9: 3 Mbit/s for 1 s, the outage, then 2 Mbit/s: ends at 16 s.
    assert float(link.transfer_end(9.0, 5e6 * sim.PAYLOAD)) == pytest.approx(16.0)
    shifted = sim.Link([(0.0, 1e6), (5.0, 3e6), (10.0, 0.0), (15.0, 2e6)], offset_s=5.0)
    assert float(shifted.bits_at(1.0)) == pytest.approx(3e6)


def test_a_chunk_longer_than_the_buffer_stalls_and_a_full_buffer_waits():
    link = sim.Link([(0.0, 1e6)], offset_s=0.0)
    t, buf, reb, d = sim.step_chunk(link, 0.0, 2.0, 1)  # 3 Mbit at 0.95 Mbit/s
    assert d == pytest.approx(sim.RTT_S + 3e6 / 0.95e6)
    assert reb == pytest.approx(d - 2.0) and buf == pytest.approx(sim.CHUNK_S)
    t, buf, reb, d = sim.step_chunk(link, 0.0, 59.0, 0)
    assert buf == pytest.approx(sim.BUFFER_CAP_S) and t > d  # waited for room


def _brute_force(link, first):
    best = None
    for rest in itertools.product(range(len(sim.LADDER_KBPS)), repeat=sim.CHUNKS - 1):
        for f in ([first] if first is not None else range(len(sim.LADDER_KBPS))):
            score = sim.replay(link, [f, *rest]).score(sim.LIN, True)
            best = score if best is None else max(best, score)
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("first", [1, None])
def test_the_optimum_is_the_best_schedule_on_short_videos(monkeypatch, seed, first):
    monkeypatch.setattr(sim, "CHUNKS", 4)
    rng = random.Random(seed)
    link = sim.Link([(float(5 * i), rng.uniform(0.1, 5.0) * 1e6) for i in range(8)],
                    offset_s=rng.uniform(0, 40))
    found = sim.optimal(link, sim.LIN, 0.05, first).score(sim.LIN, True)
    assert found == pytest.approx(_brute_force(link, first), abs=1e-9)


def test_the_holdout_split_is_fixed_by_the_names():
    names = [f"trace_{i}" for i in range(300)]
    held = [n for n in names if sim.is_holdout(n)]
    assert 70 < len(held) < 130
    assert held == [n for n in names if sim.is_holdout(n)]


def test_the_generated_family_is_seeded():
    a = sim.markov_traces(3, 7)
    assert a == sim.markov_traces(3, 7)
    assert a != sim.markov_traces(3, 8)
    assert all(len(pts) == 320 and min(b for _, b in pts) > 0 for _, pts in a)


@pytest.mark.parametrize("first", [1, None])
def test_the_lookahead_oracle_that_sees_to_the_end_is_the_optimum(monkeypatch, first):
    monkeypatch.setattr(sim, "CHUNKS", 4)
    rng = random.Random(4)
    link = sim.Link([(float(5 * i), rng.uniform(0.1, 5.0) * 1e6) for i in range(8)],
                    offset_s=rng.uniform(0, 40))
    found = sim.lookahead(link, 4, first).score(sim.LIN, True)
    assert found == pytest.approx(_brute_force(link, first), abs=1e-6)
    # Seeing one chunk ahead it is greedy, and no better than the optimum.
    assert sim.lookahead(link, 1, first).score(sim.LIN, True) <= found + 1e-9


def test_the_perfect_predictor_is_the_links_mean_over_the_next_seconds():
    link = sim.Link([(0.0, 1e6), (10.0, 3e6), (20.0, 1e6)], offset_s=0.0)
    est = sim.perfect_session(link, 10.0).estimator
    est.now = 5.0  # 5 s at 1 Mbit/s, 5 s at 3 Mbit/s
    assert est.plan_bps() == pytest.approx(sim.PAYLOAD * 2e6)
    assert [sim.oracle_size(n) for n in ("lookahead8", "auto_perfect30", "auto", "lookahead",
                                         "lookahead0")] == [8, 30, None, None, None]
