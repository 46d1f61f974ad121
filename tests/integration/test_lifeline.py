"""No child process outlives the app: the real app killed with SIGKILL or SIGTERM while its
page process, Python's resource tracker and probe workers (one stuck on a file) run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.db.app_settings import set_last_profile_id
from mediacenter.db.profiles import create_profile
from mediacenter.library.probe_worker import FAULT_ENV
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.playback.vlc_env import libvlc_info
from mediacenter.procs import descendants, still_running
from tests.integration.test_scan import fake_tree

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads the process tree from /proc")
ROOT = Path(__file__).resolve().parents[2]
HAVE_VLC = bool(libvlc_info(try_instance=False)["loaded"])


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _library_home(tmp_path: Path) -> Path:
    """A catalog with a profile (so the home page is built in the page process) and a folder
    not yet scanned whose file hangs the probe worker (so one is busy when the app dies)."""
    home = tmp_path / "home"
    paths = app_paths(home).ensure()
    db = open_db(paths.db_path)
    lib = tmp_path / "lib"
    fake_tree(lib, 20, 10)
    Scanner(db).scan_root(add_root(db, lib).id)
    stuck = tmp_path / "stuck"
    stuck.mkdir()
    (stuck / "HANGME (2001).mkv").write_bytes(b"not really a video")
    add_root(db, stuck)
    set_last_profile_id(db, create_profile(db, "Ann").id)
    db.conn.close()
    return home


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_the_app_killed_leaves_no_process_behind(tmp_path, sig):
    home = _library_home(tmp_path)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{FAULT_ENV: "hang:HANGME"})
    app = subprocess.Popen([sys.executable, "-m", "mediacenter", "--home", str(home)],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        def started() -> bool:
            lines = [_cmdline(p) for p, _t in descendants(app.pid)]
            page = any("spawn_main" in c for c in lines)
            tracker = any("resource_tracker" in c for c in lines)
            prober = any("mediacenter_probe_worker" in c for c in lines) or not HAVE_VLC
            return page and tracker and prober

        assert _wait_for(started, 30), [_cmdline(p) for p, _t in descendants(app.pid)]
        children = descendants(app.pid)
        os.kill(app.pid, sig)
        app.wait(10)
        assert _wait_for(lambda: not any(still_running(c) for c in children), 5), [
            _cmdline(p) for p, t in children if still_running((p, t))]
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


PARENT = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c",
    "import time; from mediacenter.lifeline import watch_parent; watch_parent(); "
    "print('up', flush=True); time.sleep(60)"], stdout=subprocess.PIPE)
child.stdout.readline()
print(child.pid, flush=True)
import time; time.sleep(60)
"""


def test_a_subprocess_child_ends_when_its_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        procs = [c for c in descendants(parent.pid) if c[0] == child]
        assert procs and still_running(procs[0])
        parent.kill()
        parent.wait()
        assert _wait_for(lambda: not still_running(procs[0]), 3)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()
