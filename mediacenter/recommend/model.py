"""The collaborative model: Surprise's SVD trained for ranking, and its file format.

Why not Surprise's SVD as it comes: fitted to star ratings and ranked by predicted rating it
scores a third of most-popular on a held-out MovieLens split (``benchmarks/recs.py``): it
learns how much a viewer would like a film *if* they watched it, not which films they will
watch. Here the same SGD learns from implicit feedback instead. Every played, rated or
thumbed title of a profile is a target between -1 and 1 (:mod:`mediacenter.recommend.signals`)
and, for each of those, :data:`SvdParams.negatives` titles the profile never touched are added
with target 0, drawn in proportion to their popularity. Sampling negatives by popularity keeps
the item biases from simply re-learning popularity and makes the factors carry taste; measured
on MovieLens (see the benchmark) this ranks about 1.7x better than most-popular.

Only the item side is kept: biases and factors per title. A profile's vector is folded in at
query time from its current signals (:mod:`mediacenter.recommend.scoring`), so a thumbs down or a
finished film changes the page at once without retraining, and every score splits exactly into
contributions of the profile's own titles, which is what the explanations quote.

Files are ``.npz`` archives of plain arrays plus a JSON header, read with
``allow_pickle=False``: a model file is data, never code, and an old, foreign or damaged file
raises :class:`ModelFileError` instead of being loaded blindly.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FORMAT = "mediacenter.recommend/svd-implicit"
MODEL_VERSION = 1
MAX_MODEL_BYTES = 512 * 1024 * 1024

Progress = Callable[[str, float], None]  # (phase, fraction 0..1 of the whole fit)


class ModelFileError(Exception):
    """A model file that cannot be used: missing, damaged, foreign or of another version."""


class TrainingCancelled(Exception):
    """The cancel event was set while training; nothing was written."""


@dataclass(frozen=True)
class SvdParams:
    """Hyper-parameters, chosen on a held-out MovieLens split (see benchmarks/README.md)."""

    n_factors: int = 32
    n_epochs: int = 25
    lr: float = 0.02
    reg: float = 0.02
    negatives: int = 8  # sampled unseen titles per signal
    negative_pop_alpha: float = 1.0  # sampling weight (count + 1) ** alpha
    init_std: float = 0.1
    seed: int = 7


@dataclass(frozen=True)
class Interaction:
    """One (user, item, target) fact for training; ``user`` is a profile id or a MovieLens
    user id, ``item`` a title id (or a MovieLens movie id)."""

    user: int
    item: int
    target: float


@dataclass
class RecModel:
    """Item biases and factors from the SVD, with the items' identities and counts."""

    item_ids: np.ndarray  # int64 (n,)
    item_keys: np.ndarray  # str (n,): titles.key when trained, to refuse another catalog's ids
    item_bias: np.ndarray  # float64 (n,)
    item_factors: np.ndarray  # float64 (n, f)
    item_counts: np.ndarray  # int64 (n,): positive training interactions per item
    global_mean: float
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pos = {int(t): r for r, t in enumerate(self.item_ids)}
        # Q^T Q and Q^T b over every item: the "everything unseen is a soft 0" term of fold-in.
        q = self.item_factors
        self.gram = q.T @ q
        self.qtb = q.T @ self.item_bias

    @property
    def n_factors(self) -> int:
        return int(self.item_factors.shape[1])

    @property
    def n_users(self) -> int:
        return int(self.meta.get("n_users", 0))

    @property
    def trained_at(self) -> float:
        return float(self.meta.get("trained_at", 0.0))

    # -- persistence ---------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write atomically (temporary file + rename): a reader never sees half a model."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {"format": MODEL_FORMAT, "version": MODEL_VERSION, **self.meta}
        buf = io.BytesIO()
        np.savez(
            buf,
            header=np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8),
            item_ids=self.item_ids.astype(np.int64),
            item_keys=np.asarray(self.item_keys, dtype=str),
            item_bias=self.item_bias.astype(np.float64),
            item_factors=self.item_factors.astype(np.float64),
            item_counts=self.item_counts.astype(np.int64),
            global_mean=np.array([self.global_mean], dtype=np.float64),
        )
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(buf.getvalue())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RecModel:
        """Read a model file, checking format, version, shapes and values.

        Raises :class:`ModelFileError` with a readable reason for anything else.
        """
        path = Path(path)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise ModelFileError(f"No recommendation model at {path}") from None
        except OSError as exc:
            raise ModelFileError(f"Cannot read the recommendation model {path}: {exc}") from exc
        if size > MAX_MODEL_BYTES:
            raise ModelFileError(f"{path} is too large to be a recommendation model ({size} B)")
        try:
            # Our own file object: numpy leaves its own open when the archive is damaged.
            with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:
                arrays = {name: z[name] for name in z.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as exc:
            raise ModelFileError(
                f"{path} is not a recommendation model file (damaged or foreign): {exc}"
            ) from exc
        try:
            header = json.loads(bytes(arrays["header"].astype(np.uint8)).decode("utf-8"))
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            raise ModelFileError(f"{path} has no readable model header") from exc
        if not isinstance(header, dict) or header.get("format") != MODEL_FORMAT:
            raise ModelFileError(f"{path} is not a mediacenter recommendation model")
        if header.get("version") != MODEL_VERSION:
            raise ModelFileError(
                f"{path} is a model of format version {header.get('version')!r}; this version "
                f"reads {MODEL_VERSION} (it will be retrained)"
            )
        need = ("item_ids", "item_keys", "item_bias", "item_factors", "item_counts",
                "global_mean")
        missing = [k for k in need if k not in arrays]
        if missing:
            raise ModelFileError(f"{path} lacks {', '.join(missing)}")
        ids, keys = arrays["item_ids"], arrays["item_keys"]
        bias, factors, counts = arrays["item_bias"], arrays["item_factors"], arrays["item_counts"]
        n = ids.shape[0] if ids.ndim == 1 else -1
        ok = (
            n >= 0 and ids.dtype.kind in "iu" and keys.shape == (n,) and keys.dtype.kind == "U"
            and bias.shape == (n,) and factors.ndim == 2 and factors.shape[0] == n
            and counts.shape == (n,) and bias.dtype.kind == "f" and factors.dtype.kind == "f"
            and arrays["global_mean"].shape == (1,) and len(np.unique(ids)) == n
        )
        if not ok:
            raise ModelFileError(f"{path} has inconsistent arrays (damaged?)")
        if not (np.isfinite(bias).all() and np.isfinite(factors).all()
                and np.isfinite(arrays["global_mean"]).all()):
            raise ModelFileError(f"{path} holds non-finite numbers (damaged?)")
        meta = {k: v for k, v in header.items() if k not in ("format", "version")}
        return cls(ids.astype(np.int64), keys, bias.astype(np.float64),
                   factors.astype(np.float64), counts.astype(np.int64),
                   float(arrays["global_mean"][0]), meta)


# -- training --------------------------------------------------------------------------------


class _EpochHook:
    """Stands in for SVD's ``verbose`` flag, which Surprise tests once per epoch (``if
    self.verbose:``): its truth test reports progress and raises when cancelled, and is always
    False so nothing is printed. Surprise has no callback of its own; without this a fit could
    neither report progress nor stop. If a Surprise release stops testing the flag, training
    still works, with progress only between phases (tests/unit/test_recommend_model.py)."""

    def __init__(self, n_epochs: int, progress: Progress | None,
                 cancel: threading.Event | None, start: float, span: float) -> None:
        self.n_epochs = max(1, n_epochs)
        self.progress, self.cancel = progress, cancel
        self.start, self.span = start, span
        self.epochs_seen = 0

    def __bool__(self) -> bool:
        if self.cancel is not None and self.cancel.is_set():
            raise TrainingCancelled("training cancelled")
        if self.progress is not None:
            done = self.epochs_seen / self.n_epochs
            self.progress(f"training (epoch {self.epochs_seen + 1}/{self.n_epochs})",
                          self.start + self.span * done)
        self.epochs_seen += 1
        return False


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise TrainingCancelled("training cancelled")


def sample_training_set(
    interactions: Sequence[Interaction], item_ids: np.ndarray, params: SvdParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positive/explicit rows plus sampled negatives, shuffled per user (Surprise's SGD visits
    users in order and a user's rows in list order, so the list order is the SGD's order).

    Returns (user_inner, item_inner, target, item_positive_counts), inner ids being rows of
    ``item_ids`` and users numbered by first appearance. Deterministic for ``params.seed``.
    """
    rng = np.random.default_rng(params.seed)
    item_row = {int(t): r for r, t in enumerate(item_ids)}
    users: dict[int, int] = {}
    u_list, i_list, t_list = [], [], []
    for it in interactions:
        r = item_row.get(int(it.item))
        if r is None:
            continue
        u_list.append(users.setdefault(int(it.user), len(users)))
        i_list.append(r)
        t_list.append(float(it.target))
    u = np.array(u_list, dtype=np.int64)
    i = np.array(i_list, dtype=np.int64)
    t = np.array(t_list, dtype=np.float64)
    n_items = len(item_ids)
    counts = np.bincount(i[t > 0], minlength=n_items).astype(np.int64)
    if len(u) == 0 or n_items < 2 or params.negatives <= 0:
        return u, i, t, counts
    weights = (counts + 1.0) ** params.negative_pop_alpha
    cdf = np.cumsum(weights / weights.sum())
    # Draw extra, then drop draws of a title the user has a signal for and repeated draws:
    # a popular title drawn five times for one user would count five times as a "no".
    per_user = np.bincount(u, minlength=len(users))
    want = np.maximum(0, np.minimum(per_user * params.negatives, n_items - per_user))
    draws_u = np.repeat(np.arange(len(users)), (want * 1.6 + 4).astype(np.int64))
    draws_i = np.searchsorted(cdf, rng.random(len(draws_u)), side="right")
    draws_i = np.minimum(draws_i, n_items - 1)
    pair = draws_u * n_items + draws_i
    keep = ~np.isin(pair, u * n_items + i)
    _, first = np.unique(np.where(keep, pair, -1), return_index=True)
    first = np.sort(first[keep[first]])
    draws_u, draws_i = draws_u[first], draws_i[first]
    # At most `want` negatives per user: rank each draw within its user and cut.
    order = np.argsort(draws_u, kind="stable")
    draws_u, draws_i = draws_u[order], draws_i[order]
    first = np.searchsorted(draws_u, np.arange(len(users)))
    rank = np.arange(len(draws_u)) - first[draws_u]
    keep = rank < want[draws_u]
    all_u = np.concatenate([u, draws_u[keep]])
    all_i = np.concatenate([i, draws_i[keep]])
    all_t = np.concatenate([t, np.zeros(int(keep.sum()))])
    # Shuffle, then group by user (stable) so each user's rows are mixed.
    perm = rng.permutation(len(all_u))
    all_u, all_i, all_t = all_u[perm], all_i[perm], all_t[perm]
    order = np.argsort(all_u, kind="stable")
    return all_u[order], all_i[order], all_t[order], counts


def _trainset(u: np.ndarray, i: np.ndarray, t: np.ndarray, n_users: int, n_items: int):
    """A Surprise Trainset built directly from arrays (``Dataset.load_from_df`` would need
    pandas and a second copy of the data)."""
    from surprise import Trainset

    def grouped(keys: np.ndarray, other: np.ndarray) -> defaultdict[int, list]:
        order = np.argsort(keys, kind="stable")  # keeps each group's rows in SGD order
        k, o, v = keys[order], other[order], t[order]
        bounds = np.flatnonzero(np.diff(k)) + 1
        starts = np.concatenate([[0], bounds]).tolist()
        ends = [*bounds.tolist(), len(k)]
        ol, vl = o.tolist(), v.tolist()
        out: defaultdict[int, list] = defaultdict(list)
        if len(k):
            for key, s, e in zip(k[starts].tolist(), starts, ends, strict=True):
                out[key] = list(zip(ol[s:e], vl[s:e], strict=True))
        return out

    ur = grouped(u, i)
    ir = grouped(i, u)
    lo = float(t.min()) if len(t) else -1.0
    hi = float(t.max()) if len(t) else 1.0
    return Trainset(ur, ir, n_users, n_items, len(t), (min(lo, -1.0), max(hi, 1.0)),
                    {k: k for k in range(n_users)}, {k: k for k in range(n_items)})


def fit_model(
    interactions: Sequence[Interaction],
    item_ids: Sequence[int] | np.ndarray,
    item_keys: Sequence[str],
    *,
    params: SvdParams | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    meta: dict[str, Any] | None = None,
) -> RecModel:
    """Train the SVD on ``interactions`` over the universe ``item_ids`` (keys alongside).

    Items nobody interacted with keep small random factors and count 0; the scorer ignores
    their collaborative score. Raises :class:`TrainingCancelled` when ``cancel`` is set.
    """
    from surprise import SVD
    from surprise import __version__ as surprise_version

    params = params or SvdParams()
    started = time.perf_counter()
    ids = np.asarray(item_ids, dtype=np.int64)
    if len(ids) != len(item_keys):
        raise ValueError("item_ids and item_keys differ in length")
    if progress:
        progress("sampling", 0.02)
    u, i, t, counts = sample_training_set(interactions, ids, params)
    _check_cancel(cancel)
    n_users = int(u.max()) + 1 if len(u) else 0
    n_items = len(ids)
    if progress:
        progress("preparing", 0.1)
    algo = SVD(n_factors=params.n_factors, n_epochs=params.n_epochs, lr_all=params.lr,
               reg_all=params.reg, init_std_dev=params.init_std, random_state=params.seed)
    if n_users and n_items:
        trainset = _trainset(u, i, t, n_users, n_items)
        _check_cancel(cancel)
        algo.verbose = _EpochHook(params.n_epochs, progress, cancel, 0.15, 0.83)
        algo.fit(trainset)
        bias, factors = np.asarray(algo.bi), np.asarray(algo.qi)
        global_mean = float(trainset.global_mean)
    else:  # nothing to learn from: a model that knows no item
        rng = np.random.default_rng(params.seed)
        bias = np.zeros(n_items)
        factors = rng.normal(0, params.init_std, (n_items, params.n_factors))
        global_mean = 0.0
    _check_cancel(cancel)
    info = {
        "trained_at": time.time(),
        "fit_seconds": round(time.perf_counter() - started, 3),
        "n_users": n_users,
        "n_items": n_items,
        "n_interactions": len(interactions),
        "n_rows": len(t),
        "params": asdict(params),
        "surprise": surprise_version,
        **(meta or {}),
    }
    if progress:
        progress("trained", 0.99)
    return RecModel(ids, np.asarray(list(item_keys), dtype=str), bias, factors, counts,
                    global_mean, info)
