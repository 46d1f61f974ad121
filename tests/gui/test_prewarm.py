"""The first Play's own modules are imported while the app is idle after its home page is up,
not when Enter is pressed (issue 20), and not before the first page either. Checked in a
fresh process: this test process has imported everything already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from mediacenter.ui.prewarm import PLAYBACK_MODULES

CHILD = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from mediacenter.config import app_paths
    from mediacenter.ui.main_window import MainWindow
    from mediacenter.ui.prewarm import PLAYBACK_MODULES

    app = QApplication(sys.argv[:1])
    w = MainWindow(app_paths(sys.argv[1]), probe=False)
    w.show()
    out = {"at_start": [m for m in PLAYBACK_MODULES if m in sys.modules], "waited_ms": 0}

    def poll():
        loaded = [m for m in PLAYBACK_MODULES if m in sys.modules]
        if (w._home_task is None and len(loaded) == len(PLAYBACK_MODULES)) or \\
                out["waited_ms"] > 30_000:
            out["home_built"] = w._home_task is None
            out["after_home"] = loaded
            out["vlc_loaded"] = "vlc" in sys.modules
            print("RESULT " + json.dumps(out), flush=True)
            w.close()
            app.quit()
            return
        out["waited_ms"] += 50
        QTimer.singleShot(50, poll)

    QTimer.singleShot(0, poll)
    app.exec()
""")


def test_playback_modules_are_imported_after_the_home_page_and_libvlc_is_not(tmp_path, qapp):
    env = dict(os.environ, MEDIACENTER_HOME=str(tmp_path / "home"))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "home")], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line is not None, proc.stdout[-2000:] + proc.stderr[-3000:]
    out = json.loads(line[len("RESULT "):])
    assert out["at_start"] == []  # nothing of it delays the window and its first rows
    assert out["home_built"]
    assert out["after_home"] == list(PLAYBACK_MODULES)
    # libVLC stays out: loading it is run_gui's own pre-warm, on a worker (and the
    # first-frame benchmark's "cold" means libVLC not loaded yet).
    assert not out["vlc_loaded"]
