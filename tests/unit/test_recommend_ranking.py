"""Pure ranking logic: the offline metrics, the blend weights, calibrated re-ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from mediacenter.recommend.evaluate import Rating, ranking_metrics, split_per_user
from mediacenter.recommend.page import calibrated, time_bucket
from mediacenter.recommend.scoring import DEFAULT_WEIGHTS


def test_metrics_by_hand():
    recs = {1: [10, 11, 12], 2: [20, 21, 22]}
    relevant = {1: {10, 12, 99}, 2: {30}}
    m = ranking_metrics(recs, relevant, 3, catalog_size=100)
    # user 1: hits at ranks 1 and 3 of 3 relevant; user 2: nothing
    dcg = 1 + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m["precision@3"] == pytest.approx(round((2 / 3) / 2, 4))
    assert m["recall@3"] == pytest.approx(round((2 / 3) / 2, 4))
    assert m["ndcg@3"] == pytest.approx(round(dcg / idcg / 2, 4))
    assert m["hit_rate@3"] == 0.5
    assert m["coverage"] == 0.06
    assert m["users"] == 2


def test_ndcg_prefers_hits_at_the_top():
    relevant = {1: {1}}
    first = ranking_metrics({1: [1, 2, 3]}, relevant, 3, 10)["ndcg@3"]
    last = ranking_metrics({1: [2, 3, 1]}, relevant, 3, 10)["ndcg@3"]
    assert first == 1.0 and 0 < last < first


def test_metrics_of_no_users():
    assert ranking_metrics({}, {}, 10, 5)["users"] == 0


def test_split_holds_out_a_fifth_per_user_deterministically():
    ratings = [Rating(u, i, 4.0, float(i)) for u in range(1, 4) for i in range(10 * u)]
    ratings.append(Rating(9, 1, 3.0, 0.0))  # a user with one rating stays in training
    train, test = split_per_user(ratings, 0.2, seed=1)
    assert len(train) + len(test) == len(ratings)
    per_user = {u: sum(1 for r in test if r.user == u) for u in (1, 2, 3, 9)}
    assert per_user == {1: 2, 2: 4, 3: 6, 9: 0}
    assert split_per_user(ratings, 0.2, seed=1) == (train, test)
    assert {(r.user, r.item) for r in train}.isdisjoint({(r.user, r.item) for r in test})


def test_popularity_leads_for_a_new_profile_and_fades():
    w0 = DEFAULT_WEIGHTS.mix(0, 1.0)
    w2 = DEFAULT_WEIGHTS.mix(2, 1.0)
    w50 = DEFAULT_WEIGHTS.mix(50, 1.0)
    assert w0[0] == 0.0 and w0[2] > w0[1] > 0  # no history: popularity, then content
    assert w2[0] > 0
    assert w50[0] > w50[2] and w50[0] > w2[0]  # collaborative leads with a long history
    assert DEFAULT_WEIGHTS.mix(50, 0.0)[0] == 0.0  # a model without users adds nothing


def _genres(rows):
    """Row x genre 0/1 matrix from a list of genre-column lists."""
    data = [(r, c) for r, cols in enumerate(rows) for c in cols]
    return sp.csr_matrix((np.ones(len(data)), ([d[0] for d in data], [d[1] for d in data])),
                         shape=(len(rows), 2))


def test_calibration_mixes_genres_in_the_profiles_proportions():
    # ten titles of genre 0 score best, then ten of genre 1
    genres = _genres([[0]] * 10 + [[1]] * 10)
    scores = np.linspace(2.0, 1.0, 20)
    candidates = np.arange(20)
    plain = calibrated(candidates, scores, genres, {}, 10)
    assert plain == list(range(10))  # without a target: the scores' order
    exact = calibrated(candidates, scores, genres, {0: 0.5, 1: 0.5}, 10, strength=1.0)
    assert sum(1 for r in exact if r >= 10) == 5
    # the default trades a little proportion for relevance
    mixed = calibrated(candidates, scores, genres, {0: 0.5, 1: 0.5}, 10)
    assert 3 <= sum(1 for r in mixed if r >= 10) <= 5
    assert mixed[0] == 0  # the best title still comes first
    # within a genre the scores' order is kept
    assert [r for r in mixed if r < 10] == sorted(r for r in mixed if r < 10)
    lopsided = calibrated(candidates, scores, genres, {0: 0.8, 1: 0.2}, 10, strength=1.0)
    assert sum(1 for r in lopsided if r >= 10) == 2


def test_time_buckets():
    import time

    t = time.mktime((2024, 3, 9, 21, 0, 0, 0, 0, -1))  # a Saturday evening, local time
    assert time_bucket(t) == ("weekend", "evening")
    t = time.mktime((2024, 3, 11, 8, 30, 0, 0, 0, -1))  # Monday morning
    assert time_bucket(t) == ("weekday", "morning")
    t = time.mktime((2024, 3, 11, 23, 30, 0, 0, 0, -1))
    assert time_bucket(t) == ("weekday", "night")


def test_time_left_reads_the_way_people_say_it():
    from mediacenter.humanize import time_left as _time_left

    assert _time_left(2_000) == "2 s left"  # a short clip: not "1 min left"
    assert _time_left(61_000) == "1 min left"
    assert _time_left(42 * 60_000) == "42 min left"
    assert _time_left(65 * 60_000) == "1 h 05 min left"
