"""The audit's measures on lists small enough to work out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from mediacenter.audit import metrics as m


def test_long_tail_is_what_lies_outside_the_head_holding_80_percent():
    pop = np.array([50.0, 30.0, 10.0, 5.0, 5.0, 0.0])
    tail = m.long_tail_mask(pop)
    # 50 + 30 = 80 of 100: the head is the first two (a tie at the cut joins the head).
    assert tail.tolist() == [False, False, True, True, True, True]
    assert m.tail_share([0, 2, 5], tail) == pytest.approx(2 / 3)
    assert m.long_tail_mask(np.zeros(3)).all()
    assert m.tail_share([], tail) == 0.0


def test_gini_of_exposure():
    assert m.gini(np.array([1.0, 1.0, 1.0, 1.0])) == pytest.approx(0.0)
    assert m.gini(np.array([0.0, 0.0, 0.0, 4.0])) == pytest.approx(0.75)  # (n-1)/n
    assert m.gini(np.zeros(5)) == 0.0
    e = m.exposure([[2, 0], [0]], 3)
    assert e.tolist() == pytest.approx([1 / math.log2(3) + 1.0, 0.0, 1.0])


def test_calibration_kl_is_steck_s():
    p = np.array([0.5, 0.5, 0.0])
    assert m.calibration_kl(p, p) == pytest.approx(0.0)
    q = np.array([1.0, 0.0, 0.0])
    q_tilde = 0.99 * q + 0.01 * p
    expected = 0.5 * math.log(0.5 / q_tilde[0]) + 0.5 * math.log(0.5 / q_tilde[1])
    assert m.calibration_kl(p, q) == pytest.approx(expected)
    genres = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=float))
    assert m.genre_mix([0, 1], genres).tolist() == pytest.approx([0.75, 0.25, 0.0])
    assert m.genre_mix([0, 2], genres, [1.0, 3.0]).tolist() == pytest.approx(
        [0.125, 0.125, 0.75])


def test_diversity_coverage_and_novelty():
    f = sp.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    # pairs: (0,1) identical -> 0, (0,2) and (1,2) orthogonal -> 1: mean 2/3
    assert m.intra_list_diversity([0, 1, 2], f) == pytest.approx(2 / 3)
    assert m.intra_list_diversity([0], f) == 0.0
    assert m.coverage([0, 1, 1], 4) == 0.5
    pop = np.array([7.0, 3.0, 0.0])
    assert m.novelty([0], pop) == pytest.approx(0.0)
    assert m.novelty([1, 2], pop) == pytest.approx((1.0 + 3.0) / 2)
