#!/usr/bin/env python3
"""The GUI's measured targets (issue 3) on a 10,000-title catalog, each beside a reference.

A catalog is generated straight into SQLite: 8,000 movies (years, plots, ratings, rating
labels, 1-3 of 15 genres, a few people; some in two versions), 150 shows with seasons and
2,000 episodes, one file row per movie and episode (the files themselves do not exist), a
poster and a fanart image per movie and show so the tiles' artwork really loads, and a profile
whose history fills "Continue watching" with about 15 titles. The work the app does in the
background after an import (the recommender's model, artwork candidates for every title) is
done before the measured runs, which therefore see the steady state a person lives in; one
more run (reported under "first_start") sees the first start after the import, with all that
work running while it is used. Every app run starts from a fresh copy of that catalog, in a
fresh process started the way ``mediacenter`` starts (``mediacenter.ui.app.run_gui``), with
its modules compiled (as installed), on a real X server (Qt's xcb platform; without a display
the script re-runs itself under ``xvfb-run``).

- home_interactive_s: process start (the parent's clock just before it spawns the child;
  CLOCK_MONOTONIC is shared by both) to the first home page being usable: the main window
  shown, the first home rows set (the catalog's own rows, shown at once), the first row
  painted, and the event loop idle once after that (a 0 ms timer fired). Target < 1.5 s.
- home_personal_s: the same clock to the personal page being usable: the page the
  recommender builds in the page process replacing those rows (MainWindow._on_home_page),
  its first row painted, the loop idle after it. Target <= 3 s.
  Reference for both, same run, same harness: a bare PySide6 QApplication + QMainWindow
  showing a QLabel (qt_hello_s); home_vs_hello_ratio is the cost of the app over Qt's own
  start. Median of --runs runs each, after one unmeasured run of each (the OS file cache and
  compiled modules are then warm for both).
- details_open_ms_median / _max: ``MainWindow.open_details(id)`` (what Enter on a tile does)
  until the events it posted (layouts, the new page's paint) have been processed and the page
  has painted, for 10 movies and the 10 shows with the most episodes, each from the home
  screen. A synchronous UI-thread block, so held to the 50 ms stall target.
- row_scroll_longest_stall_ms, row_changes_longest_stall_ms, library_scroll_longest_stall_ms:
  the longest time the UI thread was blocked, measured by a 5 ms precise timer on the UI
  thread (longest gap between its ticks, minus 5 ms) while keys go to the focused widget from
  a timer every --key-interval-ms (16: one per frame), so the event loop paints between
  presses: Right across the longest home row from its first tile to its last; Down through
  every row and Up back; then, on the library screen, PageDown through the whole list to its
  last row. The tiles' artwork loads in the background meanwhile (artwork_images_loaded).
  Target: none > 50 ms. Median of the runs' longest; the worst run beside it. Beside each:
  *_longest_stall_ui_cpu_ms, the UI thread's own CPU time within that longest gap, and
  *_longest_ui_work_ms, the most CPU it spent between two visits to the event loop: the part
  of a stall that is the UI code itself and would remain on an idle machine. The rest of a
  stall is waiting for a core, the GIL or the X server: other threads and processes.
- rss_mb: the app process's VmRSS after all of the above (and rss_peak_mb, VmHWM). Target
  < 400 MB.
- first_frame_s / first_frame_cold_s: Enter to the first video frame, against a reference
  player doing the same work under the same conditions. The app: a fresh process on an X
  display (xcb: the video is embedded in the window) showing a MainWindow on a one-title
  catalog; once its home page is up (a person's first Enter comes after that) and the loop
  has been idle SETTLE_MS, ``MainWindow.play_title(id)`` on --video until libVLC's decoder
  hands its first picture to the video output ("Received first picture"). The reference
  (child_refplayer): a fresh process showing a bare QWidget of the same size as the surface,
  idle the same SETTLE_MS, then python-vlc with the app's own libVLC options
  (``vlc_backend.instance_args``), ``media_new_path`` + ``play`` on the same file, the same
  marker. Neither imports the other's code. Cold: the first play of each process, libVLC's
  instance and player made inside the timing for both (nothing pre-warmed: run_gui's
  pre-warm is not part of the app's child); warm: the next 4 plays of each process, both
  with their instance long-lived. The marker is read the same way for both, outside the
  process: libVLC's own file logger writes every message (whatever the verbosity) to a pipe
  and a helper process stamps the marker lines; a Python log callback would take the GIL on
  libVLC's threads for every message and slow whichever process is busier. Processes
  alternate (app, reference; then reference, app), --video-runs of each after one unmeasured
  run of each. first_frame_ratio (warm) and first_frame_cold_ratio: app median / reference
  median, target <= 1.2 each; first_frame_cold_paired_ratios gives each pair. cvlc
  (``cvlc -vv --play-and-exit``, spawn to the same message) is reported for scale only: it
  starts no toolkit and pays for -vv logging, so it is no one's reference. As root, all three
  draw on a private Xvfb that any user may use, and cvlc (which refuses root) runs as
  "nobody".

On a shared machine other people's work shows up as stalls: as root the whole run (X server,
app, cvlc) runs at niceness -10 (--nice 0: normal priority); load_average says how busy the
machine was. --diagnose DIR writes, for each steady-state run, a cProfile of the UI thread per
phase and, for every stall over the target, the stacks sampled meanwhile (which call blocked
the UI thread, which thread or child process was running); figures taken with it are slower.

Usage: benchmarks/ui.py [--movies 8000] [--runs 3] [--video FILE] [--no-video]
                        [--video-runs 5] [--no-gui] [--no-first-start] [--nice N]
                        [--diagnose DIR] [--json]
"""

from time import perf_counter as _perf_counter

_T0 = _perf_counter()  # a child's own start, before any import

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

STALL_TARGET_MS = 50.0
HOME_TARGET_S = 1.5
PERSONAL_TARGET_S = 3.0
RSS_TARGET_MB = 400.0
FIRST_FRAME_TARGET_RATIO = 1.2
MONITOR_MS = 5
FIRST_PICTURE = b"Received first picture"  # libVLC's decoder, src/input/decoder.c
INPUT_CREATED = b"Creating an input for"  # src/input/input.c: the media starts opening
XVFB_ENV = "MC_UI_BENCH_XVFB"  # set when the script re-ran itself under xvfb-run
NICE_ENV = "MC_UI_BENCH_NICE"  # the priority change already made (before a re-run)
CHILD_TIMEOUT_S = 150
SETTLE_MS = 300  # first-frame children: idle time before the first play

GENRES = ("Drama", "Comedy", "Thriller", "Action", "Sci-Fi", "Horror", "Romance", "Animation",
          "Documentary", "Crime", "Fantasy", "Adventure", "Family", "Mystery", "War")
MPAA = ("G", "PG", "PG-13", "R", "NC-17", "Not Rated")
WORDS = """
shadow river night last king city dark star iron blue silent lost golden broken winter fire
ghost empire road secret glass heart wild storm island red garden machine ocean return rising
fallen black white moon sun dragon paper crown hidden edge final summer harbor north echo
""".split()
FIRST = ("Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas",
         "Kenji", "Lena", "Marco", "Nora", "Omar", "Paula", "Quentin", "Rosa", "Sami", "Tara")
LAST = ("Adler", "Brook", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito",
        "Jensen", "Kowalski", "Lopez", "Moreau", "Novak", "Okafor", "Petrov", "Quinn", "Rossi",
        "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Young", "Zimmer")


# -- the catalog ---------------------------------------------------------------------------------


def _name(rng: random.Random, lo: int = 1, hi: int = 4) -> str:
    words = [w.capitalize() for w in rng.sample(WORDS, rng.randint(lo, hi))]
    return ("The " if rng.random() < 0.2 else "") + " ".join(words)


def _plot(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(18, 45))).capitalize() + "."


def write_artwork(folder: Path, n: int, seed: int) -> tuple[list[str], list[str]]:
    """``n`` fanart (1280x720) and ``n`` poster (500x750) JPEGs a scraper would leave; many
    titles share them (the loader decodes each title's image on its own anyway)."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    fanart, posters = [], []
    for i in range(n):
        for kind, (w, h), out in (("fanart", (1280, 720), fanart),
                                  ("poster", (500, 750), posters)):
            a, b = rng.integers(0, 255, size=3), rng.integers(0, 255, size=3)
            t = np.linspace(0.0, 1.0, w)[None, :, None]
            row = (a * (1 - t) + b * t).astype(np.uint8)
            img = Image.fromarray(np.repeat(row, h, axis=0), "RGB")
            draw = ImageDraw.Draw(img)
            for _ in range(12):  # some detail, so the JPEG is not trivially small
                x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
                r = int(rng.integers(20, w // 4))
                draw.ellipse((x - r, y - r, x + r, y + r),
                             fill=tuple(int(c) for c in rng.integers(0, 255, size=3)))
            path = folder / f"{i:02d}-{kind}.jpg"
            img.save(path, quality=85)
            out.append(str(path))
    return fanart, posters


def build_catalog(home: Path, media: Path, *, movies: int, shows: int, episodes: int,
                  seed: int) -> dict[str, Any]:
    """A catalog of ``movies`` + ``shows`` (with seasons) + ``episodes`` titles under ``home``
    (MEDIACENTER_HOME layout), written with plain SQL in one transaction; returns its counts
    and the ids the benchmark opens."""
    from mediacenter.config import app_paths
    from mediacenter.db import open_db
    from mediacenter.db.profiles import create_profile
    from mediacenter.library.writer import refresh_fts

    started = time.perf_counter()
    rng = random.Random(seed)
    paths = app_paths(home).ensure()
    fanart, posters = write_artwork(media / "_art", 16, seed)
    db = open_db(paths.db_path, backup_dir=paths.backup_dir)
    c = db.conn
    now = time.time()
    profile = create_profile(db, "Me")
    c.execute("BEGIN IMMEDIATE")
    c.execute("INSERT INTO roots (id, path, kind, name, added_at, last_scan_at, last_online_at, "
              "online) VALUES (1, ?, 'mixed', 'Library', ?, ?, ?, 1)",
              (str(media), now - 86400 * 700, now - 3600, now - 3600))
    c.executemany("INSERT INTO genres (id, name) VALUES (?, ?)",
                  list(enumerate(GENRES, start=1)))
    people = sorted({f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(3000)})
    c.executemany("INSERT INTO people (id, name) VALUES (?, ?)",
                  list(enumerate(people, start=1)))

    titles: list[tuple] = []
    links_g: list[tuple] = []
    links_p: list[tuple] = []
    versions: list[tuple] = []
    files: list[tuple] = []
    art: list[tuple] = []
    next_id = [1]

    def add_title(kind: str, title: str, *, parent: int | None = None, show: int | None = None,
                  year: int | None = None, season: int | None = None,
                  episode: int | None = None, mpaa: str | None = None,
                  runtime: int | None = None, added: float = now) -> int:
        tid = next_id[0]
        next_id[0] += 1
        titles.append((tid, f"{kind}:{tid}", kind, parent, show, title, title.lower(), None,
                       year, season, episode, _plot(rng), None,
                       round(rng.uniform(3.0, 9.5), 1) if kind in ("movie", "show") else None,
                       rng.randint(10, 200_000) if kind == "movie" else None, mpaa, runtime,
                       "nfo", added, added))
        return tid

    def add_file(tid: int, rel: str, label: str, height: int, duration_ms: int,
                 added: float) -> None:
        vid = len(versions) + 1
        versions.append((vid, tid, label.lower(), label))
        width = height * 16 // 9
        codec = rng.choice(("h264", "hevc")) if height >= 1000 else "h264"
        probe = json.dumps({"tracks": [{"kind": "audio", "codec": rng.choice(("aac", "ac3")),
                                        "channels": rng.choice((2, 6)),
                                        "language": rng.choice(("en", "fr", "de"))}]})
        raw = rel.encode()
        files.append((len(files) + 1, 1, raw, rel, os.path.dirname(rel).encode(), "video",
                       rng.randint(500, 8000) * 1_000_000, int(added * 1e9), tid, vid,
                       json.dumps({"kind": "movie"}), probe, duration_ms, width, height, codec,
                       rng.randint(2, 40) * 1_000_000, added, added))

    def add_art(tid: int) -> None:
        art.append((tid, "fanart", rng.choice(fanart), "sidecar"))
        art.append((tid, "poster", rng.choice(posters), "sidecar"))

    movie_ids: list[int] = []
    for _ in range(movies):
        name, year = _name(rng), rng.randint(1950, 2025)
        added = now - rng.uniform(0, 86400 * 700)
        runtime = rng.randint(80, 170)
        tid = add_title("movie", name, year=year, mpaa=rng.choice(MPAA), runtime=runtime,
                        added=added)
        movie_ids.append(tid)
        folder = f"Movies/{name} ({year}) [{tid}]"
        if rng.random() < 0.15:  # two versions: a details page with a version picker
            add_file(tid, f"{folder}/{name} ({year}) - 4K.mkv", "4K", 2160, runtime * 60_000,
                     added)
            add_file(tid, f"{folder}/{name} ({year}) - 1080p.mkv", "1080p", 1080,
                     runtime * 60_000, added)
        else:
            add_file(tid, f"{folder}/{name} ({year}).mkv", "", rng.choice((720, 1080, 2160)),
                     runtime * 60_000, added)
        for g in rng.sample(range(1, len(GENRES) + 1), rng.randint(1, 3)):
            links_g.append((tid, g))
        for order, p in enumerate(rng.sample(range(1, len(people) + 1), rng.randint(3, 7))):
            links_p.append((tid, p, "director" if order == 0 else "actor", None, order))
        add_art(tid)

    # Shows: the first tenth are long-running (many seasons of many episodes), the rest short.
    show_ids: list[int] = []
    episode_ids: dict[int, list[int]] = {}
    long_shows = max(1, shows // 10)
    per_long = 100
    short_total = max(0, episodes - long_shows * per_long)
    per_short, extra = divmod(short_total, max(1, shows - long_shows))
    for s in range(shows):
        name, year = _name(rng, 1, 3), rng.randint(1990, 2024)
        added = now - rng.uniform(0, 86400 * 700)
        sid = add_title("show", name, year=year, mpaa=rng.choice(("TV-PG", "TV-14", "TV-MA")),
                        added=added)
        show_ids.append(sid)
        for g in rng.sample(range(1, len(GENRES) + 1), rng.randint(1, 3)):
            links_g.append((sid, g))
        add_art(sid)
        count = per_long if s < long_shows else max(2, per_short + (s - long_shows < extra))
        n_seasons = 5 if s < long_shows else rng.randint(1, 3)
        eps: list[int] = []
        for season in range(1, n_seasons + 1):
            season_id = add_title("season", f"Season {season}", parent=sid, show=sid,
                                  season=season, added=added)
            n = count // n_seasons + (1 if season <= count % n_seasons else 0)
            for e in range(1, n + 1):
                ep_added = added + season * 86400 * 7 + e * 3600
                ep_name = _name(rng, 1, 3)
                eid = add_title("episode", ep_name, parent=season_id, show=sid, season=season,
                                episode=e, runtime=rng.randint(22, 60), added=ep_added)
                eps.append(eid)
                add_file(eid, f"Shows/{name} [{sid}]/Season {season:02d}/"
                              f"{name} - S{season:02d}E{e:02d} - {ep_name}.mkv", "",
                         rng.choice((720, 1080)), rng.randint(22, 60) * 60_000, ep_added)
        episode_ids[sid] = eps

    c.executemany(f"INSERT INTO titles (id, key, kind, parent_id, show_id, title, sort_title, "
                  f"original_title, year, season_number, episode_number, plot, tagline, rating, "
                  f"votes, mpaa, runtime_min, metadata_source, added_at, updated_at) VALUES "
                  f"({','.join('?' * 20)})", titles)
    c.executemany("INSERT INTO versions (id, title_id, key, label) VALUES (?, ?, ?, ?)",
                  versions)
    c.executemany(f"INSERT INTO files (id, root_id, path_key, path_display, dir_key, kind, size, "
                  f"mtime_ns, title_id, version_id, parsed_json, probe_json, duration_ms, width, "
                  f"height, video_codec, bitrate_bps, added_at, updated_at) VALUES "
                  f"({','.join('?' * 19)})", files)
    c.executemany("INSERT INTO title_genres (title_id, genre_id) VALUES (?, ?)", links_g)
    c.executemany("INSERT OR IGNORE INTO title_people (title_id, person_id, role, character, "
                  "ord) VALUES (?, ?, ?, ?, ?)", links_p)
    c.executemany("INSERT INTO artwork (title_id, kind, path, source) VALUES (?, ?, ?, ?)", art)

    # History: 10 movies and 5 shows in progress, 3 shows with the next episode waiting
    # (Continue watching), and 200 movies watched to the end earlier.
    durations = {f[8]: f[12] for f in files}
    state: list[tuple] = []
    sessions: list[tuple] = []
    picked = rng.sample(movie_ids, 210)
    clock = now - 600

    def watch(tid: int, fraction: float, watched: bool, at: float) -> None:
        duration = durations[tid]
        resume = 0 if watched else int(duration * fraction)
        state.append((profile.id, tid, resume, duration, 1, int(watched), at,
                      at if watched else None))
        sessions.append((profile.id, tid, at - 1800, at, resume,
                         duration if watched else resume, duration, resume or duration,
                         "finished" if watched else "stopped", int(watched)))

    for i, tid in enumerate(picked[:10]):
        watch(tid, rng.uniform(0.2, 0.7), False, clock - i * 5000)
    for i, sid in enumerate(show_ids[:8]):
        eps = episode_ids[sid]
        k = rng.randint(1, min(6, len(eps) - 1))
        for j, eid in enumerate(eps[:k]):
            watch(eid, 1.0, True, clock - 3000 * (i + 1) - (k - j) * 60)
        if i < 5:  # stopped in the middle of the next one
            watch(eps[k], rng.uniform(0.2, 0.7), False, clock - 3000 * i - 1)
    for i, tid in enumerate(picked[10:]):
        watch(tid, 1.0, True, clock - 86400 * (3 + i))
    c.executemany("INSERT INTO watch_state (profile_id, title_id, resume_position_ms, "
                  "duration_ms, play_count, watched, last_played_at, watched_at) VALUES "
                  "(?, ?, ?, ?, ?, ?, ?, ?)", state)
    c.executemany("INSERT INTO watch_sessions (profile_id, title_id, started_at, ended_at, "
                  "start_position_ms, last_position_ms, max_position_ms, duration_ms, "
                  "watched_ms, end_reason, completed) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                  sessions)
    refresh_fts(db, {t[0] for t in titles})
    c.execute("COMMIT")

    from mediacenter.db.watch import continue_watching

    cont = continue_watching(db, profile.id, limit=40)
    counts = dict(c.execute("SELECT kind, count(*) FROM titles GROUP BY kind").fetchall())
    by_episodes = sorted(show_ids, key=lambda s: -len(episode_ids[s]))
    db.conn.close()
    return {
        "titles": sum(counts.values()),
        "movies": counts.get("movie", 0),
        "shows": counts.get("show", 0),
        "seasons": counts.get("season", 0),
        "episodes": counts.get("episode", 0),
        "files": len(files),
        "continue_watching": len(cont),
        "generate_s": round(time.perf_counter() - started, 2),
        "details_ids": rng.sample(movie_ids, 10) + by_episodes[:10],
    }


def settle_background_work(home: Path) -> dict[str, Any]:
    """Make what the app makes in the background after an import, so that a start finds it
    done (the steady state a person lives in): the recommender's model, and an artwork
    candidate for every sidecar image, scored exactly as the artwork pipeline scores it (each
    image once; titles sharing an image share its figures). Parts the app does not have yet
    are skipped and said so."""
    from mediacenter.config import app_paths
    from mediacenter.db import open_db

    paths = app_paths(home)
    db = open_db(paths.db_path)
    out: dict[str, Any] = {}
    try:
        try:
            from mediacenter.recommend.train import default_model_path, train_model
        except ImportError:
            out["model"] = "no recommender in this build"
        else:
            t0 = time.perf_counter()
            train_model(db, default_model_path(paths))
            out["model_train_s"] = round(time.perf_counter() - t0, 2)
        try:
            from mediacenter.artwork.pipeline import SIDECAR_KINDS, score_sidecar
        except ImportError:
            out["artwork"] = "no artwork pipeline in this build"
            return out
        t0 = time.perf_counter()
        marks = ",".join("?" * len(SIDECAR_KINDS))
        rows = db.conn.execute(f"SELECT title_id, kind, path FROM artwork WHERE kind IN "
                               f"({marks})", SIDECAR_KINDS).fetchall()
        scored: dict[tuple[str, str], Any] = {}
        for _tid, kind, path in rows:
            if (kind, path) not in scored:
                scored[(kind, path)] = score_sidecar(path, kind)
        now = time.time()
        db.conn.execute("BEGIN IMMEDIATE")
        db.conn.executemany(
            "INSERT INTO artwork_candidates (title_id, source, path, score, phash, "
            "features_json, created_at) VALUES (?, 'sidecar', ?, ?, ?, ?, ?)",
            [(tid, path, c.score, c.phash, json.dumps(c.features, separators=(",", ":")), now)
             for tid, kind, path in rows if (c := scored[(kind, path)]) is not None])
        db.conn.execute("COMMIT")
        out["artwork_candidates"] = len(rows)
        out["artwork_seed_s"] = round(time.perf_counter() - t0, 2)
    finally:
        db.conn.close()
    return out


def build_video_catalog(home: Path, video: Path) -> int:
    """A catalog holding one title whose file is ``video`` (its folder is the library root, so
    nothing is written beside the clip); returns the title's id."""
    from mediacenter.config import app_paths
    from mediacenter.db import open_db
    from mediacenter.db.profiles import create_profile

    paths = app_paths(home).ensure()
    db = open_db(paths.db_path, backup_dir=paths.backup_dir)
    create_profile(db, "Me")
    c = db.conn
    now = time.time()
    st = video.stat()
    c.execute("BEGIN IMMEDIATE")
    c.execute("INSERT INTO roots (id, path, added_at, last_scan_at, last_online_at, online) "
              "VALUES (1, ?, ?, ?, ?, 1)", (str(video.parent), now, now, now))
    c.execute("INSERT INTO titles (id, key, kind, title, sort_title, year, plot, "
              "metadata_source, added_at, updated_at) VALUES (1, 'movie:clip', 'movie', ?, ?, "
              "2008, 'The clip the benchmark plays.', 'name', ?, ?)",
              (video.stem, video.stem.lower(), now, now))
    c.execute("INSERT INTO versions (id, title_id, key, label) VALUES (1, 1, '', '')")
    c.execute("INSERT INTO files (root_id, path_key, path_display, dir_key, size, mtime_ns, "
              "title_id, version_id, added_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, 1, 1, ?, ?)",
              (os.fsencode(video.name), video.name, b"", st.st_size, st.st_mtime_ns, now, now))
    c.execute("COMMIT")
    db.conn.close()
    return 1


# -- helpers shared by parent and children -------------------------------------------------------


def rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    out = {"VmRSS": 0.0, "VmHWM": 0.0}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key = line.split(":", 1)[0]
            if key in out:
                out[key] = int(line.split()[1]) / 1024
    return out["VmRSS"], out["VmHWM"]


def stall_ms(ticks: list[float], cpu: list[float], start: float, end: float) -> dict[str, Any]:
    """The UI thread's blocks between ``start`` and ``end``, from the monitor's ticks: the
    longest (gap between two ticks, minus the timer's interval), how many exceeded the target,
    the UI thread's own CPU time inside that longest gap, and the most CPU the UI thread spent
    inside any one gap (its own work between two visits to the event loop: what would stay
    on an idle machine; the rest of a stall is waiting for a core, the GIL or the X server)."""
    longest, over, longest_cpu, most_cpu = 0.0, 0, 0.0, 0.0
    for i in range(1, len(ticks)):
        a, b = ticks[i - 1], ticks[i]
        if b <= start or a >= end:
            continue
        blocked = (b - a) * 1000 - MONITOR_MS
        used = (cpu[i] - cpu[i - 1]) * 1000
        if blocked > longest:
            longest, longest_cpu = blocked, used
        most_cpu = max(most_cpu, used)
        over += blocked > STALL_TARGET_MS
    return {"longest_stall_ms": round(max(0.0, longest), 1),
            "stalls_over_target": over,
            "longest_stall_ui_cpu_ms": round(longest_cpu, 1),
            "longest_ui_work_ms": round(most_cpu, 1)}


# -- child processes -----------------------------------------------------------------------------


def _say(message: str) -> None:
    """A line in the child's log (shown when it fails): where it got to, and when."""
    print(f"[{_perf_counter() - _T0:8.3f}] {message}", file=sys.stderr, flush=True)


def _write_result(path: str, data: dict) -> None:
    Path(path).write_text(json.dumps(data), encoding="utf-8")


def child_hello(args: argparse.Namespace) -> int:
    """The reference: Qt's own start, a window with a label, to the loop idle after it."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv[:1])
    marks: dict[str, float] = {"t0": _T0}

    class Painted(QObject):
        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint and "painted" not in marks:
                marks["painted"] = _perf_counter()
                QTimer.singleShot(0, idle)
            return False

    def idle() -> None:
        marks["idle"] = _perf_counter()
        app.quit()

    win = QMainWindow()
    label = QLabel("Hello")
    win.setCentralWidget(label)
    win.resize(1280, 800)
    watcher = Painted()
    label.installEventFilter(watcher)
    win.show()
    app.exec()
    _write_result(args.result, marks)
    return 0


class _Script:
    """Runs a generator on the UI thread: each ``yield ms`` waits that long with the event loop
    running (paints, timers, queued signals), as a person pressing keys would."""

    def __init__(self, gen, done) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gen = gen
        self.done = done
        self.timer = QTimer()
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.step)

    def start(self) -> None:
        self.timer.start(0)

    def step(self) -> None:
        try:
            wait = next(self.gen)
        except StopIteration:
            self.done(None)
            return
        except Exception:
            self.done(traceback.format_exc())
            return
        self.timer.start(max(0, int(wait)))


def child_home(args: argparse.Namespace) -> int:
    """Start the app as ``mediacenter`` does; time the home screen; optionally drive it."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from mediacenter.config import app_paths
    from mediacenter.ui import home_view
    from mediacenter.ui.app import run_gui
    from mediacenter.ui.main_window import MainWindow

    marks: dict[str, Any] = {"t0": _T0}
    out: dict[str, Any] = {"marks": marks}
    keep: list[Any] = []

    class Painted(QObject):
        """Stamps a page's first row painted, then the event loop idle after it."""

        def __init__(self, prefix: str, then) -> None:
            super().__init__()
            self.prefix, self.then = prefix, then

        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint and f"{self.prefix}painted" not in marks:
                marks[f"{self.prefix}painted"] = _perf_counter()
                QTimer.singleShot(0, self.idle)
            return False

        def idle(self) -> None:
            marks[f"{self.prefix}idle"] = _perf_counter()
            self.then()

    original = home_view.HomeView.set_page

    def set_page(self, page, empty_text: str = "") -> None:
        original(self, page, empty_text)
        if not self.rows:
            return
        # The first page set is the catalog's quick rows; the one the home task delivers
        # (MainWindow._on_home_page) is the personal page.
        final = arriving["final"]
        prefixes = [p for p, due in (("", "rows" not in marks),
                                     ("personal_", final and "personal_rows" not in marks))
                    if due]
        for prefix in prefixes:
            marks[f"{prefix}rows"] = _perf_counter()
            if prefix:
                out["personal_page_rows"] = [r.key for r in page.rows]
                out["personal_page_notes"] = list(page.notes)
            watcher = Painted(prefix, on_idle if not prefix else on_personal)
            keep.append(watcher)
            self.rows[0].view.viewport().installEventFilter(watcher)
            self.rows[0].view.viewport().update()

    home_view.HomeView.set_page = set_page
    arriving = {"final": False}
    on_home_page = MainWindow._on_home_page

    def on_home_page_marked(self, page) -> None:
        arriving["final"] = True  # only the home task's page comes this way
        try:
            on_home_page(self, page)
        finally:
            arriving["final"] = False

    MainWindow._on_home_page = on_home_page_marked

    def finish(error: str | None) -> None:
        if "rss_mb" in out:
            return  # finished already
        if error:
            out["error"] = error
        out["rss_mb"], out["rss_peak_mb"] = rss_mb()
        _write_result(args.result, out)
        for w in QApplication.topLevelWidgets():
            w.close()
        QApplication.instance().quit()

    def on_idle() -> None:
        _say("home interactive")
        if "personal_idle" in marks:
            proceed()

    def on_personal() -> None:
        _say("personal page interactive")
        if "idle" in marks:
            proceed()

    def proceed() -> None:
        if not args.interact:
            finish(None)
            return
        try:
            window = next(w for w in QApplication.topLevelWidgets()
                          if isinstance(w, MainWindow))
            # What a window manager does for a new window; Xvfb has none, and without it
            # hasFocus() is false everywhere and the arrow keys lose their way.
            window.activateWindow()
            script = _Script(_interact(window, args, out), finish)
            keep.append(script)
            script.start()
        except Exception:  # never leave the child waiting in its event loop
            finish(traceback.format_exc())

    # A page that never comes must not hang the run: give up after 60 s.
    QTimer.singleShot(60_000, lambda: "personal_idle" in marks or finish(
        "the personal page did not show within 60 s"))
    run_gui(app_paths(args.home), probe=False)
    if "idle" not in marks or "personal_idle" not in marks:
        out.setdefault("error", "the home screen never showed its rows")
        _write_result(args.result, out)
        return 1
    return 0


class _StallSampler:
    """Diagnostics (--stall-trace): while the UI thread is late by more than 25 ms, a thread
    samples every 5 ms the UI thread's Python stack, the other threads that are running Python
    (not waiting), and the app's child processes that are on a CPU. Each stall over the target
    keeps its most frequent samples: which call blocks the UI thread, or who takes the CPU."""

    _WAITING = frozenset({"wait", "select", "get", "_check_inotify_fd", "poll", "accept",
                          "recv", "_recv", "read", "_wait_for_tstate_lock", "sleep",
                          "run_forever"})

    def __init__(self, ticks: list[float]) -> None:
        self.ticks = ticks
        self.main = threading.main_thread().ident
        self.stalls: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> list[dict[str, Any]]:
        self._stop.set()
        self._thread.join()
        return [s for s in self.stalls if s["ms"] > STALL_TARGET_MS]

    @staticmethod
    def _stack(frame, depth: int = 12) -> str:
        frames = traceback.extract_stack(frame)[-depth:]
        return " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}"
                           for f in reversed(frames))

    @staticmethod
    def _busy_children() -> list[str]:
        out = []
        me = str(os.getpid())
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                fields = stat.rsplit(")", 1)[1].split()
                if fields[1] != me or fields[0] != "R":
                    continue
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                out.append(cmd.decode(errors="replace")[:120])
            except (OSError, IndexError):
                continue
        return out

    def _run(self) -> None:
        current: dict[str, Any] | None = None
        while not self._stop.wait(0.005):
            if not self.ticks:
                continue
            last = self.ticks[-1]
            if (_perf_counter() - last) * 1000 < 25:
                if current is not None:
                    current["ms"] = round((self.ticks[-1] - current["since"]) * 1000 - 5, 1)
                    current["samples"] = sorted(current["samples"].items(),
                                                key=lambda kv: -kv[1])[:6]
                    self.stalls.append(current)
                    current = None
                continue
            if current is None or current["since"] != last:
                current = {"since": last, "samples": {}}
            keys = []
            for ident, frame in sys._current_frames().items():
                if ident == threading.get_ident():
                    continue
                if ident == self.main:
                    keys.append(f"ui: {self._stack(frame)}")
                elif frame.f_code.co_name not in self._WAITING:
                    keys.append(f"running thread: {self._stack(frame)}")
            keys += [f"busy child: {c}" for c in self._busy_children()]
            for key in keys:
                current["samples"][key] = current["samples"].get(key, 0) + 1


def paint_counter(widget: Any) -> Any:
    """Counts the paint events ``widget`` receives."""
    from PySide6.QtCore import QEvent, QObject

    class _Counter(QObject):
        def __init__(self) -> None:
            super().__init__(widget)
            self.count = 0
            widget.installEventFilter(self)

        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    return _Counter()


def _interact(w, args: argparse.Namespace, out: dict[str, Any]):
    """Scroll a row, change rows, open details pages, page through the library (a generator
    for :class:`_Script`), with the stall monitor running throughout."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    ticks: list[float] = []
    cpu: list[float] = []  # the UI thread's CPU time at each tick

    def tick() -> None:
        ticks.append(_perf_counter())
        cpu.append(time.thread_time())

    monitor = QTimer()
    monitor.setTimerType(Qt.TimerType.PreciseTimer)
    monitor.setInterval(MONITOR_MS)
    monitor.timeout.connect(tick)
    arrived = {"images": 0}

    def on_art(*_a) -> None:
        arrived["images"] += 1

    w.artwork.ready.connect(on_art)
    phases: dict[str, tuple[float, float]] = {}
    step = args.key_interval_ms
    home = w.home
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    def press(key) -> None:
        # Where a real key goes: the window's focus widget (asked of the window, not of the
        # application: without a window manager the window is never "active").
        QTest.keyClick(w.focusWidget() or w, key)

    def begin(name: str) -> float:
        _say(name)
        if profiler is not None:
            profiler.enable()
        return _perf_counter()

    def end(name: str, started: float) -> None:
        phases[name] = (started, _perf_counter())
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.path.join(args.profile, f"{name}.pstats"))
            profiler.clear()

    sampler = _StallSampler(ticks) if args.stall_trace else None
    if sampler is not None:
        sampler.start()
    monitor.start()
    # The catalog's rows came first, the personal page replaced them (the script starts
    # once both were shown); a change meanwhile may have asked for one more page: wait for
    # it, so the keys go to the page a person would be on by then.
    yield 300  # the first art arrives; a person's first key comes later than this
    waited = 0
    while w._home_task is not None and waited < 30_000:
        yield 50
        waited += 50
    out["home_rebuilt_wait_s"] = round(waited / 1000, 2)
    yield 300

    # 1. Right across the longest row, first tile to last.
    lengths = [r.model.rowCount() for r in home.rows]
    longest = max(range(len(lengths)), key=lambda i: lengths[i])
    home.focus_row(longest, 0)
    view = home.rows[longest].view
    view.setCurrentIndex(view.model().index(0, 0))
    yield 200
    t = begin("row_scroll")
    for _ in range(lengths[longest] - 1):
        press(Qt.Key.Key_Right)
        yield step
    yield 100
    end("row_scroll", t)
    out["longest_row_tiles"] = lengths[longest]
    out["row_scroll_reached_end"] = view.currentIndex().row() == lengths[longest] - 1

    # 2. Down through every row, then Up back to the first.
    home.focus_row(0, 0)
    yield 200
    t = begin("row_changes")
    rows = len(home.rows)
    for _ in range(rows - 1):
        press(Qt.Key.Key_Down)
        yield step
    reached_bottom = home.current_row() == rows - 1
    for _ in range(rows - 1):
        press(Qt.Key.Key_Up)
        yield step
    yield 100
    end("row_changes", t)
    out["home_rows"] = rows
    out["row_changes_reached_ends"] = reached_bottom and home.current_row() == 0
    out["artwork_images_loaded_on_home"] = arrived["images"]

    # 3. Details pages, one after another, each from the home screen.
    # Opened as Enter on a tile opens it, and timed until the page has been painted: the
    # events the call posted (layouts, the paint of the new page) are processed at once.
    times, cpu_times = [], []
    painted = paint_counter(w.details_view)
    t = begin("details")
    for tid in args.details_ids:
        painted.count = 0
        t0, c0 = _perf_counter(), time.thread_time()
        w.open_details(tid)
        for _ in range(5):
            QApplication.processEvents()
            if painted.count:
                break
        times.append((_perf_counter() - t0) * 1000)
        cpu_times.append((time.thread_time() - c0) * 1000)
        if w.pages.currentWidget() is not w.details_view or not painted.count:
            raise RuntimeError(f"details of title {tid} did not open and paint")
        yield 60
        w.back()
        yield 60
    end("details", t)
    out["details_open_ms"] = [round(x, 1) for x in times]
    out["details_open_cpu_ms"] = [round(x, 1) for x in cpu_times]

    # 4. The library list, PageDown to its last row.
    w.go("library")
    yield 300
    table = w.library.view
    total = w.library.model.total()
    t = begin("library_scroll")
    presses, last_row, still = 0, -1, 0
    while table.currentIndex().row() < total - 1:
        press(Qt.Key.Key_PageDown)
        presses += 1
        if presses % 100 == 0:
            _say(f"PageDown {presses}: row {table.currentIndex().row()} of {total}")
        still = still + 1 if table.currentIndex().row() == last_row else 0
        if still > 20:
            raise RuntimeError(f"PageDown stopped moving at row {last_row} of {total} "
                               f"(focus: {w.focusWidget()!r})")
        last_row = table.currentIndex().row()
        yield step
    yield 100
    end("library_scroll", t)
    monitor.stop()
    if sampler is not None:
        out["stall_traces"] = sampler.stop()
    out["library_rows"] = total
    out["library_pagedowns"] = presses
    out["library_reached_end"] = table.currentIndex().row() == total - 1
    out["artwork_images_loaded"] = arrived["images"]
    for name, (start, stop) in phases.items():
        if name == "details":
            continue  # timed one by one above; no keys, so no gaps to read
        for key, value in stall_ms(ticks, cpu, start, stop).items():
            out[f"{name}_{key}"] = value
        out[f"{name}_s"] = round(stop - start, 2)


def child_video(args: argparse.Namespace) -> int:
    """Play the clip from the app's window: one play as soon as the window is shown (the
    process's first, libVLC's instance made inside it), then warm plays."""
    from PySide6.QtWidgets import QApplication

    from mediacenter.config import app_paths
    from mediacenter.playback.vlc_backend import backend
    from mediacenter.ui.app import GIL_SWITCH_INTERVAL_S, load_theme
    from mediacenter.ui.main_window import MainWindow

    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)  # as run_gui sets it
    app = QApplication(sys.argv[:1])
    load_theme(app)
    w = MainWindow(app_paths(args.home), probe=False)
    w.show()
    out: dict[str, Any] = {"plays": []}
    hooks: dict[str, Any] = {}

    def hook_instance() -> _LogTap:
        if "tap" not in hooks:
            hooks["tap"] = _LogTap(backend().vlc, backend().instance())
        return hooks["tap"]

    def plays():
        # A person's first Enter comes after the home screen is up: its page built (in the
        # page process) and the loop idle a moment. libVLC is not loaded yet (run_gui's
        # pre-warm is not part of this process), so the first play is the cold one.
        waited = 0
        while w._home_task is not None and waited < 30_000:
            yield 20
            waited += 20
        yield SETTLE_MS
        for n in range(1 + args.warm):
            cold = n == 0
            if not cold:
                hook_instance().clear()
            t0 = _perf_counter()
            if not w.play_title(args.title_id, start_over=True):
                raise RuntimeError(f"play_title failed: {w.status.text()}")
            returned = _perf_counter()
            if cold:
                hook_instance()
                if w.player_view.player._mp.has_vout():
                    raise RuntimeError("the video output existed before the timing hooks")
            tap = hooks["tap"]
            deadline = _perf_counter() + 15
            while not tap.pictures and _perf_counter() < deadline:
                yield 2
                tap.poll()
            if not tap.pictures:
                raise RuntimeError("no video frame within 15 s (see the child's log)")
            out["plays"].append({"cold": cold, "first_frame_s": tap.pictures[0] - t0,
                                 "input_s": (tap.inputs[0] - t0) if tap.inputs else None,
                                 "play_title_s": returned - t0})
            yield 400
            w.player_view.leave()
            yield 600

    def finish(error: str | None) -> None:
        if error:
            out["error"] = error
        _write_result(args.result, out)
        if "tap" in hooks:
            w.player_view.leave()
            hooks["tap"].close()
        w.close()
        app.quit()

    script = _Script(plays(), finish)
    script.start()
    app.exec()
    return 0 if "error" not in out else 1


_TAP_HELPER = """
import sys, time
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    tag = b"P" if {picture!r} in line else b"I" if {created!r} in line else None
    if tag:
        out.write(tag + b" %r\\n" % time.perf_counter())
        out.flush()
"""


class _LogTap:
    """When libVLC shows its first picture and starts opening a media, stamped outside this
    process. libVLC writes its log (every message, whatever the verbosity) to a pipe with its
    own file logger, in C; a helper process stamps the marker lines with the shared
    CLOCK_MONOTONIC. A Python log callback would need the GIL on libVLC's threads for every
    message, slowing libVLC by however busy the Python side is; this tap costs both the app
    and the reference the same few hundred formatted lines on a pipe."""

    def __init__(self, vlc: Any, instance: Any) -> None:
        import ctypes

        self.pictures: list[float] = []
        self.inputs: list[float] = []
        self._buf = b""
        read_end, write_end = os.pipe()
        code = _TAP_HELPER.format(picture=FIRST_PICTURE, created=INPUT_CREATED)
        self._helper = subprocess.Popen([sys.executable, "-c", code], stdin=read_end,
                                        stdout=subprocess.PIPE)
        os.close(read_end)
        assert self._helper.stdout is not None
        self._out = self._helper.stdout.fileno()
        os.set_blocking(self._out, False)
        libc = ctypes.CDLL(None)
        libc.fdopen.restype = ctypes.c_void_p
        libc.fdopen.argtypes = (ctypes.c_int, ctypes.c_char_p)
        libc.setvbuf.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t)
        libc.fclose.argtypes = (ctypes.c_void_p,)
        self._libc = libc
        self._fp = libc.fdopen(write_end, b"w")
        libc.setvbuf(self._fp, None, 1, 0)  # _IOLBF: each line reaches the pipe at once
        self._vlc, self._instance = vlc, instance
        vlc.libvlc_log_set_file(instance, ctypes.cast(self._fp, vlc.FILE_ptr))

    def clear(self) -> None:
        self.poll()
        del self.pictures[:], self.inputs[:]

    def poll(self) -> None:
        try:
            while chunk := os.read(self._out, 4096):
                self._buf += chunk
        except BlockingIOError:
            pass
        *lines, self._buf = self._buf.split(b"\n")
        for line in lines:
            tag, _, stamp = line.partition(b" ")
            (self.pictures if tag == b"P" else self.inputs).append(float(stamp))

    def close(self) -> None:
        self._vlc.libvlc_log_unset(self._instance)
        self._libc.fclose(self._fp)
        self._helper.wait(5)


def child_refplayer(args: argparse.Namespace) -> int:
    """The reference: the least a Qt program needs to show the clip through libVLC. A bare
    QWidget of the app's video size as the surface, libVLC with the app's options (passed in:
    nothing of the app is imported), one play as soon as the window is shown (instance and
    player made inside it, like the app's first), then warm plays on the same long-lived
    instance and player (a new media each time, as the app opens one per play)."""
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(sys.argv[:1])
    surface = QWidget()
    surface.resize(1280, 800)  # the app's window size (MainWindow)
    surface.setStyleSheet("background: black")
    surface.show()
    out: dict[str, Any] = {"plays": []}
    state: dict[str, Any] = {}

    def plays():
        yield SETTLE_MS  # the same quiet moment before the first play as the app's
        for n in range(1 + args.warm):
            if n:
                state["tap"].clear()
            t0 = _perf_counter()
            if n == 0:
                import vlc  # python-vlc, as the app loads it: inside the timing

                inst = vlc.Instance(json.loads(args.vlc_args))
                mp = inst.media_player_new()
                mp.set_xwindow(int(surface.winId()))
                state.update(inst=inst, mp=mp)
            inst, mp = state["inst"], state["mp"]
            mp.set_media(inst.media_new_path(args.video_path))
            mp.play()
            if n == 0:  # installed at the same point as in the app's child
                state["tap"] = _LogTap(vlc, inst)
            tap = state["tap"]
            deadline = _perf_counter() + 15
            while not tap.pictures and _perf_counter() < deadline:
                yield 2
                tap.poll()
            if not tap.pictures:
                raise RuntimeError("no video frame within 15 s")
            out["plays"].append({"cold": n == 0, "first_frame_s": tap.pictures[0] - t0,
                                 "input_s": (tap.inputs[0] - t0) if tap.inputs else None})
            yield 400
            mp.stop()
            yield 600

    def finish(error: str | None) -> None:
        if error:
            out["error"] = error
        if "mp" in state:
            state["mp"].stop()
            state["tap"].close()
            state["mp"].release()
        _write_result(args.result, out)
        surface.close()
        app.quit()

    script = _Script(plays(), finish)
    script.start()
    app.exec()
    return 0 if "error" not in out else 1


# -- the parent: orchestration and references ----------------------------------------------------


def _run_child(mode: str, extra: list[str], env: dict[str, str], work: Path) -> dict:
    """Spawn this script as a child in ``mode``; returns its result with ``spawn`` (the clock
    just before the spawn) added. Raises RuntimeError with the child's log on failure."""
    fd, result = tempfile.mkstemp(prefix=f"{mode}-", suffix=".json", dir=work)
    os.close(fd)
    log = work / f"{mode}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--result", result,
           *extra]
    with open(log, "ab") as logf:
        spawn = _perf_counter()
        proc = subprocess.run(cmd, env=env, stdout=logf, stderr=subprocess.STDOUT,
                              timeout=CHILD_TIMEOUT_S, check=False)
    text = Path(result).read_text(encoding="utf-8") if os.path.getsize(result) else ""
    data = json.loads(text) if text else {}
    if proc.returncode != 0 or not data or data.get("error"):
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{mode} child failed (exit {proc.returncode}): "
                           f"{data.get('error', '')}\n{tail}")
    data["spawn"] = spawn
    return data


def _median(xs: list[float], digits: int = 3) -> float | None:
    return round(statistics.median(xs), digits) if xs else None


def _summarise(homes: list[dict]) -> dict[str, Any]:
    """The figures of one or more interactive app runs: medians, and the worst stall."""
    out: dict[str, Any] = {}
    home_s = [h["marks"]["idle"] - h["spawn"] for h in homes]
    details = [x for h in homes for x in h["details_open_ms"]]
    out["home_interactive_s"] = _median(home_s)
    out["home_interactive_runs_s"] = [round(x, 3) for x in home_s]
    out["home_rows_set_s"] = _median([h["marks"]["rows"] - h["spawn"] for h in homes])
    personal = [h["marks"]["personal_idle"] - h["spawn"] for h in homes]
    out["home_personal_s"] = _median(personal)
    out["home_personal_runs_s"] = [round(x, 3) for x in personal]
    out["home_personal_rows"] = homes[-1].get("personal_page_rows")
    out["details_open_ms_median"] = _median(details, 1)
    out["details_open_ms_max"] = round(max(details), 1)
    out["details_open_ui_cpu_ms_max"] = round(max(x for h in homes
                                                  for x in h["details_open_cpu_ms"]), 1)
    for name in ("row_scroll", "row_changes", "library_scroll"):
        runs = [h[f"{name}_longest_stall_ms"] for h in homes]
        out[f"{name}_longest_stall_ms"] = _median(runs, 1)
        out[f"{name}_longest_stall_worst_ms"] = max(runs)
        out[f"{name}_stalls_over_target"] = sum(h[f"{name}_stalls_over_target"] for h in homes)
        out[f"{name}_longest_stall_ui_cpu_ms"] = _median(
            [h[f"{name}_longest_stall_ui_cpu_ms"] for h in homes], 1)
        out[f"{name}_longest_ui_work_ms"] = _median(
            [h[f"{name}_longest_ui_work_ms"] for h in homes], 1)
    out["keys_reached_ends"] = all(h["row_scroll_reached_end"] and h["row_changes_reached_ends"]
                                   and h["library_reached_end"] for h in homes)
    out["artwork_images_loaded"] = _median([h["artwork_images_loaded"] for h in homes], 0)
    out["rss_mb"] = _median([h["rss_mb"] for h in homes], 1)
    out["rss_peak_mb"] = round(max(h["rss_peak_mb"] for h in homes), 1)
    return out


def bench_gui(args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict:
    """Cold starts, details pages, stalls and memory on the generated catalog: --runs app
    processes in the steady state, and one on the first start after the import."""
    pristine, first, media = work / "home", work / "home-first", work / "media"
    media.mkdir(parents=True)
    cat = build_catalog(pristine, media, movies=args.movies, shows=args.shows,
                        episodes=args.episodes, seed=args.seed)
    ids = cat.pop("details_ids")
    if args.first_start:
        shutil.copytree(pristine, first)
    t0 = time.perf_counter()
    cat["background_work"] = settle_background_work(pristine)
    cat["generate_s"] = round(cat["generate_s"] + time.perf_counter() - t0, 2)
    interact = ["--interact", "--key-interval-ms", str(args.key_interval_ms),
                "--details-ids", ",".join(map(str, ids))]

    def run_home(source: Path, name: str, extra: list[str]) -> dict:
        # Every run starts from the same state: a copy of the catalog, settings and caches.
        home = work / name
        shutil.copytree(source, home)
        try:
            return _run_child("home", ["--home", str(home), *extra],
                              dict(env, MEDIACENTER_HOME=str(home)), work)
        finally:
            shutil.rmtree(home, ignore_errors=True)

    # One unmeasured start of each, so that both find Python, Qt and the catalog in the cache.
    _run_child("hello", [], env, work)
    run_home(pristine, "warm-up", [])
    hello, homes = [], []
    for i in range(args.runs):
        hello.append(_run_child("hello", [], env, work))
        extra = list(interact)
        if args.diagnose:
            profiles = args.diagnose / f"run-{i}"
            profiles.mkdir(parents=True, exist_ok=True)
            extra += ["--profile", str(profiles), "--stall-trace"]
        homes.append(run_home(pristine, f"run-{i}", extra))
        if args.diagnose:
            (args.diagnose / f"run-{i}-stalls.json").write_text(
                json.dumps(homes[-1].pop("stall_traces", []), indent=1), encoding="utf-8")
    hello_s = [h["idle"] - h["spawn"] for h in hello]
    out: dict[str, Any] = {"catalog": cat, "qt_platform": env.get("QT_QPA_PLATFORM")}
    out.update(_summarise(homes))
    out["home_python_start_s"] = _median([h["marks"]["t0"] - h["spawn"] for h in homes])
    out["qt_hello_s"] = _median(hello_s)
    out["qt_hello_runs_s"] = [round(x, 3) for x in hello_s]
    out["home_vs_hello_ratio"] = round(out["home_interactive_s"] / out["qt_hello_s"], 2)
    out["details_opens"] = sum(len(h["details_open_ms"]) for h in homes)
    last = homes[-1]
    for key in ("home_rows", "longest_row_tiles", "library_rows", "library_pagedowns"):
        out[key] = last[key]
    if args.first_start:
        # The first start after a large import: the app makes artwork for every title and
        # trains its model in the background while the person browses.
        fresh = _summarise([run_home(first, "first-start", interact)])
        fresh.pop("home_interactive_runs_s")
        fresh.pop("home_personal_runs_s")
        out["first_start"] = fresh
    return out


def cvlc_run(cmd: list[str], env: dict[str, str], video: Path) -> dict[str, float]:
    """One cvlc run: spawn to "Received first picture" (and to its input being created), and
    its whole wall time; the log is read as it is written."""
    marker_input = f"Creating an input for '{video.name}'".encode()
    spawn = _perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    marks: dict[str, float] = {}
    # A cvlc that hangs silently must not hang the benchmark: the pipe closes when it dies.
    killer = threading.Timer(20, proc.kill)
    killer.start()
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            now = _perf_counter()
            if "input" not in marks and marker_input in line:
                marks["input"] = now - spawn
            if "picture" not in marks and FIRST_PICTURE in line:
                marks["picture"] = now - spawn
            if b"using vout display module" in line:
                marks["vout_module"] = line.rsplit(b'"', 2)[-2].decode(errors="replace") \
                    if line.count(b'"') >= 2 else "?"
        proc.wait()
    finally:
        killer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    marks["wall"] = _perf_counter() - spawn
    if "picture" not in marks:
        raise RuntimeError(f"cvlc showed no picture of {video} (exit {proc.returncode})")
    return marks


def bench_video(args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict:
    """Enter to first frame: the app against the reference player (child_refplayer), warm
    against warm and cold (from process start) against cold, their processes alternating;
    cvlc beside them for scale."""
    from mediacenter.playback.vlc_backend import instance_args

    video = args.video.resolve()
    if not video.is_file():
        return {"first_frame_note": f"no video file at {video}"}
    from private_x import PrivateX  # beside this script (ui.py is imported by previews.py too)

    private = PrivateX() if os.geteuid() == 0 else None
    try:
        display = private.display if private else env["DISPLAY"]
        home = work / "video-home"
        tid = build_video_catalog(home, video)
        app_env = dict(env, DISPLAY=display, QT_QPA_PLATFORM="xcb", MEDIACENTER_HOME=str(home))
        app_env.pop("MEDIACENTER_VLC_HEADLESS", None)
        options = instance_args(headless=False)
        ref_extra = ["--video-path", str(video), "--vlc-args", json.dumps(options),
                     "--warm", "4"]
        app_extra = ["--home", str(home), "--title-id", str(tid), "--warm", "4"]
        runs: dict[str, list[dict]] = {"app": [], "ref": []}
        # One unmeasured run of each: both then find Python, Qt, libVLC's plugins and the
        # clip in the page cache.
        _run_child("refplayer", ref_extra, app_env, work)
        _run_child("video", app_extra, app_env, work)
        for i in range(args.video_runs):
            for who in (("app", "ref") if i % 2 == 0 else ("ref", "app")):
                mode, extra = ("video", app_extra) if who == "app" else ("refplayer", ref_extra)
                runs[who].append(_run_child(mode, extra, app_env, work))
        cvlc_runs = _cvlc_runs(env, display, work, video, options, private is not None)
    finally:
        if private:
            private.close()
    out: dict[str, Any] = {"video": str(video), "video_runs": args.video_runs}

    def plays(who: str, cold: bool) -> list[dict]:
        return [p for r in runs[who] for p in r["plays"] if p["cold"] == cold]

    warm_app = [p["first_frame_s"] for p in plays("app", False)]
    warm_ref = [p["first_frame_s"] for p in plays("ref", False)]
    cold_app = [p["first_frame_s"] for p in plays("app", True)]
    cold_ref = [p["first_frame_s"] for p in plays("ref", True)]
    out.update({
        "first_frame_s": _median(warm_app),
        "ref_first_frame_s": _median(warm_ref),
        "first_frame_ratio": round(statistics.median(warm_app) / statistics.median(warm_ref), 2),
        "first_frame_runs_s": [round(x, 3) for x in warm_app],
        "ref_first_frame_runs_s": [round(x, 3) for x in warm_ref],
        "first_frame_cold_s": _median(cold_app),
        "ref_first_frame_cold_s": _median(cold_ref),
        "first_frame_cold_ratio": round(statistics.median(cold_app)
                                        / statistics.median(cold_ref), 2),
        # Each process's cold figure against the reference process run beside it.
        "first_frame_cold_paired_ratios": [round(a / b, 2) for a, b in
                                           zip(cold_app, cold_ref, strict=True)],
        "first_frame_cold_runs_s": [round(x, 3) for x in cold_app],
        "ref_first_frame_cold_runs_s": [round(x, 3) for x in cold_ref],
        # Play to libVLC's input being created: what the app does before libVLC starts.
        "input_created_s": _median([p["input_s"] for p in plays("app", False)
                                    if p["input_s"] is not None]),
        "ref_input_created_s": _median([p["input_s"] for p in plays("ref", False)
                                        if p["input_s"] is not None]),
        # How long play_title() itself blocks the UI thread (the first: libVLC's start too).
        "play_title_call_ms": _median([p["play_title_s"] * 1000
                                       for p in plays("app", False)], 1),
        "play_title_call_cold_ms": _median([p["play_title_s"] * 1000
                                            for p in plays("app", True)], 1),
    })
    out.update(cvlc_runs)
    return out


def _cvlc_runs(env: dict[str, str], display: str, work: Path, video: Path,
               options: list[str], as_nobody: bool) -> dict[str, Any]:
    """cvlc from spawn to its first picture, for scale only (not a target's reference: it
    logs with -vv to see the marker, and starts no toolkit)."""
    cvlc = shutil.which("cvlc")
    if cvlc is None:
        return {"cvlc_note": "cvlc is missing (Debian: apt-get install vlc-bin)"}
    cmd = [cvlc, "-vv", *(a for a in options if a != "--quiet"), "--play-and-exit",
           "--stop-time=0.1", str(video)]
    vlc_env = dict(env, DISPLAY=display)
    if as_nobody:  # VLC refuses to run as root
        vlc_home = work / "vlc-home"
        vlc_home.mkdir(exist_ok=True)
        os.chown(vlc_home, 65534, 65534)
        vlc_env["HOME"] = str(vlc_home)
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    got = [cvlc_run(cmd, vlc_env, video) for _ in range(4)]
    return {"cvlc_first_frame_s": _median([r["picture"] for r in got]),
            "cvlc_open_to_first_frame_s": _median([r["picture"] - r["input"] for r in got
                                                   if "input" in r]),
            "cvlc_vout_module": got[-1].get("vout_module"),
            "cvlc_as": "nobody" if as_nobody else "this user"}


def _verdicts(out: dict) -> tuple[dict, dict]:
    targets = {
        "home_interactive_s": f"< {HOME_TARGET_S}",
        "home_personal_s": f"<= {PERSONAL_TARGET_S}",
        "row_scroll_longest_stall_ms": f"<= {STALL_TARGET_MS:g}",
        "row_changes_longest_stall_ms": f"<= {STALL_TARGET_MS:g}",
        "library_scroll_longest_stall_ms": f"<= {STALL_TARGET_MS:g}",
        "details_open_ms_max": f"<= {STALL_TARGET_MS:g}",
        "rss_mb": f"< {RSS_TARGET_MB:g}",
        "first_frame_ratio": f"<= {FIRST_FRAME_TARGET_RATIO}",
        "first_frame_cold_ratio": f"<= {FIRST_FRAME_TARGET_RATIO}",
    }
    checks = {
        "home_interactive_s": lambda v: v < HOME_TARGET_S,
        "home_personal_s": lambda v: v <= PERSONAL_TARGET_S,
        "rss_mb": lambda v: v < RSS_TARGET_MB,
        "first_frame_ratio": lambda v: v <= FIRST_FRAME_TARGET_RATIO,
        "first_frame_cold_ratio": lambda v: v <= FIRST_FRAME_TARGET_RATIO,
    }
    verdict = {}
    for key in targets:
        value = out.get(key)
        if value is None:
            continue
        verdict[key] = bool(checks.get(key, lambda v: v <= STALL_TARGET_MS)(value))
    return targets, verdict


def _reexec_under_xvfb() -> None:
    """Without a display: run this very command again under xvfb-run (never returns)."""
    if os.environ.get(XVFB_ENV) or not shutil.which("xvfb-run"):
        sys.exit("benchmarks/ui.py: no X display and no xvfb-run (Debian: apt-get install xvfb "
                 "xauth); run it on a desktop or under xvfb-run -a")
    os.environ[XVFB_ENV] = "1"
    os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1600x900x24", sys.executable,
                           str(Path(__file__).resolve()), *sys.argv[1:]])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--movies", type=int, default=8000, help="movies in the generated catalog")
    ap.add_argument("--shows", type=int, default=150)
    ap.add_argument("--episodes", type=int, default=2000, help="episodes, about")
    ap.add_argument("--runs", type=int, default=3, help="app processes per figure")
    ap.add_argument("--key-interval-ms", type=int, default=16, help="time between key presses")
    ap.add_argument("--video", type=Path,
                    default=REPO.parent / "shared/data/video/bigbuckbunny.mp4",
                    help="the clip for Enter-to-first-frame")
    ap.add_argument("--no-video", action="store_true", help="skip the first-frame comparison")
    ap.add_argument("--video-runs", type=int, default=5,
                    help="app and reference processes each for the first-frame figures")
    ap.add_argument("--no-gui", dest="gui", action="store_false",
                    help="only the first-frame comparison (no catalog, no app runs)")
    ap.add_argument("--no-first-start", dest="first_start", action="store_false",
                    help="skip the run on the first start after the import (background work)")
    ap.add_argument("--platform", default="xcb", help="Qt platform of the GUI measurements "
                    "(xcb: a real X server; offscreen: no display server at all)")
    ap.add_argument("--nice", type=int, default=None,
                    help="priority change for the whole run, X server and cvlc included "
                         "(default -10 as root, else 0): on a shared machine other people's "
                         "work would otherwise count as the app's stalls; 0 measures at the "
                         "normal priority")
    ap.add_argument("--diagnose", type=Path, metavar="DIR",
                    help="write per-phase cProfiles and stall stacks of each run into DIR")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print JSON only")
    # Internal: this script started as one of its own measured processes.
    ap.add_argument("--child", choices=("hello", "home", "video", "refplayer"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    ap.add_argument("--home", help=argparse.SUPPRESS)
    ap.add_argument("--interact", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--details-ids", type=lambda s: [int(x) for x in s.split(",") if x],
                    default=[], help=argparse.SUPPRESS)
    ap.add_argument("--title-id", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--video-path", help=argparse.SUPPRESS)
    ap.add_argument("--vlc-args", help=argparse.SUPPRESS)
    ap.add_argument("--warm", type=int, default=4, help=argparse.SUPPRESS)
    ap.add_argument("--profile", help=argparse.SUPPRESS)  # a child: cProfile each phase here
    ap.add_argument("--stall-trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return {"hello": child_hello, "home": child_home, "video": child_video,
                "refplayer": child_refplayer}[args.child](args)
    if args.runs < 1 or args.movies < 210 or args.shows < 10 or args.key_interval_ms < 1:
        ap.error("--runs >= 1, --movies >= 210, --shows >= 10 and --key-interval-ms >= 1")
    if args.diagnose:
        args.diagnose = args.diagnose.resolve()

    if os.environ.get(NICE_ENV) is None:  # once, before xvfb-run: its X server inherits it
        increment = args.nice if args.nice is not None else (-10 if os.geteuid() == 0 else 0)
        try:
            os.nice(increment)
        except OSError as exc:
            sys.exit(f"benchmarks/ui.py: cannot change the priority by {increment}: {exc}")
        os.environ[NICE_ENV] = str(increment)
    if not os.environ.get("DISPLAY"):
        _reexec_under_xvfb()
    started = time.perf_counter()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="mc-ui-bench-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, QT_QPA_PLATFORM=args.platform,
                   # Compiled modules as an installed app has them (the warm-up run writes
                   # them here, outside the checkout), even where the shell forbids .pyc.
                   PYTHONPYCACHEPREFIX=str(work / "pycache"))
        for name in ("MEDIACENTER_VLC_HEADLESS", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        out: dict[str, Any] = {}
        try:
            if args.gui:
                out = bench_gui(args, work, env)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            print(f"benchmarks/ui.py: {exc}", file=sys.stderr)
            return 1
        if not args.no_video:
            try:
                out.update(bench_video(args, work, env))
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                out["first_frame_error"] = str(exc)[-2000:]
    out["bench_s"] = round(time.perf_counter() - started, 1)
    # Other work on the machine shows up as stalls: say how busy it was (1-min averages).
    out["load_average"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    out["cpus"] = os.cpu_count()
    out["niceness"] = os.nice(0)
    out["targets"], out["pass"] = _verdicts(out)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for key, value in out.items():
            if key not in ("targets", "pass"):
                mark = ""
                if key in out["pass"]:
                    mark = f"   [{'ok' if out['pass'][key] else 'MISSED'}: target "\
                           f"{out['targets'][key]}]"
                print(f"{key:>36}: {value}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
