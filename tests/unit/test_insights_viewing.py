"""Insights charts from hand-made history on a real catalog: each number checked by hand."""

from __future__ import annotations

import csv
import io
import time

import pytest

from mediacenter.db import open_db
from mediacenter.db.app_settings import set_shares_household_trends
from mediacenter.db.profiles import ProfileNotFoundError, create_profile
from mediacenter.db.tx import transaction
from mediacenter.insights.export import chart_csv, write_chart_csv
from mediacenter.insights.viewing import compute_insights, sittings
from mediacenter.recommend.synthetic import add_show, add_title, record_watch


def local(y, mo, d, h, mi=0) -> float:
    return time.mktime((y, mo, d, h, mi, 0, 0, 0, -1))


@pytest.fixture
def db(tmp_path):
    d = open_db(tmp_path / "c.sqlite3")
    yield d
    d.conn.close()


@pytest.fixture
def lib(db):
    with transaction(db):
        films = {n: add_title(db, n, genres=g) for n, g in (
            ("Alien", ("Horror", "Sci-Fi")), ("Heat", ("Crime",)), ("Up", ("Animation",)),
            ("Big", ("Comedy",)), ("Jaws", ("Horror",)), ("Rocky", ("Drama",)))}
        show, eps = add_show(db, "Dark", episodes=6, genres=("Sci-Fi",))
        home = add_title(db, "Beach trip", kind="other")
    return films, show, eps, home


def test_heat_map_completion_kinds_and_csv(db, lib):
    films, _show, _eps, home = lib
    ana = create_profile(db, "Ana").id
    # Three Tuesday 21:xx viewings (2024-03-05 is a Tuesday), one Saturday 10:00.
    record_watch(db, ana, films["Alien"], at=local(2024, 3, 5, 21, 10))
    record_watch(db, ana, films["Heat"], at=local(2024, 3, 12, 21, 5), fraction=0.01)
    record_watch(db, ana, films["Up"], at=local(2024, 3, 19, 21, 40), fraction=0.5)
    record_watch(db, ana, films["Big"], at=local(2024, 4, 6, 10, 0))
    record_watch(db, ana, home, at=local(2024, 4, 7, 10, 0), duration_ms=600_000)
    ins = compute_insights(db, ana)
    assert ins.viewings == 5 and ins.name == "Ana"
    when = ins.chart("when")
    assert when.empty is None
    tuesday = when.series[1]
    assert tuesday.name == "Tuesday" and tuesday.values[21] == 3
    assert when.series[5].values[10] == 1 and sum(sum(s.values) for s in when.series) == 5
    assert "Tuesdays around 21:00" in when.summary
    done = ins.chart("completion")
    assert done.categories == ("Movies", "Home videos")
    by = {s.name: s.values for s in done.series}
    assert by == {"Finished": (2.0, 1.0), "Stopped part-way": (1.0, 0.0),
                  "Abandoned early": (1.0, 0.0)}
    assert "finish 60 %" in done.summary and "20 % is left" in done.summary
    kinds = ins.chart("kinds")
    assert kinds.categories == ("2024-03", "2024-04")
    movies = dict(zip(kinds.categories, kinds.series[0].values, strict=True))
    assert kinds.series[0].name == "Movies"
    assert movies["2024-03"] == pytest.approx(1.5 + 0.01 * 1.5 + 0.75, abs=0.01)
    genres = ins.chart("genres")
    horror = next(s for s in genres.series if s.name == "Horror").values
    assert horror[0] == 0.75  # Alien's 1.5 h split between Horror and Sci-Fi
    header, *rows = list(csv.reader(io.StringIO(chart_csv(when))))
    assert header == ["hour", *("Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
                                .split())]
    assert rows[21][0] == "21:00" and float(rows[21][2]) == 3.0


def test_sittings_and_binges(db, lib):
    _films, _show, eps, _home = lib
    ben = create_profile(db, "Ben").id
    t = local(2024, 5, 1, 20)
    for k, ep in enumerate(eps[:4]):  # four in a row, 40 min each, 1 min apart
        record_watch(db, ben, ep, at=t + k * 2460, duration_ms=2_400_000)
    record_watch(db, ben, eps[4], at=t + 86400, duration_ms=2_400_000)  # next day, alone
    ins = compute_insights(db, ben)
    binges = ins.chart("binges")
    assert binges.series[0].values == (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    assert "2.5 episodes per sitting" in binges.summary
    assert "4 episodes of Dark on 1 May 2024" in binges.summary
    # the same profile's sittings break on a gap, two profiles never share one
    found = sittings([(1, 10, 5, 0.0, 100.0), (1, 11, 5, 200.0, 300.0),
                      (2, 12, 5, 310.0, 400.0), (1, 13, 5, 4000.0, 4100.0)])
    assert [n for n, _s, _a in found] == [2, 1, 1]


def test_tiny_history_says_what_will_appear(db, lib):
    films, *_ = lib
    cleo = create_profile(db, "Cleo").id
    empty = compute_insights(db, cleo)
    assert empty.viewings == 0
    assert all(c.empty and not c.series for c in empty.charts)
    record_watch(db, cleo, films["Up"], at=local(2024, 1, 2, 17))
    record_watch(db, cleo, films["Big"], at=local(2024, 1, 3, 17))
    two = compute_insights(db, cleo)
    assert "appears after 5 viewings; there are 2 so far" in two.chart("when").empty
    assert "Episodes per sitting appears once you watch episodes" in two.chart("binges").empty
    with pytest.raises(ValueError, match="nothing to export yet"):
        write_chart_csv(two.chart("when"), "/tmp/never.csv")
    with pytest.raises(ProfileNotFoundError):
        compute_insights(db, 999)


def test_taste_drift_and_household_scope(db, lib):
    films, *_ = lib
    ana, ben, dev = (create_profile(db, n).id for n in ("Ana", "Ben", "Dev"))
    # Ana: Crime in early 2023, Comedy in late 2023 (three viewings each quarter).
    for d in range(3):
        record_watch(db, ana, films["Heat"], at=local(2023, 1, 10 + d, 20))
        record_watch(db, ana, films["Big"], at=local(2023, 10, 10 + d, 20))
    record_watch(db, ben, films["Rocky"], at=local(2023, 6, 1, 20))
    record_watch(db, dev, films["Jaws"], at=local(2023, 6, 2, 20))
    drift = compute_insights(db, ana).chart("drift")
    assert drift.categories == ("2023 Q1", "2023 Q2", "2023 Q3", "2023 Q4")
    crime = next(s for s in drift.series if s.name == "Crime").values
    assert crime[0] == 100.0 and crime[3] == 0.0
    assert "more Comedy (+100 points) and less Crime (-100 points)" in drift.summary
    set_shares_household_trends(db, ben, False)
    seen_by_ana = compute_insights(db, ana, household=True)
    assert seen_by_ana.viewings == 7  # Ana's six and Dev's one; Ben keeps his own
    assert compute_insights(db, ben, household=True).viewings == 8  # his own always counts
    assert seen_by_ana.name == "Your household"
