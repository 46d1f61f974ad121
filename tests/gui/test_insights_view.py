"""The Insights screen in the real window: charts from real history, keys, PNG/CSV, empty."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.db.app_settings import set_shares_household_trends
from mediacenter.db.profiles import create_profile
from mediacenter.insights.synthetic import generate_years
from mediacenter.recommend.synthetic import generate_catalog
from mediacenter.ui.charts import ChartCard
from mediacenter.ui.insights_view import ViewingSection
from mediacenter.ui.main_window import MainWindow

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))


@pytest.fixture(autouse=True)
def _theme(qapp):
    from mediacenter.ui.app import load_theme

    load_theme(qapp)


@pytest.fixture
def household():
    """Two years of viewing for Ana and Ben; Cleo has watched nothing; Dev watched twice."""
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    cat = generate_catalog(db, 300, episodes_per_show=6)
    ids = [create_profile(db, n).id for n in ("Ana", "Ben")]
    generate_years(db, cat, ids, years=2, per_day=0.8)
    cleo = create_profile(db, "Cleo").id
    dev = create_profile(db, "Dev").id
    from mediacenter.recommend.synthetic import record_watch

    record_watch(db, dev, cat.movies[0], at=1_699_000_000.0)
    record_watch(db, dev, cat.movies[1], at=1_699_100_000.0, fraction=0.02)
    db.conn.close()
    return paths, {"Ana": ids[0], "Ben": ids[1], "Cleo": cleo, "Dev": dev}


def _open(qtbot, paths, profile_id, answers: list[str] | None = None):
    w = MainWindow(paths, probe=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    w.choose_profile(profile_id)
    if answers is not None:
        for name in w.insights.names[:2]:
            w.insights.section(name).ask_path = lambda *_a: answers.pop(0)
    return w


def _open_section(qtbot, paths, profile_id: int, name: str, kind: type):
    """The window on ``profile_id``'s Insights, section ``name`` shown: (window, section)."""
    w = _open(qtbot, paths, profile_id)
    w.go("insights")
    w.insights.show_section(name)
    section = w.insights.section(name)
    assert isinstance(section, kind)
    return w, section


def _drawn(section: ViewingSection) -> bool:
    return len(section.cards) == 6 and all(c.realized for c in section.cards)


def _viewing(w: MainWindow, name: str = "Your viewing") -> ViewingSection:
    section = w.insights.section(name)
    assert isinstance(section, ViewingSection)
    return section


def test_opens_with_every_chart_drawn_and_walks_by_keyboard(qtbot, household, tmp_path):
    paths, ids = household
    answers: list[str] = []
    w = _open(qtbot, paths, ids["Ana"], answers)
    w.go("insights")
    section = _viewing(w)
    qtbot.waitUntil(lambda: _drawn(section), timeout=10_000)
    keys = [c.data.key for c in section.cards]
    assert keys == ["when", "genres", "kinds", "completion", "binges", "drift"]
    assert all(c.view is not None and c.data.empty is None for c in section.cards)
    assert "Ana" in section.heading.text()
    # The keys: focus starts in the section list; Right goes into the charts.
    assert w.insights.nav_list.hasFocus()
    qtbot.keyClick(w.insights.nav_list, Qt.Key.Key_Right)
    first = section.cards[0].view
    assert first is not None and first.hasFocus()
    qtbot.keyClick(first, Qt.Key.Key_End)
    assert first.cursor_index == 23
    assert section.cards[0].readout.text().startswith("23:00")
    qtbot.keyClick(first, Qt.Key.Key_Down)  # to its buttons
    assert section.cards[0].png_button.hasFocus()
    qtbot.keyClick(section.cards[0].png_button, Qt.Key.Key_Down)
    genres = section.cards[1].view
    assert genres is not None and genres.hasFocus()
    qtbot.keyClick(genres, Qt.Key.Key_Right)
    qtbot.keyClick(genres, Qt.Key.Key_Right)
    text = section.cards[1].readout.text()
    month = section.cards[1].data.categories[2]  # focus shows the first, then two steps
    assert text.startswith(f"{month} (hours): ")
    # Left walks back, and from the first month leaves the chart for the section list.
    qtbot.keyClick(genres, Qt.Key.Key_Left)
    qtbot.keyClick(genres, Qt.Key.Key_Left)
    assert genres.hasFocus() and genres.cursor_index == 0
    qtbot.keyClick(genres, Qt.Key.Key_Left)
    assert w.insights.nav_list.hasFocus()
    # Export: the chart as a picture and its table.
    png, table = tmp_path / "when.png", tmp_path / "genres.csv"
    answers += [str(png), str(table)]
    section.cards[0].png_button.click()
    section.cards[1].csv_button.click()
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 300
    # Dark: the picture's mean brightness is that of a dark theme.
    total = sum(image.pixelColor(x, y).lightness() for x in range(0, image.width(), 25)
                for y in range(0, image.height(), 25))
    assert total / ((image.width() // 25 + 1) * (image.height() // 25 + 1)) < 80
    rows = list(csv.reader(table.read_text(encoding="utf-8").splitlines()))
    chart = section.cards[1].data
    assert rows[0] == ["month", *(s.name for s in chart.series)]
    assert [r[0] for r in rows[1:]] == list(chart.categories)
    col = rows[0].index(chart.series[0].name)
    assert [float(r[col]) for r in rows[1:]] == list(chart.series[0].values)
    assert f"Saved to {table}" in section.status.text()
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "insights-viewing.png"))
    section.grab().save(str(SHOTS / "insights-viewing-all.png"))
    w.close()


def test_household_view_names_no_title_and_leaves_out_who_opted_out(qtbot, household):
    paths, ids = household
    db = open_db(paths.db_path)
    set_shares_household_trends(db, ids["Ben"], False)
    (ana_n,) = db.conn.execute("SELECT count(*) FROM watch_sessions WHERE profile_id = ?",
                               (ids["Ana"],)).fetchone()
    db.conn.close()
    w = _open(qtbot, paths, ids["Dev"])
    w.go("insights")
    w.insights.show_section("Household")
    section = _viewing(w, "Household")
    qtbot.waitUntil(lambda: _drawn(section), timeout=10_000)
    assert section.insights is not None
    # Dev's two viewings and Ana's; Ben keeps his to himself.
    assert section.insights.viewings == ana_n + 2
    binges = section.insights.chart("binges")
    assert "Title" not in binges.summary and " of " not in binges.summary
    w.close()


def test_empty_and_tiny_histories_explain_instead_of_empty_axes(qtbot, household):
    paths, ids = household
    for who, have in (("Cleo", "Nothing watched yet"), ("Dev", "2 viewings")):
        w = _open(qtbot, paths, ids[who])
        w.go("insights")
        section = _viewing(w)
        qtbot.waitUntil(lambda s=section: _drawn(s), timeout=10_000)
        assert have in section.intro.text()
        for card in section.cards:
            assert card.view is None, card.data.key  # no axes drawn at all
            assert card.data.empty and not card.empty.isHidden()
            assert not card.png_button.isEnabled() and not card.csv_button.isEnabled()
        if who == "Dev":
            when = section.cards[0]
            assert "appears after 5 viewings" in when.empty.text()
            assert "there are 2 so far" in when.empty.text()
            SHOTS.mkdir(exist_ok=True)
            w.grab().save(str(SHOTS / "insights-tiny.png"))
        w.close()


def test_new_viewing_refreshes_the_open_section(qtbot, household):
    paths, ids = household
    w = _open(qtbot, paths, ids["Dev"])
    w.go("insights")
    section = _viewing(w)
    qtbot.waitUntil(lambda: _drawn(section), timeout=10_000)
    from mediacenter.recommend.synthetic import record_watch

    db = open_db(paths.db_path)
    for k in range(4):
        record_watch(db, ids["Dev"], k + 10, at=1_699_200_000.0 + k * 40 * 86400)
    db.conn.close()
    from mediacenter.ui.events import Changes

    w.events.notify(Changes(history=True, profile_id=ids["Dev"]))
    qtbot.waitUntil(lambda: bool(section.cards) and isinstance(section.cards[0], ChartCard)
                    and section.cards[0].view is not None, timeout=10_000)
    assert section.insights is not None and section.insights.viewings == 6
    w.close()


def test_your_taste_controls_change_home_at_once(qtbot, tmp_path):
    from mediacenter.db.taste_adjustments import adjustments
    from mediacenter.recommend.synthetic import add_title
    from mediacenter.ui.taste_view import TasteSection

    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    now = 1_700_000_000.0
    ids = {}
    for k in range(10):
        ids[f"sf{k}"] = add_title(db, f"Star {k}", genres=("Sci-Fi",), year=1985,
                                  added_at=now - 90 * 86400, rating=7.0)
        ids[f"co{k}"] = add_title(db, f"Laugh {k}", genres=("Comedy",), year=2015,
                                  added_at=now - 90 * 86400, rating=7.0)
    sam = create_profile(db, "Sam").id
    import time as _t

    for k in range(3):
        record = _t.time() - (k + 1) * 86400
        from mediacenter.recommend.synthetic import record_watch

        record_watch(db, sam, ids[f"sf{k}"], at=record)
    db.conn.close()
    w, taste = _open_section(qtbot, paths, sam, "Your taste", TasteSection)
    qtbot.waitUntil(lambda: taste.taste is not None, timeout=20_000)
    assert "Sam" in taste.heading.text()
    genres = dict(taste.taste.groups)["Genres"]
    assert genres[0].label == "Sci-Fi"
    assert {c.title for c in genres[0].causes} == {"Star 0", "Star 1", "Star 2"}
    qtbot.wait(200)  # the rows laid out
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "insights-taste.png"))
    # "Less like this" on Sci-Fi: stored, announced, and Home's top picks follow.
    qtbot.waitUntil(lambda: w._home_task is None, timeout=20_000)
    less = next(b for b in taste.buttons() if b.accessibleName() == "Less like Sci-Fi")
    less.click()
    assert adjustments(w.db, sam).less_like == {"genre:Sci-Fi"}
    assert "Less like Sci-Fi" in taste.status.text()
    w.go("home")

    def top_has_no_scifi() -> bool:
        page = w.home.page
        if page is None or w._home_task is not None:
            return False
        top = next((r for r in page.rows if r.key == "top"), None)
        return top is not None and all(
            it.title_id not in {ids[f"sf{k}"] for k in range(10)} for it in top.items)

    qtbot.waitUntil(top_has_no_scifi, timeout=20_000)
    # Don't count a title, then reset everything.
    w.go("insights")
    qtbot.waitUntil(lambda: taste.taste is not None and bool(taste.taste.adjustments),
                    timeout=20_000)
    dont = next(b for b in taste.buttons() if b.accessibleName() == "Don't count Star 0")
    dont.click()
    qtbot.waitUntil(lambda: taste.taste is not None and taste.taste.set_aside == 1,
                    timeout=20_000)
    assert adjustments(w.db, sam).ignored == {ids["sf0"]}
    taste.reset_button.click()
    assert not adjustments(w.db, sam).any
    qtbot.waitUntil(lambda: taste.taste is not None and not taste.taste.adjustments,
                    timeout=20_000)
    w.close()


def test_audit_section_shows_the_numbers_and_the_option_changes_the_page(qtbot):
    from mediacenter.db.app_settings import calibrated_recs
    from mediacenter.recommend.synthetic import generate_household
    from mediacenter.ui.audit_view import AuditSection

    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    cat = generate_catalog(db, 400, seed=4)
    (ana,) = generate_household(db, cat, ["Ana"], watches=30)
    kid = create_profile(db, "Kid", is_kids=True, max_rating="PG").id
    db.conn.close()
    w, section = _open_section(qtbot, paths, ana, "Audit", AuditSection)
    qtbot.waitUntil(lambda: section.audit is not None, timeout=30_000)
    audit = section.audit
    assert audit.profile == "Ana" and audit.app.titles > 0 and not audit.kids
    assert f"{audit.app.titles} titles out of {audit.candidates}" in section.intro.text()
    assert section.kids.isHidden()
    qtbot.wait(100)
    SHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SHOTS / "insights-audit.png"))
    section.option.click()
    assert calibrated_recs(w.db, ana)
    qtbot.waitUntil(lambda: section.audit is not None and section.audit.calibrated_option,
                    timeout=30_000)
    w.choose_profile(kid)
    w.go("insights")
    qtbot.waitUntil(lambda: section.audit is not None and section.audit.kids, timeout=30_000)
    assert not section.kids.isHidden()
    # Nothing of Ana's page was shown, described or logged as the kid's when it switched.
    assert "no title above it anywhere" in section.kids.text()
    w.close()


def test_audit_with_nothing_left_to_recommend_says_so_instead_of_a_table_of_zeros(qtbot):
    from mediacenter.recommend.synthetic import record_watch
    from mediacenter.ui.audit_view import AuditSection

    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    cat = generate_catalog(db, 6, seed=3)
    ana = create_profile(db, "Ana").id
    for k, tid in enumerate(cat.movies + [e for eps in cat.episodes.values() for e in eps]):
        record_watch(db, ana, tid, at=1_700_000_000.0 + k * 7200)
    db.conn.close()
    w, section = _open_section(qtbot, paths, ana, "Audit", AuditSection)
    qtbot.waitUntil(lambda: section.audit is not None, timeout=30_000)
    assert section.audit.app.titles == 0
    assert section.intro.text().startswith("Nothing to audit yet: Ana has watched")
    assert section.table_host.isHidden()
    w.close()
