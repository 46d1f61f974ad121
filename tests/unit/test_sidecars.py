"""Tests for sidecar discovery: which .nfo and artwork names belong to a video, show or season."""

from __future__ import annotations

import pytest

from mediacenter.library.sidecars import (
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    NameIndex,
    Sidecars,
    find_season_sidecars,
    find_show_sidecars,
    find_sidecars,
)


def test_extension_sets() -> None:
    for ext in (".mkv", ".mp4", ".avi", ".m2ts", ".iso", ".strm", ".m3u8", ".mpd", ".dv", ".ogm"):
        assert ext in VIDEO_EXTENSIONS
    assert all(e.startswith(".") and e == e.lower() for e in VIDEO_EXTENSIONS | IMAGE_EXTENSIONS)
    assert {".jpg", ".jpeg", ".png", ".webp", ".tbn", ".gif"} == IMAGE_EXTENSIONS
    assert not VIDEO_EXTENSIONS & IMAGE_EXTENSIONS
    assert ".nfo" not in VIDEO_EXTENSIONS


class TestStemFiles:
    NAMES = (
        "Alien (1979).mkv",
        "Alien (1979).nfo",
        "Alien (1979)-poster.jpg",
        "Alien (1979)-fanart.jpg",
        "Alien (1979)-banner.png",
        "Alien (1979)-clearlogo.png",
        "Alien (1979)-landscape.jpg",
        "Alien (1979)-disc.png",
        "Alien (1979)-clearart.png",
        "Alien (1979).tbn",
        "Blade Runner (1982).mkv",
        "Blade Runner (1982).nfo",
        "movie.nfo",
        "poster.jpg",
        "fanart.jpg",
        "folder.jpg",
    )

    def test_stem_files_always_belong(self) -> None:
        got = find_sidecars("Alien (1979).mkv", self.NAMES, single_title_folder=False)
        assert got.nfo == ["Alien (1979).nfo"]
        assert got.artwork == {
            "poster": "Alien (1979)-poster.jpg",
            "fanart": "Alien (1979)-fanart.jpg",
            "banner": "Alien (1979)-banner.png",
            "clearlogo": "Alien (1979)-clearlogo.png",
            "landscape": "Alien (1979)-landscape.jpg",
            "disc": "Alien (1979)-disc.png",
            "clearart": "Alien (1979)-clearart.png",
            "thumb": "Alien (1979).tbn",
        }

    def test_folder_files_ignored_in_shared_folder(self) -> None:
        got = find_sidecars("Blade Runner (1982).mkv", self.NAMES, single_title_folder=False)
        assert got == Sidecars(nfo=["Blade Runner (1982).nfo"], artwork={})

    def test_nothing_found(self) -> None:
        assert find_sidecars("x.mkv", [], single_title_folder=True) == Sidecars()
        assert find_sidecars("x.mkv", ["x.mkv", "y.nfo"], single_title_folder=False) == Sidecars()

    def test_plain_stem_image_is_thumb_and_jpg_preferred(self) -> None:
        names = ["Ep.mkv", "Ep.png", "Ep.jpg", "Ep.tbn"]
        assert find_sidecars("Ep.mkv", names, single_title_folder=False).artwork == {
            "thumb": "Ep.jpg"
        }

    def test_kodi_episode_thumb_suffix_preferred_over_plain(self) -> None:
        names = ["Show S01E01.mkv", "Show S01E01-thumb.jpg", "Show S01E01.tbn"]
        got = find_sidecars("Show S01E01.mkv", names, single_title_folder=False)
        assert got.artwork == {"thumb": "Show S01E01-thumb.jpg"}

    def test_suffix_synonyms(self) -> None:
        names = ["M.avi", "M-cover.webp", "M-backdrop.jpeg", "M-logo.png", "M-discart.png"]
        got = find_sidecars("M.avi", names, single_title_folder=False)
        assert got.artwork == {
            "poster": "M-cover.webp",
            "fanart": "M-backdrop.jpeg",
            "clearlogo": "M-logo.png",
            "disc": "M-discart.png",
        }

    def test_non_image_extensions_ignored(self) -> None:
        names = ["M.avi", "M-poster.txt", "M-poster.jpg.part", "M.srt", "M.mkv"]
        assert find_sidecars("M.avi", names, single_title_folder=False).artwork == {}

    def test_other_videos_with_longer_stem_not_claimed(self) -> None:
        names = ["Heat.mkv", "Heat 2.nfo", "Heat 2-poster.jpg", "Heatwave.nfo"]
        assert find_sidecars("Heat.mkv", names, single_title_folder=False) == Sidecars()

    def test_dotted_stem(self) -> None:
        names = ["Mr.Robot.S01E01.720p.mkv", "Mr.Robot.S01E01.720p.nfo"]
        got = find_sidecars("Mr.Robot.S01E01.720p.mkv", names, single_title_folder=False)
        assert got.nfo == ["Mr.Robot.S01E01.720p.nfo"]

    def test_strm_and_iso(self) -> None:
        names = ["Live.strm", "Live.nfo", "Disc.iso", "Disc-poster.png"]
        assert find_sidecars("Live.strm", names, single_title_folder=False).nfo == ["Live.nfo"]
        got = find_sidecars("Disc.iso", names, single_title_folder=False)
        assert got.artwork == {"poster": "Disc-poster.png"}


class TestSingleTitleFolder:
    NAMES = (
        "Heat (1995).mkv",
        "movie.nfo",
        "poster.jpg",
        "fanart.jpg",
        "folder.jpg",
        "banner.jpg",
        "logo.png",
        "landscape.jpg",
        "disc.png",
        "clearart.png",
        "characterart.png",
        "keyart.jpg",
    )

    def test_folder_wide_files_belong(self) -> None:
        got = find_sidecars("Heat (1995).mkv", self.NAMES, single_title_folder=True)
        assert got.nfo == ["movie.nfo"]
        assert got.artwork == {
            "poster": "poster.jpg",
            "fanart": "fanart.jpg",
            "folder": "folder.jpg",
            "banner": "banner.jpg",
            "clearlogo": "logo.png",
            "landscape": "landscape.jpg",
            "disc": "disc.png",
            "clearart": "clearart.png",
            "characterart": "characterart.png",
            "keyart": "keyart.jpg",
        }

    def test_stem_nfo_before_movie_nfo_and_stem_art_wins(self) -> None:
        names = [*self.NAMES, "Heat (1995).nfo", "Heat (1995)-poster.jpg"]
        got = find_sidecars("Heat (1995).mkv", names, single_title_folder=True)
        assert got.nfo == ["Heat (1995).nfo", "movie.nfo"]
        assert got.artwork["poster"] == "Heat (1995)-poster.jpg"
        assert got.artwork["fanart"] == "fanart.jpg"

    @pytest.mark.parametrize(
        ("names", "kind", "expected"),
        [
            (["cover.jpg"], "poster", "cover.jpg"),
            (["backdrop.jpg"], "fanart", "backdrop.jpg"),
            (["background.png"], "fanart", "background.png"),
            (["clearlogo.png", "logo.png"], "clearlogo", "clearlogo.png"),
            (["thumb.jpg"], "landscape", "thumb.jpg"),
            (["discart.png"], "disc", "discart.png"),
            (["poster.png", "poster.jpg"], "poster", "poster.jpg"),
            (["poster.webp", "cover.jpg"], "poster", "poster.webp"),
        ],
    )
    def test_folder_art_names(self, names: list[str], kind: str, expected: str) -> None:
        got = find_sidecars("Film.mkv", ["Film.mkv", *names], single_title_folder=True)
        assert got.artwork[kind] == expected

    def test_video_named_movie(self) -> None:
        got = find_sidecars("movie.mkv", ["movie.mkv", "movie.nfo"], single_title_folder=True)
        assert got.nfo == ["movie.nfo"]


class TestCaseAndNames:
    def test_case_insensitive_returns_real_name(self) -> None:
        names = ["ALIEN.MKV", "alien.NFO", "Alien-Poster.JPG", "FANART.Jpg", "Movie.Nfo"]
        got = find_sidecars("ALIEN.MKV", names, single_title_folder=True)
        assert got.nfo == ["alien.NFO", "Movie.Nfo"]
        assert got.artwork == {"poster": "Alien-Poster.JPG", "fanart": "FANART.Jpg"}

    def test_exact_case_preferred_then_stable_choice(self) -> None:
        names = ["A.mkv", "a.nfo", "A.nfo", "Poster.jpg", "poster.jpg"]
        got = find_sidecars("A.mkv", names, single_title_folder=True)
        assert got.nfo == ["A.nfo"]
        assert got.artwork["poster"] == "poster.jpg"
        # Order of the listing must not change the answer.
        again = find_sidecars("A.mkv", list(reversed(names)), single_title_folder=True)
        assert again == got

    def test_surrogate_escaped_names_never_crash(self) -> None:
        stem = "Caf\udce9 (2001)"
        names = [
            f"{stem}.mkv",
            f"{stem}.nfo",
            f"{stem}-poster.jpg",
            "\udcff\udcfe.jpg",
            "fanart.jpg",
        ]
        got = find_sidecars(f"{stem}.mkv", names, single_title_folder=True)
        assert got.nfo == [f"{stem}.nfo"]
        assert got.artwork == {"poster": f"{stem}-poster.jpg", "fanart": "fanart.jpg"}
        assert find_show_sidecars(names).artwork == {"fanart": "fanart.jpg"}
        assert find_season_sidecars(1, names, names).artwork == {"fanart": "fanart.jpg"}

    def test_accepts_any_collection(self) -> None:
        names = {"A.mkv", "A.nfo"}
        assert find_sidecars("A.mkv", names, single_title_folder=False).nfo == ["A.nfo"]
        assert find_sidecars("A.mkv", frozenset(names), single_title_folder=False).nfo == ["A.nfo"]
        assert find_sidecars("A.mkv", tuple(names), single_title_folder=False).nfo == ["A.nfo"]


class TestPartsAndVersions:
    def test_cd_parts_take_base_stem_files(self) -> None:
        names = ["Movie-cd1.avi", "Movie-cd2.avi", "Movie.nfo", "Movie-poster.jpg", "Movie-cd2.tbn"]
        got = find_sidecars("Movie-cd1.avi", names, single_title_folder=False)
        assert got.nfo == ["Movie.nfo"]
        assert got.artwork == {"poster": "Movie-poster.jpg"}
        got2 = find_sidecars("Movie-cd2.avi", names, single_title_folder=False)
        assert got2.artwork == {"poster": "Movie-poster.jpg", "thumb": "Movie-cd2.tbn"}

    @pytest.mark.parametrize(
        "video",
        [
            "Movie cd1.avi",
            "Movie.CD1.avi",
            "Movie_part2.mkv",
            "Movie - Part 2.mkv",
            "Movie.pt3.mkv",
            "Movie-disc1.mkv",
            "Movie disk 2.mkv",
            "Movie-dvd1.vob",
            "Movie-cda.avi",
        ],
    )
    def test_part_markers(self, video: str) -> None:
        got = find_sidecars(video, [video, "Movie.nfo"], single_title_folder=False)
        assert got.nfo == ["Movie.nfo"]

    def test_part_specific_nfo_comes_first(self) -> None:
        names = ["Movie-cd1.avi", "Movie-cd1.nfo", "Movie.nfo", "movie.nfo"]
        got = find_sidecars("Movie-cd1.avi", names, single_title_folder=True)
        # A case-sensitive file system may hold both "Movie.nfo" and "movie.nfo": both count.
        assert got.nfo == ["Movie-cd1.nfo", "Movie.nfo", "movie.nfo"]

    def test_versions_with_year_take_base_files_even_in_shared_folder(self) -> None:
        names = [
            "Movie (2010) - 1080p.mkv",
            "Movie (2010) - 720p.mkv",
            "Movie (2010).nfo",
            "Movie (2010)-fanart.jpg",
            "Movie (2010) - 1080p-poster.jpg",
        ]
        got = find_sidecars("Movie (2010) - 1080p.mkv", names, single_title_folder=False)
        assert got.nfo == ["Movie (2010).nfo"]
        assert got.artwork == {
            "poster": "Movie (2010) - 1080p-poster.jpg",
            "fanart": "Movie (2010)-fanart.jpg",
        }
        other = find_sidecars("Movie (2010) - 720p.mkv", names, single_title_folder=False)
        assert other.artwork == {"fanart": "Movie (2010)-fanart.jpg"}

    @pytest.mark.parametrize(
        "video",
        ["Movie (2010) [1080p].mkv", "Movie (2010).Extended.mkv", "Movie (2010)-4K.mkv"],
    )
    def test_year_anchored_versions(self, video: str) -> None:
        got = find_sidecars(video, [video, "Movie (2010).nfo"], single_title_folder=False)
        assert got.nfo == ["Movie (2010).nfo"]

    def test_version_part_combination_orders_most_specific_first(self) -> None:
        video = "Movie (2010) - Director's Cut-cd1.mkv"
        names = [video, "Movie (2010).nfo", "Movie (2010) - Director's Cut.nfo"]
        got = find_sidecars(video, names, single_title_folder=False)
        assert got.nfo == ["Movie (2010) - Director's Cut.nfo", "Movie (2010).nfo"]

    def test_dash_title_without_year_only_in_single_title_folder(self) -> None:
        names = ["Star Wars - A New Hope.mkv", "Star Wars.nfo", "Star Wars-poster.jpg"]
        shared = find_sidecars("Star Wars - A New Hope.mkv", names, single_title_folder=False)
        assert shared == Sidecars()
        single = find_sidecars("Star Wars - A New Hope.mkv", names, single_title_folder=True)
        assert single.nfo == ["Star Wars.nfo"]
        assert single.artwork == {"poster": "Star Wars-poster.jpg"}

    def test_words_ending_like_markers_are_not_parts(self) -> None:
        names = ["Discord.mkv", "Dis.nfo", "Apart.mkv", "A.nfo"]
        assert find_sidecars("Discord.mkv", names, single_title_folder=False).nfo == []
        assert find_sidecars("Apart.mkv", names, single_title_folder=False).nfo == []


class TestShow:
    def test_show_files(self) -> None:
        names = [
            "tvshow.nfo",
            "poster.jpg",
            "fanart.jpg",
            "banner.jpg",
            "folder.jpg",
            "clearlogo.png",
            "landscape.jpg",
            "characterart.png",
            "Season 1",
            "season01-poster.jpg",
        ]
        got = find_show_sidecars(names)
        assert got.nfo == ["tvshow.nfo"]
        assert got.artwork == {
            "poster": "poster.jpg",
            "fanart": "fanart.jpg",
            "banner": "banner.jpg",
            "clearlogo": "clearlogo.png",
            "landscape": "landscape.jpg",
            "characterart": "characterart.png",
            "folder": "folder.jpg",
        }

    def test_show_case_insensitive_and_empty(self) -> None:
        assert find_show_sidecars(["TVShow.NFO", "Folder.JPG"]) == Sidecars(
            nfo=["TVShow.NFO"], artwork={"folder": "Folder.JPG"}
        )
        assert find_show_sidecars([]) == Sidecars()
        assert find_show_sidecars(["movie.nfo"]).nfo == []


class TestSeason:
    SHOW = (
        "tvshow.nfo",
        "poster.jpg",
        "season01-poster.jpg",
        "season01-fanart.jpg",
        "season01-banner.jpg",
        "season2-poster.png",
        "season10-landscape.jpg",
        "season-specials-poster.jpg",
        "season00-banner.jpg",
        "season-all-poster.jpg",
        "season-all-fanart.jpg",
        "season03.tbn",
    )

    def test_numbered_season_from_show_dir(self) -> None:
        got = find_season_sidecars(1, None, self.SHOW)
        assert got.nfo == []
        assert got.artwork == {
            "poster": "season01-poster.jpg",
            "fanart": "season01-fanart.jpg",
            "banner": "season01-banner.jpg",
        }

    def test_unpadded_name_and_two_digit_season(self) -> None:
        assert find_season_sidecars(2, None, self.SHOW).artwork["poster"] == "season2-poster.png"
        assert find_season_sidecars(10, None, self.SHOW).artwork["landscape"] == (
            "season10-landscape.jpg"
        )

    def test_specials(self) -> None:
        got = find_season_sidecars(0, None, self.SHOW)
        assert got.artwork["poster"] == "season-specials-poster.jpg"
        assert got.artwork["banner"] == "season00-banner.jpg"

    def test_all_seasons_entry_and_fallback(self) -> None:
        assert find_season_sidecars(None, None, self.SHOW).artwork == {
            "poster": "season-all-poster.jpg",
            "fanart": "season-all-fanart.jpg",
        }
        # A numbered season without its own art falls back to season-all.
        assert find_season_sidecars(7, None, self.SHOW).artwork == {
            "poster": "season-all-poster.jpg",
            "fanart": "season-all-fanart.jpg",
        }

    def test_legacy_tbn_poster(self) -> None:
        assert find_season_sidecars(3, None, self.SHOW).artwork["poster"] == "season03.tbn"

    def test_season_folder_files_win(self) -> None:
        season_dir = [
            "Show S01E01.mkv",
            "season.nfo",
            "poster.jpg",
            "folder.jpg",
            "Show S01E01.nfo",
        ]
        got = find_season_sidecars(1, season_dir, self.SHOW)
        assert got.nfo == ["season.nfo"]
        assert got.artwork["poster"] == "poster.jpg"
        assert got.artwork["folder"] == "folder.jpg"
        assert got.artwork["fanart"] == "season01-fanart.jpg"

    def test_season_nfo_case_and_show_dir_not_searched_for_it(self) -> None:
        assert find_season_sidecars(1, ["Season.NFO"], []).nfo == ["Season.NFO"]
        assert find_season_sidecars(1, None, ["season.nfo"]).nfo == []


def test_name_index_reused_across_videos(monkeypatch: pytest.MonkeyPatch) -> None:
    """One index serves every video of a folder: a lookup goes straight to the names it
    needs, never through the whole listing and never into a new index, so a folder of n
    videos costs O(n), not O(n^2) (benchmarks/scan.py times whole scans)."""
    names = [f"Film {i} (2000).mkv" for i in range(3000)]
    names += [f"Film {i} (2000).nfo" for i in range(3000)]
    names += [f"Film {i} (2000)-poster.jpg" for i in range(3000)]
    index = NameIndex(names)
    assert len(index) == len(names) and "Film 1 (2000).nfo" in index
    assert index.get("film 1 (2000).NFO") == "Film 1 (2000).nfo"

    def walked(*_args, **_kwargs):
        raise AssertionError("a lookup walked the whole listing or built another index")

    monkeypatch.setattr(NameIndex, "__iter__", walked)
    monkeypatch.setattr(NameIndex, "__init__", walked)
    for i in range(3000):
        got = find_sidecars(f"Film {i} (2000).mkv", index, single_title_folder=False)
        assert got.nfo == [f"Film {i} (2000).nfo"]
        assert got.artwork == {"poster": f"Film {i} (2000)-poster.jpg"}
