"""Probe worker: a child process that parses media files with libVLC, one request at a time.

Why a separate process: libVLC demuxers can segfault or block forever on hostile files, and the
app must survive any file a user owns. The parent (:class:`mediacenter.library.probe.Prober`)
enforces the per-file deadline, kills and replaces a worker that died or hung, and never loads
libVLC for probing itself.

Protocol (JSON lines, UTF-8):

* stdin, one request per line: ``{"id": 7, "path": "/x.mkv", "timeout_ms": 10000,
  "chapters": true}``.
* stdout: first ``{"type": "ready", "pid": ..., "libvlc": "3.0.24 ..."}`` (or ``{"type":
  "fatal", "reason": "unavailable", "message": ...}`` and exit when libVLC cannot load), then per
  request ``{"type": "result", "id": 7, "ok": true, "result": {...ProbeResult JSON...}}`` or
  ``{"type": "result", "id": 7, "ok": false, "reason": "unplayable", "message": "..."}``.
  After replying ``timeout`` the worker exits: libVLC may still have a thread stuck in I/O.

Only the protocol goes to the real stdout: file descriptor 1 is pointed at stderr right at start,
so a stray ``printf`` in some libVLC plugin cannot corrupt the stream (the parent ignores
non-JSON lines anyway).

This file is deliberately standalone (stdlib + python-vlc only, no ``mediacenter`` imports): the
parent loads it by file path, so start-up does not pay for whatever the app's packages import.
Everything runs on the worker's main thread, except the libVLC event callbacks, which run on
libVLC threads and only set :class:`threading.Event` objects.

Test seam: ``MEDIACENTER_PROBE_WORKER_FAULT="crash:<text>"`` (or ``hang:<text>``) makes the
worker abort (or block) when a requested path contains ``<text>``, so tests can exercise the
parent's crash/hang handling without a real libVLC-crashing file.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import stat
import sys
import threading
import time
from typing import IO, Any

# libVLC options: no outputs, no interface, no network, no user config, no directory scans.
VLC_ARGS: tuple[str, ...] = (
    "--quiet",
    "--ignore-config",
    "--intf=dummy",
    "--no-video",
    "--vout=dummy",
    "--aout=dummy",
    "--no-spu",
    "--no-osd",
    "--no-stats",
    "--no-lua",
    "--no-sub-autodetect-file",
    "--no-metadata-network-access",
    "--no-snapshot-preview",
    "--no-video-title-show",
)

FAULT_ENV = "MEDIACENTER_PROBE_WORKER_FAULT"

# libvlc_track_type_t
_TRACK_KINDS = {0: "audio", 1: "video", 2: "subtitle"}

# fourcc (as libVLC reports it) -> friendly codec name (ffprobe's vocabulary where one exists).
CODEC_NAMES: dict[str, str] = {
    # video
    "h264": "h264", "avc1": "h264", "H264": "h264", "x264": "h264", "AVC1": "h264",
    "hevc": "hevc", "hvc1": "hevc", "hev1": "hevc", "h265": "hevc", "HEVC": "hevc",
    "VP90": "vp9", "vp09": "vp9", "VP80": "vp8", "VP70": "vp7",
    "av01": "av1", "AV01": "av1",
    "mp4v": "mpeg4", "DIVX": "mpeg4", "XVID": "mpeg4", "DX50": "mpeg4", "FMP4": "mpeg4",
    "mp2v": "mpeg2video", "mpgv": "mpeg2video", "mp1v": "mpeg1video",
    "theo": "theora", "CVID": "cinepak", "cvid": "cinepak",
    "MJPG": "mjpeg", "mjpg": "mjpeg", "jpeg": "mjpeg",
    "WMV1": "wmv1", "WMV2": "wmv2", "WMV3": "wmv3", "WVC1": "vc1", "vc-1": "vc1",
    "h263": "h263", "H263": "h263", "FFV1": "ffv1", "drac": "dirac", "VP60": "vp6",
    "VP6F": "vp6f", "FLV1": "flv1", "apcn": "prores", "apch": "prores", "apcs": "prores",
    "apco": "prores", "ap4h": "prores", "RV40": "rv40", "RV30": "rv30",
    # audio
    "mp4a": "aac", "aac ": "aac", "Opus": "opus", "opus": "opus", "vorb": "vorbis",
    "a52 ": "ac3", "ac-3": "ac3", "eac3": "eac3", "dts ": "dts", "mlp ": "mlp", "trhd": "truehd",
    "mp3 ": "mp3", "mpga": "mp2", "mp2a": "mp2", "flac": "flac", "alac": "alac",
    "wma1": "wmav1", "wma2": "wmav2", "wmap": "wmapro", "wmal": "wmalossless",
    "samr": "amr_nb", "sawb": "amr_wb", "spx ": "speex", "atrc": "atrac3",
    "araw": "pcm", "s16l": "pcm_s16le", "s16b": "pcm_s16be", "s24l": "pcm_s24le",
    "s24b": "pcm_s24be", "s32l": "pcm_s32le", "f32l": "pcm_f32le", "u8  ": "pcm_u8",
    "alaw": "pcm_alaw", "ulaw": "pcm_mulaw",
    # subtitles
    "subt": "subrip", "tx3g": "mov_text", "ssa ": "ass", "webv": "webvtt", "wvtt": "webvtt",
    "dvbs": "dvb_subtitle", "spu ": "dvd_subtitle", "spu": "dvd_subtitle",
    "pgs ": "hdmv_pgs_subtitle", "c608": "eia_608", "c708": "cea_708", "ttml": "ttml",
    "usf ": "usf", "kate": "kate", "teletext": "teletext", "telx": "dvb_teletext",
}  # fmt: skip


def codec_name(fourcc: int) -> str | None:
    """Friendly name for a libVLC fourcc integer; the trimmed fourcc text when unknown."""
    if not fourcc:
        return None
    raw = fourcc.to_bytes(4, "little").decode("latin-1")
    if raw in CODEC_NAMES:
        return CODEC_NAMES[raw]
    text = raw.strip(" \x00")
    if text.isprintable() and text:
        return CODEC_NAMES.get(text, text)
    return f"0x{fourcc:08x}"


# --- ctypes mirrors of libvlc_media.h (libVLC 3) -------------------------------------------
# WORKAROUND: python-vlc 3.0.21203 bug. Its MediaTrack declares audio/video/subtitle as three
# separate pointers, but in C they are one union: every field after them is read at the wrong
# offset (and dereferencing .video segfaults). So the worker declares the structs itself and
# calls the C functions directly.


class _AudioTrack(ctypes.Structure):
    _fields_ = (("channels", ctypes.c_uint), ("rate", ctypes.c_uint))


class _VideoTrack(ctypes.Structure):
    _fields_ = (
        ("height", ctypes.c_uint),
        ("width", ctypes.c_uint),
        ("sar_num", ctypes.c_uint),
        ("sar_den", ctypes.c_uint),
        ("frame_rate_num", ctypes.c_uint),
        ("frame_rate_den", ctypes.c_uint),
    )


class _SubtitleTrack(ctypes.Structure):
    _fields_ = (("encoding", ctypes.c_char_p),)


class _MediaTrack(ctypes.Structure):
    _fields_ = (
        ("codec", ctypes.c_uint32),
        ("original_fourcc", ctypes.c_uint32),
        ("id", ctypes.c_int),
        ("type", ctypes.c_int),
        ("profile", ctypes.c_int),
        ("level", ctypes.c_int),
        ("u", ctypes.c_void_p),  # union { audio*, video*, subtitle* }
        ("bitrate", ctypes.c_uint),
        ("language", ctypes.c_char_p),
        ("description", ctypes.c_char_p),
    )


class _ChapterDescription(ctypes.Structure):
    _fields_ = (
        ("time_offset", ctypes.c_int64),
        ("duration", ctypes.c_int64),
        ("name", ctypes.c_char_p),
    )


_TrackArray = ctypes.POINTER(ctypes.POINTER(_MediaTrack))
_ChapterArray = ctypes.POINTER(ctypes.POINTER(_ChapterDescription))


def _text(b: bytes | None) -> str | None:
    if not b:
        return None
    s = b.decode("utf-8", "replace").strip()
    return s or None


def _language(b: bytes | None) -> str | None:
    s = _text(b)
    if s is None or s.lower() in ("und", "unknown", "xx", "mis", "zxx", "mul"):
        return None
    return s


def _sniff_container(path: bytes, ext: str) -> str | None:
    """Container name from the first bytes of the file, else from the extension.

    libVLC 3 does not say which demuxer it used, so this mirrors the magic numbers ourselves.
    Called only after libVLC parsed the file (so a FIFO or a hung mount already timed out).
    """
    head = b""
    with contextlib.suppress(OSError), open(path, "rb") as f:
        head = f.read(4096)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "mov" if brand == b"qt  " else "mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "mov" if ext == ".mov" else "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm" if b"webm" in head[:64] else "matroska"
    if head[:4] == b"RIFF" and head[8:11] == b"AVI":
        return "avi"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return "mpeg"
    if len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return "mpegts"
    if head[:3] == b"FLV":
        return "flv"
    if head[:16] == bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"):
        return "asf"
    return _EXT_CONTAINERS.get(ext)


_EXT_CONTAINERS = {
    ".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska", ".mk3d": "matroska",
    ".webm": "webm", ".avi": "avi", ".ogv": "ogg", ".ogg": "ogg", ".ogm": "ogg",
    ".mpg": "mpeg", ".mpeg": "mpeg", ".vob": "mpeg", ".ts": "mpegts", ".m2ts": "mpegts",
    ".mts": "mpegts", ".flv": "flv", ".wmv": "asf", ".asf": "asf", ".3gp": "mp4",
}  # fmt: skip


class ProbeFailure(Exception):
    """A per-file failure the worker reports to the parent (it keeps running afterwards)."""

    def __init__(self, reason: str, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.fatal = fatal  # the worker should exit after replying (libVLC may be wedged)


class Worker:
    """One long-lived libVLC instance plus a reusable media player; worker main thread only."""

    def __init__(self) -> None:
        import vlc  # deferred: a missing libVLC must become a "fatal" message, not a traceback

        self.vlc = vlc
        instance = vlc.Instance(list(VLC_ARGS))
        if instance is None:
            raise RuntimeError("libvlc_new() failed (plugins missing or broken?)")
        self.instance = instance
        self.version = vlc.libvlc_get_version().decode("utf-8", "replace")
        dll = vlc.dll
        # dll[name] returns a fresh function pointer, so these argtypes do not clash with
        # python-vlc's own (broken) prototypes of the same functions.
        self._tracks_get = dll["libvlc_media_tracks_get"]
        self._tracks_get.argtypes = (ctypes.c_void_p, ctypes.POINTER(_TrackArray))
        self._tracks_get.restype = ctypes.c_uint
        self._tracks_release = dll["libvlc_media_tracks_release"]
        self._tracks_release.argtypes = (_TrackArray, ctypes.c_uint)
        self._tracks_release.restype = None
        self._chapters_get = dll["libvlc_media_player_get_full_chapter_descriptions"]
        self._chapters_get.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_ChapterArray))
        self._chapters_get.restype = ctypes.c_int
        self._chapters_release = dll["libvlc_chapter_descriptions_release"]
        self._chapters_release.argtypes = (_ChapterArray, ctypes.c_uint)
        self._chapters_release.restype = None

        self._player: Any = None
        self._player_event = threading.Event()

    # -- libVLC steps -------------------------------------------------------------------------

    def _parse(self, path: bytes, timeout_s: float, options: tuple[str, ...] = ()) -> Any:
        """Preparse ``path`` with libVLC; return the media (caller releases) or raise."""
        vlc = self.vlc
        media = self.instance.media_new_path(path)
        if media is None:
            raise ProbeFailure("unplayable", "libVLC could not create a media for this path")
        for opt in options:
            media.add_option(opt)
        done = threading.Event()
        em = media.event_manager()
        em.event_attach(vlc.EventType.MediaParsedChanged, lambda _e: done.set())
        timeout_ms = max(1, int(timeout_s * 1000))
        if media.parse_with_options(vlc.MediaParseFlag.local, timeout_ms) != 0:
            media.release()
            raise ProbeFailure("unplayable", "libVLC refused to parse this file")
        # libVLC applies timeout_ms itself and then reports status "timeout"; the extra second
        # only covers the event's delivery. No reply at all means libVLC is wedged.
        if not done.wait(timeout_s + 1.0):
            raise ProbeFailure("timeout", "libVLC did not finish parsing in time", fatal=True)
        status = media.get_parsed_status()
        if status == vlc.MediaParsedStatus.timeout:
            media.release()
            raise ProbeFailure(
                "timeout", f"libVLC gave up parsing after {timeout_s:.1f} s", fatal=True
            )
        if status != vlc.MediaParsedStatus.done:
            media.release()
            raise ProbeFailure("unplayable", f"libVLC could not parse the file ({status})")
        return media

    def _tracks(self, media: Any) -> list[dict[str, Any]]:
        arr = _TrackArray()
        n = self._tracks_get(media._as_parameter_, ctypes.byref(arr))
        out: list[dict[str, Any]] = []
        try:
            for i in range(n):
                t = arr[i].contents
                kind = _TRACK_KINDS.get(t.type)
                if kind is None:
                    continue
                d: dict[str, Any] = {
                    "kind": kind,
                    "codec": codec_name(t.codec) or codec_name(t.original_fourcc) or "unknown",
                    "language": _language(t.language),
                    "description": _text(t.description),
                    "bitrate_bps": int(t.bitrate) or None,
                }
                if kind == "video" and t.u:
                    v = ctypes.cast(t.u, ctypes.POINTER(_VideoTrack)).contents
                    d["width"] = int(v.width) or None
                    d["height"] = int(v.height) or None
                    if v.frame_rate_num and v.frame_rate_den:
                        d["fps"] = round(v.frame_rate_num / v.frame_rate_den, 3)
                elif kind == "audio" and t.u:
                    a = ctypes.cast(t.u, ctypes.POINTER(_AudioTrack)).contents
                    d["channels"] = int(a.channels) or None
                    d["sample_rate"] = int(a.rate) or None
                out.append(d)
        finally:
            if n:
                self._tracks_release(arr, n)
        return out

    def _chapters(self, media: Any, timeout_s: float) -> list[dict[str, Any]]:
        """Chapters need a media player in libVLC 3: open the input paused, read, stop.

        ``:start-paused`` plus ``:no-audio``/``:no-video`` means the demuxer is opened but
        nothing is decoded or output; measured at ~1-2 ms per file on a warm worker.
        """
        vlc = self.vlc
        if self._player is None:
            self._player = self.instance.media_player_new()
            em = self._player.event_manager()
            for et in (
                vlc.EventType.MediaPlayerPlaying,
                vlc.EventType.MediaPlayerPaused,
                vlc.EventType.MediaPlayerEncounteredError,
                vlc.EventType.MediaPlayerEndReached,
            ):
                # Runs on a libVLC thread: only flips the event the main thread waits on.
                em.event_attach(et, lambda _e: self._player_event.set())
        for opt in (":start-paused", ":no-audio", ":no-video", ":no-spu"):
            media.add_option(opt)
        player = self._player
        self._player_event = threading.Event()
        player.set_media(media)
        try:
            if player.play() != 0:
                return []
            if not self._player_event.wait(max(0.05, timeout_s)):
                raise ProbeFailure(
                    "timeout", "libVLC hung opening the file for chapters", fatal=True
                )
            arr = _ChapterArray()
            n = self._chapters_get(player._as_parameter_, -1, ctypes.byref(arr))
            out: list[dict[str, Any]] = []
            if n > 0:
                try:
                    for i in range(n):
                        c = arr[i].contents
                        out.append(
                            {
                                "start_ms": int(c.time_offset),
                                "duration_ms": max(0, int(c.duration)),
                                "name": _text(c.name),
                            }
                        )
                finally:
                    self._chapters_release(arr, n)
            return out
        finally:
            player.stop()
            player.set_media(None)

    # -- one request --------------------------------------------------------------------------

    def probe(self, path_str: str, timeout_s: float, want_chapters: bool) -> dict[str, Any]:
        """Probe one file; return a ProbeResult JSON dict or raise :class:`ProbeFailure`."""
        deadline = time.monotonic() + timeout_s
        _maybe_fault(path_str)
        path = os.fsencode(path_str)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise ProbeFailure("missing", "file not found") from None
        except PermissionError as e:
            raise ProbeFailure("unreadable", f"permission denied: {e.strerror}") from None
        except OSError as e:
            raise ProbeFailure("unreadable", f"cannot stat file: {e.strerror}") from None
        if stat.S_ISDIR(st.st_mode):
            raise ProbeFailure("unplayable", "is a directory")
        if not os.access(path, os.R_OK):
            raise ProbeFailure("unreadable", "permission denied")
        if stat.S_ISREG(st.st_mode) and st.st_size == 0:
            raise ProbeFailure("unplayable", "file is empty")

        def remaining() -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProbeFailure("timeout", f"probing took longer than {timeout_s:.1f} s")
            return left

        media = self._parse(path, remaining())
        try:
            tracks = self._tracks(media)
            duration = media.get_duration()
            # VLC's own demuxers leave some formats empty at preparse time (MPEG-PS creates its
            # streams only while playing; Theora sizes come from the decoder). libavformat's
            # demuxer reads ahead, so ask it as a second opinion, and only in those cases.
            if not tracks or duration <= 0 or _missing_video_size(tracks):
                alt = self._parse_avformat(path, remaining())
                if alt is not None:
                    alt_tracks, alt_duration = alt
                    if len(alt_tracks) >= len(tracks) and not _missing_video_size(alt_tracks):
                        tracks = alt_tracks
                    if duration <= 0:
                        duration = alt_duration
            if not tracks:
                raise ProbeFailure("unplayable", "no audio, video or subtitle streams found")
            title = _text((media.get_meta(self.vlc.Meta.Title) or "").encode())
            chapters = self._chapters(media, min(remaining(), 5.0)) if want_chapters else []
        finally:
            media.release()

        ext = os.path.splitext(path_str)[1].lower()
        duration_ms = int(duration) if duration and duration > 0 else None
        size = int(st.st_size) if stat.S_ISREG(st.st_mode) else None
        video = next((t for t in tracks if t["kind"] == "video"), None)
        return {
            "path": path_str,
            "duration_ms": duration_ms,
            "container": _sniff_container(path, ext) if stat.S_ISREG(st.st_mode) else None,
            "width": video.get("width") if video else None,
            "height": video.get("height") if video else None,
            "video_codec": video["codec"] if video else None,
            "bitrate_bps": (size * 8 * 1000 // duration_ms) if size and duration_ms else None,
            "tracks": tracks,
            "chapters": chapters,
            "title": None if title == os.path.basename(path_str) else title,
            "size_bytes": size,
        }

    def _parse_avformat(
        self, path: bytes, timeout_s: float
    ) -> tuple[list[dict[str, Any]], int] | None:
        try:
            media = self._parse(path, timeout_s, (":demux=avformat",))
        except ProbeFailure as e:
            if e.fatal:
                raise
            return None
        try:
            return self._tracks(media), media.get_duration()
        finally:
            media.release()


def _missing_video_size(tracks: list[dict[str, Any]]) -> bool:
    return any(t["kind"] == "video" and not t.get("width") for t in tracks)


def _maybe_fault(path: str) -> None:
    spec = os.environ.get(FAULT_ENV, "")
    mode, _, needle = spec.partition(":")
    if not needle or needle not in path:
        return
    if mode == "crash":
        os.abort()
    if mode == "hang":
        threading.Event().wait()


def _send(out: IO[str], msg: dict[str, Any]) -> None:
    out.write(json.dumps(msg, ensure_ascii=True) + "\n")
    out.flush()


def main() -> None:
    """Worker entry point: handshake, then serve requests from stdin until EOF."""
    # stdin's end of file says the parent is gone, but only between files: one stuck in
    # libVLC would keep the worker alive after the app was killed.
    with contextlib.suppress(ImportError):  # the package beside this file, when there is one
        from mediacenter.lifeline import watch_parent

        watch_parent()
    # Keep the real stdout for the protocol only; anything else writing to fd 1 (C code in
    # libVLC plugins, stray prints) lands on stderr instead.
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    out = os.fdopen(proto_fd, "w", encoding="utf-8", buffering=1)
    sys.stdout = sys.stderr
    try:
        worker = Worker()
    except (Exception, SystemExit) as e:  # libVLC missing; python-vlc may even sys.exit()
        _send(
            out, {"type": "fatal", "reason": "unavailable", "message": f"{type(e).__name__}: {e}"}
        )
        os._exit(3)
    _send(out, {"type": "ready", "pid": os.getpid(), "libvlc": worker.version})

    for raw in sys.stdin.buffer:
        try:
            req = json.loads(raw)
            req_id = req["id"]
            path = str(req["path"])
            timeout_s = max(0.05, float(req.get("timeout_ms", 10000)) / 1000.0)
            want_chapters = bool(req.get("chapters", True))
        except (ValueError, KeyError, TypeError):
            continue  # not a request; the protocol ignores junk in both directions
        try:
            result = worker.probe(path, timeout_s, want_chapters)
        except ProbeFailure as e:
            _send(out, {"type": "result", "id": req_id, "ok": False, "reason": e.reason,
                        "message": e.message})  # fmt: skip
            if e.fatal:
                os._exit(4)  # libVLC may have a thread stuck in I/O; the parent starts a new one
            continue
        except Exception as e:  # a bug or a libVLC binding surprise: report, keep serving
            _send(out, {"type": "result", "id": req_id, "ok": False, "reason": "error",
                        "message": f"{type(e).__name__}: {e}"})  # fmt: skip
            continue
        _send(out, {"type": "result", "id": req_id, "ok": True, "result": result})
    # stdin closed: the parent is gone or closing us. Skip interpreter teardown, which would
    # wait on libVLC threads.
    out.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
