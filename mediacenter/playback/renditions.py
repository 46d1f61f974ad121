"""What a title can be played from: its version files, stream variants, optimized copies.

* :func:`title_renditions` reads the catalog: one :class:`~.quality.Rendition` per version of
  a title (the file of the wanted part, with the bitrate and picture size the probe measured,
  or size / duration when the probe gave no bitrate) and every finished optimized version.
  Manifest and ``.strm`` files of the title come back as :class:`ManifestRef` for
  :func:`manifest_renditions`, because reading them may mean a network request, which does not
  belong in a catalog query.
* :func:`parse_hls_master`, :func:`parse_hls_media` and :func:`parse_dash` read manifests
  (pure functions of the text and the address it came from); :func:`manifest_renditions` and
  :func:`load_hls_media` fetch them first (local path, ``file://`` or ``http(s)://``).

Manifests are untrusted input: they are read with a size cap and a timeout, XML through
defusedxml, and anything malformed raises :class:`ManifestError` with a message a person can
act on (never a traceback).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import sqlite_utils

from mediacenter.playback.quality import Rendition, sort_renditions
from mediacenter.playback.throughput import source_key

__all__ = [
    "HlsMedia",
    "ManifestError",
    "ManifestRef",
    "Segment",
    "Variant",
    "fetch_text",
    "load_hls_media",
    "manifest_renditions",
    "parse_dash",
    "parse_hls_master",
    "parse_hls_media",
    "title_renditions",
]

MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # a 10-hour VOD playlist of 2 s segments is ~1.5 MB
FETCH_TIMEOUT_S = 10.0
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_ATTR_RE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


class ManifestError(ValueError):
    """A manifest could not be read or makes no sense; the message says which and why."""


@dataclass(frozen=True)
class Variant:
    """One entry of a manifest's quality ladder."""

    index: int
    uri: str  # absolute (URL or local path); for DASH the manifest itself
    bandwidth: int  # bits per second, peak as advertised (0 when not given)
    average_bandwidth: int | None = None
    width: int | None = None
    height: int | None = None
    codecs: str | None = None
    frame_rate: float | None = None
    rep_id: str | None = None  # DASH Representation@id


@dataclass(frozen=True)
class Segment:
    uri: str  # absolute
    duration_s: float
    start_s: float


@dataclass(frozen=True)
class HlsMedia:
    """A media playlist: its segments and what decides whether variants can be spliced."""

    uri: str
    segments: tuple[Segment, ...]
    target_duration_s: float
    media_sequence: int = 0
    ended: bool = False  # #EXT-X-ENDLIST: a VOD (or finished) playlist
    has_map: bool = False  # fMP4 init segment (#EXT-X-MAP)
    keys: tuple[str, ...] = ()  # #EXT-X-KEY lines (encryption)
    byte_ranges: bool = False
    discontinuities: int = 0

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.segments)


@dataclass(frozen=True)
class ManifestRef:
    """A manifest (or a ``.strm`` pointing at one) that belongs to a title."""

    uri: str
    file_id: int | None = None


@dataclass
class TitleRenditions:
    renditions: list[Rendition] = field(default_factory=list)
    manifests: list[ManifestRef] = field(default_factory=list)


# -- fetching ----------------------------------------------------------------------------------


def _is_url(s: str) -> bool:
    return bool(_URL_RE.match(s))


def _local_path(uri: str) -> str | None:
    if not _is_url(uri):
        return uri
    p = urlparse(uri)
    return unquote(p.path) if p.scheme.lower() == "file" else None


def fetch_text(uri: str, *, max_bytes: int = MAX_MANIFEST_BYTES,
               timeout_s: float = FETCH_TIMEOUT_S) -> str:
    """The text at ``uri`` (path, ``file://``, ``http(s)://``), at most ``max_bytes``.

    Raises :class:`ManifestError` with a readable reason (missing, too big, timed out...).
    """
    local = _local_path(uri)
    if local is not None:
        try:
            with open(local, "rb") as f:
                raw = f.read(max_bytes + 1)
        except FileNotFoundError:
            raise ManifestError(f"File not found: {local}") from None
        except OSError as e:
            raise ManifestError(f"Cannot read {local}: {e.strerror or e}") from None
    else:
        scheme = urlparse(uri).scheme.lower()
        if scheme not in ("http", "https"):
            raise ManifestError(f"Cannot read {uri}: unsupported address ({scheme}://)")
        import urllib.error  # here: a local file never pays for the HTTP client
        import urllib.request

        try:
            req = urllib.request.Request(uri, headers={"User-Agent": "mediacenter"})
            with urllib.request.urlopen(req, timeout=timeout_s) as resp:
                raw = resp.read(max_bytes + 1)
        except urllib.error.HTTPError as e:
            raise ManifestError(f"Cannot read {uri}: HTTP {e.code} {e.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            raise ManifestError(f"Cannot read {uri}: {reason}") from None
    if len(raw) > max_bytes:
        raise ManifestError(f"{uri} is not a manifest (larger than {max_bytes // 1024} KiB)")
    if b"\x00" in raw[:4096]:
        raise ManifestError(f"{uri} is not a manifest (binary data)")
    return raw.decode("utf-8-sig", "replace")


def resolve(base: str, ref: str) -> str:
    """``ref`` taken relative to the manifest at ``base`` (a URL or a local path)."""
    ref = ref.strip()
    if _is_url(ref):
        return ref
    if _is_url(base):
        return urljoin(base, ref)
    if os.path.isabs(ref):
        return ref
    return os.path.normpath(os.path.join(os.path.dirname(base), unquote(ref)))


# -- HLS ------------------------------------------------------------------------------------------


def _attrs(text: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in _ATTR_RE.findall(text)}


def _int(value: str | None) -> int | None:
    try:
        n = int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return n if n is not None and n >= 0 else None


def _resolution(value: str | None) -> tuple[int | None, int | None]:
    m = re.fullmatch(r"\s*(\d{1,5})\s*[xX]\s*(\d{1,5})\s*", value or "")
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def parse_hls_master(text: str, base: str) -> list[Variant]:
    """The variants of an HLS master playlist (``#EXT-X-STREAM-INF``), in file order.

    A media playlist (segments, no variants) is one variant of unknown bandwidth. I-frame-only
    streams are left out (they are for trick play, not for watching).
    """
    lines = [ln.strip() for ln in text.splitlines()]
    if not lines or not lines[0].startswith("#EXTM3U"):
        raise ManifestError(f"{base} is not an HLS playlist (no #EXTM3U header)")
    out: list[Variant] = []
    pending: dict[str, str] | None = None
    for ln in lines[1:]:
        if not ln:
            continue
        if ln.startswith("#EXT-X-STREAM-INF:"):
            pending = _attrs(ln.split(":", 1)[1])
        elif ln.startswith("#"):
            continue
        elif pending is not None:
            w, h = _resolution(pending.get("RESOLUTION"))
            try:
                fps = float(pending["FRAME-RATE"]) if "FRAME-RATE" in pending else None
            except ValueError:
                fps = None
            out.append(Variant(
                index=len(out),
                uri=resolve(base, ln),
                bandwidth=_int(pending.get("BANDWIDTH")) or 0,
                average_bandwidth=_int(pending.get("AVERAGE-BANDWIDTH")),
                width=w,
                height=h,
                codecs=pending.get("CODECS") or None,
                frame_rate=fps if fps and math.isfinite(fps) else None,
            ))
            pending = None
    if not out:
        if any(ln.startswith("#EXTINF") for ln in lines):
            return [Variant(index=0, uri=base, bandwidth=0)]
        raise ManifestError(f"{base} lists no variants and no segments")
    return out


def parse_hls_media(text: str, base: str) -> HlsMedia:
    """Segments (absolute URIs, durations, start times) of an HLS media playlist."""
    lines = [ln.strip() for ln in text.splitlines()]
    if not lines or not lines[0].startswith("#EXTM3U"):
        raise ManifestError(f"{base} is not an HLS playlist (no #EXTM3U header)")
    segs: list[Segment] = []
    target = 0.0
    seq = 0
    ended = has_map = byte_ranges = False
    keys: list[str] = []
    disc = 0
    duration: float | None = None
    t = 0.0
    for ln in lines[1:]:
        if not ln:
            continue
        if ln.startswith("#EXTINF:"):
            try:
                duration = float(ln[8:].split(",", 1)[0])
            except ValueError:
                raise ManifestError(f"{base}: bad segment duration {ln!r}") from None
            if not math.isfinite(duration) or duration < 0:
                raise ManifestError(f"{base}: bad segment duration {ln!r}")
        elif ln.startswith("#EXT-X-TARGETDURATION:"):
            try:
                target = float(ln.split(":", 1)[1])
            except ValueError:
                target = 0.0
        elif ln.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            seq = _int(ln.split(":", 1)[1]) or 0
        elif ln.startswith("#EXT-X-ENDLIST"):
            ended = True
        elif ln.startswith("#EXT-X-MAP"):
            has_map = True
        elif ln.startswith("#EXT-X-KEY"):
            keys.append(ln)
        elif ln.startswith("#EXT-X-BYTERANGE"):
            byte_ranges = True
        elif ln.startswith("#EXT-X-DISCONTINUITY") and not ln.startswith(
                "#EXT-X-DISCONTINUITY-SEQUENCE"):
            disc += 1
        elif ln.startswith("#EXT-X-STREAM-INF"):
            raise ManifestError(f"{base} is a master playlist, not a media playlist")
        elif not ln.startswith("#"):
            if duration is None:
                raise ManifestError(f"{base}: segment {ln!r} without #EXTINF")
            segs.append(Segment(resolve(base, ln), duration, t))
            t += duration
            duration = None
    if not segs:
        raise ManifestError(f"{base} lists no segments")
    return HlsMedia(base, tuple(segs), target or max(s.duration_s for s in segs), seq, ended,
                    has_map, tuple(keys), byte_ranges, disc)


def load_hls_media(uri: str) -> HlsMedia:
    """Fetch and parse one media playlist (raises :class:`ManifestError`)."""
    return parse_hls_media(fetch_text(uri), uri)


# -- DASH ----------------------------------------------------------------------------------------


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_dash(text: str, base: str) -> list[Variant]:
    """The video Representations of a DASH MPD (first Period), lowest index first.

    Audio-only adaptation sets are not qualities of the picture and are left out; when the MPD
    has no video at all, its audio representations are the ladder.
    """
    from defusedxml import ElementTree as SafeET  # here: only a DASH manifest needs XML

    try:
        root = SafeET.fromstring(text.encode("utf-8"))
    except Exception as e:  # defusedxml raises its own types for DTDs/entities
        raise ManifestError(f"{base} is not a valid DASH manifest: {e}") from None
    if _local_name(root.tag) != "MPD":
        raise ManifestError(f"{base} is not a DASH manifest (root <{_local_name(root.tag)}>)")
    period = next((el for el in root if _local_name(el.tag) == "Period"), None)
    if period is None:
        raise ManifestError(f"{base}: DASH manifest without a Period")
    video: list[Variant] = []
    audio: list[Variant] = []
    for aset in (el for el in period if _local_name(el.tag) == "AdaptationSet"):
        kind = (aset.get("contentType") or aset.get("mimeType") or "").split("/")[0]
        for rep in (el for el in aset if _local_name(el.tag) == "Representation"):
            rkind = kind or (rep.get("mimeType") or "").split("/")[0]
            width = _int(rep.get("width") or aset.get("width"))
            height = _int(rep.get("height") or aset.get("height"))
            if not rkind:
                rkind = "video" if width or height else "audio"
            try:
                fps_text = rep.get("frameRate") or aset.get("frameRate")
                if fps_text and "/" in fps_text:
                    a, b = fps_text.split("/", 1)
                    fps: float | None = float(a) / float(b)
                else:
                    fps = float(fps_text) if fps_text else None
            except (ValueError, ZeroDivisionError):
                fps = None
            v = Variant(
                index=0,
                uri=base,
                bandwidth=_int(rep.get("bandwidth")) or 0,
                width=width,
                height=height,
                codecs=rep.get("codecs") or aset.get("codecs"),
                frame_rate=fps,
                rep_id=rep.get("id"),
            )
            (video if rkind == "video" else audio).append(v)
    chosen = video or audio
    if not chosen:
        raise ManifestError(f"{base}: DASH manifest without Representations")
    chosen.sort(key=lambda v: (v.bandwidth, v.height or 0))
    return [Variant(i, v.uri, v.bandwidth, v.average_bandwidth, v.width, v.height, v.codecs,
                    v.frame_rate, v.rep_id) for i, v in enumerate(chosen)]


# -- renditions ----------------------------------------------------------------------------------


def manifest_kind(uri: str, text: str | None = None) -> str | None:
    """"hls", "dash" or None, from the content when given, else from the name."""
    if text is not None:
        head = text.lstrip()[:512]
        if head.startswith("#EXTM3U"):
            return "hls"
        if "<MPD" in text[:4096]:
            return "dash"
        return None
    path = urlparse(uri).path if _is_url(uri) else uri
    suffix = Path(path).suffix.lower()
    return {".m3u8": "hls", ".m3u": "hls", ".mpd": "dash"}.get(suffix)


def manifest_variants(uri: str) -> tuple[str, list[Variant]]:
    """(kind, variants) of the manifest at ``uri`` (fetched; raises :class:`ManifestError`)."""
    text = fetch_text(uri)
    kind = manifest_kind(uri, text)
    if kind == "hls":
        return kind, parse_hls_master(text, uri)
    if kind == "dash":
        return kind, parse_dash(text, uri)
    raise ManifestError(f"{uri} is neither an HLS playlist nor a DASH manifest")


def manifest_renditions(uri: str) -> list[Rendition]:
    """One rendition per variant of the manifest at ``uri``, lowest bitrate first.

    Keys are ``variant:<index>`` in manifest order (HLS) or bandwidth order (DASH), stable for
    an unchanged manifest; ``kind`` is "variant" and ``uri`` the variant's own playlist (HLS)
    or the manifest (DASH, where a representation is picked by ``label`` = its id).
    """
    kind, variants = manifest_variants(uri)
    src = source_key(uri)
    out = []
    for v in variants:
        bps = v.bandwidth or v.average_bandwidth or 0
        out.append(Rendition(
            key=f"variant:{v.index}",
            uri=v.uri,
            bitrate_bps=int(bps),
            width=v.width,
            height=v.height,
            label=(v.rep_id or "") if kind == "dash" else "",
            kind="variant",
            codecs=v.codecs,
            source=src,
        ))
    return sort_renditions(out)


def read_strm(path: str) -> str:
    """The address inside a Kodi ``.strm`` file (its first non-comment line)."""
    text = fetch_text(path, max_bytes=64 * 1024)
    for ln in text.splitlines():
        ln = ln.strip()
        if ln and not ln.startswith("#"):
            return ln
    raise ManifestError(f"{path} holds no address")


def title_renditions(db: sqlite_utils.Database, title_id: int,
                     part: int | None = None) -> TitleRenditions:
    """The renditions of a title from the catalog: one per version (its ``part`` file, or its
    first part), plus finished optimized versions whose file still exists. Extras are not
    renditions. Manifests and ``.strm`` files are returned as :class:`ManifestRef`.
    """
    rows = db.conn.execute(
        """SELECT f.id, f.kind, r.path, f.path_key, f.version_id, v.label, f.part,
                  f.width, f.height, f.video_codec, f.bitrate_bps, f.size, f.duration_ms
           FROM files f JOIN roots r ON r.id = f.root_id
           LEFT JOIN versions v ON v.id = f.version_id
           WHERE f.title_id = ? AND f.extra IS NULL
           ORDER BY coalesce(f.version_id, 0), coalesce(f.part, 0), f.id""",
        (title_id,),
    ).fetchall()
    out = TitleRenditions()
    seen_versions: set[object] = set()
    for (fid, kind, root, key, vid, vlabel, fpart, w, h, codec, bps, size, dur) in rows:
        path = os.path.join(root, os.fsdecode(bytes(key)))
        if kind in ("manifest", "strm"):
            out.manifests.append(ManifestRef(path, int(fid)))
            continue
        group = vid if vid is not None else ("file", fid)
        if group in seen_versions:
            continue
        if part is not None and fpart is not None and fpart != part:
            continue
        seen_versions.add(group)
        if not bps and size and dur:
            bps = int(size * 8 * 1000 / dur)  # no bitrate from the probe: the file's average
        out.renditions.append(Rendition(
            key=f"file:{fid}", uri=path, bitrate_bps=int(bps or 0), width=w, height=h,
            label=vlabel or "", kind="file", codecs=codec, source=source_key(path),
            file_id=int(fid), duration_ms=dur,
        ))
    for (oid, opath, w, h, bps, dur, th) in db.conn.execute(
        """SELECT id, path, width, height, bitrate_bps, duration_ms, target_height
           FROM optimized_versions WHERE title_id = ? AND status = 'done' ORDER BY id""",
        (title_id,),
    ):
        if not os.path.isfile(opath):
            continue
        out.renditions.append(Rendition(
            key=f"opt:{oid}", uri=opath, bitrate_bps=int(bps or 0), width=w,
            height=h or th, label="Optimized", kind="optimized",
            source=source_key(opath), duration_ms=dur,
        ))
    out.renditions = sort_renditions(out.renditions)
    return out
