#!/usr/bin/env python3
"""Reliability in a hostile world: kills, damage, foreign catalogs, offline roots, races.

Every trial runs the real ``mediacenter`` command (or the real app, offscreen) in its own
process on a generated library and a real catalog, and compares what is left with what an
undisturbed run leaves (the reference, computed in the same run on the same input):

- kills (``kill -9`` at a seeded random moment, then the same command again to the end):
  ``import`` (first scan of the library), ``scan`` (rescan after moves, deletions, additions,
  edited .nfo files), ``probe`` (scan of real clips with libVLC probing), ``playback`` (a
  player process recording watch history, then the app's start), ``training`` (the
  recommender's model), ``artwork`` (frames and crops in worker processes);
- damaged pages (three pages of the catalog overwritten), damage only seen in use (an index
  that no longer matches its table), a catalog from a newer version (rollback and WAL mode);
- offline roots (unmounted; a share mounted inside the folder gone), files returning after a
  confirmed removal; three scans of one catalog at once; the app killed with SIGKILL/SIGTERM
  while its page process, resource tracker and a stuck probe worker run;
- the time to detect damage at open on the generated catalog (the quick check), against a full
  integrity check and a plain read of the file; an unchanged rescan of the library with four
  files whose probe hangs, against the same rescan without probing.

Reported per trial: rows lost and history links lost (against the reference), rows that
should not be there, writes to a damaged or newer catalog (file and WAL hashes before and
after), processes left behind (every descendant seen while the command ran, checked 3 s after
it ended), integrity. Targets: 0 lost, 0 writes, 0 processes left, detection <= 200 ms on
10,000 titles.

Usage: benchmarks/faults.py [--files 10000] [--repeats 3] [--seed 19]
                            [--videos ../shared/data/video] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from scan import generate_tree  # noqa: E402

from mediacenter.db import SCHEMA_VERSION, check_catalog  # noqa: E402
from mediacenter.library.probe_worker import FAULT_ENV  # noqa: E402
from mediacenter.procs import descendants, still_running  # noqa: E402

ENV = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
ENV.pop("MEDIACENTER_HOME", None)
VIDEO_EXT = {".mp4", ".webm", ".avi", ".mpeg", ".ogg", ".mkv"}


# -- running the app ---------------------------------------------------------------------------


class Run:
    """``mediacenter --home HOME ARGS`` in a process of its own, with every descendant it
    starts remembered (polled every 20 ms), so what is left after it ends can be counted, and
    its stderr lines timed (the command line prints "walking", "importing", "probing" as each
    phase starts when stderr is not a terminal)."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None,
                 gui: bool = False) -> None:
        argv = [sys.executable, "-m", "mediacenter", "--home", str(home)]
        argv += [] if gui else list(args)
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env or ENV, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.started = time.monotonic()
        self.seen: set[tuple[int, int]] = set()
        self.lines: list[tuple[float, bytes]] = []
        self._out: list[bytes] = []
        self._readers = [
            threading.Thread(target=self._read_err, daemon=True),
            threading.Thread(target=lambda: self._out.append(self.proc.stdout.read()),
                             daemon=True),
        ]
        for t in self._readers:
            t.start()

    def _read_err(self) -> None:
        for line in self.proc.stderr:
            self.lines.append((time.monotonic(), line))

    @property
    def out(self) -> bytes:
        return b"".join(self._out)

    @property
    def err(self) -> bytes:
        return b"".join(line for _t, line in self.lines)

    def marked(self, marker: str) -> float | None:
        """When the first stderr line starting with ``marker`` came (monotonic seconds)."""
        return next((t for t, line in self.lines if line.startswith(marker.encode())), None)

    def _watch(self) -> None:
        self.seen.update(descendants(self.proc.pid))

    def _finish(self) -> int:
        self.proc.wait()
        for t in self._readers:
            t.join(10)
        return self.proc.returncode

    def wait(self, timeout: float = 900) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._watch()
            time.sleep(0.02)
        if self.proc.poll() is None:
            self.proc.kill()
        return self._finish()

    def kill_at(self, seconds: float, sig: int = signal.SIGKILL, after: str | None = None
                ) -> bool:
        """Kill ``seconds`` after the start, or after the stderr line ``after``; False when it
        had finished by then."""
        while self.proc.poll() is None:
            origin = self.started if after is None else self.marked(after)
            if origin is not None and time.monotonic() - origin >= seconds:
                break
            self._watch()
            time.sleep(0.01)
        self._watch()
        alive = self.proc.poll() is None
        if alive:
            self.proc.send_signal(sig)
        self._finish()
        return alive

    def left_behind(self, grace_s: float = 3.0) -> list[str]:
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and any(still_running(p) for p in self.seen):
            time.sleep(0.05)
        left = [p for p in self.seen if still_running(p)]
        names = []
        for pid, _start in left:
            with contextlib.suppress(OSError):
                names.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                             .decode(errors="replace")[:120])
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)  # ours, from this run: do not let it linger
        return names


def mc(home: Path, *args: str, timeout: float = 900) -> Run:
    run = Run(home, *args)
    run.wait(timeout)
    return run


def home_for(work: Path, name: str, catalog: Path | None = None) -> Path:
    """A fresh app home, optionally starting from a copy of ``catalog``."""
    home = work / name
    shutil.rmtree(home, ignore_errors=True)
    (home / "data").mkdir(parents=True)
    if catalog is not None:
        shutil.copyfile(catalog, home / "data" / "catalog.sqlite3")
    return home


def db_of(home: Path) -> Path:
    return home / "data" / "catalog.sqlite3"


# -- what a catalog holds ----------------------------------------------------------------------

SNAPSHOT_SQL = {
    "files": """SELECT f.path_key, f.size, t.key, v.key, f.part, f.extra, f.duration_ms,
                       f.width, f.video_codec, f.probe_error IS NULL
                FROM files f LEFT JOIN titles t ON t.id = f.title_id
                LEFT JOIN versions v ON v.id = f.version_id""",
    "titles": """SELECT t.key, t.kind, t.title, t.year, p.key, t.removed_at IS NULL
                 FROM titles t LEFT JOIN titles p ON p.id = t.parent_id""",
    "versions": "SELECT t.key, v.key, v.label FROM versions v JOIN titles t ON t.id = v.title_id",
    "watch_state": """SELECT p.name, t.key, w.resume_position_ms, w.play_count, w.watched
                      FROM watch_state w JOIN profiles p ON p.id = w.profile_id
                      JOIN titles t ON t.id = w.title_id""",
    "ratings": """SELECT p.name, t.key, r.source, r.value FROM ratings r
                  JOIN profiles p ON p.id = r.profile_id JOIN titles t ON t.id = r.title_id""",
    "sessions": """SELECT s.started_at, p.name, t.key, s.last_position_ms, s.end_reason
                   FROM watch_sessions s JOIN profiles p ON p.id = s.profile_id
                   JOIN titles t ON t.id = s.title_id""",
}
LINKS_SQL = """SELECT s.started_at, p.name, f.path_key, v.key, sv.key
               FROM watch_sessions s JOIN profiles p ON p.id = s.profile_id
               LEFT JOIN files f ON f.id = s.file_id LEFT JOIN versions v ON v.id = s.version_id
               LEFT JOIN watch_state w ON w.profile_id = s.profile_id AND w.title_id = s.title_id
               LEFT JOIN versions sv ON sv.id = w.version_id"""


def snapshot(path: Path) -> dict[str, set]:
    """Id-free content of the catalog: equal for equal histories of equal trees."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {k: {tuple(r) for r in conn.execute(sql)} for k, sql in SNAPSHOT_SQL.items()}
        out["links"] = {tuple(r) for r in conn.execute(LINKS_SQL)}
    finally:
        conn.close()
    return out


def integrity(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check(3)")]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    return "ok" if rows == ["ok"] and not fk else "; ".join(rows) + (f"; fk {fk[:3]}" if fk
                                                                      else "")


def compare(expected: dict[str, set], got: dict[str, set]) -> dict[str, int]:
    lost = sum(len(expected[k] - got[k]) for k in SNAPSHOT_SQL)
    extra = sum(len(got[k] - expected[k]) for k in SNAPSHOT_SQL)
    links_expected = {r for r in expected["links"] if r[2] is not None}
    return {"rows_lost": lost, "rows_unexpected": extra,
            "history_links_lost": len(links_expected - got["links"])}


def catalog_hash(path: Path) -> str:
    h = hashlib.sha256()
    for p in (path, path.with_name(path.name + "-wal")):
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()


def checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


# -- the library and its history ---------------------------------------------------------------


def add_history(path: Path, seed: int, sessions: int) -> None:
    """Three profiles that watched files of the library, as the recorder leaves it: sessions
    linked to their file and version, the resume point's version, some ratings."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN IMMEDIATE")
    files = conn.execute("SELECT id, title_id, version_id FROM files WHERE extra IS NULL "
                         "AND title_id IS NOT NULL ORDER BY id").fetchall()
    profiles = []
    for name in ("Ann", "Bob", "Kid"):
        profiles.append(conn.execute("INSERT INTO profiles (name, created_at) VALUES (?, 0)",
                                     (name,)).lastrowid)
    now = 1_700_000_000.0
    for n, (fid, tid, vid) in enumerate(rng.sample(files, min(sessions, len(files)))):
        pid = profiles[n % 3]
        at = now - n * 3600.0
        pos = rng.choice([600_000, 3_000_000, 5_400_000])
        done = pos == 5_400_000
        conn.execute(
            "INSERT INTO watch_sessions (profile_id, title_id, version_id, file_id, started_at, "
            "ended_at, last_position_ms, max_position_ms, duration_ms, watched_ms, end_reason, "
            "completed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 5400000, ?, ?, ?)",
            (pid, tid, vid, fid, at, at + pos / 1000, pos, pos, pos,
             "finished" if done else "stopped", int(done)))
        conn.execute(
            "INSERT OR REPLACE INTO watch_state (profile_id, title_id, version_id, "
            "resume_position_ms, duration_ms, play_count, watched, last_played_at) "
            "VALUES (?, ?, ?, ?, 5400000, ?, ?, ?)",
            (pid, tid, vid, 0 if done else pos, int(done), int(done), at))
        if n % 4 == 0:
            conn.execute("INSERT OR REPLACE INTO ratings (profile_id, title_id, source, value, "
                         "at) VALUES (?, ?, 'explicit', ?, ?)", (pid, tid, rng.choice([-1, 1]),
                                                                 at))
    conn.execute("COMMIT")
    conn.close()
    checkpoint(path)


def mutate_library(lib: Path, seed: int) -> dict[str, int]:
    """What a week does to a library: whole movie folders deleted and renamed, new films, edited
    .nfo files. Deletions take whole folders, as people delete them."""
    rng = random.Random(seed)
    movies = sorted(p for p in (lib / "Movies").iterdir() if p.is_dir())
    rng.shuffle(movies)
    n = max(4, len(movies) // 30)
    for d in movies[:n]:
        shutil.rmtree(d)
    for d in movies[n:2 * n]:
        d.rename(d.with_name(d.name.replace("(", "[Remastered] (", 1)))
    nfos = [d / "movie.nfo" for d in movies[2 * n:] if (d / "movie.nfo").exists()][:n]
    for nfo in nfos:
        nfo.write_text(nfo.read_text(encoding="utf-8").replace("</title>", " Redux</title>"),
                       encoding="utf-8")
    for i in range(n):
        d = lib / "Movies" / f"Fresh Arrival {i} ({2000 + i % 25})"
        d.mkdir(parents=True)
        (d / f"Fresh Arrival {i} ({2000 + i % 25}).mkv").write_bytes(rng.randbytes(4096))
    return {"deleted_folders": n, "renamed_folders": n, "edited_nfo": len(nfos), "added": n}


def clip_library(lib: Path, videos: Path, copies: int) -> int:
    """Real clips (``videos``) as films of a library, ``copies`` folders each."""
    clips = sorted(p for p in videos.iterdir() if p.suffix.lower() in VIDEO_EXT)
    n = 0
    for k in range(copies):
        for i, clip in enumerate(clips):
            name = f"Clip {i:02d} Copy {k} ({1990 + i})"
            d = lib / name
            d.mkdir(parents=True, exist_ok=True)
            if k:
                os.link(clip, d / f"{name}{clip.suffix}")  # same bytes, another title
            else:
                shutil.copyfile(clip, d / f"{name}{clip.suffix}")
            n += 1
    return n


# -- trials ------------------------------------------------------------------------------------


def kill_point(rng: random.Random, phase_s: float, low: float = 0.0) -> float:
    # The phase as measured ends with the process (closing workers, the interpreter's exit):
    # draw from its first four fifths, where the work is; ``low``: a share of it to skip
    # (a command measured from its start spends that much starting Python).
    return round(rng.uniform(low * phase_s, 0.8 * phase_s), 3)


def killed_run(fresh: Callable[[], Path], args: tuple[str, ...], env: dict[str, str] | None,
               at: float, after: str | None) -> tuple[Run, float, int, Path]:
    """Kill ``args`` at ``at`` (after the ``after`` line) on the home ``fresh()`` makes; when
    it finished first, again on a fresh home with half the delay (up to four times).
    Returns (run, when, tries, home)."""
    for tries in range(1, 5):
        home = fresh()
        run = Run(home, *args, env=env)
        if run.kill_at(at, after=after):
            return run, at, tries, home
        run.left_behind(0)
        at = round(at / 2, 3)
    return run, at, tries, home


def fresh_home(work: Path, name: str, base: Path | None,
               prepare: Callable[[Path], None] | None = None) -> Callable[[], Path]:
    def make() -> Path:
        home = home_for(work, name, base)
        if prepare is not None:
            prepare(home)
        return home

    return make


def kill_trial(name: str, work: Path, base: Path | None, args: tuple[str, ...],
               expected: dict[str, set], phase_s: float, rng: random.Random,
               prepare: Callable[[Path], None] | None = None,
               env: dict[str, str] | None = None, after: str | None = None) -> dict:
    """``mediacenter ARGS`` killed at a random moment of its phase (``after`` its stderr line,
    within ``phase_s``), run again to the end, compared with the reference."""
    run, at, tries, home = killed_run(fresh_home(work, f"{name}-trial", base, prepare), args,
                                      env, kill_point(rng, phase_s), after)
    left = run.left_behind()
    again = Run(home, *args, env=env)
    rc = again.wait()
    left += again.left_behind()
    row = {"trial": name, "kill_at_s": at, "after": after or "start", "tries": tries,
           "killed": run.proc.returncode == -signal.SIGKILL, "rerun_exit": rc,
           **compare(expected, snapshot(db_of(home))), "integrity": integrity(db_of(home)),
           "processes_left": len(left)}
    if left:
        row["left"] = left[:5]
    shutil.rmtree(home, ignore_errors=True)
    return row


def timed_reference(work: Path, name: str, base: Path | None, args: tuple[str, ...],
                    prepare: Callable[[Path], None] | None = None,
                    env: dict[str, str] | None = None, after: str | None = None
                    ) -> tuple[dict[str, set], float, Path]:
    """The undisturbed run: its snapshot, the seconds from its ``after`` line (or its start)
    to its end, its home."""
    home = home_for(work, f"{name}-ref", base)
    if prepare is not None:
        prepare(home)
    run = Run(home, *args, env=env)
    rc = run.wait()
    ended = time.monotonic()
    if rc != 0:
        raise SystemExit(f"reference {name} failed ({rc}): {run.err.decode()[-800:]}")
    origin = run.started if after is None else (run.marked(after) or run.started)
    return snapshot(db_of(home)), ended - origin, home


def playback_trial(work: Path, base: Path, rng: random.Random) -> dict:
    """A player process recording a session is killed; the app's next start closes it."""
    home = home_for(work, "playback-trial", base)
    path = db_of(home)
    conn = sqlite3.connect(path)
    pid, (fid, tid, vid) = conn.execute("SELECT id FROM profiles LIMIT 1").fetchone()[0], \
        conn.execute("SELECT id, title_id, version_id FROM files WHERE extra IS NULL "
                     "AND title_id IS NOT NULL ORDER BY random() LIMIT 1").fetchone()
    conn.close()
    flush_s = 5.0
    child = f"""
import sys, time
from mediacenter.playback.history import WatchRecorder
now = [1_800_000_000.0]
rec = WatchRecorder({str(path)!r}, {pid}, flush_interval_s={flush_s}, clock=lambda: now[0])
rec.start({tid}, {vid}, {fid}, 0, 7_200_000)
print("started", rec.session_id, flush=True)
pos = 0
while True:
    now[0] += 1.0
    pos += 1000
    rec.progress(pos)
    print(pos, flush=True)
    time.sleep(0.003)
"""
    proc = subprocess.Popen([sys.executable, "-c", child], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    first = proc.stdout.readline().split()  # "started <session id>": playing from now on
    at = round(rng.uniform(0.1, 1.5), 3)
    time.sleep(at)
    proc.kill()
    out, _ = proc.communicate()
    session = int(first[1])
    lines = out.decode().split()
    played = int(lines[-1]) if lines else 0
    # The app starts (offscreen): nothing played yet, the session must be closed already.
    start = subprocess.run(
        [sys.executable, "-c",
         "import sys; from PySide6.QtWidgets import QApplication; "
         "from mediacenter.config import app_paths; "
         "from mediacenter.ui.catalog_guard import prepare_catalog; app = QApplication([]); "
         "sys.exit(0 if prepare_catalog(app_paths(sys.argv[1])) else 1)", str(home)],
        cwd=ROOT, env=ENV, capture_output=True, timeout=120)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    row = conn.execute("SELECT end_reason, last_position_ms FROM watch_sessions WHERE id = ?",
                       (session,)).fetchone()
    conn.close()
    lost_ms = max(0, played - (row[1] if row else 0))
    result = {"trial": "playback", "kill_at_s_after_start": at, "app_start_exit": start.returncode,
              "session_closed_as": row[0] if row else None, "played_ms": played,
              "position_lost_ms": lost_ms,
              "rows_lost": 0 if row and row[0] == "interrupted" else 1,
              "history_links_lost": 0, "rows_unexpected": 0,
              "within_flush_interval": lost_ms <= flush_s * 1000 + 1000,
              "integrity": integrity(path), "processes_left": 0}
    shutil.rmtree(home, ignore_errors=True)
    return result


def model_state(home: Path) -> str:
    from mediacenter.recommend.model import ModelFileError, RecModel

    model = home / "data" / "models" / "recommender.npz"
    if not model.exists():
        return "absent"
    try:
        RecModel.load(model)
    except ModelFileError as exc:
        return f"damaged: {exc}"
    return "ok"


def training_trial(work: Path, base: Path, full_s: float, rng: random.Random,
                   expected: dict[str, set]) -> dict:
    args = ("recommend", "--profile", "Ann", "--train", "force", "--json")
    run, at, tries, home = killed_run(fresh_home(work, "training-trial", base), args, None,
                                      kill_point(rng, full_s, low=0.4), None)
    killed = run.proc.returncode == -signal.SIGKILL
    left = run.left_behind()
    state_after_kill = model_state(home)
    again = Run(home, *args)
    rc = again.wait()
    left += again.left_behind()
    got = snapshot(db_of(home))
    row = {"trial": "training", "kill_at_s": at, "tries": tries, "killed": killed,
           "rerun_exit": rc,
           "model_after_kill": state_after_kill, "model_after_rerun": model_state(home),
           **compare(expected, got), "integrity": integrity(db_of(home)),
           "processes_left": len(left)}
    shutil.rmtree(home, ignore_errors=True)
    return row


def art_counts(home: Path) -> tuple[int, int, int]:
    """(candidates, candidates whose file is missing, titles with artwork)."""
    conn = sqlite3.connect(f"file:{db_of(home)}?mode=ro", uri=True)
    paths = [Path(p) for (p,) in conn.execute("SELECT path FROM artwork_candidates")]
    titles = conn.execute("SELECT count(DISTINCT title_id) FROM artwork_candidates").fetchone()[0]
    conn.close()
    missing = sum(1 for p in paths if not (p if p.is_absolute() else home / "cache" / p).exists())
    return len(paths), missing, titles


def artwork_trial(work: Path, base: Path, full_s: float, rng: random.Random,
                  reference_titles: int) -> dict:
    run, at, tries, home = killed_run(fresh_home(work, "artwork-trial", base),
                                      ("artwork-library", "--json"), None,
                                      kill_point(rng, full_s, low=0.1), None)
    killed = run.proc.returncode == -signal.SIGKILL
    left = run.left_behind()
    again = Run(home, "artwork-library", "--json")
    rc = again.wait()
    left += again.left_behind()
    candidates, missing, titles = art_counts(home)
    row = {"trial": "artwork", "kill_at_s": at, "tries": tries, "killed": killed,
           "rerun_exit": rc,
           "candidates": candidates, "candidate_files_missing": missing,
           "titles_with_art": titles, "reference_titles_with_art": reference_titles,
           "rows_lost": missing + max(0, reference_titles - titles), "history_links_lost": 0,
           "rows_unexpected": 0, "integrity": integrity(db_of(home)),
           "processes_left": len(left)}
    if left:
        row["left"] = left[:5]
    shutil.rmtree(home, ignore_errors=True)
    return row


def damage_pages(path: Path, tables: tuple[str, ...], n: int, seed: int) -> list[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    marks = ",".join("?" * len(tables))
    pages = [r[0] for r in conn.execute(
        f"SELECT pageno FROM dbstat WHERE name IN ({marks}) AND pagetype = 'leaf'", tables)]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    chosen = random.Random(seed).sample(pages, n)
    with open(path, "r+b") as fh:
        for p in chosen:
            fh.seek((p - 1) * page_size)
            fh.write(random.Random(p).randbytes(page_size))
    return chosen


def break_index(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX files_size ON files(mtime_ns)' "
                 "WHERE name = 'files_size'")
    conn.close()


def refused_untouched(home: Path, lib: Path, label: str, needle: str) -> dict:
    """Every command on a catalog that must not be written: refused in one line, unchanged."""
    path = db_of(home)
    before = catalog_hash(path)
    extra = home.parent / f"{label}-extra"
    extra.mkdir(exist_ok=True)
    commands = [("scan", "--no-probe"), ("library", "add", str(extra)), ("titles",),
                ("demo", "--no-scan"), ("backup",), ("recommend", "--profile", "Ann")]
    writes, bad_messages, left = 0, [], 0
    for argv in commands:
        run = mc(home, *argv)
        left += len(run.left_behind())
        err = run.err.decode(errors="replace")
        if (run.proc.returncode != 2 or "Traceback" in err or needle not in err
                or err.strip().count("\n") != 0):
            bad_messages.append({"command": " ".join(argv), "exit": run.proc.returncode,
                                 "stderr": err[-300:]})
        if catalog_hash(path) != before:
            writes += 1
            before = catalog_hash(path)
    gui = Run(home, gui=True)
    time.sleep(4.0)  # the app shows its dialog; nothing may have been written meanwhile
    gui.kill_at(0)
    left += len(gui.left_behind())
    if catalog_hash(path) != before:
        writes += 1
    return {"trial": label, "commands": len(commands) + 1, "writes_to_catalog": writes,
            "unclear_messages": bad_messages, "processes_left": left, "rows_lost": 0,
            "history_links_lost": 0, "rows_unexpected": 0}


def detection(path: Path, repeats: int = 7) -> dict[str, float]:
    """check_catalog (what the CLI and the app run before their first write) against a full
    integrity check and a plain read of the file, in ms (median)."""
    def median_ms(fn: Callable[[], object]) -> float:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            with contextlib.suppress(Exception):
                fn()
            times.append((time.perf_counter() - t0) * 1000)
        return round(statistics.median(times), 1)

    def full() -> None:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("PRAGMA integrity_check").fetchall()
        conn.close()

    def read() -> None:
        with open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass

    return {"quick_check_ms": median_ms(lambda: check_catalog(path)),
            "integrity_check_ms": median_ms(full), "read_file_ms": median_ms(read)}


# -- the run -----------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3, help="kills per kind of work")
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--videos", type=Path, default=ROOT.parent / "shared" / "data" / "video")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="mc-faults-"))
    trials: list[dict] = []
    out: dict = {"files": args.files, "repeats": args.repeats, "seed": args.seed}
    started = time.monotonic()
    try:
        lib = work / "lib"
        generate_tree(lib, args.files, seed=args.seed)

        # The first import: reference, then kills.
        def add_lib(home: Path) -> None:
            mc(home, "library", "add", str(lib))

        imported, import_s, ref_home = timed_reference(work, "import", None,
                                                       ("scan", "--no-probe"), add_lib,
                                                       after="importing")
        reference_s = out["reference_phase_s"] = {"import": round(import_s, 2)}
        base = work / "base.sqlite3"
        checkpoint(db_of(ref_home))
        shutil.copyfile(db_of(ref_home), base)
        add_history(base, args.seed, sessions=min(1500, args.files // 6))
        out["library"] = {"videos": args.files, "titles": len(imported["titles"]),
                          "catalog_mb": round(base.stat().st_size / 1e6, 1)}
        for _ in range(args.repeats):
            trials.append(kill_trial("import", work, None, ("scan", "--no-probe"), imported,
                                     import_s, rng, add_lib, after="importing"))

        # Detection at open, before anything else touches the base catalog.
        out["detection_healthy"] = detection(base)
        damaged_home = home_for(work, "damaged", base)
        damage_pages(db_of(damaged_home), ("files", "titles"), 3, args.seed)
        out["detection_damaged"] = detection(db_of(damaged_home))

        # Damage, foreign catalogs.
        trials.append(refused_untouched(damaged_home, lib, "damaged-pages", "damaged"))
        in_use = home_for(work, "damage-in-use", base)
        break_index(db_of(in_use))
        victim = next(p for p in sorted((lib / "Movies").iterdir()) if p.is_dir())
        held = work / "held-away"
        shutil.move(victim, held)  # the scan will delete its row: the broken index shows
        run = mc(in_use, "scan", "--no-probe", "--json")
        first_err = run.err.decode(errors="replace")
        row = refused_untouched(in_use, lib, "damage-found-in-use", "damaged")
        row["first_scan"] = {"exit": run.proc.returncode, "stderr": first_err[-300:],
                             "one_line": first_err.count("\n") == 1,
                             "marker": (db_of(in_use).parent /
                                        "catalog.sqlite3.damaged").exists()}
        trials.append(row)
        shutil.move(held, victim)
        for mode in ("wal", "delete"):
            newer = home_for(work, f"newer-{mode}", base)
            conn = sqlite3.connect(db_of(newer), isolation_level=None)
            conn.execute(f"PRAGMA journal_mode = {mode}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
            conn.close()
            trials.append(refused_untouched(newer, lib, f"newer-schema-{mode}",
                                            "newer mediacenter"))

        # Rescans after a week of changes: reference, then kills, then three at once.
        pre = snapshot(base)
        out["library"]["changes"] = mutate_library(lib, args.seed)
        scanned, scan_s, _ = timed_reference(work, "scan", base, ("scan", "--no-probe"),
                                             after="walking")
        reference_s["scan"] = round(scan_s, 2)
        links_kept = len({r for r in scanned["links"] if r[2] is not None})
        out["library"]["history_links"] = len({r for r in pre["links"] if r[2] is not None})
        out["library"]["history_links_after_changes"] = links_kept
        for _ in range(args.repeats):
            trials.append(kill_trial("scan", work, base, ("scan", "--no-probe"), scanned,
                                     scan_s, rng, after="walking"))
        together = home_for(work, "concurrent", base)
        runs = [Run(together, "scan", "--no-probe", "--json") for _ in range(3)]
        codes = [r.wait() for r in runs]
        left = sum(len(r.left_behind()) for r in runs)
        final = Run(together, "scan", "--no-probe")
        final.wait()
        trials.append({"trial": "concurrent-scans", "exits": codes,
                       "busy_refusals": sum(b"being scanned already" in r.err for r in runs),
                       **compare(scanned, snapshot(db_of(together))),
                       "integrity": integrity(db_of(together)), "processes_left": left})

        # Offline roots, a share mounted inside the folder, files back after a removal.
        trials.extend(offline_trials(work, base, lib, scanned))

        # Playback and training.
        for _ in range(args.repeats):
            trials.append(playback_trial(work, base, rng))
        train_args = ("recommend", "--profile", "Ann", "--train", "force", "--json")
        trained, train_s, _ = timed_reference(work, "training", base, train_args)
        reference_s["training"] = round(train_s, 2)
        for _ in range(args.repeats):
            trials.append(training_trial(work, base, train_s, rng, trained))

        # Real clips: probing and artwork, killed.
        if args.videos.is_dir():
            clips = work / "clips"
            out["clips"] = clip_library(clips, args.videos, copies=1)

            def add_clips(home: Path) -> None:
                mc(home, "library", "add", str(clips))
                mc(home, "scan", "--no-probe")

            probed, probe_s, probe_home = timed_reference(work, "probe", None, ("scan",),
                                                          add_clips, after="probing")
            reference_s["probe"] = round(probe_s, 2)
            for _ in range(args.repeats):
                trials.append(kill_trial("probe", work, None, ("scan",), probed, probe_s, rng,
                                         add_clips, after="probing"))
            art_base = work / "art-base.sqlite3"
            checkpoint(db_of(probe_home))
            shutil.copyfile(db_of(probe_home), art_base)
            art_home = home_for(work, "artwork-ref", art_base)
            t0 = time.monotonic()
            mc(art_home, "artwork-library", "--json")
            art_s = time.monotonic() - t0
            reference_s["artwork"] = round(art_s, 2)
            out["artwork_reference"] = dict(zip(("candidates", "missing", "titles"),
                                                art_counts(art_home), strict=True))
            for _ in range(args.repeats):
                trials.append(artwork_trial(work, art_base, art_s, rng,
                                            out["artwork_reference"]["titles"]))

        # The app killed while its page process, resource tracker and a stuck probe run.
        for sig in (signal.SIGKILL, signal.SIGTERM):
            trials.append(app_kill_trial(work, base, sig))

        out["probe_timeouts"] = probe_timeout_rescan(work, base, lib)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def total(key: str) -> int:
        return sum(int(t.get(key, 0) or 0) for t in trials)

    healthy = out["detection_healthy"]["quick_check_ms"]
    damaged = out["detection_damaged"]["quick_check_ms"]
    summary = {
        "trials": len(trials),
        "rows_lost": total("rows_lost"),
        "rows_unexpected": total("rows_unexpected"),
        "history_links_lost": total("history_links_lost"),
        "writes_to_damaged_or_newer_catalogs": total("writes_to_catalog"),
        "unclear_messages": sum(len(t.get("unclear_messages", [])) for t in trials),
        "processes_left": total("processes_left"),
        "integrity_failures": sum(1 for t in trials if t.get("integrity", "ok") != "ok"),
        "detect_ms_healthy": healthy,
        "detect_ms_damaged": damaged,
        "detect_ratio_vs_integrity_check": round(
            healthy / max(out["detection_healthy"]["integrity_check_ms"], 0.1), 2),
        "unchanged_rescan_ratio_with_4_hung_probes": out["probe_timeouts"].get("ratio"),
        "wall_s": round(time.monotonic() - started, 1),
    }
    scale = 10_000 / max(args.files, 1)
    summary["targets_met"] = (
        summary["rows_lost"] == 0 and summary["history_links_lost"] == 0
        and summary["writes_to_damaged_or_newer_catalogs"] == 0
        and summary["processes_left"] == 0 and summary["integrity_failures"] == 0
        and summary["unclear_messages"] == 0 and max(healthy, damaged) * scale <= 200)
    out["summary"] = summary
    out["trials"] = trials
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for t in trials:
            print(json.dumps(t))
        print(json.dumps(summary, indent=2))
    return 0 if summary["targets_met"] else 1


def offline_trials(work: Path, base: Path, lib: Path, scanned: dict[str, set]) -> list[dict]:
    rows = []
    home = home_for(work, "offline", base)
    mc(home, "scan", "--no-probe")
    before = snapshot(db_of(home))
    away = work / "unplugged"
    lib.rename(away)
    run = mc(home, "scan", "--no-probe")
    during = compare(before, snapshot(db_of(home)))
    away.rename(lib)
    mc(home, "scan", "--no-probe")
    rows.append({"trial": "offline-root", "during": during, "said": run.out.decode()[-200:],
                 **compare(before, snapshot(db_of(home))),
                 "integrity": integrity(db_of(home)), "processes_left": 0})

    # A share mounted at lib/TV Shows: unmounted, its folder stays, empty.
    share = lib / "TV Shows"
    moved = work / "share-away"
    shutil.move(share, moved)
    share.mkdir()
    run = mc(home, "scan", "--no-probe")
    during = compare(before, snapshot(db_of(home)))
    held_back = "disappeared at once" in run.out.decode()
    share.rmdir()
    shutil.move(moved, share)
    mc(home, "scan", "--no-probe")
    rows.append({"trial": "share-mounted-inside-gone", "held_back": held_back, "during": during,
                 **compare(before, snapshot(db_of(home))),
                 "integrity": integrity(db_of(home)), "processes_left": 0})

    # The user confirms the removal; the files come back later: history follows them.
    shutil.move(share, moved)
    share.mkdir()
    mc(home, "scan", "--no-probe", "--confirm-removal", str(lib))
    removed = compare(before, snapshot(db_of(home)))
    share.rmdir()
    shutil.move(moved, share)
    mc(home, "scan", "--no-probe")
    rows.append({"trial": "files-back-after-confirmed-removal",
                 "links_while_removed": removed["history_links_lost"],
                 **compare(before, snapshot(db_of(home))),
                 "integrity": integrity(db_of(home)), "processes_left": 0})
    shutil.rmtree(home, ignore_errors=True)
    return rows


def app_kill_trial(work: Path, base: Path, sig: int) -> dict:
    home = home_for(work, f"app-kill-{sig}", base)
    stuck = work / f"stuck-{sig}"
    stuck.mkdir(exist_ok=True)
    (stuck / "HANGME (2001).mkv").write_bytes(b"a file whose probe never ends")
    mc(home, "library", "add", str(stuck))
    conn = sqlite3.connect(db_of(home))
    conn.execute("PRAGMA foreign_keys = ON")
    # A household of one goes straight to its home page, built in the page process.
    conn.execute("DELETE FROM profiles WHERE name != 'Ann'")
    conn.commit()
    conn.close()
    # The stuck probe stays stuck while the page process and the background jobs run.
    (home / "config").mkdir(exist_ok=True)
    (home / "config" / "settings.json").write_text(json.dumps({"probe_timeout_s": 120}))
    app = Run(home, env={**ENV, FAULT_ENV: "hang:HANGME"}, gui=True)

    def kinds() -> set[str]:
        names = set()
        for pid, _t in descendants(app.proc.pid):
            with contextlib.suppress(OSError):
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                names |= {k for k in ("spawn_main", "resource_tracker", "probe_worker")
                          if k.encode() in cmd}
        return names

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(kinds()) < 3:
        app._watch()
        time.sleep(0.1)
    running = sorted(kinds())
    app.kill_at(0, sig)
    left = app.left_behind()
    shutil.rmtree(home, ignore_errors=True)
    return {"trial": f"app-killed-{signal.Signals(sig).name}", "children_running": running,
            "children_seen": len(app.seen), "processes_left": len(left), "left": left[:5],
            "rows_lost": 0, "history_links_lost": 0, "rows_unexpected": 0}


def probe_timeout_rescan(work: Path, base: Path, lib: Path, hung: int = 4) -> dict:
    """An unchanged rescan with probing of a probed library holding ``hung`` files whose probe
    hangs (they time out in the first scan), against the same rescan without probing."""
    home = home_for(work, "probe-timeouts", base)
    mc(home, "scan", "--no-probe")
    for i in range(hung):
        (lib / "Downloads" / f"HANG.Unreadable.{i}.2001.mkv").write_bytes(b"x" * 4096)
    mc(home, "scan", "--no-probe")
    conn = sqlite3.connect(db_of(home))
    # Probed before (a verdict per file), as a library that has been open in the app for a
    # while; only the new files remain to probe.
    conn.execute("UPDATE files SET probe_size = size, probe_mtime_ns = mtime_ns, "
                 "probe_error = 'unplayable: not media' WHERE path_display NOT LIKE '%HANG.%'")
    conn.commit()
    conn.close()
    env = {**ENV, FAULT_ENV: "hang:HANG."}
    t0 = time.monotonic()
    Run(home, "scan", "--timeout", "2", env=env).wait()
    first = time.monotonic() - t0

    def rescan(*extra: str) -> float:
        run = Run(home, "scan", *extra, env=env)
        run.wait()
        return json.loads(run.out)["roots"][0]["timings_s"]["total"]

    with_probe = [rescan("--timeout", "2", "--json") for _ in range(5)]
    without = [rescan("--no-probe", "--json") for _ in range(5)]
    for i in range(hung):
        (lib / "Downloads" / f"HANG.Unreadable.{i}.2001.mkv").unlink()
    shutil.rmtree(home, ignore_errors=True)
    a, b = statistics.median(with_probe), statistics.median(without)
    return {"first_scan_with_timeouts_s": round(first, 2), "rescan_s": round(a, 3),
            "rescan_no_probe_s": round(b, 3), "ratio": round(a / max(b, 1e-3), 2)}


if __name__ == "__main__":
    sys.exit(main())
