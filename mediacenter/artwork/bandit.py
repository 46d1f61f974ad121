"""Which image a profile sees for a title: a contextual Thompson-sampling bandit (pure numpy).

The context of an (image, profile) pair is the image's features (quality, close-up, brightness,
colourfulness, action) and the profile's tastes (the share of each genre group in what it has
watched). Two Bayesian linear models and a per-image term add up to the expected click rate:

- a *shared* model over ``tastes ⊗ image features``: learned from every profile, it knows that
  people who watch thrillers click dark, busy frames, so a new profile (or a new title) starts
  from what similar viewers did; this is how learning carries across titles and profiles;
- a *personal* model over the image features alone, fitted on the profile's own impressions
  to what the shared model leaves unexplained: this profile's own leaning;
- a per-image effect over the household (shrunk toward zero): two pictures with the same
  features can still differ, and one that everybody ignores should not keep coming back.

Choosing draws one weight vector from each posterior (Thompson sampling) and shows the image
with the highest drawn rate, so uncertain options still get tried in proportion to their
chance of being best; a small ``epsilon`` keeps some uniform exploration forever (tastes
change). The image already shown keeps its place for ``MIN_SHOWS`` impressions and is replaced
only by a clearly better draw (``SWITCH_MARGIN``), so a title's picture stays recognisable.
Until the household has rewarded ``EVIDENCE_REWARDS`` impressions (played or opened what it
was shown) the bandit has no evidence to overrule the measured quality: the best-scored image
wins outright, never a draw from the priors (a blurred frame must not beat a sharp one on
prior noise).

No database and no Qt here: :mod:`.select` feeds it rows, ``benchmarks/artwork_bandit.py``
simulates profiles with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

ART_FEATURES = ("quality", "closeup", "brightness", "colorful", "action")
TASTE_GROUPS = ("action", "comedy", "drama", "dark", "scifi", "family", "documentary")

# Genre names (lower case, as NFO files and scrapers write them) -> taste group.
GENRE_GROUPS: dict[str, str] = {
    **dict.fromkeys(("action", "adventure", "thriller", "crime", "war", "western",
                     "martial arts", "sport", "sports", "disaster", "heist", "spy"), "action"),
    **dict.fromkeys(("comedy", "sitcom", "parody", "stand-up", "satire"), "comedy"),
    **dict.fromkeys(("drama", "romance", "biography", "history", "music", "musical",
                     "melodrama", "period"), "drama"),
    **dict.fromkeys(("horror", "mystery", "film-noir", "film noir", "noir", "suspense",
                     "psychological"), "dark"),
    **dict.fromkeys(("science fiction", "sci-fi", "scifi", "fantasy", "superhero",
                     "science-fiction", "cyberpunk"), "scifi"),
    **dict.fromkeys(("family", "animation", "children", "kids", "anime"), "family"),
    **dict.fromkeys(("documentary", "reality", "news", "talk-show", "talk", "nature",
                     "travel", "home video"), "documentary"),
}

N_ART = 1 + len(ART_FEATURES)  # intercept first
N_SHARED = len(TASTE_GROUPS) * len(ART_FEATURES)
PRIOR_QUALITY = 0.25  # prior weight of the quality score on the click rate
PRIOR_VAR_PERSONAL = 0.005
PRIOR_VAR_SHARED = 0.02
PRIOR_VAR_ARM = 0.0005
NOISE_VAR = 0.12  # Bernoulli variance at click rates of 10-20 %
EPSILON = 0.03
MIN_SHOWS = 3
EVIDENCE_REWARDS = 5  # rewarded impressions in the household before Thompson sampling starts
SWITCH_MARGIN = 0.03


def art_vector(features: Mapping[str, float],
               names: Sequence[str] = ART_FEATURES) -> np.ndarray:
    """[1, quality, close-up, brightness - 0.5, colourful, action] from a candidate's features
    (another feature set's ``names`` for what is not a picture: previews use the same,
    descriptions their own; the first name is the one the prior favours)."""
    v = np.ones(1 + len(names))
    for i, name in enumerate(names, start=1):
        x = float(features.get(name, 0.5 if name == "brightness" else 0.0) or 0.0)
        v[i] = min(1.0, max(0.0, x)) - (0.5 if name == "brightness" else 0.0)
    return v


def taste_vector(genre_counts: Mapping[str, float]) -> np.ndarray:
    """Shares of each taste group in what a profile watched (zeros when nothing is known)."""
    v = np.zeros(len(TASTE_GROUPS))
    for genre, n in genre_counts.items():
        group = GENRE_GROUPS.get(genre.strip().lower())
        if group is not None and n > 0:
            v[TASTE_GROUPS.index(group)] += float(n)
    total = v.sum()
    return v / total if total > 0 else v


def shared_vector(art: np.ndarray, taste: np.ndarray) -> np.ndarray:
    """tastes ⊗ image features (without the intercept): what the shared model sees."""
    return np.kron(taste, art[1:])


class BayesLinear:
    """Bayesian linear regression with a Gaussian prior; rank-one updates, posterior draws."""

    def __init__(self, prior_mean: np.ndarray, prior_var: float, noise_var: float = NOISE_VAR
                 ) -> None:
        d = len(prior_mean)
        self.noise_var = noise_var
        self.A = np.eye(d) / prior_var  # precision
        self.b = self.A @ prior_mean
        self.n = 0
        self._mean: np.ndarray | None = None
        self._chol: np.ndarray | None = None

    def update(self, x: np.ndarray, r: float) -> None:
        self.A += np.outer(x, x) / self.noise_var
        self.b += x * (r / self.noise_var)
        self.n += 1
        self._mean = self._chol = None

    def update_many(self, X: np.ndarray, r: np.ndarray) -> None:
        if len(X) == 0:
            return
        self.A += X.T @ X / self.noise_var
        self.b += X.T @ r / self.noise_var
        self.n += len(X)
        self._mean = self._chol = None

    @property
    def mean(self) -> np.ndarray:
        if self._mean is None:
            self._mean = np.linalg.solve(self.A, self.b)
        return self._mean

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """One draw from the posterior N(mean, A^-1)."""
        if self._chol is None:
            self._chol = np.linalg.cholesky(self.A)
        z = rng.standard_normal(len(self.b))
        # A = L L^T  ->  x = L^-T z has covariance A^-1.
        return self.mean + np.linalg.solve(self._chol.T, z)

    def std(self, x: np.ndarray) -> float:
        """Posterior standard deviation of x·theta."""
        return float(np.sqrt(max(0.0, float(x @ np.linalg.solve(self.A, x)))))


def _personal_prior(n_features: int = len(ART_FEATURES)) -> np.ndarray:
    m = np.zeros(1 + n_features)
    m[1] = PRIOR_QUALITY
    return m


@dataclass
class Observation:
    """One impression as the models learn from it."""

    profile_id: int
    art: np.ndarray  # art_vector
    taste: np.ndarray  # taste_vector of the profile
    reward: float  # 1 click (play), 0.5-ish details, 0 nothing
    candidate_id: int | None = None


class HybridModel:
    """Shared (tastes ⊗ features) + personal (features) click-rate model for one profile."""

    def __init__(self, features: Sequence[str] = ART_FEATURES) -> None:
        self.features = tuple(features)
        n = len(self.features)
        self.shared = BayesLinear(np.zeros(len(TASTE_GROUPS) * n), PRIOR_VAR_SHARED)
        self.personal = BayesLinear(_personal_prior(n), PRIOR_VAR_PERSONAL)
        # Per image, over the household: (impressions, summed residual). Two pictures with
        # the same features can still differ (one is simply a better picture); this term
        # learns that, shrunk toward zero until an image has been shown enough.
        self.arms: dict[int, tuple[int, float]] = {}
        self.rewarded = 0  # impressions of the household that earned a reward: the evidence

    def arm_effect(self, candidate_id: int | None) -> tuple[float, float]:
        """(mean, variance) of an image's own effect on the click rate."""
        n, s = self.arms.get(candidate_id, (0, 0.0)) if candidate_id is not None else (0, 0.0)
        precision = n / NOISE_VAR + 1.0 / PRIOR_VAR_ARM
        return (s / NOISE_VAR) / precision, 1.0 / precision

    @classmethod
    def fit(cls, everyone: Iterable[Observation], profile_id: int | None,
            features: Sequence[str] = ART_FEATURES) -> HybridModel:
        """Fit the shared part on all impressions, the personal part on this profile's own
        impressions against what the shared part does not explain."""
        return cls.fit_many(list(everyone), [profile_id], features)[profile_id]

    @classmethod
    def fit_many(cls, obs: Sequence[Observation], profile_ids: Iterable[int | None],
                 features: Sequence[str] = ART_FEATURES) -> dict[int | None, HybridModel]:
        """:meth:`fit` for several profiles at once: the shared part is fitted once."""
        ids = list(profile_ids)
        if not obs:
            return {pid: cls(features) for pid in ids}
        X = np.array([o.art for o in obs])
        T = np.array([o.taste for o in obs])
        r = np.array([o.reward for o in obs], dtype=float)
        who = np.array([o.profile_id if o.profile_id is not None else -1 for o in obs])
        cand = np.array([o.candidate_id if o.candidate_id is not None else -1 for o in obs])
        return cls.fit_arrays(X, T, r, who, ids, cand, features)

    @classmethod
    def fit_arrays(cls, X: np.ndarray, T: np.ndarray, r: np.ndarray, who: np.ndarray,
                   profile_ids: Iterable[int | None], cand: np.ndarray | None = None,
                   features: Sequence[str] = ART_FEATURES) -> dict[int | None, HybridModel]:
        """The same from arrays: art vectors, taste vectors, rewards, profile ids and
        candidate ids (-1: unknown) per row."""
        n = len(features)
        prior = _personal_prior(n)
        # Row-wise kron(taste, features): (n, groups, features) flattened.
        Z = (T[:, :, None] * X[:, None, 1:]).reshape(len(X), -1)
        shared = BayesLinear(np.zeros(len(TASTE_GROUPS) * n), PRIOR_VAR_SHARED)
        # The shared part explains differences between tastes, not the overall click rate or
        # the quality prior: centre its target on the personal prior's prediction.
        target = r - X @ prior
        shared.update_many(Z, target - target.mean())
        pred = Z @ shared.mean
        rewarded = int((r > 0).sum())
        out: dict[int | None, HybridModel] = {}
        for pid in profile_ids:
            m = cls(features)
            m.shared = shared
            m.rewarded = rewarded
            mask = who == (pid if pid is not None else -1)
            if mask.any():
                m.personal.update_many(X[mask], r[mask] - pred[mask])
            out[pid] = m
        if cand is not None and len(out) and (cand >= 0).any():
            # Each image's own effect: what neither the shared nor (for the shown-to
            # profile) the personal model explains, summed per image over the household.
            resid = r - pred
            for pid, m in out.items():
                mask = who == (pid if pid is not None else -1)
                resid_p = resid.copy()
                if mask.any():
                    resid_p[mask] -= X[mask] @ m.personal.mean
                others = ~mask
                if others.any():
                    resid_p[others] -= X[others] @ prior
                ok = cand >= 0
                ids, inv = np.unique(cand[ok], return_inverse=True)
                sums = np.bincount(inv, weights=resid_p[ok] - resid_p[ok].mean())
                counts = np.bincount(inv)
                m.arms = {int(c): (int(n), float(s)) for c, n, s in zip(ids, counts, sums,
                                                                        strict=True)}
        return out

    def expected(self, art: np.ndarray, taste: np.ndarray, candidate_id: int | None = None
                 ) -> float:
        return float(shared_vector(art, taste) @ self.shared.mean + art @ self.personal.mean
                     + self.arm_effect(candidate_id)[0])

    def uncertainty(self, art: np.ndarray, taste: np.ndarray, candidate_id: int | None = None
                    ) -> float:
        return float(np.sqrt(self.shared.std(shared_vector(art, taste)) ** 2
                             + self.personal.std(art) ** 2
                             + self.arm_effect(candidate_id)[1]))

    def weights(self, taste: np.ndarray) -> dict[str, float]:
        """Effective weight of each image feature for a profile with ``taste``: the part
        of "why" a person can read ("you respond to close-ups")."""
        shared = self.shared.mean.reshape(len(TASTE_GROUPS), len(self.features))
        eff = taste @ shared + self.personal.mean[1:]
        return {name: round(float(w), 4) for name, w in zip(self.features, eff, strict=True)}


@dataclass
class Arm:
    candidate_id: int
    art: np.ndarray
    score: float = 0.0


@dataclass
class Decision:
    candidate_id: int
    reason: str  # "best-score" | "kept" | "thompson" | "explore" | "only"
    expected: dict[int, float] = field(default_factory=dict)
    uncertainty: dict[int, float] = field(default_factory=dict)
    sampled: dict[int, float] = field(default_factory=dict)


def choose(
    arms: Sequence[Arm],
    taste: np.ndarray,
    model: HybridModel,
    rng: np.random.Generator,
    *,
    current: int | None = None,
    current_shows: int = 0,
    epsilon: float = EPSILON,
    explain: bool = False,
) -> Decision:
    """Pick one arm for a new session (see the module docstring for the rules).

    ``explain`` adds each arm's posterior uncertainty (costs a solve per arm).
    """
    if not arms:
        raise ValueError("no candidates to choose from")
    ids = [a.candidate_id for a in arms]
    X = np.array([a.art for a in arms])
    Z = (taste[None, :, None] * X[:, None, 1:]).reshape(len(arms), -1)
    effects = [model.arm_effect(i) for i in ids]
    arm_mean = np.array([e[0] for e in effects])
    arm_sd = np.sqrt([e[1] for e in effects])
    exp_v = Z @ model.shared.mean + X @ model.personal.mean + arm_mean
    expected = {i: float(v) for i, v in zip(ids, exp_v, strict=True)}
    unc = ({a.candidate_id: model.uncertainty(a.art, taste, a.candidate_id) for a in arms}
           if explain else {})
    if len(arms) == 1:
        return Decision(ids[0], "only", expected, unc)
    if model.rewarded < EVIDENCE_REWARDS:
        best_scored = max(arms, key=lambda a: (a.score, a.art[1], -a.candidate_id))
        return Decision(best_scored.candidate_id, "best-score", expected, unc)
    if current in ids and current_shows < MIN_SHOWS:
        return Decision(int(current), "kept", expected, unc)
    draw = (Z @ model.shared.sample(rng) + X @ model.personal.sample(rng)
            + arm_mean + arm_sd * rng.standard_normal(len(ids)))
    sampled = {i: float(v) for i, v in zip(ids, draw, strict=True)}
    if rng.random() < epsilon:
        pick = int(ids[int(rng.integers(len(ids)))])
        return Decision(pick, "explore", expected, unc, sampled)
    best = max(ids, key=lambda i: (sampled[i], -i))
    if current in ids and best != current and sampled[best] - sampled[current] < SWITCH_MARGIN:
        return Decision(int(current), "kept", expected, unc, sampled)
    return Decision(int(best), "thompson", expected, unc, sampled)
