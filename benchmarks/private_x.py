"""An Xvfb that any local user may draw on (``-ac``): the benchmarks run cvlc as "nobody"
(VLC refuses root) beside the app, on the same private display."""

from __future__ import annotations

import os
import subprocess


class PrivateX:
    """A private X server; ``display`` is its name (":N"). ``close()`` stops it."""

    def __init__(self, screen: str = "1600x900x24") -> None:
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-ac", "-nolisten", "tcp", "-screen", "0", screen],
            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            number = f.readline().strip()
        if not number:
            self.close()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
