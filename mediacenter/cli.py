"""The ``mediacenter`` command: no arguments opens the app; subcommands do the rest.

Every subcommand runs on the main thread with its own database connection. Errors a user can
act on (a corrupt catalog, a missing folder) print one clear line and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence

from mediacenter import __version__
from mediacenter.cli_common import EXIT_USER_ERROR, UserError, open_catalog
from mediacenter.config import HOME_ENV, Paths, Settings, app_paths
from mediacenter.lifeline import contain_children
from mediacenter.private_files import private_umask

_open = open_catalog


# -- library -------------------------------------------------------------------------------


def cmd_library_add(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.library.roots import add_library_folder
    from mediacenter.profiles_cli import grant_for

    db = _open(paths)
    root = add_library_folder(db, grant_for(db, args), args.path, kind=args.kind,
                              name=args.name)
    print(f"Added library folder {root.id}: {root.path} ({root.kind})")
    if args.scan:
        return _run_scan(db, paths, [root.id], as_json=False, probe=True)
    print("Run 'mediacenter scan' to import it.")
    return 0


def cmd_library_list(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.library.roots import list_roots

    roots = list_roots(_open(paths))
    if args.json:
        print(json.dumps([
            {"id": r.id, "path": r.path, "kind": r.kind, "name": r.name,
             "reachable": r.reachable, "files": r.files, "titles": r.titles,
             "last_scan_at": r.last_scan_at}
            for r in roots
        ], indent=2))
        return 0
    if not roots:
        print("No library folders yet. Add one with: mediacenter library add PATH")
        return 0
    for r in roots:
        state = "reachable" if r.reachable else "NOT REACHABLE"
        print(f"{r.id:>3}  {r.path}  [{r.kind}, {r.files} files, {state}]")
    return 0


def cmd_library_remove(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.library.roots import find_root, remove_library_folder
    from mediacenter.profiles_cli import grant_for

    db = _open(paths)
    root = find_root(db, args.root)
    n = remove_library_folder(db, grant_for(db, args), root)
    print(f"Removed library folder {root.path} ({n} files forgotten; your files are untouched).")
    return 0


# -- scan ----------------------------------------------------------------------------------


class _TerminalProgress:
    """One-line progress bar on stderr when it is a terminal; phase lines otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.tty = enabled and sys.stderr.isatty()
        self.enabled = enabled
        self._last_phase = ""
        self._last_len = 0

    def __call__(self, p) -> None:  # p: ScanProgress
        if not self.enabled:
            return
        if not self.tty:
            if p.phase != self._last_phase and p.phase in ("walking", "importing", "probing"):
                print(f"{p.phase} {p.root} ...", file=sys.stderr)
            self._last_phase = p.phase
            return
        if p.phase == "walking":
            line = f"Looking for videos in {p.root}: {p.found} found"
        elif p.phase in ("importing", "probing"):
            done, total = (p.imported, p.to_import) if p.phase == "importing" else (
                p.probed, p.to_probe)
            width = 30
            filled = int(width * done / total) if total else width
            eta = f"  ETA {int(p.eta_s) // 60}:{int(p.eta_s) % 60:02d}" if p.eta_s else ""
            verb = "Importing" if p.phase == "importing" else "Probing"
            line = f"{verb} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}{eta}"
        else:
            line = f"{p.phase.capitalize()}..."
        pad = max(0, self._last_len - len(line))
        sys.stderr.write("\r" + line + " " * pad)
        sys.stderr.flush()
        self._last_len = len(line)
        if p.phase == "done":
            self.clear()

    def clear(self) -> None:
        """Erase the bar so that what is printed next starts on a clean line."""
        if self.tty and self._last_len:
            sys.stderr.write("\r" + " " * self._last_len + "\r")
            sys.stderr.flush()
            self._last_len = 0


def _run_scan(db, paths: Paths, root_ids: list[int] | None, *, as_json: bool, probe: bool,
              workers: int | None = None, timeout_s: float | None = None,
              confirm_removal: Sequence[int] = ()) -> int:
    from mediacenter.library.scan_run import scan_roots

    settings = Settings.load(paths.settings_path)
    cancel = threading.Event()

    def on_sigint(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\nCancelling after the current batch (Ctrl+C again to stop at once)...",
              file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_sigint)
    bar = _TerminalProgress(not as_json)
    try:
        reports = scan_roots(db, settings, root_ids, probe=probe, progress=bar, cancel=cancel,
                             workers=workers, timeout_s=timeout_s,
                             confirm_removal=confirm_removal)
    finally:
        signal.signal(signal.SIGINT, previous)
        bar.clear()  # an offline or cancelled root ends without a "done" phase
    if as_json:
        print(json.dumps({"roots": [r.to_json_dict() for r in reports]}, indent=2,
                         ensure_ascii=False))
    else:
        if not reports:
            print("No library folders yet. Add one with: mediacenter library add PATH")
        for r in reports:
            _print_report(r)
    return 1 if any(r.status == "cancelled" for r in reports) else 0


def _print_report(r) -> None:
    if r.status != "done":
        print(f"{r.root}: {r.message}")
        if r.vanished:
            print(f"  To remove them: mediacenter scan --confirm-removal {r.root_id}")
        return
    t = r.timings_s.get("total", 0.0)
    print(
        f"{r.root}: {r.found} videos ({r.new} new, {r.changed} changed, {r.moved} moved, "
        f"{r.removed} removed, {r.unchanged} unchanged) in {t:.1f} s"
    )
    if r.rekeyed:
        print(f"  {r.rekeyed} titles now read differently kept their history under new names")
    if r.probed or r.probe_failed:
        print(f"  probed {r.probed}, could not read {r.probe_failed}")
    if r.probe_deferred:
        print(f"  {r.probe_deferred} unchanged files that timed out before are tried again later")
    if r.kept_unreadable:
        print(f"  kept {r.kept_unreadable} files in folders that could not be read")
    if r.problems:
        print(f"  {len(r.problems)} problem(s):")
        for p in r.problems[:20]:
            print(f"    {p['reason']}: {p['path']} ({p['detail']})")
        if len(r.problems) > 20:
            print(f"    ... and {len(r.problems) - 20} more (mediacenter scan --json lists all)")


def cmd_scan(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.library.roots import find_root

    db = _open(paths)
    ids = [find_root(db, ref).id for ref in args.roots] if args.roots else None
    confirmed = [find_root(db, ref).id for ref in args.confirm_removal]
    if confirmed and ids is not None:
        ids += [rid for rid in confirmed if rid not in ids]
    return _run_scan(db, paths, ids, as_json=args.json, probe=not args.no_probe,
                     workers=args.workers, timeout_s=args.timeout, confirm_removal=confirmed)


# -- names, search, titles -----------------------------------------------------------------


def cmd_names(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.library.naming import parse_path

    stdin = sys.stdin.buffer
    out = sys.stdout
    for raw in stdin:
        # One output line per input line, always, so the output lines up with the input.
        line = os.fsdecode(raw.rstrip(b"\r\n"))
        problem = _unreadable_path(line)
        if problem:
            d = {"path": "", "kind": None, "error": problem}
        else:
            d = {"path": line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")}
            d.update(parse_path(line).to_json_dict())
        out.write(json.dumps(d, ensure_ascii=False) + "\n")
    return 0


MAX_PATH_CHARS = 4096


def _unreadable_path(line: str) -> str | None:
    """Why ``line`` cannot be a file path, or None when it can."""
    if not line.strip():
        return "empty line"
    if "\x00" in line:
        return "not a path: it contains a NUL character"
    if len(line) > MAX_PATH_CHARS:
        return f"not a path: longer than {MAX_PATH_CHARS} characters"
    return None


def cmd_search(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.db.catalog import search

    hits = search(_open(paths), " ".join(args.query), limit=args.limit)
    if args.json:
        print(json.dumps([
            {"id": h.row.id, "kind": h.row.kind, "title": h.row.title, "year": h.row.year,
             "show": h.row.show, "label": h.row.label, "score": round(h.score, 4),
             "snippet": h.snippet, "available": h.row.available}
            for h in hits
        ], indent=2, ensure_ascii=False))
        return 0
    if not hits:
        print("No matches.")
        return 0
    for i, h in enumerate(hits, 1):
        extra = "" if h.row.available else "  (unavailable)"
        print(f"{i:>2}. [{h.row.kind}] {h.row.label}{extra}")
        if h.snippet and "[" in h.snippet:
            print(f"      {h.snippet}")
    return 0


def cmd_titles(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.db.catalog import list_titles

    kinds = tuple(args.kind) if args.kind else ("movie", "show", "other")
    rows = list_titles(_open(paths), kinds, limit=args.limit)
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], indent=2, ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r.id:>6}  [{r.kind}] {r.label}{'' if r.available else '  (unavailable)'}")
    return 0


def cmd_doctor(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.doctor import collect, render

    report = collect(paths)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0 if report["ok"] else 1


def _make_demo(paths: Paths, args: argparse.Namespace) -> int:
    from mediacenter.demo import add_demo_root
    from mediacenter.profiles_cli import grant_for

    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty or done == total:
            print(f"\rCreating the demo library: {done}/{total} clips", end="",
                  file=sys.stderr, flush=True)

    db = _open(paths)
    grant = grant_for(db, args)
    try:
        root_id = add_demo_root(db, paths, grant, progress)
    except RuntimeError as exc:
        raise UserError(str(exc)) from exc
    print(file=sys.stderr)
    return root_id


def cmd_demo(args: argparse.Namespace, paths: Paths) -> int:
    root_id = _make_demo(paths, args)
    print(f"Demo library ready in {paths.demo_dir}")
    if args.no_scan:
        return 0
    return _run_scan(_open(paths), paths, [root_id], as_json=False, probe=True)


def cmd_backup(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.db import backups, check_catalog
    from mediacenter.humanize import format_size

    paths.ensure()
    if args.list:
        found = backups.list_backups(paths.backup_dir)
        if not found:
            print(f"No backups in {paths.backup_dir} yet.")
        for b in found:
            print(f"{b.taken_at:%Y-%m-%d %H:%M}  {b.kind:<14} {format_size(b.size):>9}  "
                  f"{b.path.name}")
        return 0
    if not paths.db_path.exists():
        raise UserError(f"There is no catalog to back up yet ({paths.db_path})")
    check_catalog(paths.db_path)
    b = backups.take_backup(paths.db_path, paths.backup_dir, "manual")
    print(f"Backed up the catalog to {b.path} ({format_size(b.size)}, checked).")
    return 0


def cmd_restore(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.db import backups

    paths.ensure()
    b = backups.find_backup(paths.backup_dir, args.backup)
    kept = backups.restore(b, paths.db_path, paths.backup_dir)
    print(f"Restored the catalog from {b.path.name} (taken {b.taken_at:%Y-%m-%d %H:%M}).")
    if kept is not None:
        print(f"The catalog it replaced is kept as {kept}.")
    print("Run 'mediacenter scan' to pick up files added since the backup.")
    return 0


def cmd_gui(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.ui.app import run_gui

    if getattr(args, "demo", False):
        _make_demo(paths, args)
    return run_gui(paths)


# -- parser --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from mediacenter.profiles_cli import add_manage_arguments

    p = argparse.ArgumentParser(
        prog="mediacenter",
        description="A media center for your own video files. Without a command it opens "
        "the app; the commands below manage the library from a terminal.",
        epilog=f"Data lives in the per-user folders of your platform; set {HOME_ENV} or pass "
        "--home to keep everything in one folder instead.",
    )
    p.add_argument("--version", action="version", version=f"mediacenter {__version__}")
    p.add_argument("--home", metavar="DIR",
                   help=f"keep the catalog, settings and cache under DIR (or set {HOME_ENV})")
    p.add_argument("--demo", action="store_true",
                   help="open the app on a generated demo library")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    lib = sub.add_parser("library", help="add, list or remove library folders",
                         description="Manage the folders mediacenter imports.")
    lsub = lib.add_subparsers(dest="library_command", metavar="ACTION", required=True)
    a = lsub.add_parser("add", help="add a folder of videos", description="Add a folder of "
                        "movies, shows or home videos to the library.")
    a.add_argument("path", help="the folder to add")
    a.add_argument("--kind", default="mixed", choices=["mixed", "movies", "shows", "home"],
                   help="what the folder holds (default: mixed, decided per file from names)")
    a.add_argument("--name", help="a label for the folder (default: its name)")
    a.add_argument("--scan", action="store_true", help="import it right away")
    add_manage_arguments(a)
    a.set_defaults(func=cmd_library_add)
    ls = lsub.add_parser("list", help="list library folders and whether each is reachable")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=cmd_library_list)
    rm = lsub.add_parser("remove", help="forget a library folder (your files are not touched)")
    rm.add_argument("root", help="the folder's id, path or name (see 'library list')")
    add_manage_arguments(rm)
    rm.set_defaults(func=cmd_library_remove)

    s = sub.add_parser(
        "scan", help="import new and changed files from the library folders",
        description="Walk the library folders, import new and changed videos, read .nfo "
        "files and probe media with libVLC. Unchanged files cost one stat; a folder that is "
        "offline is left as it is. Ctrl+C stops after the current batch; the next scan "
        "continues from there.",
    )
    s.add_argument("roots", nargs="*", metavar="ROOT",
                   help="only these folders (id, path or name); default: all")
    s.add_argument("--json", action="store_true",
                   help="print a JSON report, including every problem found")
    s.add_argument("--no-probe", action="store_true",
                   help="skip media probing (duration, codecs, tracks)")
    s.add_argument("--workers", type=int, help="parallel probe processes (default: settings)")
    s.add_argument("--timeout", type=float, help="seconds allowed to probe one file")
    s.add_argument("--confirm-removal", action="append", default=[], metavar="ROOT",
                   help="remove the files that vanished from this folder even when most of "
                   "them went at once (a scan holds such a removal back: it looks like a drive "
                   "that is not mounted)")
    s.set_defaults(func=cmd_scan)

    n = sub.add_parser(
        "names", help="parse file paths from stdin, one JSON object per line",
        description="Read paths on stdin (one per line; the files need not exist) and print "
        "how the scanner understands each: kind, title, year, season, episodes, part, "
        "version, extra, air_date (YYYY-MM-DD). Exactly one JSON line per input line, in "
        'order: an empty or unreadable line gives {"path": "", "kind": null, "error": ...}.',
    )
    n.set_defaults(func=cmd_names)

    se = sub.add_parser("search", help="full-text search of the catalog",
                        description="Search titles, original titles, plots, genres, people "
                        "and tags; prints ranked hits. Words match as prefixes.")
    se.add_argument("query", nargs="+", help="words to search for")
    se.add_argument("--limit", type=int, default=20, help="at most this many hits")
    se.add_argument("--json", action="store_true", help="print JSON")
    se.set_defaults(func=cmd_search)

    t = sub.add_parser("titles", help="list the catalog's titles")
    t.add_argument("--kind", action="append",
                   choices=["movie", "show", "season", "episode", "other"],
                   help="only this kind (repeatable); default: movies, shows, other")
    t.add_argument("--limit", type=int, help="at most this many")
    t.add_argument("--json", action="store_true", help="print JSON")
    t.set_defaults(func=cmd_titles)

    d = sub.add_parser("doctor", help="check libVLC, Qt, the catalog and the library folders")
    d.add_argument("--json", action="store_true", help="print JSON")
    d.set_defaults(func=cmd_doctor)

    dm = sub.add_parser("demo", help="create and import a generated demo library",
                        description="Encode a few dozen short clips with ffmpeg (movies with "
                        ".nfo files, a show with two seasons, home videos) into the app's data "
                        "folder, add it as a library folder and scan it.")
    dm.add_argument("--no-scan", action="store_true", help="only create and add it")
    add_manage_arguments(dm)
    dm.set_defaults(func=cmd_demo)

    b = sub.add_parser(
        "backup", help="back up the catalog now (or list the backups)",
        description="Copy the catalog into the backups folder beside it, checked. The app also "
        "keeps daily and weekly backups by itself while the catalog changes.")
    b.add_argument("--list", action="store_true", help="list the backups, newest first")
    b.set_defaults(func=cmd_backup)
    r = sub.add_parser(
        "restore", help="replace the catalog with a backup (the newest by default)",
        description="Put a checked copy of a backup in place of the catalog. The catalog it "
        "replaces is kept beside it, renamed, never deleted. Close the app first.")
    r.add_argument("backup", nargs="?", metavar="BACKUP",
                   help="a backup's file name (see 'backup --list') or path; default: newest")
    r.set_defaults(func=cmd_restore)

    g = sub.add_parser("gui", help="open the app (the same as no command)")
    g.add_argument("--demo", action="store_true", help="open on a generated demo library")
    g.set_defaults(func=cmd_gui)
    # Packages that add their own subcommands: ``register(subparsers)`` adds parsers whose
    # ``func(args, paths) -> int`` runs the command (raising UserError for a user's mistake).
    from mediacenter import profiles_cli
    from mediacenter.artwork import cli as artwork_cli
    from mediacenter.audit import cli as audit_cli
    from mediacenter.describe import cli as describe_cli
    from mediacenter.playback import quality_cli
    from mediacenter.previews import cli as previews_cli
    from mediacenter.recommend import cli as recommend_cli
    from mediacenter.segments import cli as segments_cli
    from mediacenter.story import cli as story_cli

    for module in (artwork_cli, audit_cli, recommend_cli, quality_cli, profiles_cli,
                   segments_cli, previews_cli, describe_cli, story_cli):
        module.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from mediacenter.db import DatabaseError, damage
    from mediacenter.db.backups import BackupError
    from mediacenter.library.roots import RootError
    from mediacenter.library.scanner import ScanBusyError

    parser = build_parser()
    args = parser.parse_args(argv)
    private_umask()  # the catalog, its WAL, settings, caches, backups: the user's alone
    contain_children()  # Windows: children die with us (elsewhere each child watches us)
    paths = app_paths(args.home)
    func = getattr(args, "func", None) or cmd_gui
    try:
        return func(args, paths)
    except (UserError, DatabaseError, RootError, ScanBusyError, BackupError) as exc:
        print(f"mediacenter: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except sqlite3.DatabaseError as exc:
        # Damage met while working (the quick check at open cannot see everything): one line,
        # and the catalog's connections have stopped writing.
        error = damage.note(exc, paths.db_path)
        if error is None:
            error = DatabaseError(paths.db_path, f"The catalog could not be used: {exc}")
        print(f"mediacenter: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # `mediacenter names | head` closes the pipe early; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
