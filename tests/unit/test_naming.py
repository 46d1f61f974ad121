"""The file name parser: the labelled set, plus the promises the scanner relies on (never
raises, never touches the disk, Windows paths, library root, speed)."""

from __future__ import annotations

import builtins
import dataclasses
import json
import os
import random
import re
import time
from pathlib import Path

import pytest

from mediacenter.library import naming
from mediacenter.library.naming import ParsedName, parse_path
from mediacenter.library.resolve import title_key

DATA = Path(__file__).resolve().parent.parent / "data" / "names.jsonl"
CASES = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


def _id(case: dict) -> str:
    path = case["path"]
    return path if len(path) <= 70 else path[:32] + "..." + path[-35:]


def test_labelled_set_is_large_and_varied() -> None:
    assert len(CASES) >= 250
    kinds = {c["expect"].get("kind") for c in CASES}
    assert {"movie", "episode", "other"} <= kinds
    assert sum("\\" in c["path"] for c in CASES) >= 5  # Windows paths
    assert sum(bool(c["expect"].get("extra")) for c in CASES) >= 20
    assert sum(not c["path"].isascii() for c in CASES) >= 10


def _wrong(case: dict, strict: bool = False) -> dict:
    """Labelled fields the parser gets wrong; titles by catalog key unless ``strict``."""
    got = parse_path(case["path"], case.get("root")).to_json_dict()
    return {
        k: (v, got[k]) for k, v in case["expect"].items()
        if got[k] != v and (
            strict or k not in ("title", "episode_title") or not isinstance(v, str)
            or not isinstance(got[k], str) or title_key(got[k]) != title_key(v)
        )
    }


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_labelled_name(case: dict) -> None:
    wrong = _wrong(case)
    assert not wrong, f"{case['path']}: (expected, got) {wrong}"


def test_titles_are_spelled_as_labelled() -> None:
    """Beyond the catalog key, the display spelling (capitals, "Mr.", accents) is right for
    nearly every labelled name."""
    misspelt = [c["path"] for c in CASES if _wrong(c, strict=True)]
    assert len(misspelt) <= len(CASES) // 100, misspelt


@pytest.mark.parametrize(
    "name", ["names_holdout.jsonl", "names_blind.jsonl", "names_blind2.jsonl", "names_blind3.jsonl"]
)
def test_sets_not_tuned_on_stay_above_target(name: str) -> None:
    """The sets labelled blind are never tuned on case by case (benchmarks/names_accuracy.py
    reports them); this only guards the 0.90 target against a regression."""
    cases = [json.loads(line) for line in (DATA.parent / name).read_text("utf-8").splitlines()
             if line]
    right = sum(not _wrong(c) for c in cases)
    assert right / len(cases) >= 0.90


def test_to_json_dict_has_every_field() -> None:
    p = parse_path("Show - S01E01-E03 - Title.mkv")
    d = p.to_json_dict()
    assert list(d) == [f.name for f in dataclasses.fields(ParsedName)]
    assert d["episodes"] == [1, 2, 3]
    json.dumps(d)  # JSON-ready


def test_parsed_name_is_frozen_and_hashable() -> None:
    p = parse_path("Movie (2010).mkv")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.title = "x"  # type: ignore[misc]
    assert p == parse_path("Movie (2010).mkv")
    assert hash(p) == hash(parse_path("Movie (2010).mkv"))


# ---- Windows separators and the library root


@pytest.mark.parametrize(
    "posix",
    [
        "Movies/Heat (1995)/movie.mkv",
        "TV/Show (2019)/Season 2/05.mkv",
        "Movies/Alien (1979)/Extras/Making of.mkv",
        "The.Matrix.1999.1080p.BluRay.x264-GRP/grp-thematrix1080p.mkv",
    ],
)
def test_windows_separators_parse_like_posix(posix: str) -> None:
    windows = posix.replace("/", "\\")
    assert parse_path(windows) == parse_path(posix)
    assert parse_path("D:\\Media\\" + windows) == parse_path("/srv/media/" + posix)
    assert parse_path("\\\\nas\\share\\" + windows) == parse_path(posix)


def test_root_folder_is_never_a_title() -> None:
    # Without a root the folder names the generic file; with it as root it must not.
    assert parse_path("/lib/Heat (1995)/movie.mkv").title == "Heat"
    rooted = parse_path("/lib/Heat (1995)/movie.mkv", root="/lib/Heat (1995)")
    assert rooted.title == "Movie" and rooted.year is None
    rooted = parse_path("/lib/Heat (1995)/movie.mkv", root="/lib/Heat (1995)/")
    assert rooted.title == "Movie"


def test_root_above_show_and_season() -> None:
    p = parse_path("/media/TV/Show (2019)/Season 2/05.mkv", root="/media/TV")
    assert (p.kind, p.title, p.year, p.season, p.episodes) == ("episode", "Show", 2019, 2, (5,))
    # A root spelled with other separators and case (Windows) still matches.
    p = parse_path("C:\\Media\\Movies\\Heat (1995)\\heat.mkv", root="c:/media/movies")
    assert (p.title, p.year) == ("Heat", 1995)


def test_root_not_above_path_is_ignored() -> None:
    p = parse_path("/elsewhere/Heat (1995)/movie.mkv", root="/media/Movies")
    assert (p.title, p.year) == ("Heat", 1995)


def test_relative_path_with_root() -> None:
    p = parse_path("Heat (1995)/movie.mkv", root="/media/Movies")
    assert (p.title, p.year) == ("Heat", 1995)


def test_user_home_folder_is_not_a_title() -> None:
    assert parse_path("/home/alice/movie.mkv").title == "Movie"
    assert parse_path("C:\\Users\\bob\\video.mp4").title == "Video"


# ---- Robustness


def test_surrogate_escaped_names() -> None:
    name = os.fsdecode(b"/media/Movies/Am\xe9lie (2001)/Am\xe9lie (2001).mkv")
    assert "\udce9" in name
    p = parse_path(name)
    assert (p.kind, p.title, p.year) == ("movie", "Amélie", 2001)
    # Whatever the bytes, the result has no surrogates left (a database can store it).
    for raw in (b"\xff\xfe\x80.mkv", b"Show/Season 1/\xc3\x28 - S01E02.mkv", b"\x80\x81\x8d"):
        p = parse_path(os.fsdecode(raw))
        json.dumps(p.to_json_dict(), ensure_ascii=False).encode("utf-8")
        assert p.title


def test_control_characters_and_lone_surrogates() -> None:
    p = parse_path("Bad\x00Name\ud800 (2010)\x7f.mkv")
    assert p.year == 2010
    p.title.encode("utf-8")


@pytest.mark.parametrize(
    "path",
    ["", "/", "\\", ".", "..", ".mkv", "....mkv", "[].mkv", "()", "-", "Movies/", "//x//",
     "S01E01.mkv", "[Group].mkv", "2019.mkv", "(2019).mkv", "sample.mkv", "-trailer.mkv",
     "a" * 500 + ".mkv", "S" * 300, "1" * 300 + ".mkv", "【】「」（）.mkv", "𝔐𝔬𝔳𝔦𝔢 (2010).mkv",
     "İstanbul (2010).mkv", "x" + "." * 200 + "y.mkv", "Show - S01E01-E999999.mkv"],
)
def test_never_raises_and_always_titles(path: str) -> None:
    p = parse_path(path)
    assert p.kind in ("movie", "episode", "other")
    assert isinstance(p.title, str) and p.title


def test_random_names_never_raise() -> None:
    rng = random.Random(20240501)
    alphabet = "aZ09 ._-[](){}【】xXsSeEpP'&,!é東\\/\udce9\x00" + "".join(
        chr(c) for c in (0x0130, 0x00DF, 0x2122, 0xFB01)
    )
    for _ in range(3000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        p = parse_path(name + rng.choice(["", ".mkv", ".mp4", ".part"]))
        assert p.title
    for _ in range(500):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
        assert parse_path(os.fsdecode(raw.replace(b"\0", b""))).title


def test_never_touches_the_file_system(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("parse_path touched the file system")

    for name in ("stat", "lstat", "listdir", "scandir", "open", "access"):
        monkeypatch.setattr(os, name, forbidden)
    for name in ("exists", "isdir", "isfile", "getsize", "realpath"):
        monkeypatch.setattr(os.path, name, forbidden)
    monkeypatch.setattr(builtins, "open", forbidden)
    naming._folder_context.cache_clear()
    for case in CASES[:60]:
        parse_path(case["path"])
    parse_path("/does/not/exist/Movie (2010).mkv", root="/does/not")


def test_no_regex_compiled_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pattern is compiled at import: the module-level re helpers (which compile, or
    look up their cache, on each call) are never used while parsing."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("regular expression compiled at parse time")

    for name in ("compile", "match", "search", "fullmatch", "sub", "subn", "split", "findall",
                 "finditer"):
        monkeypatch.setattr(re, name, forbidden)
    naming._folder_context.cache_clear()
    naming._compact.cache_clear()
    naming._classify_bracket.cache_clear()
    for case in CASES:
        parse_path(case["path"])


# ---- Specific behaviours the catalog relies on


def test_versions_share_title_and_year() -> None:
    folder = "Movies/Dune (2021)/"
    names = ["Dune (2021) - 1080p.mkv", "Dune (2021) - 4K.mkv", "Dune (2021) - Director's Cut.mkv",
             "Dune (2021) [720p].mkv", "Dune.2021.2160p.UHD.BluRay.x265-GRP.mkv", "dune.mkv"]
    parsed = [parse_path(folder + n) for n in names]
    assert {(p.kind, p.title, p.year) for p in parsed} == {("movie", "Dune", 2021)}
    versions = [p.version for p in parsed]
    assert versions[:5] == ["1080p", "4K", "Director's Cut", "720p", "2160p"]
    assert versions[5] is None


def test_parts_share_title_and_year() -> None:
    a = parse_path("Movies/Heat (1995)/Heat (1995)-cd1.avi")
    b = parse_path("Movies/Heat (1995)/Heat (1995)-cd2.avi")
    assert (a.title, a.year, a.part, a.version) == ("Heat", 1995, 1, None)
    assert (b.title, b.year, b.part, b.version) == ("Heat", 1995, 2, None)


def test_extras_belong_to_their_title() -> None:
    for path in ("Movies/Heat (1995)/Trailers/Teaser.mkv", "Movies/Heat (1995)/heat-trailer.mkv",
                 "Movies/Heat (1995)/trailer.mkv"):
        p = parse_path(path)
        assert (p.title, p.year, p.extra, p.version) == ("Heat", 1995, "trailer", None)


def test_season_folder_overrides_nothing_the_name_says() -> None:
    p = parse_path("TV/Show/Season 1/Show - S02E03.mkv")
    assert (p.season, p.episodes) == (2, (3,))


def test_date_show_has_no_season() -> None:
    p = parse_path("The.Daily.Show.2019.03.04.Guest.720p.WEB.mkv")
    assert (p.kind, p.season, p.episodes, p.air_date) == ("episode", None, (), "2019-03-04")


def test_home_video_label_keeps_the_date() -> None:
    p = parse_path("DCIM/Camera/VID_20191220_170832.mp4")
    assert p.kind == "other" and p.year == 2019 and "2019-12-20" in p.title


def test_speed_sanity() -> None:
    """The scanner needs far more than this; the bound is loose so that a loaded two-core
    machine does not make it flaky (benchmarks/names_accuracy.py gives the real figure)."""
    paths = [c["path"] for c in CASES]
    best = float("inf")
    for _ in range(5):
        naming._folder_context.cache_clear()
        naming._classify_bracket.cache_clear()
        start = time.perf_counter()
        for path in paths:
            parse_path(path)
        best = min(best, time.perf_counter() - start)
    rate = len(paths) / best
    assert rate >= 5000, f"only {rate:.0f} names/s"
