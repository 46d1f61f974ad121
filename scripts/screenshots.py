#!/usr/bin/env python3
"""A screenshot of every screen of the app, on the demo library, to look at.

Usage: scripts/screenshots.py OUT_DIR [--home DIR]

Runs the real app (real libVLC video in the player) on a display; without one it re-runs
itself under ``xvfb-run``. Screens are captured with ImageMagick's ``import -window root``
when it is installed (it sees the native video), else with ``QWidget.grab()``. The demo library
is generated (ffmpeg) in a temporary home unless --home points at an existing one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

STEP_MS = 900


def _viewing_history(db, profile_ids: list[int]) -> None:
    """Half a year of viewing of the demo's titles, so Insights and Your taste have something to
    draw (the generator the Insights benchmark uses, on the demo's films and shows)."""
    import time

    from mediacenter.db import catalog as cat
    from mediacenter.insights.synthetic import generate_years
    from mediacenter.recommend.synthetic import Catalog

    rows = db.conn.execute("SELECT id, kind FROM titles WHERE removed_at IS NULL "
                           "AND kind IN ('movie', 'show')").fetchall()
    genres: dict[int, tuple[str, ...]] = {tid: () for tid, _k in rows}
    for tid, name in db.conn.execute("SELECT title_id, name FROM title_genres "
                                     "JOIN genres ON genres.id = genre_id"):
        if tid in genres:
            genres[tid] += (name,)
    episodes = {tid: cat.episode_order(db, tid) for tid, kind in rows if kind == "show"}
    shows = [tid for tid, eps in episodes.items() if eps]
    demo = Catalog(movies=[tid for tid, kind in rows if kind == "movie"], shows=shows,
                   episodes={s: episodes[s] for s in shows},
                   genres_of={tid: g or ("Drama",) for tid, g in genres.items()})
    # About thirty viewings each: enough for the charts, with titles left to recommend.
    generate_years(db, demo, profile_ids, years=0.5, per_day=0.15, now=time.time() - 3600)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--home", type=Path)
    ap.add_argument("--no-history", dest="history", action="store_false",
                    help="no generated year of viewing (Insights shows its empty states)")
    ap.add_argument("--no-artwork", dest="artwork", action="store_false",
                    help="no artwork made first (the screens as in the app's first seconds)")
    args = ap.parse_args()
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x900x24",
                                sys.executable, *sys.argv])
    args.out.mkdir(parents=True, exist_ok=True)
    home = args.home or Path(tempfile.mkdtemp(prefix="mc-shots-"))
    os.environ["MEDIACENTER_HOME"] = str(home)

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from mediacenter.config import app_paths
    from mediacenter.db import open_db
    from mediacenter.db.admin import unlock
    from mediacenter.db.profiles import create_profile, list_profiles, set_pin
    from mediacenter.demo import STORY_TITLE, add_demo_root
    from mediacenter.library.scanner import Scanner
    from mediacenter.ui.app import load_theme
    from mediacenter.ui.main_window import MainWindow

    paths = app_paths().ensure()
    db = open_db(paths.db_path, backup_dir=paths.backup_dir)
    root_id = add_demo_root(db, paths, unlock(db, None))  # a fresh catalog: no PIN yet
    Scanner(db).scan_root(root_id)
    if not list_profiles(db):
        create_profile(db, "Alex", color="#e50914")
        sam = create_profile(db, "Sam", color="#2f80ed")
        set_pin(db, sam.id, "1234")
        create_profile(db, "Kids", is_kids=True, max_rating="PG", color="#27ae60")
    sam = next(p for p in list_profiles(db) if p.name == "Sam")
    alex = next(p.id for p in list_profiles(db) if p.name == "Alex")
    if args.history:
        _viewing_history(db, [alex, sam.id])
    db.conn.close()
    if args.artwork:
        # What the app's background job has made a minute after its first start (this
        # script builds the window itself and never starts the background work).
        from mediacenter.artwork.pipeline import generate_library

        generate_library(paths.db_path, paths.cache_dir, workers=2, low_priority=False)

    app = QApplication(sys.argv[:1])
    load_theme(app)
    w = MainWindow(paths, probe=False)
    w.resize(1600, 900)
    w.show()
    w.activateWindow()
    grab = shutil.which("import")
    steps: list = []

    def shot(name: str) -> None:
        def take() -> None:
            target = args.out / f"{name}.png"
            if grab:
                subprocess.run([grab, "-window", "root", str(target)], check=False)
            else:
                w.grab().save(str(target))
            print(target)
        steps.append(take)

    def do(fn) -> None:
        steps.append(fn)

    def key(k) -> None:
        steps.append(lambda: QTest.keyClick(QApplication.focusWidget() or w, k))

    def first_title(kind: str) -> int:
        return w.db.conn.execute("SELECT id FROM titles WHERE kind = ? AND removed_at IS NULL "
                                 "ORDER BY id LIMIT 1", (kind,)).fetchone()[0]

    shot("01-profiles")
    do(lambda: w.choose_profile(alex))
    do(lambda: None)
    shot("02-home")
    for k in (Qt.Key.Key_Down, Qt.Key.Key_Right, Qt.Key.Key_Right):
        key(k)
    shot("03-home-focus")
    for _ in range(3):
        key(Qt.Key.Key_Down)
    shot("04-home-genre-rows")
    key(Qt.Key.Key_Return)
    shot("05-details-movie")
    do(lambda: w.open_details(first_title("show")))
    shot("06-details-show")
    do(lambda: w.go("search"))
    do(lambda: QTest.keyClicks(w.search_view.box, "garden"))
    do(lambda: None)
    shot("07-search")
    do(lambda: w.go("library"))
    shot("08-library")
    do(lambda: w.go("settings"))
    shot("09-settings")
    do(lambda: w.play_title(first_title("movie")))
    do(lambda: None)
    do(lambda: None)
    shot("10-player")
    key(Qt.Key.Key_I)
    do(lambda: None)
    shot("10b-player-stats")
    key(Qt.Key.Key_I)
    key(Qt.Key.Key_Question)
    shot("11-player-help")
    key(Qt.Key.Key_X)
    do(lambda: w.player_view.leave())
    do(lambda: w.play_title(first_title("episode")))
    do(lambda: None)
    do(lambda: w.player_view.seek(max(0, w.player_view.player.duration_ms() - 300)))
    do(lambda: None)
    do(lambda: None)
    shot("12-player-up-next")
    key(Qt.Key.Key_Escape)
    do(lambda: w.go("home"))
    do(lambda: None)
    shot("13-home-continue-watching")
    do(lambda: w.home.rows and w.open_row(w.home.rows[-1].row))
    shot("14-home-see-all")
    do(lambda: w.go("library"))
    do(lambda: w.library.filters.kind.setCurrentIndex(w.library.filters.kind.findData("movie")))
    do(lambda: w.library.view.setFocus())
    shot("15-library-filtered")
    do(lambda: w.library.filters.reset())
    do(lambda: w.go("settings"))
    do(lambda: w.settings_view.show_section("Stored data"))
    do(lambda: None)
    shot("17-settings-stored-data")
    do(lambda: w.go("insights"))
    do(lambda: None)
    do(lambda: None)
    shot("18-insights-your-viewing")
    do(lambda: w.insights.show_section("Household"))
    do(lambda: None)
    shot("19-insights-household")
    do(lambda: w.insights.show_section("Your taste"))
    do(lambda: None)
    do(lambda: None)
    shot("20-insights-your-taste")
    do(lambda: w.insights.show_section("Audit"))
    do(lambda: None)
    do(lambda: None)
    shot("21-insights-audit")
    story = w.db.conn.execute("SELECT id FROM titles WHERE title = ?", (STORY_TITLE,)).fetchone()
    if story:
        do(lambda: w.open_details(story[0]))
        shot("22-details-interactive")
        do(lambda: w.play_title(story[0]))
        for _ in range(12):  # the first choice opens a few seconds in
            do(lambda: None)
        shot("23-player-interactive-choice")
        key(Qt.Key.Key_Escape)
    kids = next(p.id for p in list_profiles(w.db) if p.is_kids)
    do(lambda: w.choose_profile(kids))
    do(lambda: w.go("settings"))
    do(lambda: w.settings_view.show_section("Playback"))
    shot("16-settings-playback-kids")

    def run(i: int = 0) -> None:
        if i >= len(steps):
            app.quit()
            return
        try:
            steps[i]()
        except Exception as exc:  # a missing screen must not hide the others
            print(f"step {i} failed: {exc}", file=sys.stderr)
        QTimer.singleShot(STEP_MS, lambda: run(i + 1))

    QTimer.singleShot(1500, run)
    app.exec()
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
