"""Subcommands for quality selection: ``throughput``, ``renditions`` and ``optimize``.

Registered through ``mediacenter.cli.build_parser``. Each runs on the main thread with its
own catalog connection; a user's mistake raises ``mediacenter.cli.UserError`` (one line,
exit status 2).

* ``mediacenter throughput PATH|URL`` times a short read from a file or an HTTP range request
  and stores the result for that source (what the player starts from next time);
  ``mediacenter throughput`` alone lists what is stored.
* ``mediacenter renditions TITLE|URL`` lists what a title (catalog id or search words) or a
  manifest can be played from.
* ``mediacenter optimize TITLE --height 720`` makes an optimized copy with progress; Ctrl+C
  cancels it and removes the partial file.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time

from mediacenter.cli_common import UserError, open_catalog
from mediacenter.config import Paths

__all__ = ["register"]



def _find_title(db, ref: str) -> int:
    """A title id from an id or search words (the best hit)."""
    from mediacenter.db.catalog import get_title, search

    if ref.isdigit():
        if get_title(db, int(ref)) is None:
            raise UserError(f"no title with id {ref}")
        return int(ref)
    hits = search(db, ref, limit=1)
    if not hits:
        raise UserError(f"no title matches {ref!r}")
    return hits[0].row.id


def cmd_throughput(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.playback.quality import ThroughputEstimator, format_bitrate
    from mediacenter.playback.throughput import (
        ProbeError,
        ThroughputStore,
        probe_read,
        source_key,
    )

    store = ThroughputStore(open_catalog(paths))
    if not args.source:
        rows = store.all()
        if args.json:
            print(json.dumps([{"source": s.source, "estimate_bps": s.estimate_bps,
                               "samples": s.samples, "stalls": s.stalls,
                               "updated_at": s.updated_at} for s in rows], indent=2))
        elif not rows:
            print("Nothing measured yet. Try: mediacenter throughput PATH|URL")
        for s in rows if not args.json else ():
            age = time.time() - s.updated_at
            print(f"{s.source}  {format_bitrate(s.estimate_bps)}  ({s.samples} samples, "
                  f"{s.stalls} stalls, {age / 60:.0f} min ago)")
        return 0
    try:
        result = probe_read(args.source, max_s=args.seconds)
    except ProbeError as e:
        raise UserError(str(e)) from None
    source = source_key(args.source)
    est = ThroughputEstimator()
    est.add(time.monotonic(), result.nbytes, result.seconds)
    estimate = est.estimate() or result.bps
    store.save(source, estimate, samples=1, detail={"probe": args.source})
    out = {"source": source, "bytes": result.nbytes, "seconds": round(result.seconds, 4),
           "first_byte_s": round(result.first_byte_s, 4), "bps": round(result.bps),
           "stored_estimate_bps": round(estimate)}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{source}: {format_bitrate(result.bps)} ({result.nbytes} bytes in "
              f"{result.seconds:.2f} s, first byte after {result.first_byte_s * 1000:.0f} ms)")
    return 0


def cmd_renditions(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.playback.renditions import (
        ManifestError,
        manifest_kind,
        manifest_renditions,
        title_renditions,
    )

    ref = args.title
    if "://" in ref or manifest_kind(ref) is not None:
        try:
            rends = manifest_renditions(ref)
        except ManifestError as e:
            raise UserError(str(e)) from None
        manifests: list[str] = []
    else:
        db = open_catalog(paths)
        found = title_renditions(db, _find_title(db, ref))
        rends = found.renditions
        manifests = [m.uri for m in found.manifests]
    if args.json:
        print(json.dumps({"renditions": [
            {"key": r.key, "uri": r.uri, "bitrate_bps": r.bitrate_bps, "width": r.width,
             "height": r.height, "kind": r.kind, "codecs": r.codecs, "label": r.label}
            for r in rends], "manifests": manifests}, indent=2))
        return 0
    if not rends and not manifests:
        print("Nothing to play.")
    for r in reversed(rends):
        print(f"{r.key:12} {r.describe():40} {r.uri}")
    for m in manifests:
        print(f"{'manifest':12} {m}")
    return 0


def cmd_optimize(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.playback.optimize import OptimizeError, create_job, run_job

    db = open_catalog(paths)
    title_id = _find_title(db, args.title)
    try:
        job = create_job(db, paths.data_dir / "optimized", title_id, height=args.height)
    except OptimizeError as e:
        raise UserError(str(e)) from None
    db.conn.close()
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    tty = sys.stderr.isatty() and not args.json

    def progress(frac: float) -> None:
        if tty:
            width = 30
            filled = int(width * frac)
            print(f"\rTranscoding [{'#' * filled}{'.' * (width - filled)}] {frac * 100:3.0f}%",
                  end="", file=sys.stderr, flush=True)

    try:
        rend = run_job(paths.db_path, job, progress, cancel)
    except OptimizeError as e:
        raise UserError(str(e)) from None
    finally:
        signal.signal(signal.SIGINT, previous)
        if tty:
            print(file=sys.stderr)
    if rend is None:
        print("Cancelled; nothing was kept.")
        return 1
    if args.json:
        print(json.dumps({"key": rend.key, "path": rend.uri, "bitrate_bps": rend.bitrate_bps,
                          "width": rend.width, "height": rend.height,
                          "duration_ms": rend.duration_ms}, indent=2))
    else:
        print(f"Made {rend.describe()}: {rend.uri}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``throughput``, ``renditions`` and ``optimize`` to the ``mediacenter`` command."""
    t = sub.add_parser("throughput", help="measure how fast a file or URL can be read",
                       description="Time a short read from PATH or URL (a file read or an HTTP "
                       "range request) and remember it for that source (mount point or host). "
                       "Without an argument, list what is remembered.")
    t.add_argument("source", nargs="?", help="a file path or an http(s) URL")
    t.add_argument("--seconds", type=float, default=1.0, help="read for at most this long")
    t.add_argument("--json", action="store_true", help="print JSON")
    t.set_defaults(func=cmd_throughput)

    r = sub.add_parser("renditions", help="what a title or a manifest can be played from")
    r.add_argument("title", help="a title id, search words, or an HLS/DASH manifest path/URL")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.set_defaults(func=cmd_renditions)

    o = sub.add_parser("optimize", help="make a smaller copy of a title for slow links",
                       description="Transcode the title's best file with libVLC to an H.264 "
                       "copy of the given height, stored in the app's data folder and offered "
                       "as a quality in the player.")
    o.add_argument("title", help="a title id or search words")
    o.add_argument("--height", type=int, default=720, help="picture height (default 720)")
    o.add_argument("--json", action="store_true", help="print JSON")
    o.set_defaults(func=cmd_optimize)
