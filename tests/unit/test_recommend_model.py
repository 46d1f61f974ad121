"""The SVD model: it learns taste from implicit feedback, reports progress, stops when asked,
and its files are checked before use (old, foreign, damaged files are refused)."""

from __future__ import annotations

import json
import threading
import zipfile

import numpy as np
import pytest

from mediacenter.recommend.content import ItemMeta, build_index
from mediacenter.recommend.model import (
    MODEL_VERSION,
    Interaction,
    ModelFileError,
    RecModel,
    SvdParams,
    TrainingCancelled,
    fit_model,
    sample_training_set,
)
from mediacenter.recommend.scoring import HistoryItem, Ranker

N_ITEMS = 60
PARAMS = SvdParams(n_factors=8, n_epochs=30, seed=11)


def _two_tastes(n_users: int = 40):
    """Users 0..n/2 like items 0..29, the others items 30..59; each rates 12 of them."""
    rng = np.random.default_rng(5)
    out = []
    for u in range(n_users):
        block = np.arange(0, 30) if u < n_users // 2 else np.arange(30, 60)
        for i in rng.choice(block, 12, replace=False):
            out.append(Interaction(u, int(i) + 100, 1.0))
    return out


def _ids():
    return np.arange(100, 100 + N_ITEMS), [f"k{i}" for i in range(100, 100 + N_ITEMS)]


def test_negative_sampling_excludes_the_users_titles_and_repeats():
    ids, _keys = _ids()
    inter = _two_tastes()
    u, i, t, counts = sample_training_set(inter, ids, SvdParams(negatives=3, seed=1))
    pos = {(x.user, x.item - 100) for x in inter}
    negs = [(int(a), int(b)) for a, b, c in zip(u, i, t, strict=True) if c == 0]
    assert negs, "negatives were sampled"
    assert not pos & set(negs)  # never a title the user has a signal for
    assert len(negs) == len(set(negs))  # never the same title twice for one user
    assert counts.sum() == len(inter)
    # users are grouped (Surprise's SGD order) and the result is deterministic
    assert np.all(np.diff(u) >= 0)
    again = sample_training_set(inter, ids, SvdParams(negatives=3, seed=1))
    assert all(np.array_equal(a, b) for a, b in zip((u, i, t), again[:3], strict=True))


def test_the_model_learns_each_groups_taste():
    ids, keys = _ids()
    model = fit_model(_two_tastes(), ids, keys, params=PARAMS)
    index = build_index([ItemMeta(int(t), k) for t, k in zip(ids, keys, strict=True)])
    ranker = Ranker(index, model, weights=_cf_only())
    # a new profile who liked three titles of the first group
    history = [HistoryItem(index.pos[100 + j], 1.0) for j in (1, 2, 3)]
    scores = ranker.score(history)
    exclude = np.zeros(len(index), dtype=bool)
    exclude[[h.row for h in history]] = True
    top = index.ids[scores.top(10, exclude)]
    assert sum(1 for t in top if t < 130) >= 9
    # the contributions name the profile's own titles
    contrib = scores.cf_contributions(index.pos[int(top[0])])
    assert {r for r, _ in contrib} <= {h.row for h in history}


def _cf_only():
    from mediacenter.recommend.scoring import Weights

    return Weights(content=0.0, content_thin=0.0, pop=0.0, pop_floor=0.0, cf_half=0.001)


def test_progress_is_reported_per_epoch_and_cancel_stops_training():
    ids, keys = _ids()
    seen: list[tuple[str, float]] = []
    fit_model(_two_tastes(), ids, keys, params=PARAMS,
              progress=lambda phase, f: seen.append((phase, f)))
    epochs = [p for p, _ in seen if p.startswith("training (epoch")]
    assert len(epochs) == PARAMS.n_epochs
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[0] >= 0 and fractions[-1] <= 1

    cancel = threading.Event()

    def stop_at_third(phase: str, _f: float) -> None:
        if phase.startswith("training (epoch 3/"):
            cancel.set()

    with pytest.raises(TrainingCancelled):
        fit_model(_two_tastes(), ids, keys, params=PARAMS, progress=stop_at_third,
                  cancel=cancel)


def test_an_empty_history_gives_a_model_that_knows_nothing():
    ids, keys = _ids()
    model = fit_model([], ids, keys, params=PARAMS)
    assert model.item_counts.sum() == 0
    index = build_index([ItemMeta(int(t), k) for t, k in zip(ids, keys, strict=True)])
    assert not Ranker(index, model).usable_model


def test_save_and_load_round_trip(tmp_path):
    ids, keys = _ids()
    model = fit_model(_two_tastes(), ids, keys, params=PARAMS)
    path = model.save(tmp_path / "m" / "recommender.npz")
    back = RecModel.load(path)
    assert np.array_equal(back.item_ids, model.item_ids)
    assert list(back.item_keys) == keys
    assert np.allclose(back.item_factors, model.item_factors)
    assert np.allclose(back.item_bias, model.item_bias)
    assert back.meta["params"]["n_factors"] == 8
    assert list(tmp_path.joinpath("m").iterdir()) == [path]  # no temporary file left


def _rewrite(path, **changes):
    """Rewrite a saved model's arrays (header is a dict of changes to the JSON header)."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    header = changes.pop("header", None)
    if header is not None:
        h = json.loads(bytes(arrays["header"]).decode())
        h.update(header)
        arrays["header"] = np.frombuffer(json.dumps(h).encode(), dtype=np.uint8)
    arrays.update(changes)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


@pytest.fixture
def saved(tmp_path):
    ids, keys = _ids()
    return fit_model(_two_tastes(), ids, keys, params=PARAMS).save(tmp_path / "r.npz")


def test_another_format_version_is_refused(saved):
    _rewrite(saved, header={"version": MODEL_VERSION + 1})
    with pytest.raises(ModelFileError, match="version"):
        RecModel.load(saved)


def test_a_foreign_npz_is_refused(saved):
    _rewrite(saved, header={"format": "someone-else"})
    with pytest.raises(ModelFileError, match="not a mediacenter"):
        RecModel.load(saved)
    np.savez(saved.with_name("plain.npz"), x=np.arange(3))
    with pytest.raises(ModelFileError, match="header"):
        RecModel.load(saved.with_name("plain.npz"))


def test_damaged_files_are_refused(saved, tmp_path):
    data = saved.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00\x01not a zip at all" * 100)
    for path in (truncated, garbage):
        with pytest.raises(ModelFileError):
            RecModel.load(path)
    with pytest.raises(ModelFileError, match="No recommendation model"):
        RecModel.load(tmp_path / "missing.npz")


def test_inconsistent_or_non_finite_arrays_are_refused(saved):
    with np.load(saved) as z:
        factors = z["item_factors"].copy()
        bias = z["item_bias"].copy()
    _rewrite(saved, item_factors=factors[:-1])
    with pytest.raises(ModelFileError, match="inconsistent"):
        RecModel.load(saved)
    _rewrite(saved, item_factors=factors)
    bias[3] = np.nan
    _rewrite(saved, item_bias=bias)
    with pytest.raises(ModelFileError, match="non-finite"):
        RecModel.load(saved)


def test_pickled_objects_are_never_loaded(saved, tmp_path):
    """An object array needs pickle to load: refused, never executed."""
    evil = tmp_path / "evil.npz"
    with np.load(saved) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["item_keys"] = np.array([object()] * len(arrays["item_ids"]), dtype=object)
    with open(evil, "wb") as f:
        np.savez(f, **arrays)
    assert zipfile.is_zipfile(evil)
    with pytest.raises(ModelFileError):
        RecModel.load(evil)


def test_a_model_refuses_ids_whose_keys_changed():
    """A title id reused by another title (another catalog) gets no collaborative score."""
    ids, keys = _ids()
    model = fit_model(_two_tastes(), ids, keys, params=PARAMS)
    other = [ItemMeta(int(t), f"other-{t}") for t in ids]
    ranker = Ranker(build_index(other), model)
    assert not ranker.known.any()
    assert not ranker.usable_model


def test_small_data_gets_its_regularisation_chosen_on_held_out_signals(monkeypatch):
    from mediacenter.recommend import tuning
    from mediacenter.recommend.synthetic import synthetic_ratings

    ratings, _movies = synthetic_ratings(n_users=60, n_items=120, per_user=20, seed=4)
    inter = [Interaction(u, m, 1.0) for u, m, _s, _t in ratings]
    ids = np.arange(1, 121)
    keys = [f"ml:{i}" for i in ids]
    phases: list[str] = []
    model = tuning.fit_tuned(inter, ids, keys, params=SvdParams(n_factors=8, n_epochs=10),
                             progress=lambda p, f: phases.append(p))
    chosen = model.meta["tuning"]
    assert chosen["reg"] in tuning.REG_CANDIDATES
    assert set(chosen["validation_ndcg@10"]) == {f"{r:g}" for r in tuning.REG_CANDIDATES}
    assert chosen["validation_ndcg@10"][f"{chosen['reg']:g}"] == \
        max(chosen["validation_ndcg@10"].values())
    assert model.meta["params"]["reg"] == chosen["reg"]
    assert any(p.startswith("choosing settings") for p in phases)
    # large data keeps the defaults without extra fits
    monkeypatch.setattr(tuning, "TUNE_MAX_INTERACTIONS", 100)
    plain = tuning.fit_tuned(inter, ids, keys, params=SvdParams(n_factors=8, n_epochs=5))
    assert "tuning" not in plain.meta and plain.meta["params"]["reg"] == SvdParams().reg
