"""Measuring a source before play, and remembering what each source sustains.

* :func:`source_key` names where bytes come from: the mount point of a local path (a NAS share
  mounted at ``/mnt/nas`` is one source, the system disk another) or the scheme, host and port
  of a URL. Throughput is a property of the link to a source, not of one file.
* :func:`probe_read` times a short read from a file or an HTTP range request: what Auto
  starts from when nothing recent is known about the source.
* :class:`ThroughputStore` keeps the estimate per source in the ``throughput`` table, so the
  next start uses what was learned.

No Qt and no libVLC. :func:`probe_read` blocks (up to ``max_s`` plus the connection time):
run it off the UI thread.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import sqlite_utils

from mediacenter.db.tx import transaction

__all__ = [
    "ProbeError",
    "ProbeResult",
    "StoredThroughput",
    "ThroughputStore",
    "probe_read",
    "source_key",
]

RECENT_S = 15 * 60  # a stored estimate younger than this is used without a fresh probe


class ProbeError(OSError):
    """The source could not be read; the message says why."""


@dataclass(frozen=True)
class ProbeResult:
    nbytes: int
    seconds: float  # from the request to the last byte
    first_byte_s: float  # from the request to the first byte (latency)

    @property
    def bps(self) -> float:
        return self.nbytes * 8.0 / self.seconds if self.seconds > 0 else math.inf


def _mount_point(path: str) -> str:
    p = Path(os.path.abspath(path))
    while not p.exists() and p != p.parent:
        p = p.parent  # an unmounted share: name it by what is left of the path
    while p != p.parent and not os.path.ismount(p):
        p = p.parent
    return str(p)


def source_key(uri: str) -> str:
    """``"mount:/mnt/nas"`` for a local path, ``"http://host:8080"`` for a URL (default ports
    spelled out, host lower-cased). Windows drive letters count as mount points."""
    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme == "file" or not scheme or (len(scheme) == 1 and sys.platform.startswith("win")):
        path = unquote(parsed.path) if scheme == "file" else uri
        return f"mount:{_mount_point(path)}"
    host = (parsed.hostname or "").lower()
    port = parsed.port or {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


def _local_path(uri: str) -> str | None:
    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme == "file":
        return unquote(parsed.path)
    if not scheme or (len(scheme) == 1 and sys.platform.startswith("win")):
        return uri
    return None


def probe_read(
    uri: str,
    *,
    max_bytes: int = 4 * 1024 * 1024,
    max_s: float = 1.0,
    offset: int | None = None,
    timeout_s: float = 5.0,
    clock=time.monotonic,
) -> ProbeResult:
    """Time a read of up to ``max_bytes`` (stopping after ``max_s``) from ``uri``.

    Local files are read from a third of the way in (past headers the page cache may already
    hold) after asking the OS to drop that range from its cache, so a NAS is measured, not
    memory. URLs get one HTTP range request. Raises :class:`ProbeError`.
    """
    local = _local_path(uri)
    if local is not None:
        return _probe_file(local, max_bytes, max_s, offset, clock)
    scheme = urlparse(uri).scheme.lower()
    if scheme not in ("http", "https"):
        raise ProbeError(f"Cannot measure {uri}: unsupported address ({scheme}://)")
    return _probe_http(uri, max_bytes, max_s, offset, timeout_s, clock)


def _probe_file(path: str, max_bytes: int, max_s: float, offset: int | None,
                clock) -> ProbeResult:
    name = os.path.basename(path) or path
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ProbeError(f"File not found: {path}") from None
    except OSError as e:
        raise ProbeError(f"Cannot read {name}: {e.strerror or e}") from None
    try:
        size = os.fstat(fd).st_size
        if size <= 0:
            raise ProbeError(f"Cannot measure {name}: the file is empty")
        if offset is None:
            offset = (size // 3) & ~0xFFFF
        offset = max(0, min(offset, max(0, size - max_bytes)))
        if hasattr(os, "posix_fadvise"):
            # Not every file system takes advice; the read still measures something.
            with contextlib.suppress(OSError):
                os.posix_fadvise(fd, offset, max_bytes, os.POSIX_FADV_DONTNEED)
        os.lseek(fd, offset, os.SEEK_SET)
        start = clock()
        first = None
        got = 0
        while got < max_bytes:
            chunk = os.read(fd, min(256 * 1024, max_bytes - got))
            if not chunk:
                break
            if first is None:
                first = clock() - start
            got += len(chunk)
            if clock() - start >= max_s:
                break
        seconds = clock() - start
    except OSError as e:
        raise ProbeError(f"Cannot read {name}: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if got == 0:
        raise ProbeError(f"Cannot measure {name}: nothing could be read")
    return ProbeResult(got, max(seconds, 1e-6), first or 0.0)


def _probe_http(uri: str, max_bytes: int, max_s: float, offset: int | None, timeout_s: float,
                clock) -> ProbeResult:
    import http.client  # here: playing a local file never loads the HTTP client

    p = urlparse(uri)
    conn_cls = http.client.HTTPSConnection if p.scheme.lower() == "https" else \
        http.client.HTTPConnection
    path = p.path or "/"
    if p.query:
        path += "?" + p.query
    start_at = max(0, offset or 0)
    headers = {"User-Agent": "mediacenter", "Range": f"bytes={start_at}-{start_at + max_bytes - 1}"}
    start = clock()
    try:
        conn = conn_cls(p.hostname or "", p.port, timeout=timeout_s)
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            if resp.status not in (200, 206):
                raise ProbeError(f"Cannot measure {uri}: HTTP {resp.status} {resp.reason}")
            first = None
            got = 0
            while got < max_bytes:
                chunk = resp.read1(min(64 * 1024, max_bytes - got))
                if not chunk:
                    break
                if first is None:
                    first = clock() - start
                got += len(chunk)
                if clock() - start >= max_s:
                    break
            seconds = clock() - start
        finally:
            conn.close()
    except ProbeError:
        raise
    except (OSError, http.client.HTTPException) as e:
        raise ProbeError(f"Cannot measure {uri}: {e}") from None
    if got == 0:
        raise ProbeError(f"Cannot measure {uri}: the server sent nothing")
    return ProbeResult(got, max(seconds, 1e-6), first or 0.0)


@dataclass(frozen=True)
class StoredThroughput:
    source: str
    estimate_bps: float
    fast_bps: float | None
    slow_bps: float | None
    samples: int
    stalls: int
    detail: dict
    updated_at: float

    def age_s(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.updated_at


class ThroughputStore:
    """The ``throughput`` table: one row per source, written in short transactions.

    Use it on the thread that owns ``db`` (one connection per thread).
    """

    def __init__(self, db: sqlite_utils.Database, clock=time.time) -> None:
        self.db = db
        self.clock = clock

    def get(self, source: str) -> StoredThroughput | None:
        r = self.db.conn.execute(
            "SELECT source, estimate_bps, fast_bps, slow_bps, samples, stalls, detail_json, "
            "updated_at FROM throughput WHERE source = ?", (source,)).fetchone()
        if r is None:
            return None
        try:
            detail = json.loads(r[6]) if r[6] else {}
        except ValueError:
            detail = {}  # a damaged detail column must not hide the estimate itself
        if not isinstance(detail, dict):
            detail = {}
        est = float(r[1])
        if not math.isfinite(est) or est <= 0:
            return None
        return StoredThroughput(r[0], est, r[2], r[3], int(r[4] or 0), int(r[5] or 0), detail,
                                float(r[7]))

    def recent(self, source: str, max_age_s: float = RECENT_S) -> StoredThroughput | None:
        """The stored estimate when it is younger than ``max_age_s``, else None."""
        s = self.get(source)
        if s is None or s.age_s(self.clock()) > max_age_s:
            return None
        return s

    def save(
        self,
        source: str,
        estimate_bps: float,
        *,
        fast_bps: float | None = None,
        slow_bps: float | None = None,
        samples: int = 0,
        stalls: int = 0,
        detail: dict | None = None,
    ) -> None:
        """Remember ``estimate_bps`` for ``source``; samples and stalls add up across runs."""
        if not (estimate_bps > 0 and math.isfinite(estimate_bps)):
            return
        with transaction(self.db):
            self.db.conn.execute(
                """INSERT INTO throughput (source, estimate_bps, fast_bps, slow_bps, samples,
                                           stalls, detail_json, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(source) DO UPDATE SET
                     estimate_bps = excluded.estimate_bps,
                     fast_bps = excluded.fast_bps, slow_bps = excluded.slow_bps,
                     samples = throughput.samples + excluded.samples,
                     stalls = throughput.stalls + excluded.stalls,
                     detail_json = excluded.detail_json, updated_at = excluded.updated_at""",
                (source, float(estimate_bps), fast_bps, slow_bps, int(samples), int(stalls),
                 json.dumps(detail or {}), self.clock()),
            )

    def all(self) -> list[StoredThroughput]:
        return [s for (src,) in self.db.conn.execute(
            "SELECT source FROM throughput ORDER BY updated_at DESC")
            if (s := self.get(src)) is not None]
