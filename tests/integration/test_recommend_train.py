"""Training the household model: progress, cancel, a worker thread, and when to retrain."""

from __future__ import annotations

import threading

import pytest

from mediacenter.config import app_paths
from mediacenter.db import open_db, transaction
from mediacenter.db.profiles import create_profile
from mediacenter.recommend.feedback import set_thumb
from mediacenter.recommend.model import RecModel, TrainingCancelled
from mediacenter.recommend.synthetic import generate_catalog, generate_household, record_watch
from mediacenter.recommend.train import (
    REFRESH_MIN_NEW_SIGNALS,
    Trainer,
    default_model_path,
    model_path_for_db,
    needs_refresh,
    train_model,
)

NOW = 1_700_000_000.0


@pytest.fixture
def home(tmp_path):
    paths = app_paths(tmp_path / "home").ensure()
    db = open_db(paths.db_path)
    catalog = generate_catalog(db, 300, now=NOW, seed=6)
    profiles = generate_household(db, catalog, ["Ann", "Sam"], watches=30, now=NOW)
    yield paths, db, catalog, profiles
    db.conn.close()


def test_model_path_is_in_the_data_dir(home):
    paths, db, _c, _p = home
    assert default_model_path(paths) == paths.data_dir / "models" / "recommender.npz"
    assert model_path_for_db(db) == default_model_path(paths)


def test_train_reports_progress_and_writes_a_model(home):
    paths, db, catalog, _profiles = home
    seen: list[tuple[str, float]] = []
    info = train_model(db, default_model_path(paths), progress=lambda p, f: seen.append((p, f)))
    phases = [p for p, _ in seen]
    assert phases[0] == "reading signals" and phases[-1] == "done"
    assert any(p.startswith("training (epoch") for p in phases)
    assert [f for _, f in seen] == sorted(f for _, f in seen)
    assert info.path.is_file() and info.profiles == 2
    assert info.titles == len(catalog.movies) + len(catalog.shows)
    assert info.signals > 40
    model = RecModel.load(info.path)
    assert model.n_users == 2 and int(model.item_counts.sum()) > 0


def test_cancel_keeps_the_previous_model(home):
    paths, db, _c, _p = home
    path = default_model_path(paths)
    train_model(db, path)
    before = path.read_bytes()
    cancel = threading.Event()

    def progress(phase: str, _f: float) -> None:
        if phase.startswith("training (epoch 2/"):
            cancel.set()

    with pytest.raises(TrainingCancelled):
        train_model(db, path, progress=progress, cancel=cancel)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]


class _Ctx:
    """What tasks.TaskContext offers a worker: a cancel event and progress()."""

    def __init__(self) -> None:
        self.cancel = threading.Event()
        self.seen: list[object] = []

    def progress(self, obj: object) -> None:
        self.seen.append(obj)


def test_trainer_runs_on_a_worker_thread_with_its_own_connection(home):
    paths, _db, _c, _p = home
    ctx = _Ctx()
    result: list[object] = []
    worker = threading.Thread(
        target=lambda: result.append(Trainer(paths.db_path, default_model_path(paths))(ctx)))
    worker.start()
    worker.join(60)
    assert not worker.is_alive()
    (info,) = result
    assert info.path.is_file()  # type: ignore[attr-defined]
    assert ctx.seen[0] == ("reading signals", 0.0) and ctx.seen[-1] == ("done", 1.0)


def test_needs_refresh_life_cycle(home, tmp_path):
    paths, db, catalog, (ann, sam) = home
    path = default_model_path(paths)
    assert needs_refresh(db, path)  # no model yet
    train_model(db, path)
    assert not needs_refresh(db, path)
    titles = catalog.movies[:REFRESH_MIN_NEW_SIGNALS]
    for tid in titles[:-1]:
        set_thumb(db, ann, tid, 1)
    assert not needs_refresh(db, path)  # a few new signals: the page folds them in
    set_thumb(db, sam, titles[-1], 2)
    assert needs_refresh(db, path)
    train_model(db, path)
    assert not needs_refresh(db, path)
    with transaction(db):
        db.conn.execute("DELETE FROM watch_sessions WHERE profile_id = ?", (sam,))
    assert needs_refresh(db, path)  # history erased: the model must forget it
    train_model(db, path)
    assert not needs_refresh(db, path)

    path.write_bytes(b"garbage")
    assert needs_refresh(db, path)

    other = open_db(tmp_path / "other.sqlite3")
    generate_catalog(other, 40, now=NOW, seed=12)
    create_profile(other, "X")
    foreign = tmp_path / "foreign.npz"
    train_model(other, foreign)
    other.conn.close()
    assert needs_refresh(db, foreign)


def test_a_grown_catalog_needs_a_new_model(home):
    paths, db, _catalog, (_ann, _sam) = home
    path = default_model_path(paths)
    train_model(db, path)
    generate_catalog(db, 60, now=NOW, seed=33)  # 20 % more titles
    assert needs_refresh(db, path)


def test_training_on_an_empty_household(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    generate_catalog(db, 30, now=NOW)
    pid = create_profile(db, "Alone").id
    with transaction(db):
        record_watch(db, pid, 1, at=NOW)
    info = train_model(db, tmp_path / "m.npz")
    assert info.signals == 1
    db.conn.close()
