"""The artwork bandit: converges in simulation, starts from quality, stays stable, explains."""

from __future__ import annotations

import numpy as np
import pytest

from mediacenter.artwork.bandit import (
    EVIDENCE_REWARDS,
    MIN_SHOWS,
    TASTE_GROUPS,
    Arm,
    HybridModel,
    Observation,
    art_vector,
    choose,
    taste_vector,
)
from mediacenter.artwork.simulate import make_world, simulate


@pytest.fixture(scope="module")
def runs():
    world = make_world(n_profiles=12, n_titles=60, strength=2.0, seed=3)
    return {p: simulate(world, p, rounds=30, session_titles=10, windows=4, seed=5)
            for p in ("random", "single_best_learned", "single_best", "app", "oracle")}


def test_bandit_converges_in_simulation(runs):
    app, rnd = runs["app"], runs["random"]
    learned, oracle = runs["single_best_learned"], runs["oracle"]
    # It learns: the last quarter is clearly better than the first, and than random.
    assert app.ctr_by_window[-1] > app.ctr_by_window[0] + 0.01
    assert app.ctr_by_window[-1] > rnd.ctr_by_window[-1] + 0.02
    # Personalization beats one image for everyone learned from the same clicks...
    assert app.ctr_by_window[-1] > learned.ctr_by_window[-1] + 0.01
    # ...and by the end is at least level with the best single image known in advance.
    assert app.ctr_by_window[-1] >= runs["single_best"].ctr_by_window[-1] - 0.005
    assert app.regret < rnd.regret * 0.75
    assert oracle.regret == 0.0


def test_simulation_is_deterministic():
    world = make_world(n_profiles=4, n_titles=20, seed=1)
    a = simulate(world, "app", rounds=3, session_titles=5, seed=2)
    b = simulate(world, "app", rounds=3, session_titles=5, seed=2)
    assert a == b


def _arms(qualities, **feats):
    out = []
    for i, q in enumerate(qualities):
        f = {"quality": q, "closeup": 0.2, "brightness": 0.5, "colorful": 0.4, "action": 0.3}
        f.update({k: v[i] for k, v in feats.items()})
        out.append(Arm(100 + i, art_vector(f)))
    return out


def _evidenced(rewards: int) -> HybridModel:
    """A model fitted on ``rewards`` rewarded impressions (and as many ignored ones) of a
    neutral image: evidence of clicks, none about these images."""
    taste = np.zeros(len(TASTE_GROUPS))
    art = art_vector({"quality": 0.5})
    obs = [Observation(1, art, taste, float(i < rewards)) for i in range(2 * rewards)]
    return HybridModel.fit(obs, 1)


def test_without_evidence_the_best_scored_image_always_wins():
    arms = _arms([0.4, 0.9, 0.5])
    for model in (HybridModel(), _evidenced(EVIDENCE_REWARDS - 1)):
        decisions = [choose(arms, np.zeros(len(TASTE_GROUPS)), model, np.random.default_rng(s),
                            current=100, current_shows=1) for s in range(200)]
        assert {d.candidate_id for d in decisions} == {101}  # no draw from the priors
        assert {d.reason for d in decisions} == {"best-score"}
    # With evidence the bandit samples, so the others get tried now and then.
    model = _evidenced(EVIDENCE_REWARDS)
    picks = [choose(arms, np.zeros(len(TASTE_GROUPS)), model, np.random.default_rng(s)
                    ).candidate_id for s in range(200)]
    assert picks.count(101) >= 100 and len(set(picks)) > 1


def test_an_image_stays_for_a_few_sessions():
    arms = _arms([0.4, 0.9, 0.5])
    d = choose(arms, np.zeros(len(TASTE_GROUPS)), _evidenced(EVIDENCE_REWARDS),
               np.random.default_rng(0), current=100, current_shows=MIN_SHOWS - 1)
    assert d.candidate_id == 100 and d.reason == "kept"


def test_personal_clicks_carry_to_other_titles():
    """A profile that clicked close-ups on some titles gets close-ups on a new title."""
    rng = np.random.default_rng(4)
    obs = []
    taste = taste_vector({"Drama": 3})
    for _ in range(300):
        closeup = float(rng.uniform(0, 1))
        feats = {"quality": 0.7, "closeup": closeup, "brightness": 0.5, "colorful": 0.5,
                 "action": 0.3}
        clicked = float(rng.random() < 0.05 + 0.4 * closeup)
        obs.append(Observation(1, art_vector(feats), taste, clicked))
    model = HybridModel.fit(obs, 1)
    assert model.weights(taste)["closeup"] > 0.1
    new_title = _arms([0.7, 0.7], closeup=[0.05, 0.9])
    picks = [choose(new_title, taste, model, np.random.default_rng(s)).candidate_id
             for s in range(40)]
    assert picks.count(101) >= 32


def test_shared_model_carries_across_profiles_with_similar_tastes():
    """Thriller fans who clicked dark frames: a new thriller fan starts with dark frames."""
    rng = np.random.default_rng(8)
    obs = []
    for pid in range(1, 6):
        taste = taste_vector({"Thriller": 5, "Horror": 5})
        for _ in range(200):
            b = float(rng.uniform(0, 1))
            feats = {"quality": 0.7, "closeup": 0.3, "brightness": b, "colorful": 0.4,
                     "action": 0.4}
            obs.append(Observation(pid, art_vector(feats), taste, float(rng.random() <
                                                                         0.4 - 0.3 * b)))
    newcomer = taste_vector({"Thriller": 1, "Horror": 1})
    model = HybridModel.fit(obs, 99)  # no impressions of its own
    assert model.personal.n == 0
    dark, bright = _arms([0.7, 0.7], brightness=[0.15, 0.85])
    assert model.expected(dark.art, newcomer) > model.expected(bright.art, newcomer)
    # Someone with no history in common learns nothing from them.
    other = taste_vector({"Comedy": 1})
    assert abs(model.expected(dark.art, other) - model.expected(bright.art, other)) < 0.02


def test_taste_vector_groups_genres():
    v = taste_vector({"Action": 2, "Thriller": 2, "Drama": 4, "Unknown genre": 9})
    d = dict(zip(TASTE_GROUPS, v, strict=True))
    assert d["action"] == pytest.approx(0.5) and d["drama"] == pytest.approx(0.5)
    assert taste_vector({}).sum() == 0


def test_choose_refuses_no_arms_and_handles_one():
    with pytest.raises(ValueError):
        choose([], np.zeros(len(TASTE_GROUPS)), HybridModel(), np.random.default_rng(0))
    d = choose(_arms([0.5]), np.zeros(len(TASTE_GROUPS)), HybridModel(),
               np.random.default_rng(0))
    assert d.reason == "only"
