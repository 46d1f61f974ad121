"""The recommendation audit on a real catalog: numbers against most-popular, the kids check
(and that it can fail), ``mediacenter audit --json``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from mediacenter.audit.profile import audit_profile, kids_check
from mediacenter.db.app_settings import set_calibrated_recs
from mediacenter.db.content_rating import visible_title_ids
from mediacenter.db.profiles import ProfileNotFoundError, create_profile, get_profile
from mediacenter.home.rows import Page, Row, RowItem
from mediacenter.recommend.synthetic import generate_catalog, generate_household, record_watch

NOW = 1_700_000_000.0


@pytest.fixture
def household(catalog_db, fresh_page_caches):
    db = catalog_db
    cat = generate_catalog(db, 600, seed=4)
    ids = generate_household(db, cat, ["Ana", "Ben"], watches=40, now=NOW)
    kid = create_profile(db, "Kid", is_kids=True, max_rating="PG").id
    return db, cat, ids, kid


def test_audit_measures_the_page_beside_most_popular(household):
    db, _cat, (ana, _ben), _kid = household
    audit = audit_profile(db, ana, now=NOW)
    app, mp = audit.app, audit.most_popular
    assert audit.popularity_source == "votes" and audit.kids_check is None
    assert app.titles == mp.titles > 20
    # most-popular never leaves the head; the app reaches into the tail, is better
    # calibrated to Ana's genres and more novel
    assert mp.long_tail_share == 0.0 < app.long_tail_share
    assert app.calibration_kl < mp.calibration_kl
    assert app.novelty > mp.novelty
    assert 0 < app.coverage == pytest.approx(app.titles / audit.candidates)
    assert 0.5 < app.gini_exposure < 1.0 and 0 < app.intra_list_diversity < 1
    assert 0 < audit.history_long_tail_share < 1 and audit.history_titles > 10
    with pytest.raises(ProfileNotFoundError):
        audit_profile(db, 999, now=NOW)


def test_calibrated_option_lowers_the_top_row_s_kl(household):
    db, _cat, (ana, ben), _kid = household
    kls = []
    for pid in (ana, ben):
        before = audit_profile(db, pid, now=NOW).app.calibration_kl_top
        set_calibrated_recs(db, pid, True)
        after = audit_profile(db, pid, now=NOW)
        assert after.calibrated_option
        kls.append((before, after.app.calibration_kl_top))
    assert all(after <= before + 1e-9 for before, after in kls)
    assert any(after < before for before, after in kls)


def test_kids_see_nothing_above_their_rating_and_the_check_can_fail(household):
    db, cat, _ids, kid = household
    allowed = visible_title_ids(db, get_profile(db, kid))
    fine = [t for t in cat.movies if t in allowed][:3]
    for t in fine:
        record_watch(db, kid, t, at=NOW - 86400)
    audit = audit_profile(db, kid, now=NOW)
    check = audit.kids_check
    assert check is not None and check.max_rating == "PG"
    assert check.violations == 0, check.above
    assert check.checked["rows"] > 10 and check.checked["search_queries"] > 10
    assert check.checked["stored_rows"] >= 6  # the sessions and states just written
    # A page that did show an R-rated film, and a stored impression of one: both found.
    banned = next(t for t in cat.movies if t not in allowed)
    page = Page((Row("top", "Top picks", (RowItem(banned, "x"), RowItem(fine[0], "y"))),))
    db.conn.execute("INSERT INTO artwork_impressions (profile_id, title_id, at) "
                    "VALUES (?, ?, ?)", (kid, banned, NOW))
    bad = kids_check(db, get_profile(db, kid), allowed, page)
    assert bad.above["rows"] == [banned] and bad.above["stored"] == [banned]
    assert bad.violations == 2


def test_audit_command_prints_json_and_gates_on_kids(household, tmp_path, monkeypatch):
    db, _cat, _ids, _kid = household
    db.conn.close()
    # the command reads the app's catalog: put this one where the app keeps it
    from mediacenter.config import app_paths

    monkeypatch.setenv("MEDIACENTER_HOME", str(tmp_path))
    paths = app_paths().ensure()
    shutil.copy(tmp_path / "c.sqlite3", paths.db_path)
    env = {**os.environ, "MEDIACENTER_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "mediacenter", "audit", "--profile", "Ana",
                          "--json"], capture_output=True, text=True, timeout=120,
                         env=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["profile"] == "Ana" and data["app"]["titles"] > 0
    assert set(data["most_popular"]) == set(data["app"])
    kid_out = subprocess.run([sys.executable, "-m", "mediacenter", "audit", "--profile",
                              "Kid"], capture_output=True, text=True, timeout=120,
                             env=env)
    assert kid_out.returncode == 0, kid_out.stderr
    assert "kids check (max rating PG): 0 titles above it" in kid_out.stdout
    missing = subprocess.run([sys.executable, "-m", "mediacenter", "audit", "--profile",
                              "Nobody"], capture_output=True, text=True, timeout=120,
                             env=env)
    assert missing.returncode == 2 and "Nobody" in missing.stderr
