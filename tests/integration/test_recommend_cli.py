"""``mediacenter recommend``, ``recs-eval`` and ``ratings import``, in-process through
``cli.main`` against the isolated MEDIACENTER_HOME of conftest."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict

import pytest

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.recommend.evaluate import Rating, ranking_metrics, split_per_user
from mediacenter.recommend.synthetic import (
    add_title,
    generate_catalog,
    generate_household,
    synthetic_ratings,
)
from tests.cli_run import run

NOW = 1_700_000_000.0


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture
def split_files(tmp_path):
    ratings, movies = synthetic_ratings(n_users=120, n_items=300, seed=3)
    rows = [Rating(u, i, s, float(t)) for u, i, s, t in ratings]
    train, test = split_per_user(rows, 0.2, seed=1)
    header = ["userId", "movieId", "rating", "timestamp"]
    _write(tmp_path / "train.csv", header, [(r.user, r.item, r.stars, int(r.at)) for r in train])
    _write(tmp_path / "test.csv", header, [(r.user, r.item, r.stars, int(r.at)) for r in test])
    _write(tmp_path / "movies.csv", ["movieId", "title", "genres"], movies)
    return tmp_path, train, test


def test_recs_eval_prints_the_metrics_and_beats_most_popular(capsys, split_files):
    folder, train, test = split_files
    rc, out, err = run(capsys, "recs-eval", "--train", str(folder / "train.csv"),
                       "--test", str(folder / "test.csv"), "--json")
    assert rc == 0, err
    result = json.loads(out)
    for key in ("precision@10", "recall@10", "ndcg@10", "hit_rate@10", "coverage",
                "fit_seconds"):
        assert key in result
    assert result["users"] == 120 and result["movies_csv"].endswith("movies.csv")
    assert 0 < result["fit_seconds"] < 30
    # the same split ranked by popularity alone
    relevant = defaultdict(set)
    for r in test:
        relevant[r.user].add(r.item)
    seen = defaultdict(set)
    for r in train:
        seen[r.user].add(r.item)
    order = [i for i, _ in Counter(r.item for r in train).most_common()]
    recs = {u: [i for i in order if i not in seen[u]][:10] for u in relevant}
    pop = ranking_metrics(recs, relevant, 10, 300)
    assert result["ndcg@10"] > 1.5 * pop["ndcg@10"]
    assert result["coverage"] > pop["coverage"]


def test_recs_eval_text_output_and_other_k(capsys, tmp_path):
    ratings, _movies = synthetic_ratings(n_users=30, n_items=80, per_user=10, seed=9)
    rows = [Rating(u, i, s, float(t)) for u, i, s, t in ratings]
    train, test = split_per_user(rows, 0.2, seed=2)
    header = ["userId", "movieId", "rating", "timestamp"]
    _write(tmp_path / "a.csv", header, [(r.user, r.item, r.stars, int(r.at)) for r in train])
    _write(tmp_path / "b.csv", header, [(r.user, r.item, r.stars, int(r.at)) for r in test])
    rc, out, err = run(capsys, "recs-eval", "--train", str(tmp_path / "a.csv"),
                       "--test", str(tmp_path / "b.csv"), "--k", "5")
    assert rc == 0, err
    assert "ndcg@5:" in out and "movies_csv: None" in out


def test_recs_eval_user_errors(capsys, split_files):
    folder, _train, _test = split_files
    rc, _out, err = run(capsys, "recs-eval", "--train", str(folder / "nope.csv"),
                        "--test", str(folder / "test.csv"))
    assert rc == 2 and err.startswith("mediacenter: No such file")
    (folder / "bad.csv").write_text("a,b,c\n1,2,3\n")
    rc, _out, err = run(capsys, "recs-eval", "--train", str(folder / "bad.csv"),
                        "--test", str(folder / "test.csv"))
    assert rc == 2 and "expected a header with userId,movieId,rating" in err
    (folder / "bad.csv").write_text("userId,movieId,rating\n1,2,lots\n")
    rc, _out, err = run(capsys, "recs-eval", "--train", str(folder / "bad.csv"),
                        "--test", str(folder / "test.csv"))
    assert rc == 2 and "line 2" in err
    rc, _out, err = run(capsys, "recs-eval", "--train", str(folder / "train.csv"),
                        "--test", str(folder / "test.csv"), "--k", "0")
    assert rc == 2 and "--k" in err


@pytest.fixture
def household():
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    catalog = generate_catalog(db, 300, now=NOW, seed=21)
    generate_household(db, catalog, ["Ann", "Sam"], watches=30, now=NOW)
    db.conn.close()
    return paths


def test_recommend_prints_rows_with_reasons(capsys, household):
    rc, out, err = run(capsys, "recommend", "--profile", "ann", "--json", "--train")
    assert rc == 0, err
    page = json.loads(out)
    assert page["profile"]["name"] == "Ann"
    assert page["trained"]["profiles"] == 2
    assert (household.data_dir / "models" / "recommender.npz").is_file()
    keys = [r["key"] for r in page["rows"]]
    assert "top" in keys and page["hero"] is not None
    for row in page["rows"]:
        for item in row["items"]:
            assert item["reason"] and item["label"]
    rc, out, err = run(capsys, "recommend", "--profile", "Ann", "--limit", "3")
    assert rc == 0, err
    assert "Top picks for Ann" in out and "  ·  " in out
    assert "Trained" not in out  # no --train: the model file is used as it is


def test_recommend_unknown_profile(capsys, household):
    rc, _out, err = run(capsys, "recommend", "--profile", "Nobody")
    assert rc == 2
    assert err.startswith("mediacenter: No profile named 'Nobody' (profiles: Ann, Sam)")


def test_ratings_import_reports_matched_and_unmatched(capsys, household, tmp_path):
    db = open_db(household.db_path)
    add_title(db, "Alien", year=1979)
    db.conn.close()
    f = tmp_path / "ratings.csv"
    f.write_text("Date,Name,Year,Letterboxd URI,Rating\n2020-01-02,Alien,1979,u,4.5\n"
                 "2020-01-03,Nowhere Film,2001,u,3\n2020-01-04,Alien,1979,u,\n")
    rc, out, err = run(capsys, "ratings", "import", str(f), "--profile", "Sam")
    assert rc == 0, err
    assert "3 rows, 1 matched to your library, 1 not matched, 1 skipped" in out
    assert "line 3: Nowhere Film (2001): not in the library" in out
    rc, out, _ = run(capsys, "ratings", "import", str(f), "--profile", "Sam", "--json")
    report = json.loads(out)
    assert report["matched"] == 1 and report["unmatched"][0]["line"] == 3
    f.write_bytes(b"\x00\x00binary")
    rc, _out, err = run(capsys, "ratings", "import", str(f), "--profile", "Sam")
    assert rc == 2 and "not a text file" in err
