"""The rules that turn history, thumbs and imported stars into the recommender's targets."""

from __future__ import annotations

import pytest

from mediacenter.recommend.signals import (
    POSITIVE,
    RECENCY_FLOOR,
    STALE_AFTER_S,
    Signal,
    rating_strength,
    recency_weight,
    show_strength,
    watch_strength,
)

NOW = 1_700_000_000.0
DAY = 86400.0


def test_watched_and_rewatched_titles_are_the_strongest_watch_signals():
    once = watch_strength(1.0, True, 1, False, NOW, NOW)
    twice = watch_strength(1.0, True, 2, False, NOW, NOW)
    thrice = watch_strength(1.0, True, 5, False, NOW, NOW)
    assert once == (0.8, "watched")
    assert twice == (0.9, "watched twice")
    assert thrice == (1.0, "watched 5 times")


def test_early_abandonment_is_a_dislike_and_late_abandonment_is_not():
    early, _ = watch_strength(0.02, False, 0, True, NOW - DAY, NOW)
    late_stale, late_phrase = watch_strength(0.7, False, 0, False, NOW - 30 * DAY, NOW)
    half_stale, _ = watch_strength(0.3, False, 0, False, NOW - 30 * DAY, NOW)
    assert early < half_stale < 0 < late_stale
    assert late_phrase == "stopped late"


def test_an_unfinished_title_counts_more_while_it_is_still_being_watched():
    watching, phrase = watch_strength(0.6, False, 0, False, NOW - DAY, NOW)
    stale, _ = watch_strength(0.6, False, 0, False, NOW - STALE_AFTER_S - DAY, NOW)
    assert phrase == "watching"
    assert watching > stale > 0


def test_nothing_played_says_nothing():
    assert watch_strength(0.0, False, 0, False, NOW, NOW) is None


def test_a_shows_strength_grows_with_episodes_watched():
    one = show_strength([(0.8, "watched")])
    three = show_strength([(0.8, "watched")] * 3 + [(0.3, "started")])
    ten = show_strength([(0.8, "watched")] * 10)
    assert one is not None and three is not None and ten is not None
    assert one[0] < three[0] < ten[0] == 1.0
    assert three[1] == "watched 3 episodes"
    dropped = show_strength([(-0.4, "stopped in the first minutes")])
    assert dropped is not None and dropped[0] < 0
    assert show_strength([]) is None


@pytest.mark.parametrize(("stars", "expected"), [(0.5, -0.3), (1.5, -0.3), (2.0, 0.7),
                                                 (3.0, 0.85), (4.0, 1.0), (5.0, 1.0)])
def test_rating_strength(stars, expected):
    assert rating_strength(stars) == pytest.approx(expected)


def test_recency_halves_toward_the_floor():
    assert recency_weight(NOW, NOW) == pytest.approx(1.0)
    half_life = recency_weight(NOW - 180 * DAY, NOW)
    assert half_life == pytest.approx(RECENCY_FLOOR + (1 - RECENCY_FLOOR) / 2)
    assert recency_weight(NOW - 10_000 * DAY, NOW) == pytest.approx(RECENCY_FLOOR, abs=1e-6)
    assert recency_weight(None, NOW) == RECENCY_FLOOR


def test_signal_flags():
    down = Signal(1, 2, -0.8, NOW, "explicit", "disliked")
    refused = Signal(1, 2, -1.0, NOW, "not_interested", "not interested")
    abandoned = Signal(1, 2, -0.4, NOW, "watch", "stopped in the first minutes")
    liked = Signal(1, 2, POSITIVE, NOW, "watch", "started")
    assert down.excluded and refused.excluded
    assert not abandoned.excluded  # a title dropped early may come back in other rows' logic
    assert liked.liked and not abandoned.liked
