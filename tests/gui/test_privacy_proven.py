"""Privacy, proven (issue 15) on the real app: scan with probing, artwork, training and the
page process, the window's screens, playback (a file, and a manifest through the loopback
proxy) under a network guard; file modes; the PIN's hash; a private session that writes
nothing to any table."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.db.profiles import create_profile
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.playback.vlc_env import libvlc_info
from mediacenter.private_files import private_umask
from mediacenter.procs import descendants
from mediacenter.ui.main_window import MainWindow
from tests import netguard
from tests.abr_media import make_hls_ladder

T = 60_000
pytestmark = [
    pytest.mark.slow, pytest.mark.vlc,
    pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing"),
]


def _library(root: Path, clip_factory) -> Path:
    clip_factory(root / "Alien (1979)" / "Alien (1979).mp4", duration_s=4.0)
    (root / "Alien (1979)" / "movie.nfo").write_text(
        "<movie><title>Alien</title><year>1979</year><genre>Horror</genre><mpaa>R</mpaa>"
        "<votes>900</votes><rating>8.4</rating></movie>", encoding="utf-8")
    clip_factory(root / "Up (2009)" / "Up (2009).mp4", duration_s=3.0)
    (root / "Up (2009)" / "movie.nfo").write_text(
        "<movie><title>Up</title><year>2009</year><genre>Animation</genre><mpaa>G</mpaa>"
        "</movie>", encoding="utf-8")
    for e in (1, 2):
        clip_factory(root / "Show" / "Season 01" / f"Show - S01E0{e}.mp4", duration_s=2.0)
    return root


class SocketWatch:
    """Samples the sockets of this process and all its children every 50 ms."""

    def __init__(self) -> None:
        self.seen: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.seen.extend(self.now())
            self._stop.wait(0.05)

    def __enter__(self) -> SocketWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def now(self) -> list:
        return netguard.sockets_of([os.getpid(), *(p for p, _t in descendants(os.getpid()))])


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    log = tmp_path / "net-guard.jsonl"
    for k, v in netguard.child_env(log).items():
        monkeypatch.setenv(k, v)
    netguard.install(log)
    # What the app's entry points (run_gui, the CLI) do before anything is written.
    old = os.umask(0o022)
    private_umask()
    yield log
    os.umask(old)
    netguard.stop()


def _wait_jobs(qtbot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: not w.jobs.jobs and w._home_task is None, timeout=3 * T)


def test_nothing_leaves_the_machine(qtbot, tmp_path, clip_factory, headless_vlc, guarded):
    paths = app_paths().ensure()
    lib = _library(tmp_path / "lib", clip_factory)
    ladder = make_hls_ladder(tmp_path / "hls", duration_s=6.0)
    db = open_db(paths.db_path)
    sam = create_profile(db, "Sam", pin="2468")
    create_profile(db, "Kid", is_kids=True, max_rating="G")
    pin_hash = db.conn.execute("SELECT pin_hash FROM profiles WHERE id = ?",
                               (sam.id,)).fetchone()[0]
    root = add_root(db, lib)
    from mediacenter.library.probe import Prober

    with SocketWatch() as watch:
        prober = Prober(workers=2)  # probing in worker processes
        try:
            Scanner(db, prober=prober).scan_root(root.id)
        finally:
            prober.close()
        db.conn.close()
        w = MainWindow(paths, probe=False)
        qtbot.addWidget(w)
        w.show()
        w.choose_profile(sam.id)
        w.start_background_work()  # artwork, previews, segments, training: child processes
        _wait_jobs(qtbot, w)
        for screen in ("search", "library", "insights", "settings", "home"):
            w.go(screen)
            qtbot.wait(150)
        _wait_jobs(qtbot, w)
        # Playback of a file.
        tid = w.db.conn.execute("SELECT id FROM titles WHERE title = 'Up'").fetchone()[0]
        assert w.play_title(tid)
        pv = w.player_view
        qtbot.waitUntil(lambda: pv.player is not None and pv.player.state() == "playing",
                        timeout=T)
        w.leave_player()
        # A manifest through the loopback proxy: its listener is on 127.0.0.1 only, and only
        # while it plays.
        q = pv.quality
        assert q is not None
        assert not netguard.listeners(watch.now())
        q.play_uri(str(ladder / "master.m3u8"))
        qtbot.waitUntil(lambda: pv.player.state() == "playing", timeout=T)
        listening = netguard.listeners(watch.now())
        assert listening and all(addr[0] == "127.0.0.1" for _pid, addr in listening)
        pv.stop()
        qtbot.waitUntil(lambda: not netguard.listeners(watch.now()), timeout=5000)
        w.close()
    assert netguard.violations(guarded) == []
    assert netguard.socket_violations(watch.seen) == []
    assert any(proto.startswith("tcp") for _p, proto, *_r in watch.seen)  # it did look

    # Files: folders 0700, files 0600 (mediacenter.private_files), everywhere the app writes.
    home = Path(os.environ["MEDIACENTER_HOME"])
    loose = []
    for p in home.rglob("*"):
        mode = stat.S_IMODE(p.lstat().st_mode)
        if p.is_symlink():
            continue
        if (p.is_dir() and mode != 0o700) or (p.is_file() and mode & 0o077):
            loose.append(f"{p.relative_to(home)} {oct(mode)}")
    assert loose == []
    # The PIN's hash is in the catalog (and its backups: copies of it) and nowhere else.
    salt = pin_hash.split("$")[-2] if pin_hash.count("$") >= 2 else pin_hash
    for p in home.rglob("*"):
        if not p.is_file() or p.name.startswith(paths.db_path.name) or \
                paths.backup_dir in p.parents:
            continue
        data = p.read_bytes()
        assert pin_hash.encode() not in data and salt.encode() not in data, p


def _counts(db) -> dict[str, int]:
    tables = [r[0] for r in db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'titles_fts_%'")]
    return {t: db.conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _sums(db) -> dict[str, object]:
    """Rows that may be updated in place (counts alone would miss an UPDATE)."""
    return {
        "watch_state": db.conn.execute("SELECT total(resume_position_ms), total(play_count), "
                                       "max(last_played_at) FROM watch_state").fetchone(),
        "artwork_choice": db.conn.execute("SELECT max(chosen_at) FROM artwork_choice"
                                          ).fetchone(),
        "choice_current": db.conn.execute("SELECT max(chosen_at) FROM choice_current"
                                          ).fetchone(),
        "app_settings": db.conn.execute("SELECT group_concat(key || '=' || value) FROM "
                                        "app_settings").fetchone(),
        "throughput": db.conn.execute("SELECT max(updated_at), total(samples) FROM "
                                      "throughput").fetchone(),
    }


def test_a_private_session_writes_nothing_to_any_table(qtbot, tmp_path, clip_factory,
                                                        headless_vlc):
    paths = app_paths().ensure()
    lib = _library(tmp_path / "lib", clip_factory)
    db = open_db(paths.db_path)
    sam = create_profile(db, "Sam")
    create_profile(db, "Ann")
    Scanner(db).scan_root(add_root(db, lib).id)
    up = db.conn.execute("SELECT id FROM titles WHERE title = 'Up'").fetchone()[0]
    before, before_sums = _counts(db), _sums(db)
    w = MainWindow(paths, probe=False)
    qtbot.addWidget(w)
    w.show()
    w.choose_profile(sam.id, private=True)
    qtbot.waitUntil(lambda: w._home_task is None, timeout=T)
    qtbot.wait(300)  # tiles shown: impressions would be logged now
    w.open_details(up)
    qtbot.wait(200)
    assert w.play_title(up)
    pv = w.player_view
    qtbot.waitUntil(lambda: pv.player is not None and pv.player.state() == "playing",
                    timeout=T)
    qtbot.wait(1500)  # progress, throughput samples
    w.leave_player()
    for screen in ("search", "library", "insights", "settings", "home"):
        w.go(screen)
        qtbot.wait(150)
    qtbot.waitUntil(lambda: w._home_task is None, timeout=T)
    w.close()
    qtbot.wait(200)
    after, after_sums = _counts(db), _sums(db)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert changed == {}
    assert after_sums == before_sums
    db.conn.close()
