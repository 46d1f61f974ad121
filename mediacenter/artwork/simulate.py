"""A simulated household for the artwork bandit: profiles with hidden tastes in images.

Used by ``benchmarks/artwork_bandit.py`` (the report) and the unit tests (convergence). Each
profile belongs to a taste group and has hidden weights over the image features (a drama fan
clicks close-ups of faces, an action fan busy, colourful frames...), plus a personal twist;
each title has its own base click rate and a handful of candidate images with features drawn
like real frames' features. A round shows every profile a session of titles; the policy picks
one image per (profile, title) for the session; clicks are drawn from the hidden model; the
policy refits on everything seen so far, as the app does from its impressions table.

Policies compared: ``app`` (:func:`.bandit.choose` with the app's stickiness rules), ``random``
(a uniformly random image each session), ``single_best`` (the one image per title with the
highest click rate over the whole household, known in advance: the strongest
non-personalized policy, Netflix's baseline), ``single_best_learned`` (the same, learned
from the household's clicks with a Beta-Bernoulli Thompson sampler per title), and
``oracle`` (each profile's truly best image: the regret reference).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mediacenter.artwork.bandit import (
    ART_FEATURES,
    TASTE_GROUPS,
    Arm,
    HybridModel,
    art_vector,
    choose,
)

# Hidden preferences per taste group over ART_FEATURES (quality, closeup, brightness,
# colorful, action), in click-rate units per unit of feature.
GROUP_PREFS = {
    "action": (0.05, -0.04, -0.02, 0.06, 0.14),
    "comedy": (0.05, 0.06, 0.10, 0.08, -0.02),
    "drama": (0.05, 0.14, -0.04, -0.03, -0.06),
    "dark": (0.05, 0.02, -0.14, -0.06, 0.05),
    "scifi": (0.05, -0.05, -0.04, 0.12, 0.06),
    "family": (0.05, 0.04, 0.08, 0.12, -0.02),
    "documentary": (0.05, 0.03, 0.04, -0.02, -0.08),
}


@dataclass
class World:
    tastes: np.ndarray  # (profiles, groups)
    prefs: np.ndarray  # (profiles, features) hidden weights
    base: np.ndarray  # (titles,) base click rate
    art: list[list[dict]]  # per title, per candidate: features
    art_vecs: list[np.ndarray]  # per title: (candidates, N_ART)
    names: tuple[str, ...] = ART_FEATURES  # the features (previews and descriptions: theirs)

    def click_prob(self, profile: int, title: int, cand: int) -> float:
        feats = self.art_vecs[title][cand][1:].copy()
        if "brightness" in self.names:
            # art_vector centres brightness; the hidden model uses 0..1
            feats[self.names.index("brightness")] += 0.5
        centred = feats - 0.5
        return float(np.clip(self.base[title] + centred @ self.prefs[profile], 0.005, 0.95))


def _art_candidate(rng: np.random.Generator) -> dict:
    return {"quality": float(rng.uniform(0.45, 0.9)), "closeup": float(rng.beta(1.2, 2.0)),
            "brightness": float(rng.uniform(0.15, 0.8)), "colorful": float(rng.beta(2.0, 2.0)),
            "action": float(rng.beta(1.5, 2.0))}


def make_world(n_profiles: int = 24, n_titles: int = 150, n_candidates: int = 6,
               seed: int = 7, strength: float = 1.0, *,
               names: Sequence[str] = ART_FEATURES,
               group_prefs: Mapping[str, Sequence[float]] = GROUP_PREFS,
               draw: Callable[[np.random.Generator], dict] = _art_candidate,
               candidates: Callable[[np.random.Generator], int] | None = None) -> World:
    """A household; ``strength`` scales how much features move click rates. ``names``,
    ``group_prefs``, ``draw`` (one candidate's features) and ``candidates`` (how many a title
    has) describe another kind of arm than images: preview clips, description styles."""
    rng = np.random.default_rng(seed)
    groups = len(TASTE_GROUPS)
    names = tuple(names)
    tastes = np.zeros((n_profiles, groups))
    prefs = np.zeros((n_profiles, len(names)))
    for p in range(n_profiles):
        main = p % groups
        second = int(rng.integers(groups))
        tastes[p, main] += 0.7
        tastes[p, second] += 0.3
        tastes[p] /= tastes[p].sum()
        w = np.zeros(len(names))
        for g in range(groups):
            w += tastes[p, g] * np.array(group_prefs[TASTE_GROUPS[g]])
        prefs[p] = strength * (w + rng.normal(0, 0.03, len(names)))  # the personal twist
    base = rng.uniform(0.06, 0.22, n_titles)
    art: list[list[dict]] = []
    vecs: list[np.ndarray] = []
    for _ in range(n_titles):
        n = candidates(rng) if candidates is not None else n_candidates
        cands = [draw(rng) for _ in range(n)]
        art.append(cands)
        vecs.append(np.array([art_vector(c, names) for c in cands]))
    return World(tastes, prefs, base, art, vecs, names)


@dataclass
class SimResult:
    policy: str
    ctr_by_window: list[float]
    ctr: float
    expected_ctr: float  # mean click probability of the shown images (less noisy than ctr)
    regret: float  # sum over impressions of (oracle prob - shown prob)
    impressions: int
    switches_within_session: int = 0
    changes_between_sessions: int = 0
    extras: dict = field(default_factory=dict)


def simulate(world: World, policy: str, *, rounds: int = 40, session_titles: int = 12,
             windows: int = 8, seed: int = 11) -> SimResult:
    """Run ``rounds`` rounds (one session per profile each) and report click-through."""
    rng = np.random.default_rng(seed)
    n_p, n_t = world.tastes.shape[0], len(world.art)
    probs = np.array([[[world.click_prob(p, t, c) for c in range(len(world.art[t]))]
                       for t in range(n_t)] for p in range(n_p)])
    household_best = probs.mean(axis=0).argmax(axis=1)  # per title
    oracle_best = probs.argmax(axis=2)  # per profile and title
    X_rows: list[np.ndarray] = []
    T_rows: list[np.ndarray] = []
    r_rows: list[float] = []
    who_rows: list[int] = []
    cand_rows: list[int] = []
    clicks: list[float] = []
    shown_p: list[float] = []
    regret = 0.0
    current: dict[tuple[int, int], tuple[int, int]] = {}  # (p, t) -> (cand, shows)
    # single_best_learned: Beta posteriors per (title, image), pooled over the household.
    wins = np.ones((n_t, max(len(a) for a in world.art)))
    losses = np.ones_like(wins)
    changes = 0
    for _round in range(rounds):
        models: dict = {}
        if policy == "app":
            if X_rows:
                models = HybridModel.fit_arrays(np.array(X_rows), np.array(T_rows),
                                                np.array(r_rows), np.array(who_rows),
                                                range(n_p), np.array(cand_rows), world.names)
            else:
                models = {p: HybridModel(world.names) for p in range(n_p)}
        for p in range(n_p):
            titles = rng.choice(n_t, size=session_titles, replace=False)
            for t in titles:
                t = int(t)
                n_c = len(world.art[t])
                if policy == "random":
                    c = int(rng.integers(n_c))
                elif policy == "single_best":
                    c = int(household_best[t])
                elif policy == "single_best_learned":
                    c = int(np.argmax(rng.beta(wins[t, :n_c], losses[t, :n_c])))
                elif policy == "oracle":
                    c = int(oracle_best[p, t])
                else:
                    arms = [Arm(t * 100 + i, world.art_vecs[t][i]) for i in range(n_c)]
                    cur = current.get((p, t))
                    d = choose(arms, world.tastes[p], models[p], rng,
                               current=t * 100 + cur[0] if cur else None,
                               current_shows=cur[1] if cur else 0)
                    c = d.candidate_id - t * 100
                    if cur is not None and cur[0] != c:
                        changes += 1
                    shows = (cur[1] + 1) if cur is not None and cur[0] == c else 1
                    current[(p, t)] = (c, shows)
                prob = probs[p, t, c]
                r = float(rng.random() < prob)
                clicks.append(r)
                wins[t, c] += r
                losses[t, c] += 1 - r
                shown_p.append(prob)
                regret += probs[p, t, oracle_best[p, t]] - prob
                X_rows.append(world.art_vecs[t][c])
                T_rows.append(world.tastes[p])
                r_rows.append(r)
                who_rows.append(p)
                cand_rows.append(t * 100 + c)
    n = len(clicks)
    per = max(1, n // windows)
    by_window = [float(np.mean(shown_p[i * per:(i + 1) * per])) for i in range(windows)]
    return SimResult(policy, [round(x, 4) for x in by_window], round(float(np.mean(clicks)), 4),
                     round(float(np.mean(shown_p)), 4), round(regret, 2), n,
                     changes_between_sessions=changes)
