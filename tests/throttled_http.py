"""A loopback HTTP file server whose link follows a bandwidth function of time.

Used by the playback tests and by ``benchmarks/abr.py``: it stands for a slow NAS, a Wi-Fi
link or a CDN. Every connection shares one link (a token bucket refilled at ``rate_bps(t)``,
``t`` in seconds since :meth:`ThrottledServer.start`), so parallel downloads compete as they
would on a real link. Files come from ``root``, with HTTP Range support (libVLC seeks in
progressive files with range requests). Each response is logged (path, bytes, start, end) so a
benchmark can tell which variant a player fetched.

Threads: the server runs on daemon threads; :meth:`set_rate` and :meth:`requests` may be
called from any thread.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["Link", "RequestLog", "ThrottledServer"]

_CHUNK = 8 * 1024
_MIME = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".mp4": "video/mp4",
         ".mpd": "application/dash+xml", ".m4s": "video/iso.segment", ".mkv": "video/x-matroska"}


class Link:
    """A shared token bucket: ``take(n)`` blocks until the link carried ``n`` more bytes."""

    def __init__(self, rate_bps: Callable[[float], float], burst_bytes: int = 2 * _CHUNK) -> None:
        self.rate_bps = rate_bps
        self.burst = burst_bytes
        self._lock = threading.Lock()
        self._t0 = time.monotonic()
        self._last = self._t0
        self._tokens = 0.0
        self.closed = False

    def restart_clock(self) -> None:
        with self._lock:
            self._t0 = self._last = time.monotonic()
            self._tokens = 0.0

    def now(self) -> float:
        """Seconds since the link's clock started."""
        return time.monotonic() - self._t0

    def take(self, n: int) -> None:
        while True:
            if self.closed:  # the server is closing: a transfer stuck on a dead link ends
                raise ConnectionAbortedError("link closed")
            with self._lock:
                now = time.monotonic()
                rate = max(0.0, float(self.rate_bps(now - self._t0)))
                self._tokens = min(self.burst, self._tokens + rate * (now - self._last) / 8.0)
                self._last = now
                if self._tokens >= n:
                    self._tokens -= n
                    return
                missing = n - self._tokens
                wait = missing * 8.0 / rate if rate > 0 else 0.02
            time.sleep(min(0.02, max(0.001, wait)))


@dataclass(frozen=True)
class RequestLog:
    path: str
    nbytes: int
    start: float  # link clock, seconds
    end: float
    status: int


class _Handler(BaseHTTPRequestHandler):
    server_ref: ThrottledServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        srv = self.server_ref
        start = srv.link.now()
        rel = unquote(urlparse(self.path).path).lstrip("/")
        path = (srv.root / rel).resolve()
        if srv.root not in path.parents or not path.is_file():
            self.send_error(404)
            srv._log(RequestLog(rel, 0, start, srv.link.now(), 404))
            return
        size = path.stat().st_size
        first, last, status = 0, size - 1, 200
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                first = int(m.group(1))
                last = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            else:
                first = max(0, size - int(m.group(2)))
            if first > last:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        length = last - first + 1
        self.send_response(status)
        self.send_header("Content-Type", _MIME.get(path.suffix.lower(), "application/octet-stream"))
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.end_headers()
        sent = 0
        try:
            with open(path, "rb") as f:
                f.seek(first)
                while sent < length:
                    chunk = f.read(min(_CHUNK, length - sent))
                    if not chunk:
                        break
                    srv.link.take(len(chunk))
                    self.wfile.write(chunk)
                    sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True
        srv._log(RequestLog(rel, sent, start, srv.link.now(), status))


class ThrottledServer:
    """Serve ``root`` on ``127.0.0.1`` through a :class:`Link` at ``rate_bps(t)`` bits/s."""

    def __init__(self, root: str | os.PathLike[str], rate_bps: float | Callable[[float], float]):
        self.root = Path(root).resolve()
        self._fixed = float(rate_bps) if not callable(rate_bps) else None
        self._fn = rate_bps if callable(rate_bps) else None
        self.link = Link(self._rate)
        self._requests: list[RequestLog] = []
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"server_ref": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def _rate(self, t: float) -> float:
        if self._fixed is not None:
            return self._fixed
        assert self._fn is not None
        return self._fn(t)

    def set_rate(self, rate_bps: float | Callable[[float], float]) -> None:
        """Change the link from now on (a number, or a function of the link clock)."""
        if callable(rate_bps):
            self._fn, self._fixed = rate_bps, None
        else:
            self._fixed = float(rate_bps)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ThrottledServer:
        self.link.restart_clock()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="throttled-http")
        self._thread.start()
        return self

    def close(self, *, abort: bool = False) -> None:
        """Stop serving. Transfers in flight go on at the link's rate unless ``abort``
        (which ends them at once: a client stuck on a dead link gets its error). A libVLC
        player still reading should be stopped first: once, in the test suite, stopping one
        whose connection had just been cut hung in libvlc_media_player_stop."""
        self.link.closed = abort
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ThrottledServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _log(self, entry: RequestLog) -> None:
        with self._lock:
            self._requests.append(entry)

    def requests(self) -> list[RequestLog]:
        with self._lock:
            return list(self._requests)
