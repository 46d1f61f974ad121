"""Erasing a profile: every row that refers to it, what was learned from it, and a retrain
that no longer reflects it."""

from __future__ import annotations

import numpy as np
import pytest

from mediacenter.artwork import select as artwork_select
from mediacenter.db import admin, open_db
from mediacenter.db.profile_data import history_counts
from mediacenter.db.profiles import create_profile
from mediacenter.privacy import erase_profile
from mediacenter.recommend.model import RecModel
from mediacenter.recommend.synthetic import generate_catalog, generate_household, record_watch
from mediacenter.recommend.train import model_path_for_db, train_model

NOW = 1_700_000_000.0


def _catalog(path, *, with_ben: bool):
    """Ana's history, and Ben's only ``with_ben``: the same titles, ids and Ana either way."""
    db = open_db(path)
    cat = generate_catalog(db, 300, seed=9)
    (ana,) = generate_household(db, cat, ["Ana"], watches=40, now=NOW)
    ben = create_profile(db, "Ben").id
    if with_ben:
        for k, tid in enumerate(cat.movies[100:140]):
            record_watch(db, ben, tid, at=NOW - k * 3600)
        db.conn.execute("INSERT INTO ratings VALUES (?, ?, 'explicit', 2, ?)",
                        (ben, cat.movies[0], NOW))
        db.conn.execute("INSERT INTO artwork_impressions (profile_id, title_id, at) "
                        "VALUES (?, ?, ?)", (ben, cat.movies[1], NOW))
    return db, ana, ben


def test_erase_leaves_nothing_and_a_retrain_no_longer_reflects_it(tmp_path):
    db, ana, ben = _catalog(tmp_path / "a" / "c.sqlite3", with_ben=True)
    ref_db, _ana, _ben = _catalog(tmp_path / "b" / "c.sqlite3", with_ben=False)
    model_path = model_path_for_db(db)
    assert model_path is not None
    train_model(db, model_path, now=NOW)
    before = RecModel.load(model_path)
    artwork_select._models[("x", ben)] = (0, 0.0, None, None)  # type: ignore[assignment]
    grant = admin.unlock(db, ana)
    assert grant is not None
    removed = erase_profile(db, grant, ben)
    assert removed["watch_sessions"] == 40 and removed["ratings"] == 1
    assert removed["artwork_impressions"] == 1
    assert set(history_counts(db, ben).values()) == {0}
    assert sum(history_counts(db, ana).values()) > 0  # Ana keeps hers
    # What was learned from Ben is gone at once: the model file and this process's bandits.
    assert not model_path.exists() and artwork_select._models == {}
    # Trained again, the model is the one a household that never had Ben's data gets.
    train_model(db, model_path, now=NOW)
    after = RecModel.load(model_path)
    ref_path = model_path_for_db(ref_db)
    assert ref_path is not None
    train_model(ref_db, ref_path, now=NOW)
    ref = RecModel.load(ref_path)
    assert after.n_users == ref.n_users == 1
    np.testing.assert_allclose(after.item_factors, ref.item_factors)
    np.testing.assert_allclose(after.item_bias, ref.item_bias)
    assert not np.allclose(before.item_bias, after.item_bias)  # Ben's data did count before
    with pytest.raises(admin.NotAllowedError):
        erase_profile(db, None, ana)  # type: ignore[arg-type]
