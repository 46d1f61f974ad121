"""A loopback HTTP proxy the app puts between libVLC and a stream, to measure and to choose.

Why: libVLC 3 plays HLS through its ``adaptive`` module, whose downloads do not show in the
media statistics (``read_bytes`` stays 0), and whose own variant logic climbs too high on slow
links. Passing the stream through ``127.0.0.1`` lets the app count every byte and time every
download, and decide which variant is fetched.

Two ways to play an HLS ladder (:class:`HlsStream`):

* **splice** (preferred): libVLC opens one synthetic media playlist whose segment *n* the proxy
  fetches from whichever variant the app selected when libVLC asked for it. Switching is
  seamless (no reopen), it happens at the next segment, and the app knows which variant fills
  each part of libVLC's buffer. Possible when the variants are VOD playlists of MPEG-TS
  segments with the same boundaries and no per-variant init segment, keys or byte ranges,
  and the master has no separate audio renditions.
* **pin** (anything else, DASH too): libVLC opens a copy of the manifest that lists only the
  chosen variant (or Representation); switching reopens at the same position.

Threads: the server runs on its own daemon threads; the app talks to it through plain methods
guarded by a lock (:meth:`HlsStream.select`, :meth:`LoopbackProxy.take_samples`). No Qt, no
libVLC. Only ``127.0.0.1`` is bound and only registered streams are served.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import re
import secrets
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urljoin, urlparse
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET

from mediacenter.playback.renditions import (
    HlsMedia,
    ManifestError,
    Variant,
    fetch_text,
    manifest_kind,
    parse_dash,
    parse_hls_master,
    parse_hls_media,
    resolve,
)

__all__ = ["DashStream", "HlsStream", "LoopbackProxy", "SegmentFetch", "TransferSample"]

_CHUNK = 64 * 1024
_SAMPLE_EVERY_S = 0.5  # a long download reports its progress this often
_UPSTREAM_TIMEOUT_S = 15.0
_URI_ATTR_RE = re.compile(r'URI="([^"]*)"')


@dataclass(frozen=True)
class TransferSample:
    """Bytes that arrived from upstream over ``seconds`` ending at ``at`` (monotonic)."""

    at: float
    nbytes: int
    seconds: float
    stream: str  # the token of the stream it belongs to


@dataclass(frozen=True)
class SegmentFetch:
    """One segment the proxy delivered in splice mode."""

    index: int
    variant: int
    start_s: float  # media time where the segment starts
    end_s: float
    nbytes: int
    seconds: float
    at: float  # monotonic time the download ended


def _b64(s: str) -> str:
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def _unb64(s: str) -> str:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).decode()


class _Upstream:
    """An open upstream body: an HTTP response or a local file (with its Range applied)."""

    def __init__(self, status: int, headers: dict[str, str], read: Callable[[int], bytes],
                 close: Callable[[], None]) -> None:
        self.status, self.headers, self.read, self.close = status, headers, read, close


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header or "")
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if m.group(1):
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else size - 1
    else:
        start, end = max(0, size - int(m.group(2))), size - 1
    end = min(end, size - 1)
    return (start, end) if start <= end else None


def open_upstream(uri: str, range_header: str | None = None) -> _Upstream:
    """GET ``uri`` (``http(s)://``, ``file://`` or a path), honouring a Range header."""
    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme in ("http", "https"):
        cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        conn = cls(parsed.hostname or "", parsed.port, timeout=_UPSTREAM_TIMEOUT_S)
        path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
        headers = {"User-Agent": "mediacenter"}
        if range_header:
            headers["Range"] = range_header
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        keep = {k: v for k, v in resp.getheaders()
                if k.lower() in ("content-type", "content-length", "content-range",
                                 "accept-ranges")}

        def close() -> None:
            resp.close()
            conn.close()

        return _Upstream(resp.status, keep, resp.read1, close)
    path = unquote(parsed.path) if scheme == "file" else uri
    f = open(path, "rb")  # noqa: SIM115 - closed by the caller through _Upstream.close
    size = os.fstat(f.fileno()).st_size
    rng = _parse_range(range_header, size)
    headers = {"Accept-Ranges": "bytes"}
    if rng is None:
        remaining = [size]
        status = 200
    else:
        f.seek(rng[0])
        remaining = [rng[1] - rng[0] + 1]
        headers["Content-Range"] = f"bytes {rng[0]}-{rng[1]}/{size}"
        status = 206
    headers["Content-Length"] = str(remaining[0])

    def read(n: int) -> bytes:
        data = f.read(min(n, remaining[0]))
        remaining[0] -= len(data)
        return data

    return _Upstream(status, headers, read, f.close)


@dataclass
class _Stream:
    token: str
    proxy: LoopbackProxy

    def handle(self, handler: _Handler, rest: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass
class HlsStream(_Stream):
    """An HLS ladder played through the proxy; see the module docstring for the two modes."""

    master_uri: str = ""
    master_text: str = ""
    variants: list[Variant] = field(default_factory=list)
    medias: list[HlsMedia] = field(default_factory=list)
    mode: str = "pin"
    why_not_splice: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._selected = 0
        self._fetched: dict[int, SegmentFetch] = {}
        self._log: list[SegmentFetch] = []
        # The segment on its way: [index, bytes received, bytes expected (None: unknown)].
        self._inflight: list | None = None

    # -- app side ------------------------------------------------------------------------------

    @property
    def spliced(self) -> bool:
        return self.mode == "splice"

    def url(self, variant: int | None = None) -> str:
        """What libVLC opens: the spliced playlist, or the master pinned to ``variant``."""
        base = f"{self.proxy.base_url}/h/{self.token}"
        if self.spliced:
            return f"{base}/splice.m3u8"
        v = self._selected if variant is None else variant
        name = os.path.basename(urlparse(self.master_uri).path) or "master.m3u8"
        return f"{base}/pin/{v}/{name}"

    def select(self, variant: int) -> None:
        """Fetch the next segments from ``variant`` (an index into :attr:`variants`)."""
        if not 0 <= variant < len(self.variants):
            raise IndexError(variant)
        with self._lock:
            self._selected = variant

    def selected(self) -> int:
        with self._lock:
            return self._selected

    def variant_at(self, position_s: float) -> int | None:
        """The variant whose segment plays at ``position_s`` (splice mode), None if unknown."""
        if not self.spliced:
            return None
        idx = self._segment_index(position_s)
        with self._lock:
            f = self._fetched.get(idx)
        return f.variant if f else None

    def buffered_until_s(self, position_s: float) -> float | None:
        """Media time up to which segments are downloaded contiguously from ``position_s``."""
        if not self.spliced:
            return None
        idx = self._segment_index(position_s)
        end = None
        with self._lock:
            while idx in self._fetched:
                end = self._fetched[idx].end_s
                idx += 1
        return end if end is not None else position_s

    def duration_s(self) -> float:
        """The whole title's length (splice mode: the reference playlist's)."""
        return sum(seg.duration_s for seg in self.medias[0].segments) if self.medias else 0.0

    def segment_s(self) -> float | None:
        """The typical segment length (the median), None when unknown."""
        if not self.medias or not self.medias[0].segments:
            return None
        durations = sorted(seg.duration_s for seg in self.medias[0].segments)
        return durations[len(durations) // 2] or None

    def in_flight(self) -> tuple[float, int | None] | None:
        """The segment being fetched now: (its media length in s, bytes still to come or
        None when the server did not say); None when nothing is on its way."""
        with self._lock:
            f = self._inflight
        if f is None:
            return None
        index, received, expected = f
        length = self.medias[0].segments[index].duration_s
        return length, None if expected is None else max(0, expected - received)

    def fetches(self) -> list[SegmentFetch]:
        """Every segment delivered so far, in order of delivery."""
        with self._lock:
            return list(self._log)

    def _segment_index(self, position_s: float) -> int:
        segs = self.medias[0].segments
        lo, hi = 0, len(segs) - 1
        while lo < hi:  # last segment whose start <= position
            mid = (lo + hi + 1) // 2
            if segs[mid].start_s <= position_s + 1e-6:
                lo = mid
            else:
                hi = mid - 1
        return lo

    # -- server side ---------------------------------------------------------------------------

    def _splice_playlist(self) -> bytes:
        ref = self.medias[0]
        lines = ["#EXTM3U", "#EXT-X-VERSION:3",
                 f"#EXT-X-TARGETDURATION:{max(1, round(ref.target_duration_s + 0.49))}",
                 f"#EXT-X-MEDIA-SEQUENCE:{ref.media_sequence}",
                 "#EXT-X-PLAYLIST-TYPE:VOD"]
        for i, seg in enumerate(ref.segments):
            ext = os.path.splitext(urlparse(seg.uri).path)[1] or ".ts"
            lines.append(f"#EXTINF:{seg.duration_s:.6f},")
            lines.append(f"seg/{i}{ext}")
        lines.append("#EXT-X-ENDLIST")
        return ("\n".join(lines) + "\n").encode()

    def _pinned_master(self, variant: int) -> bytes:
        """The master with only ``variant``'s #EXT-X-STREAM-INF (media groups kept)."""
        out: list[str] = []
        seen = -1
        skip_next = False
        for ln in self.master_text.splitlines():
            s = ln.strip()
            if skip_next:
                if s and not s.startswith("#"):
                    skip_next = False
                continue
            if s.startswith("#EXT-X-STREAM-INF"):
                seen += 1
                if seen != variant:
                    skip_next = True
                    continue
            if s.startswith("#EXT-X-I-FRAME-STREAM-INF"):
                continue
            out.append(ln)
        return self.proxy.rewrite_playlist("\n".join(out) + "\n", self.token).encode()

    def handle(self, handler: _Handler, rest: str) -> None:
        if rest == "splice.m3u8" and self.spliced:
            handler.send_bytes(self._splice_playlist(), "application/vnd.apple.mpegurl")
            return
        m = re.fullmatch(r"seg/(\d+)\.[A-Za-z0-9]+", rest)
        if m and self.spliced:
            self._serve_segment(handler, int(m.group(1)))
            return
        m = re.fullmatch(r"pin/(\d+)/(.*)", rest)
        if m:
            v, sub = int(m.group(1)), m.group(2)
            name = os.path.basename(urlparse(self.master_uri).path) or "master.m3u8"
            if sub == name and 0 <= v < len(self.variants):
                handler.send_bytes(self._pinned_master(v), "application/vnd.apple.mpegurl")
                return
            self.proxy.relay(handler, resolve(self.master_uri, sub), self.token)
            return
        handler.send_error(404)

    def _serve_segment(self, handler: _Handler, index: int) -> None:
        ref = self.medias[0].segments
        if not 0 <= index < len(ref):
            handler.send_error(404)
            return
        with self._lock:
            variant = self._selected
        seg = self.medias[variant].segments[index]
        started = time.monotonic()
        flight = [index, 0, None]

        def progress(received: int, expected: int | None) -> None:
            flight[1], flight[2] = received, expected

        with self._lock:
            self._inflight = flight
        try:
            nbytes = self.proxy.relay(handler, seg.uri, self.token, progress=progress)
        finally:
            with self._lock:
                if self._inflight is flight:
                    self._inflight = None
        if nbytes is None:
            return
        fetch = SegmentFetch(index, variant, ref[index].start_s,
                             ref[index].start_s + ref[index].duration_s, nbytes,
                             time.monotonic() - started, time.monotonic())
        with self._lock:
            self._fetched[index] = fetch
            self._log.append(fetch)


@dataclass
class DashStream(_Stream):
    """A DASH manifest pinned to one video Representation (switching reopens)."""

    mpd_uri: str = ""
    mpd_text: str = ""
    variants: list[Variant] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._selected = 0

    spliced = False

    def url(self, variant: int | None = None) -> str:
        v = self._selected if variant is None else variant
        name = os.path.basename(urlparse(self.mpd_uri).path) or "manifest.mpd"
        return f"{self.proxy.base_url}/d/{self.token}/pin/{v}/{name}"

    def select(self, variant: int) -> None:
        if not 0 <= variant < len(self.variants):
            raise IndexError(variant)
        self._selected = variant

    def selected(self) -> int:
        return self._selected

    def variant_at(self, position_s: float) -> int | None:
        return None

    def buffered_until_s(self, position_s: float) -> float | None:
        return None

    def _pinned(self, variant: int) -> bytes:
        keep = self.variants[variant].rep_id
        root = SafeET.fromstring(self.mpd_text.encode("utf-8"))
        ids = {v.rep_id for v in self.variants}
        for aset in root.iter():
            if not aset.tag.endswith("AdaptationSet"):
                continue
            for rep in list(aset):
                if rep.tag.endswith("Representation") and rep.get("id") in ids and \
                        rep.get("id") != keep:
                    aset.remove(rep)
        # Serialise with the default namespace kept as it was (no ns0: prefixes).
        ns = re.match(r"\{([^}]*)\}", root.tag)
        if ns:
            ET.register_namespace("", ns.group(1))
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def handle(self, handler: _Handler, rest: str) -> None:
        m = re.fullmatch(r"pin/(\d+)/(.*)", rest)
        if not m:
            handler.send_error(404)
            return
        v, sub = int(m.group(1)), m.group(2)
        name = os.path.basename(urlparse(self.mpd_uri).path) or "manifest.mpd"
        if sub == name and 0 <= v < len(self.variants):
            handler.send_bytes(self._pinned(v), "application/dash+xml")
            return
        self.proxy.relay(handler, resolve(self.mpd_uri, sub), self.token)


class _Handler(BaseHTTPRequestHandler):
    proxy: LoopbackProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # libVLC's requests are not worth a line each

    def send_bytes(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        # libVLC closes connections it no longer needs (a seek, a stop): nothing to report.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.proxy.dispatch(self)


class _LoopbackServer(ThreadingHTTPServer):
    """The HTTP server without its one look-up: ``HTTPServer.server_bind`` asks the resolver
    for the name of 127.0.0.1 (``getfqdn``), which may go to a DNS server; the name is only
    used in CGI environments."""

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]


class LoopbackProxy:
    """The proxy server (``127.0.0.1``, a free port), started on first use.

    ``open_hls(master)`` / ``open_dash(mpd)`` register a stream and return it; libVLC opens
    ``stream.url()``. :meth:`take_samples` hands the app the transfer samples gathered since
    the last call. :meth:`close` stops the server (idempotent).
    """

    def __init__(self, *, sample_every_s: float = _SAMPLE_EVERY_S) -> None:
        self.sample_every_s = sample_every_s
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._streams: dict[str, _Stream] = {}
        self._lock = threading.Lock()
        self._samples: list[TransferSample] = []
        self.bytes_total = 0

    @property
    def base_url(self) -> str:
        server = self._ensure()
        return f"http://127.0.0.1:{server.server_address[1]}"

    def _ensure(self) -> ThreadingHTTPServer:
        with self._lock:
            if self._server is None:
                handler = type("Handler", (_Handler,), {"proxy": self})
                server = _LoopbackServer(("127.0.0.1", 0), handler)
                server.daemon_threads = True
                self._thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                                                name="mediacenter-proxy", daemon=True)
                self._thread.start()
                self._server = server
            return self._server

    def close(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            self._streams.clear()
        if server is not None:
            server.shutdown()
            server.server_close()

    # -- registering streams -------------------------------------------------------------------

    def open_hls(self, master_uri: str) -> HlsStream:
        """Fetch ``master_uri`` and its media playlists and register the stream (blocking:
        call it off the UI thread for remote streams). Raises ``ManifestError``."""
        text = fetch_text(master_uri)
        if manifest_kind(master_uri, text) != "hls":
            raise ManifestError(f"{master_uri} is not an HLS playlist")
        variants = parse_hls_master(text, master_uri)
        token = secrets.token_hex(8)
        stream = HlsStream(token, self, master_uri=master_uri, master_text=text,
                           variants=variants)
        why = ""
        if "#EXT-X-MEDIA:" in text and "URI=" in "".join(
                ln for ln in text.splitlines() if ln.startswith("#EXT-X-MEDIA:")):
            why = "separate audio or subtitle renditions"
        elif len(variants) == 1 and variants[0].uri == master_uri:
            why = "a single media playlist"
        medias: list[HlsMedia] = []
        if not why:
            try:
                medias = [parse_hls_media(fetch_text(v.uri), v.uri) for v in variants]
            except ManifestError as e:
                why = str(e)
        if not why:
            why = _splice_problem(medias, variants)
        stream.medias = medias
        stream.mode = "pin" if why else "splice"
        stream.why_not_splice = why
        with self._lock:
            self._streams[token] = stream
        self._ensure()
        return stream

    def open_dash(self, mpd_uri: str) -> DashStream:
        """Fetch and register a DASH manifest, played pinned to one Representation."""
        text = fetch_text(mpd_uri)
        variants = parse_dash(text, mpd_uri)
        if any(not v.rep_id for v in variants):
            raise ManifestError(f"{mpd_uri}: a Representation without an id cannot be chosen")
        token = secrets.token_hex(8)
        stream = DashStream(token, self, mpd_uri=mpd_uri, mpd_text=text, variants=variants)
        with self._lock:
            self._streams[token] = stream
        self._ensure()
        return stream

    def forget(self, stream: _Stream) -> None:
        with self._lock:
            self._streams.pop(stream.token, None)

    # -- measuring -----------------------------------------------------------------------------

    def take_samples(self) -> list[TransferSample]:
        """Transfer samples since the previous call, oldest first (thread-safe)."""
        with self._lock:
            out, self._samples = self._samples, []
        return out

    def _add_sample(self, sample: TransferSample) -> None:
        with self._lock:
            self._samples.append(sample)
            self.bytes_total += sample.nbytes

    # -- serving -------------------------------------------------------------------------------

    def dispatch(self, handler: _Handler) -> None:
        parsed = urlparse(handler.path)
        path = parsed.path
        m = re.fullmatch(r"/([hd])/([0-9a-f]+)/(.*)", path)
        if m:
            with self._lock:
                stream = self._streams.get(m.group(2))
            if stream is not None:
                stream.handle(handler, unquote(m.group(3)))
                return
        m = re.fullmatch(r"/a/([0-9a-f]+)/([A-Za-z0-9_-]+)(/.*)?", path)
        if m:
            with self._lock:
                known = m.group(1) in self._streams
            if known:
                try:
                    target = _unb64(m.group(2))
                except ValueError:
                    handler.send_error(400)
                    return
                if m.group(3):
                    target = urljoin(target, m.group(3).lstrip("/"))
                if parsed.query:
                    target += f"?{parsed.query}"
                self.relay(handler, target, m.group(1))
                return
        handler.send_error(404)

    def rewrite_playlist(self, text: str, token: str) -> str:
        """Absolute URIs in an m3u8 go through the proxy too (so they are counted)."""
        def through(url: str) -> str:
            # The folder goes in the path (encoded) and the name stays readable, so that
            # relative references inside the fetched file resolve through the proxy as well.
            folder, _, name = url.partition("?")[0].rpartition("/")
            query = url.partition("?")[2]
            return f"/a/{token}/{_b64(folder + '/')}/{name}" + (f"?{query}" if query else "")

        out = []
        for ln in text.splitlines():
            s = ln.strip()
            if s and not s.startswith("#") and re.match(r"^https?://", s):
                out.append(through(s))
            elif 'URI="http' in s:
                out.append(_URI_ATTR_RE.sub(
                    lambda m: f'URI="{through(m.group(1))}"'
                    if m.group(1).startswith("http") else m.group(0), ln))
            else:
                out.append(ln)
        return "\n".join(out) + "\n"

    def relay(self, handler: _Handler, uri: str, token: str, *,
              progress: Callable[[int, int | None], None] | None = None) -> int | None:
        """Copy ``uri`` to libVLC, timing the upstream; returns the bytes sent (None: failed).

        Playlists met on the way are rewritten so their absolute URIs come back here.
        ``progress(received, expected)`` follows a transfer (expected: its Content-Length).
        """
        started = time.monotonic()
        try:
            up = open_upstream(uri, handler.headers.get("Range"))
        except (OSError, http.client.HTTPException):
            handler.send_error(502)
            return None
        try:
            is_playlist = urlparse(uri).path.lower().endswith((".m3u8", ".m3u"))
            if is_playlist and up.status == 200:
                body = up.read(4 * 1024 * 1024)
                text = self.rewrite_playlist(body.decode("utf-8", "replace"), token)
                handler.send_bytes(text.encode(), "application/vnd.apple.mpegurl")
                return len(body)
            handler.send_response(up.status)
            for k, v in up.headers.items():
                handler.send_header(k, v)
            if "Content-Length" not in {k.title() for k in up.headers}:
                handler.send_header("Connection", "close")
                handler.close_connection = True
            handler.end_headers()
            total = 0
            window_bytes = 0
            window_start = started
            length = next((v for k, v in up.headers.items() if k.lower() == "content-length"),
                          None)
            expected = int(length) if length and length.isdigit() else None
            if progress is not None:
                progress(0, expected)
            while True:
                chunk = up.read(_CHUNK)
                if not chunk:
                    break
                handler.wfile.write(chunk)
                total += len(chunk)
                window_bytes += len(chunk)
                if progress is not None:
                    progress(total, expected)
                now = time.monotonic()
                if now - window_start >= self.sample_every_s:
                    self._add_sample(TransferSample(now, window_bytes, now - window_start,
                                                    token))
                    window_bytes, window_start = 0, now
            now = time.monotonic()
            if window_bytes:
                self._add_sample(TransferSample(now, window_bytes,
                                                max(now - window_start, 1e-3), token))
            return total
        except (OSError, http.client.HTTPException):
            handler.close_connection = True
            return None
        finally:
            up.close()


def _splice_problem(medias: list[HlsMedia], variants: list[Variant]) -> str:
    """Why these variants cannot be spliced segment by segment ("" when they can)."""
    if len(medias) < 2:
        return "only one variant"
    ref = medias[0]
    families = {(v.codecs or "").split(".")[0].split(",")[0] for v in variants}
    if len(families) > 1:
        return "variants use different codecs"
    for m in medias:
        if not m.ended:
            return "a live playlist"
        if m.has_map:
            return "fragmented MP4 segments (init segments)"
        if m.keys:
            return "encrypted segments"
        if m.byte_ranges:
            return "byte-range segments"
        if len(m.segments) != len(ref.segments):
            return "variants have different segment counts"
        for a, b in zip(m.segments, ref.segments, strict=True):
            if abs(a.duration_s - b.duration_s) > 0.25:
                return "variants' segment boundaries differ"
    return ""
