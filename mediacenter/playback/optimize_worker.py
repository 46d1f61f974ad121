"""Child process of :mod:`mediacenter.playback.optimize`: one transcode through libVLC's stream
output, progress as JSON lines on stdout.

Why a process: a transcode runs for minutes on every core, and a decoder crash on a damaged
file must not take the app with it; killing the process is also the surest way to cancel.

Protocol: ``python -m mediacenter.playback.optimize_worker '<json>'`` with ``source``,
``dest``, ``sout`` (the ``#transcode...`` chain). Lines: ``{"progress": 0.42}`` (at most ~5 per
second), then ``{"done": true, "duration_ms": ...}`` or ``{"error": "..."}``; the exit status
is 0 only after "done".
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from mediacenter.lifeline import watch_parent

_ARGS = [
    "--quiet",
    "--ignore-config",
    "--no-stats",
    "--vout=dummy",
    "--aout=dummy",
    "--avcodec-hw=none",
    "--no-metadata-network-access",
]


def _send(msg: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def run(source: str, sout: str, timeout_s: float | None = None) -> int:
    try:
        import vlc
    except (Exception, SystemExit) as e:  # python-vlc exits on a bad PYTHON_VLC_LIB_PATH
        _send({"error": f"cannot load libVLC: {e}"})
        return 3
    inst = vlc.Instance(_ARGS)
    if inst is None:
        _send({"error": "libVLC could not start (plugins missing?)"})
        return 3
    media = inst.media_new_path(os.fsencode(source))
    media.add_option(f":sout={sout}")
    media.add_option(":no-sout-all")  # one video and one audio track, the ones played
    media.add_option(":sout-keep")
    player = inst.media_player_new()
    player.set_media(media)
    if player.play() != 0:
        _send({"error": "libVLC refused to start the transcode"})
        return 2
    started = time.monotonic()
    last = -1.0
    max_time = 0
    state = player.get_state()
    while True:
        time.sleep(0.2)
        state = player.get_state()
        if state in (vlc.State.Ended, vlc.State.Error, vlc.State.Stopped):
            break
        pos = float(player.get_position() or 0.0)
        max_time = max(max_time, int(player.get_time() or 0))
        if pos - last >= 0.005:
            last = pos
            _send({"progress": max(0.0, min(1.0, pos))})
        if timeout_s is not None and time.monotonic() - started > timeout_s:
            player.stop()
            _send({"error": "the transcode took too long"})
            return 2
    length = int(player.get_length() or 0)
    player.stop()
    player.release()
    media.release()
    inst.release()
    if state == vlc.State.Error:
        _send({"error": "libVLC could not read or transcode the file"})
        return 2
    if length <= 0 and max_time <= 0:
        # WORKAROUND: libVLC "plays" a file no demuxer understands to an end of length 0.
        _send({"error": "no playable video found in the source (unsupported or damaged)"})
        return 2
    _send({"done": True, "duration_ms": length or max_time})
    return 0


def main() -> None:
    watch_parent()  # a copy nobody waits for any more is not finished alone
    try:
        args = json.loads(sys.argv[1])
        source, sout = str(args["source"]), str(args["sout"])
        timeout_s = args.get("timeout_s")
    except (IndexError, ValueError, KeyError, TypeError):
        _send({"error": "bad arguments"})
        sys.exit(2)
    sys.exit(run(source, sout, float(timeout_s) if timeout_s else None))


if __name__ == "__main__":
    main()
