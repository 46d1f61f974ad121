"""The ``mediacenter`` command, driven in-process through ``cli.main`` (and a few subprocesses).

Every test runs against the isolated ``MEDIACENTER_HOME`` from conftest. User errors must exit
with status 2 and one ``mediacenter: ...`` line, never a traceback.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mediacenter.config import app_paths
from mediacenter.db import SCHEMA_VERSION, open_db, transaction
from mediacenter.library.roots import add_root
from mediacenter.playback.vlc_env import libvlc_info
from tests.cli_run import run

REPO = Path(__file__).resolve().parents[2]
HAVE_VLC = bool(libvlc_info(try_instance=False)["loaded"])
NAME_KEYS = {"kind", "title", "year", "season", "episodes", "part", "version", "extra"}


def run_proc(*argv: str, stdin: bytes | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, "-m", "mediacenter", *argv], input=stdin, capture_output=True,
        cwd=REPO, timeout=timeout,
    )


def assert_user_error(rc: int, err: str, *needles: str) -> None:
    assert rc == 2, (rc, err)
    assert err.startswith("mediacenter: "), err
    assert "Traceback" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(path: Path, content: str | bytes = b"fake video") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def small_tree(root: Path) -> Path:
    """Fake videos (probing off) with NFOs that make search interesting, plus some problems."""
    write(root / "The Matrix (1999)" / "The Matrix (1999).mkv")
    write(root / "The Matrix (1999)" / "movie.nfo",
          "<movie><title>The Matrix</title><year>1999</year>"
          "<plot>A hacker learns that reality is a simulation.</plot>"
          "<genre>Science Fiction</genre><actor><name>Keanu Reeves</name></actor></movie>")
    write(root / "Documentaries (2021)" / "Documentaries (2021).mkv")
    write(root / "Documentaries (2021)" / "movie.nfo",
          "<movie><title>Inside the Code</title><year>2021</year>"
          "<plot>How the matrix films were made.</plot></movie>")
    write(root / "Amélie (2001)" / "Amélie (2001).mkv")
    write(root / "Show" / "Season 01" / "Show - S01E01 - Pilot.mkv")
    write(root / "Show" / "Season 01" / "Show - S01E02 - Matrix Reloaded Parody.mkv")
    write(root / "empty.mkv", b"")
    write(root / "Bad (2002)" / "Bad (2002).mkv")
    write(root / "Bad (2002)" / "Bad (2002).nfo", "<movie><title>Oops</movie>")
    os.symlink(root / "gone.mkv", root / "dangling.mkv")
    return root


# -- help ---------------------------------------------------------------------------------------


def test_help_in_a_subprocess():
    proc = run_proc("--help")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    for word in ("usage: mediacenter", "--home", "--version", "library", "scan", "names",
                 "search", "titles", "doctor"):
        assert word in out, word
    assert proc.stderr == b""
    version = run_proc("--version")
    assert version.returncode == 0 and version.stdout.decode().startswith("mediacenter ")


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        ((), ("--home", "--version", "--demo", "library", "scan", "names", "search",
              "titles", "doctor", "MEDIACENTER_HOME")),
        (("library",), ("add", "list", "remove")),
        (("library", "add"), ("path", "--kind", "mixed", "movies", "shows", "home", "--name",
                              "--scan")),
        (("library", "list"), ("--json",)),
        (("library", "remove"), ("root", "id, path or name")),
        (("scan",), ("ROOT", "--json", "--no-probe", "--workers", "--timeout")),
        (("names",), ("stdin", "kind", "title", "year", "season", "episodes", "part",
                      "version", "extra")),
        (("search",), ("query", "--limit", "--json")),
        (("titles",), ("--kind", "--limit", "--json", "episode")),
        (("doctor",), ("--json",)),
        (("gui",), ("--demo",)),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) and v and "--" not in v[0] else None,
)
def test_help_of_every_command(capsys, argv, needles):
    rc, out, err = run(capsys, *argv, "--help")
    assert rc == 0, err
    assert out.startswith("usage: mediacenter"), out
    for needle in needles:
        assert needle in out, (argv, needle)


def test_usage_errors_exit_2(capsys):
    rc, _out, err = run(capsys, "library")
    assert rc == 2 and "required" in err
    rc, _out, err = run(capsys, "nonsense")
    assert rc == 2 and "invalid choice" in err
    rc, _out, err = run(capsys, "library", "add", "/tmp", "--kind", "music")
    assert rc == 2 and "invalid choice" in err


# -- library -----------------------------------------------------------------------------------


def test_library_add_list_remove(capsys, tmp_path):
    movies, shows = tmp_path / "Movies", tmp_path / "TV Shows"
    movies.mkdir()
    shows.mkdir()
    rc, out, _ = run(capsys, "library", "list")
    assert rc == 0 and "No library folders yet" in out

    rc, out, err = run(capsys, "library", "add", str(movies), "--kind", "movies")
    assert rc == 0, err
    assert f"Added library folder 1: {movies} (movies)" in out
    assert "mediacenter scan" in out
    rc, out, err = run(capsys, "library", "add", str(shows), "--kind", "shows", "--name", "TV")
    assert rc == 0, err

    rc, out, _ = run(capsys, "library", "list")
    assert rc == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert str(movies) in lines[0] and "movies" in lines[0] and "reachable" in lines[0]
    rc, out, _ = run(capsys, "library", "list", "--json")
    listed = json.loads(out)
    assert [(r["id"], r["path"], r["kind"], r["name"], r["reachable"]) for r in listed] == [
        (1, str(movies), "movies", "Movies", True), (2, str(shows), "shows", "TV", True)
    ]
    assert all(r["files"] == 0 and r["last_scan_at"] is None for r in listed)

    shows.rename(tmp_path / "unplugged")
    rc, out, _ = run(capsys, "library", "list")
    assert "NOT REACHABLE" in out.splitlines()[1]
    (tmp_path / "unplugged").rename(shows)

    rc, out, err = run(capsys, "library", "remove", "TV")  # by name
    assert rc == 0, err
    assert "Removed library folder" in out and "0 files forgotten" in out
    rc, out, err = run(capsys, "library", "remove", str(movies))  # by path
    assert rc == 0, err
    rc, out, _ = run(capsys, "library", "list", "--json")
    assert json.loads(out) == []


def test_library_errors_are_clear(capsys, tmp_path):
    root = tmp_path / "Media"
    (root / "Movies").mkdir(parents=True)
    write(tmp_path / "file.mkv")
    rc, _, err = run(capsys, "library", "add", str(root))
    assert rc == 0, err

    rc, _, err = run(capsys, "library", "add", str(tmp_path / "missing"))
    assert_user_error(rc, err, "cannot use", "missing")
    rc, _, err = run(capsys, "library", "add", str(tmp_path / "file.mkv"))
    assert_user_error(rc, err, "is not a folder")
    rc, _, err = run(capsys, "library", "add", str(root))
    assert_user_error(rc, err, "already in the library")
    rc, _, err = run(capsys, "library", "add", str(root) + "/../Media/")  # same, spelt otherwise
    assert_user_error(rc, err, "already in the library")
    rc, _, err = run(capsys, "library", "add", str(root / "Movies"))
    assert_user_error(rc, err, "is inside the library folder", str(root))
    rc, _, err = run(capsys, "library", "add", str(tmp_path))
    assert_user_error(rc, err, "contains the library folder", str(root))
    rc, _, err = run(capsys, "library", "remove", "42")
    assert_user_error(rc, err, "is not a library folder")
    rc, _, err = run(capsys, "scan", "nowhere")
    assert_user_error(rc, err, "is not a library folder")

    rc, out, _ = run(capsys, "library", "list", "--json")
    assert [r["path"] for r in json.loads(out)] == [str(root)]


# -- scan --------------------------------------------------------------------------------------


def test_scan_json_lists_problems(capsys, tmp_path):
    root = small_tree(tmp_path / "lib")
    rc, _, err = run(capsys, "library", "add", str(root))
    assert rc == 0, err
    rc, out, err = run(capsys, "scan", "--json", "--no-probe")
    assert rc == 0, err
    data = json.loads(out)
    assert list(data) == ["roots"] and len(data["roots"]) == 1
    r = data["roots"][0]
    assert r["status"] == "done" and r["root"] == str(root)
    assert r["found"] == r["new"] == 6
    problems = {(p["path"], p["reason"]) for p in r["problems"]}
    assert problems == {("empty.mkv", "empty-file"), ("dangling.mkv", "broken-link"),
                        ("Bad (2002)/Bad (2002).nfo", "bad-nfo")}
    assert all(p["detail"] for p in r["problems"])
    assert set(r["timings_s"]) >= {"walk", "import", "total"}
    assert err == ""  # no progress noise in JSON mode

    # The human report of an unchanged rescan, then of an offline folder.
    rc, out, err = run(capsys, "scan", "--no-probe", str(root))
    assert rc == 0, err
    assert "6 videos (0 new, 0 changed, 0 moved, 0 removed, 6 unchanged)" in out
    assert "3 problem(s):" in out and "empty-file: empty.mkv" in out
    root.rename(tmp_path / "away")
    rc, out, _ = run(capsys, "scan", "--no-probe")
    assert rc == 0
    assert "unavailable" in out and "Nothing was removed" in out
    rc, out, _ = run(capsys, "scan", "--json", "--no-probe")
    assert json.loads(out)["roots"][0]["status"] == "offline"


@pytest.mark.vlc
@pytest.mark.skipif(not HAVE_VLC, reason="libVLC missing")
def test_scan_json_with_probing(capsys, tmp_path, clip_factory, broken_media):
    root = tmp_path / "lib"
    clip_factory(root / "Clip (2020)" / "Clip (2020).mp4", link=True, duration_s=1.0,
                 size=(160, 120))
    os.link(broken_media["random"], root / "Noise (2021).avi")
    run(capsys, "library", "add", str(root))
    rc, out, err = run(capsys, "scan", "--json", "--workers", "1", "--timeout", "3")
    assert rc == 0, err
    r = json.loads(out)["roots"][0]
    assert (r["found"], r["probed"], r["probe_failed"]) == (2, 1, 1)
    [problem] = r["problems"]
    assert problem["path"] == "Noise (2021).avi" and problem["reason"].startswith("probe-")
    rc, out, _ = run(capsys, "titles", "--json")
    assert {t["title"] for t in json.loads(out)} == {"Clip", "Noise"}


# -- names -------------------------------------------------------------------------------------

NAME_LINES = [
    "Movies/Inception (2010)/Inception (2010).mkv",
    "The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv",
    "Breaking Bad/Season 01/Breaking Bad - S01E02-E03 - Double.mkv",
    "Kill Bill (2003)/Kill Bill (2003)-cd2.avi",
    "Blade Runner (1982)/Blade Runner (1982) - 4K.mkv",
    "Inception (2010)/Inception (2010)-trailer.mkv",
]


def test_names_in_process(capsys, monkeypatch):
    data = ("\n".join(NAME_LINES[:3]) + "\n\n   \r\n" + "\r\n".join(NAME_LINES[3:])).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    rc, out, err = run(capsys, "names")
    assert rc == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    # One output line per input line, in order; CRLF stripped; blank lines say so.
    assert [r["path"] for r in rows] == [*NAME_LINES[:3], "", "", *NAME_LINES[3:]]
    assert rows[3] == rows[4] == {"path": "", "kind": None, "error": "empty line"}
    rows = [r for r in rows if r["path"]]
    for r in rows:
        assert set(r) >= NAME_KEYS, r
    by = {r["path"]: r for r in rows}
    inc = by[NAME_LINES[0]]
    assert (inc["kind"], inc["title"], inc["year"]) == ("movie", "Inception", 2010)
    ep = by[NAME_LINES[2]]
    assert (ep["kind"], ep["title"], ep["season"], ep["episodes"]) == (
        "episode", "Breaking Bad", 1, [2, 3])
    assert by[NAME_LINES[3]]["part"] == 2
    assert by[NAME_LINES[4]]["version"] == "4K"
    assert by[NAME_LINES[5]]["extra"] == "trailer"


def test_names_subprocess_with_invalid_utf8():
    lines = [
        b"Movies/Am\xc3\xa9lie (2001)/Am\xc3\xa9lie (2001).mkv",
        b"Movies/Bad \xff name (2001).mkv",
        b"\xe9t\xe9 (2001).mkv",  # Latin-1
        b"Show/\xff\xfe S01E02.mkv",
        b"",
        b"Breaking Bad/Season 01/Breaking Bad - S01E01 - Pilot.mkv",
        b"Movies/Nul\x00 (2001).mkv",
        b"The.Daily.Show.2019.02.31.720p.mkv",  # no 31 February: not an air date
    ]
    proc = run_proc("names", stdin=b"\n".join(lines))  # no newline after the last line
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert b"Traceback" not in proc.stderr
    out = proc.stdout.decode("utf-8")  # strictly valid UTF-8
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(lines)
    assert rows[4] == {"path": "", "kind": None, "error": "empty line"}
    assert rows[6]["path"] == "" and rows[6]["kind"] is None and "NUL" in rows[6]["error"]
    assert rows[7]["air_date"] is None
    rows = rows[:4] + rows[5:6]
    for r in rows:
        assert set(r) >= NAME_KEYS, r
        json.dumps(r, ensure_ascii=False).encode("utf-8")  # no lone surrogates anywhere
    assert rows[0]["title"] == "Amélie" and rows[0]["year"] == 2001
    assert rows[1]["path"] == "Movies/Bad \ufffd name (2001).mkv" and rows[1]["year"] == 2001
    assert rows[2]["year"] == 2001 and rows[2]["kind"] == "movie"
    assert rows[3]["kind"] == "episode" and rows[3]["episodes"] == [2]
    assert rows[4]["episode_title"] == "Pilot"


def test_names_pipe_closed_early():
    """``mediacenter names | head -1`` must end quietly."""
    data = b"\n".join([b"Movie %d (2000).mkv" % i for i in range(20000)]) + b"\n"
    proc = subprocess.run(
        f"{sys.executable} -m mediacenter names | head -n 1", shell=True, input=data,
        capture_output=True, cwd=REPO, timeout=60,
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout.decode())["title"] == "Movie 0"
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")


# -- search and titles -------------------------------------------------------------------------


@pytest.fixture
def scanned(capsys, tmp_path):
    root = small_tree(tmp_path / "lib")
    assert run(capsys, "library", "add", str(root))[0] == 0
    assert run(capsys, "scan", "--no-probe")[0] == 0
    return root


def test_search(capsys, scanned):
    rc, out, err = run(capsys, "search", "matrix")
    assert rc == 0, err
    ranked = [line for line in out.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert ranked[0] == " 1. [movie] The Matrix (1999)", out
    assert any("Inside the Code" in line for line in ranked), out  # a plot hit, ranked lower
    assert any("[episode] Show S01E02 - Matrix Reloaded Parody" in line for line in ranked)
    assert "[matrix]" in out.lower()  # the snippet of the plot hit marks the word

    rc, out, _ = run(capsys, "search", "matrix", "--json")
    hits = json.loads(out)
    assert hits[0]["title"] == "The Matrix" and hits[0]["year"] == 1999
    for h in hits:
        assert {"id", "kind", "title", "year", "show", "label", "score", "snippet",
                "available"} <= set(h)
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(h["available"] for h in hits)

    rc, out, _ = run(capsys, "search", "keanu", "--json")
    assert [h["title"] for h in json.loads(out)] == ["The Matrix"]
    rc, out, _ = run(capsys, "search", "AMELIE")
    assert "Amélie (2001)" in out
    rc, out, _ = run(capsys, "search", "matrix", "--limit", "1", "--json")
    assert len(json.loads(out)) == 1
    rc, out, _ = run(capsys, "search", "zzzz")
    assert rc == 0 and out.strip() == "No matches."
    rc, out, _ = run(capsys, "search", '"*^(', "--json")  # FTS syntax is not passed through
    assert rc == 0 and json.loads(out) == []


def test_titles(capsys, scanned):
    rc, out, err = run(capsys, "titles")
    assert rc == 0, err
    names = [line.split("] ", 1)[1] for line in out.splitlines()]
    assert names == ["Amélie (2001)", "Bad (2002)", "Inside the Code (2021)",
                     "The Matrix (1999)", "Show"]
    rc, out, _ = run(capsys, "titles", "--json", "--kind", "episode")
    eps = json.loads(out)
    assert sorted((e["show"], e["season_number"], e["episode_number"]) for e in eps) == [
        ("Show", 1, 1), ("Show", 1, 2)]
    assert all(e["kind"] == "episode" and e["available"] for e in eps)
    rc, out, _ = run(capsys, "titles", "--limit", "2")
    assert len(out.splitlines()) == 2

    scanned.rename(scanned.with_name("away"))
    run(capsys, "scan", "--no-probe")
    rc, out, _ = run(capsys, "titles")
    assert all(line.endswith("(unavailable)") for line in out.splitlines()), out
    rc, out, _ = run(capsys, "search", "matrix")
    assert "(unavailable)" in out


# -- doctor ------------------------------------------------------------------------------------


def test_doctor(capsys, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    rc, out, err = run(capsys, "doctor")  # before any catalog exists
    assert rc in (0, 1), err
    assert "not created yet" in out
    assert not app_paths().db_path.exists(), "doctor must not create the catalog"

    run(capsys, "library", "add", str(lib))
    rc, out, err = run(capsys, "doctor", "--json")
    report = json.loads(out)
    assert rc == (0 if report["ok"] else 1)
    vlc, qt, db = report["libvlc"], report["qt"], report["database"]
    if HAVE_VLC:
        assert vlc["version"].startswith("3."), vlc
        assert vlc.get("ok"), f"doctor reports a working libVLC as failing: {vlc}"
    assert qt["pyside6"]
    if qt["ok"]:
        assert qt["qt"].count(".") == 2 and qt["platform"] == os.environ.get(
            "QT_QPA_PLATFORM", qt["platform"])
    else:
        assert qt["error"]
    assert db["ok"] and db["path"] == str(app_paths().db_path)
    assert db["schema"] == db["known_schema"] == SCHEMA_VERSION
    assert db["roots"] == [{"id": 1, "path": str(lib), "kind": "mixed", "reachable": True,
                            "files": 0}]

    lib.rename(tmp_path / "away")
    rc, out, _ = run(capsys, "doctor")
    assert rc == (0 if report["ok"] else 1)
    if HAVE_VLC:
        assert f"libVLC {vlc['version']}" in out
    if qt["ok"]:
        assert f"Qt {qt['qt']}" in out and f"platform {qt['platform']}" in out
    assert f"Catalog {app_paths().db_path}: schema {SCHEMA_VERSION}" in out
    assert f"{lib} [mixed, 0 files] NOT REACHABLE" in out


# -- a damaged or newer catalog ----------------------------------------------------------------

DB_COMMANDS = [
    ("library", "list"),
    ("library", "list", "--json"),
    ("library", "add", "{lib}"),
    ("library", "remove", "1"),
    ("scan", "--no-probe"),
    ("scan", "--json"),
    ("search", "matrix"),
    ("titles",),
    ("titles", "--json"),
]


def _run_db_commands(capsys, lib: Path, db_path: Path, *needles: str) -> None:
    before = sha(db_path)
    for argv in DB_COMMANDS:
        argv = tuple(a.format(lib=lib) for a in argv)
        rc, out, err = run(capsys, *argv)
        assert_user_error(rc, err, *needles)
        assert str(db_path) in err, err
        assert out == "", (argv, out)
        assert sha(db_path) == before, f"{argv} changed the catalog file"


def test_corrupt_catalog_is_refused_and_left_alone(capsys, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    db_path = app_paths().db_path
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_bytes(os.urandom(3000) + b"not a database at all")
    _run_db_commands(capsys, lib, db_path, "damaged")
    assert not db_path.with_name(db_path.name + "-wal").exists()
    rc, out, _ = run(capsys, "doctor")
    assert rc == 1 and "damaged" in out
    # The same through a real process, with --home.
    proc = run_proc("--home", os.environ["MEDIACENTER_HOME"], "titles")
    assert proc.returncode == 2 and b"damaged" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_truncated_sqlite_catalog_is_refused(capsys, tmp_path):
    """A real catalog cut short keeps its header: the damage shows when it is read."""
    lib = tmp_path / "lib"
    lib.mkdir()
    db_path = app_paths().db_path
    db = open_db(db_path)
    add_root(db, lib)
    db.conn.close()  # the last connection: WAL checkpointed and its files removed
    assert not db_path.with_name(db_path.name + "-wal").exists()
    data = db_path.read_bytes()
    db_path.write_bytes(data[:100] + b"\x00" * 50 + data[150:1024])
    before = sha(db_path)
    for argv in (("titles",), ("library", "list"), ("scan", "--no-probe")):
        rc, _out, err = run(capsys, *argv)
        assert_user_error(rc, err)
        assert "could not be read" in err or "damaged" in err, err
        assert sha(db_path) == before


def test_newer_catalog_is_refused_and_left_alone(capsys, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    db_path = app_paths().db_path
    db = open_db(db_path)
    db.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.conn.close()
    _run_db_commands(capsys, lib, db_path, "newer mediacenter", "It was not changed")
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    assert conn.execute("SELECT count(*) FROM roots").fetchone()[0] == 0
    conn.close()
    rc, out, _ = run(capsys, "doctor", "--json")
    report = json.loads(out)
    assert rc == 1 and not report["database"]["ok"]
    assert "newer" in report["database"]["error"]


def test_scan_holds_back_a_mass_removal_until_confirmed(capsys, tmp_path):
    root = tmp_path / "lib"
    for i in range(25):
        write(root / "Share" / f"Film {i} ({1990 + i})" / f"Film {i} ({1990 + i}).mkv")
    write(root / "Local (2020).mkv")
    run(capsys, "library", "add", str(root))
    assert run(capsys, "scan", "--no-probe")[0] == 0
    for d in (root / "Share").iterdir():  # a share mounted at lib/Share, now unmounted
        for f in d.iterdir():
            f.unlink()
    rc, out, err = run(capsys, "scan", "--no-probe")
    assert rc == 0, err
    assert "25 of its 26 files disappeared at once" in out
    assert "To remove them: mediacenter scan --confirm-removal 1" in out
    rc, out, _ = run(capsys, "titles", "--json")
    assert len(json.loads(out)) == 26
    rc, out, err = run(capsys, "scan", "--no-probe", "--confirm-removal", str(root))
    assert rc == 0, err
    assert "25 removed" in out


# -- damage found at open, damage found in use, a newer catalog: nothing written --------------


def _scanned_catalog(capsys, root: Path, n: int = 40) -> Path:
    for i in range(n):
        write(root / f"Film {i} ({1950 + i})" / f"Film {i} ({1950 + i}).mkv", b"v%d" % i)
    assert run(capsys, "library", "add", str(root))[0] == 0
    assert run(capsys, "scan", "--no-probe")[0] == 0
    gc.collect()  # the commands' connections: closed, as at the end of their processes
    db_path = app_paths().db_path
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the file itself
    conn.close()
    return db_path


def _catalog_bytes(db_path: Path) -> str:
    """The catalog and its write-ahead log together: what a write would change."""
    wal = db_path.with_name(db_path.name + "-wal")
    return sha(db_path) + (sha(wal) if wal.exists() and wal.stat().st_size else "")


def _damage_pages(db_path: Path, pages: list[int]) -> None:
    with open(db_path, "r+b") as fh:
        for p in pages:
            fh.seek((p - 1) * 4096)
            fh.write(bytes(range(256)) * 16)


def test_damaged_pages_are_caught_at_open_and_nothing_is_written(capsys, tmp_path):
    lib = tmp_path / "lib"
    db_path = _scanned_catalog(capsys, lib)
    conn = sqlite3.connect(db_path)
    pages = [r[0] for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name IN ('files', 'titles') AND pagetype = 'leaf'")]
    conn.close()
    _damage_pages(db_path, pages[1:4])
    (lib / "New (2020).mkv").write_bytes(b"new")
    before = _catalog_bytes(db_path)
    for argv in (("scan", "--no-probe"), ("library", "add", str(tmp_path)), ("titles",),
                 ("demo", "--no-scan"), ("backup",)):
        rc, _out, err = run(capsys, *argv)
        assert_user_error(rc, err, "damaged", "mediacenter restore")
        assert err.count("\n") == 1, err  # one line
        assert _catalog_bytes(db_path) == before, f"{argv} wrote to the damaged catalog"
    # A real process: the same line, no traceback.
    proc = run_proc("scan", "--no-probe")
    assert proc.returncode == 2 and b"damaged" in proc.stderr and b"Traceback" not in proc.stderr
    assert _catalog_bytes(db_path) == before


def _add_file_rows(db_path: Path, n: int = 5) -> None:
    """Rows in ``files`` (under a folder '/lib') for an index to be out of step with."""
    db = open_db(db_path)
    with transaction(db):
        db.conn.execute("INSERT INTO roots (id, path, added_at) VALUES (1, '/lib', 0)")
        for i in range(n):
            db.conn.execute(
                "INSERT INTO files (root_id, path_key, path_display, dir_key, size, mtime_ns, "
                "added_at, updated_at) VALUES (1, ?, 'f', x'', ?, ?, 0, 0)", (b"f%d" % i, i, -i))
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()


def _break_an_index(db_path: Path) -> None:
    """Damage that SQLite's quick check cannot see: an index that no longer matches its table
    (it shows when a row is deleted)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX files_size ON files(mtime_ns)' "
                 "WHERE name = 'files_size'")
    conn.close()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()


def test_damage_found_in_use_stops_every_write(capsys, tmp_path):
    lib = tmp_path / "lib"
    db_path = _scanned_catalog(capsys, lib)
    _break_an_index(db_path)
    (lib / "Film 3 (1953)" / "Film 3 (1953).mkv").unlink()  # the scan deletes a row
    rc, out, err = run(capsys, "scan", "--no-probe", "--json")  # --json: no progress lines
    assert_user_error(rc, err, "damaged", "stopped writing", "mediacenter restore")
    assert err.count("\n") == 1 and out == ""
    after = _catalog_bytes(db_path)
    marker = db_path.with_name(db_path.name + ".damaged")
    assert marker.exists()
    # The scan's row was not even marked failed, and no later command writes.
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    assert conn.execute("SELECT status FROM scans ORDER BY id DESC LIMIT 1").fetchone() == (
        "running",)
    conn.close()
    for argv in (("scan", "--no-probe"), ("titles",), ("library", "add", str(tmp_path))):
        rc, _out, err = run(capsys, *argv)
        assert_user_error(rc, err, "damaged")
        assert _catalog_bytes(db_path) == after
    proc = run_proc("titles")
    assert proc.returncode == 2 and b"found damaged while in use" in proc.stderr


def test_a_newer_catalog_in_rollback_mode_is_not_switched_to_wal(capsys, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    db_path = app_paths().db_path
    db = open_db(db_path)
    db.conn.close()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = sha(db_path)
    for argv in (("titles",), ("scan", "--no-probe"), ("library", "add", str(lib))):
        rc, _out, err = run(capsys, *argv)
        assert_user_error(rc, err, "newer mediacenter", "It was not changed")
        assert sha(db_path) == before
    assert not db_path.with_name(db_path.name + "-wal").exists()
