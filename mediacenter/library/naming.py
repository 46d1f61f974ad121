"""Guess what a video file is from its path: movie, episode or home video, and its title.

This runs for every file of every scan, so it is built for speed rather than generality:
every regular expression is compiled once at import, the per-folder part of the work is
cached (most files share their folder with many others), and nothing here ever touches the
file system. ``guessit`` gives similar answers but is a few hundred times slower, far too
slow for a scanner that must keep up with thousands of files a second
(``benchmarks/names_accuracy.py`` compares the two on ``tests/data/names.jsonl``).

The conventions followed are the ones users of Kodi, Jellyfin and Plex already use
(``Movie (2010)/Movie (2010) - 1080p.mkv``, ``Show/Season 01/Show - S01E02 - Title.mkv``,
``extras``/``trailers`` folders, ``-cd1`` parts), plus the scene release style
(``The.Matrix.1999.1080p.BluRay.x264-GRP.mkv``) and the names cameras and phones give.

The parser never raises: whatever it cannot make sense of becomes a ``movie`` (or, for
camera-like names, ``other``) titled with the cleaned file name.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["NAMING_VERSION", "ParsedName", "clear_caches", "parse_path"]

# Bumped whenever names are read differently: a scan of a library folder last read with
# another version reads every name again, and titles that now read differently are
# re-keyed, not replaced (library/writer.py rekey_titles). 1: before the version existed.
NAMING_VERSION = 2


@dataclass(frozen=True, slots=True)
class ParsedName:
    """What a file name says about the video, in the catalog's terms.

    ``title`` is the movie title, or the show title for episodes. ``version`` tells apart
    several files of one title (``"1080p"``, ``"4K"``, ``"Director's Cut"``); ``extra`` is
    None for main content, else the kind of extra (``"trailer"``, ``"sample"``...).
    """

    kind: str
    title: str
    year: int | None = None
    season: int | None = None
    episodes: tuple[int, ...] = ()
    part: int | None = None
    version: str | None = None
    extra: str | None = None
    episode_title: str | None = None
    air_date: str | None = None
    resolution: str | None = None
    edition: str | None = None

    def to_json_dict(self) -> dict:
        """All fields as JSON-ready values (episodes as a list), for the CLI and tests."""
        return {
            "kind": self.kind,
            "title": self.title,
            "year": self.year,
            "season": self.season,
            "episodes": list(self.episodes),
            "part": self.part,
            "version": self.version,
            "extra": self.extra,
            "episode_title": self.episode_title,
            "air_date": self.air_date,
            "resolution": self.resolution,
            "edition": self.edition,
        }


# --------------------------------------------------------------------------------------
# Vocabulary. Everything is compiled once; parse_path runs tens of thousands of times a second.

_MIN_YEAR = 1888
_MAX_YEAR = datetime.date.today().year + 2

_VIDEO_EXTS = frozenset(
    {"mkv", "mp4", "m4v", "avi", "mov", "wmv", "mpg", "mpeg", "ts", "m2ts", "mts", "vob", "webm",
     "flv", "ogv", "ogm", "divx", "iso", "rmvb", "3gp"}
)

# Token boundaries inside a normalised name: separators are spaces, '-', brackets.
_B = r"(?<![^\s\-\[(])"
_E = r"(?![^\s\-\])])"

# Release junk that never belongs in a title, whatever its case. Kept as token sets:
# scanning a name token by token with set lookups is several times faster than a regex
# alternation tried at every character.
_STRONG_TOKENS = frozenset(
    """4k 8k uhd fhd bluray bdrip brrip bdremux bd25 bd50 remux webdl webrip webhd hdtv hdtvrip
    pdtv sdtv dsr dsrip dvdrip dvdscr dvdr dvd5 dvd9 hdrip hddvd hdcam hdts hdtc telesync
    telecine camrip vhsrip tvrip satrip ppv ppvrip screener ntsc pal x264 x265 h264 h265 hevc
    avc xvid divx av1 vp9 mpeg2 mpeg4 vc1 aac aaclc heaac ac3 eac3 dts dtshd dtsx dtses truehd
    atmos ddp dd+ flac mp3 lpcm hdr hdr10 hdr10+ hdr10plus dovi 10bit 10bits 8bit 8bits hi10p
    hi10 amzn dsnp hmax atvp pcok pmtp repack rerip readnfo nfofix dirfix syncfix vostfr
    truefrench subfrench multisub multisubs dualaudio hardsub hardsubs hsbs hou ac3d ac3ld
    ac3md dtsd dtshdd dd51 dl51""".split()
) | frozenset(
    f"{codec}{ch}"
    for codec in ("", "dd", "ddp", "dd+", "aac", "ac3", "eac3", "dts", "truehd", "flac", "opus")
    for ch in ("2.0", "5.1", "7.1", "1.0", "6.1", "2.1")
)
# Junk spelled over two tokens once dots and dashes are gone: "WEB-DL", "H.264", "Blu-ray".
_STRONG_PAIRS = {
    "web": frozenset({"dl", "rip", "hd"}),
    "blu": frozenset({"ray"}),
    "h": frozenset({"264", "265"}),
    "x": frozenset({"264", "265"}),
    "dolby": frozenset({"vision"}),
    "dvd": frozenset({"rip", "scr"}),
    "hd": frozenset({"rip", "tv", "dvd", "ts", "tc"}),
    "bd": frozenset({"rip", "remux"}),
    "br": frozenset({"rip"}),
    "cam": frozenset({"rip"}),
    "tv": frozenset({"rip"}),
    "dual": frozenset({"audio"}),
    "10": frozenset({"bit"}),
    "e": frozenset({"ac3"}),
    "dd": frozenset({"5.1", "2.0", "7.1"}),
    "dts": frozenset({"hd"}),
}
# Junk words that can also be ordinary title words ("Charlotte's Web", "The French
# Connection"): they only count when written the scene way, in capitals.
_WEAK_TOKENS = frozenset(
    """french german italian spanish english eng ita fre ger spa esp jap jpn kor rus hindi
    tamil telugu russian nordic dutch swedish danish norwegian finnish polish latino
    castellano chinese chs cht vf vff vfq vost vo multi dual web cam ts tc scr r5 dv proper
    internal limited complete dubbed subbed subs nf hulu docu stv ws fs hc retail uncensored
    opus dl""".split()
)
_SEP_TABLE = str.maketrans("-[]()", "     ")
_RES_TOKENS = {f"{h}{x}": f"{h}{x}" for h in (240, 288, 360, 480, 540, 576, 720, 900, 1080, 1440,
                                                 2160, 4320) for x in "pi"}
_RES_TOKENS.update({"4k": "2160p", "uhd": "2160p", "8k": "4320p", "1920x1080": "1080p",
                    "1280x720": "720p", "3840x2160": "2160p", "720x480": "480p",
                    "720x576": "576p", "1920x800": "1080p", "1920x816": "1080p"})
# How a bracketed resolution reads as a version label: "[1080P]" -> "1080p", "[4k]" -> "4K".
_RES_LABELS = {k: k for k in _RES_TOKENS if k[0].isdigit() and "x" not in k}
_RES_LABELS.update({"4k": "4K", "8k": "8K"})
# token -> 1: junk, 2: first half of a two-token junk word, 3: junk only in capitals.
_JUNK_KIND: dict[str, int] = {}
_JUNK_KIND.update(dict.fromkeys(_WEAK_TOKENS, 3))
_JUNK_KIND.update(dict.fromkeys(_STRONG_PAIRS, 2))
_JUNK_KIND.update(dict.fromkeys(_STRONG_TOKENS, 1))
_JUNK_KIND.update(dict.fromkeys(_RES_TOKENS, 1))

# "Edition Collector", "Version Longue": French and other editions, always after the title.
_FOREIGN_EDITIONS = (
    r"[ée]dition[ .](?:collector|sp[ée]ciale|limit[ée]e|ultime|d[ée]finitive|longue)|"
    r"version[ .](?:longue|int[ée]grale|director)|director'?s[ .]?version|langfassung"
)
_EDITION_PATTERN = (
    r"director'?s[ .]?cut|extended(?:[ .](?:cut|edition|version))?|uncut|unrated|"
    r"theatrical(?:[ .](?:cut|edition|version))?|remastered|imax(?:[ .]edition)?|"
    r"special[ .]edition|ultimate[ .](?:cut|edition)|final[ .]cut|"
    r"collector'?s[ .]edition|criterion(?:[ .]collection)?|"
    r"(?:\d+(?:st|nd|rd|th)?[ .])?anniversary[ .]edition|open[ .]matte|redux|rogue[ .]cut|"
    + _FOREIGN_EDITIONS
)
_EDITION_RE = re.compile(_B + r"(?:" + _EDITION_PATTERN + r")" + _E, re.IGNORECASE)
_EDITION_FULL_RE = re.compile(r"(?:" + _EDITION_PATTERN + r")", re.IGNORECASE)
# Editions that are unambiguous even before a year ("The Final Cut" is a film).
_EDITION_SAFE_RE = re.compile(
    _B
    + r"(?:director'?s[ .]?cut|extended[ .](?:cut|edition|version)|unrated|remastered|"
    r"special[ .]edition|collector'?s[ .]edition|(?:\d+(?:st|nd|rd|th)?[ .])?anniversary"
    r"[ .]edition|theatrical[ .]cut|" + _FOREIGN_EDITIONS + r")"
    + _E,
    re.IGNORECASE,
)

_RES_RE = re.compile(
    r"(?<![0-9a-z])(?:(\d{3,4})([pi])|([48])k|(uhd)|\d{3,4}x(\d{3,4}))(?![0-9a-z])",
    re.IGNORECASE,
)
_VALID_HEIGHTS = frozenset({240, 288, 360, 480, 540, 576, 720, 900, 1080, 1440, 2160, 4320})

_YEAR_RE = re.compile(r"(?<![0-9A-Za-z])(1[89]\d\d|20\d\d)(?![0-9A-Za-z])")

# Episode markers. A chain of episode numbers after the first ("S01E01E02", "1x01-x02",
# "02x03 - 02x04 - 02x15") is read by _expand.
_SE_RE = re.compile(
    r"(?<![a-z0-9])s(\d{1,4})[ ._-]?(?:e|ep|episode)[ ._]?(\d{1,4})"
    r"((?:(?:[ ._]?[-+&][ ._]?|[ ._]?)(?:s\d{1,4})?(?:e|ep)[ ._]?\d{1,4}"
    r"|[-+]\d{1,4}(?![\dpi]))*)"
    r"(?:v\d)?(?![a-z0-9])",
    re.IGNORECASE,
)
_SE_MORE_RE = re.compile(r"([-+&])?[ ._]*(?:s\d+)?(?:ep|e)?[ ._]?(\d+)", re.IGNORECASE)
# "1x02", "S01x02", "2009x02", "S2009xE02"; a season of three digits (or four that are not a
# year) is a resolution ("1280x720").
_X_SEASON = r"(?:\d{1,2}|(?:19|20)\d\d)"
_X_RE = re.compile(
    r"(?<![a-z0-9])s?(" + _X_SEASON + r")x[ ._]?e?(\d{1,3})"
    r"((?:(?:-|\+|&|[ ._]+[-+&][ ._]+(?=\d{1,4}x))(?:\d{1,4}x|x|e)?\d{1,3}|[xe]\d{1,3})*)"
    r"(?:v\d)?(?![a-z0-9])",
    re.IGNORECASE,
)
_X_MORE_RE = re.compile(r"([-+&])?[ ._]*(?:\d{1,4}x|x|e)?(\d{1,3})", re.IGNORECASE)
# Words for "season" and "episode" in the languages libraries are commonly named in.
_SEASON_WORD = (
    r"season|series|saison|staffel|temporada|temp|tem|stagione|s[äa]song|s[æa]son|sesong|"
    r"seizoen|sezon|sezona|sezóna|kausi|évad|сезон"
)
_EPISODE_WORD = (
    r"episode|episodio|episódio|épisode|episod|epizoda|folge|ep|e|cap[ií]tulo|cap|avsnitt|"
    r"afsnit|afl|aflevering|odcinek|jakso|díl|rész|bölüm|серия|эпизод"
)
_WORDS_RE = re.compile(
    r"(?<![^\W_])(?:(?:" + _SEASON_WORD + r")[ ._-]*(\d{1,4})|(\d{1,2})[ ._-]*сезон)"
    r"[ ._,-]*(?:(?:" + _EPISODE_WORD + r")[ ._-]*(\d{1,4})|(\d{1,4})[ ._-]*серия)"
    r"(?![^\W_])",
    re.IGNORECASE,
)
# Spanish release tags: "Cap.408" is season 4 episode 8, "Cap.12" episode 12.
_CAP_RE = re.compile(r"(?<![^\W_])cap(?:[ií]tulo)?[ ._-]*(\d{1,4})(?!\d)", re.IGNORECASE)
_EP_ONLY_RE = re.compile(
    r"(?<![a-z0-9])(?:(?:episode|episodio|episódio|épisode|folge|ep)[ ._-]?(\d{1,4})"
    r"|e(\d{2,4})((?:-e?\d{2,4}|e\d{2,4})*))"
    r"(?:v\d)?(?![a-z0-9])",
    re.IGNORECASE,
)
_SEASON_ONLY_RE = re.compile(
    r"(?<![^\W_])(?:(?:" + _SEASON_WORD + r")[ ._-]?(\d{1,3})|s(\d{1,3})|(\d{1,2})[ ._-]*сезон)"
    r"(?![^\W_])",
    re.IGNORECASE,
)
# What may sit between a season-only marker and the release junk of a season pack.
_PACK_WORDS = frozenset(
    {"complete", "completa", "completo", "complète", "integrale", "intégrale", "komplett",
     "pack", "full", "all", "episodes"}
)
# Languages named in release names; right before the release junk they are no part of a title.
_LANG_WORDS = frozenset(
    """french german italian spanish english russian japanese korean chinese hindi tamil
    telugu portuguese polish dutch swedish danish norwegian finnish nordic latino castellano
    castilian truefrench vf vff vfq vostfr vo multi dual ita eng ger fre spa esp jap kor rus
    deutsch français francais español espanol italiano dubbed subbed""".split()
)
# A lower-case release group glued before a scene name: "ulshd-the.right.stuff.1983",
# "hd1080-wall-e.2008". Only when it cannot be half of a hyphenated title ("spider-man"):
# it mixes letters and digits, or an article follows it.
_GROUP_PREFIX_RE = re.compile(
    r"^(?:(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{3,10}|[a-z0-9]{2,10}(?=-(?:the|a|an)\.))-(?=[a-z])"
)
# Folders of several films, whose numbered files are no episodes.
_COLLECTION_RE = re.compile(
    r"(?<![^\W_])(?:collection|saga|trilogy|quadrilogy|anthology|box ?set|filmography|"
    r"intégrale|integrale|colección|coleccion|sammlung)(?![^\W_])",
    re.IGNORECASE,
)
# Scene names write Director's Cut as "DC", in capitals.
_DC_RE = re.compile(r"(?<= )DC(?= |$)")
_LIST_NUM_RE = re.compile(r"^\d{1,2}(?:\s*-\s*|\.\s+)")
# Tags of fansubbed releases after which a bare number is an absolute episode number.
_FANSUB_TAGS = frozenset({"vostfr", "vosta", "vost", "vosteng", "subita", "subesp", "legendado"})
_ANIME_RE = re.compile(r"\s-\s(\d{1,4})(?:v\d)?(?=\s|$)")
_SHOW_SEASON_TAIL_RE = re.compile(r"^(.*\S)\s+(?:S|Season\s*)(\d{1,2})$", re.IGNORECASE)
_DATE_RE = re.compile(
    r"(?<![0-9])(?:((?:19|20)\d\d)([-. ])(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])|"
    r"(0[1-9]|[12]\d|3[01])([-. ])(0[1-9]|1[0-2])\6((?:19|20)\d\d))(?![0-9])"
)

# Parts of one movie split over several files.
_PART_RE = re.compile(
    r"(?<![^\s\-\[(])(?:(cd|dvd|dis[ck]|pt)[ ._-]?(\d{1,2})|(part)([ ._-]?)(\d{1,2}))"
    r"(?![^\s\-\])])",
    re.IGNORECASE,
)

# Extras named by suffix or prefix.
_EXTRA_WORDS = {
    "trailer": "trailer",
    "sample": "sample",
    "featurette": "featurette",
    "behindthescenes": "behindthescenes",
    "deleted": "deleted",
    "deletedscene": "deleted",
    "interview": "interview",
    "scene": "scene",
    "short": "short",
    "other": "other",
    "extra": "extra",
    "clip": "extra",
}
_EXTRA_SUFFIX_RE = re.compile(
    r"(?:[ ._]*-[ ._]*|[ ._]+)(trailer|sample|featurette|behindthescenes|deletedscene|deleted|"
    r"interview|scene|short|other|extra|clip)(?:[ ._-]?\d{1,2})?$",
    re.IGNORECASE,
)
_EXTRA_ENDINGS = (
    "trailer", "sample", "featurette", "behindthescenes", "deletedscene", "deleted",
    "interview", "scene", "short", "other", "extra", "clip",
)
# With a plain separator (no dash) only these are safe: "The Other", "Short" are titles.
_EXTRA_SOFT = frozenset({"trailer", "sample", "featurette", "behindthescenes"})
# "sample-the.matrix.1999.mkv" (scene samples), or a file named just "trailer"/"sample 2".
_EXTRA_PREFIX_RE = re.compile(
    r"^(sample)[-.]|^(trailer|sample)(?:[ ._-]?\d{1,2})?$", re.IGNORECASE
)

_EXTRA_DIRS = {
    "extras": "extra",
    "extra": "extra",
    "bonus": "extra",
    "bonus features": "extra",
    "special features": "extra",
    "clips": "extra",
    "trailers": "trailer",
    "trailer": "trailer",
    "samples": "sample",
    "sample": "sample",
    "featurettes": "featurette",
    "featurette": "featurette",
    "behind the scenes": "behindthescenes",
    "behindthescenes": "behindthescenes",
    "behind-the-scenes": "behindthescenes",
    "making of": "behindthescenes",
    "deleted scenes": "deleted",
    "deletedscenes": "deleted",
    "deleted": "deleted",
    "interviews": "interview",
    "interview": "interview",
    "scenes": "scene",
    "scene": "scene",
    "shorts": "short",
    "short": "short",
    "other": "other",
    "others": "other",
    "backdrops": "other",
    "theme-music": "other",
}

_SEASON_DIR_RE = re.compile(
    r"^(?:season|series|saison|staffel|temporada|stagione|seizoen|sezon|kausi|s)[ ._-]*"
    r"(\d{1,4})(?:\s*[(\[].*)?$",
    re.IGNORECASE,
)
_SPECIALS_DIR_RE = re.compile(r"^(?:season[ ._-]*)?specials?$|^season[ ._-]*0+$", re.IGNORECASE)
_SEASON_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_SEASON_WORD_DIR_RE = re.compile(r"^season[ ._-]+([a-z]+)$", re.IGNORECASE)

# Folders that never name a title: library categories, system and mount folders.
_GENERIC_DIRS = frozenset(
    {"movies", "movie", "films", "film", "videos", "video", "tv", "tv shows", "tvshows",
     "tv series", "shows", "series", "media", "downloads", "download", "complete", "completed",
     "incoming", "torrents", "torrent", "home", "users", "user", "mnt", "volumes", "data",
     "share", "shared", "public", "library", "libraries", "documents", "desktop", "kids",
     "anime", "documentaries", "documentary", "cartoons", "concerts", "music videos",
     "my videos", "my movies", "4k", "uhd", "hd", "new", "unsorted", "temp", "tmp", "nas",
     "storage", "usb", "external", "recordings", "root", "srv", "var", "opt", "run", "net",
     "smb", "nfs", "pictures", "películas", "peliculas", "filme", "serien", "séries", "films hd"}
)
_GENERIC_WORDS = frozenset(
    {"movies", "movie", "films", "film", "videos", "video", "tv", "shows", "tvshows", "series",
     "media", "downloads", "download", "complete", "completed", "incoming", "torrents", "anime",
     "cartoons", "documentaries", "kids", "new", "unsorted", "4k", "hd", "uhd", "sd", "hdr",
     "1080p", "2160p", "720p", "my", "all", "foreign", "english", "other", "library"}
)
# A folder right inside one of these is a user name, not a title: /home/alice/movie.mkv.
_USER_PARENTS = frozenset({"home", "users", "user"})
_STRUCTURE_DIRS = frozenset(
    {"bdmv", "stream", "video_ts", "audio_ts", "private", "certificate", "playlist",
     "clipinf", "backup", "avchd"}
)
_HOME_DIRS = frozenset(
    {"home videos", "home video", "home movies", "family videos", "family movies", "dcim",
     "camera", "camera roll", "camera uploads", "screen recordings", "avchd", "gopro",
     "phone", "whatsapp video", "my home videos"}
)

# Names cameras and phones give to their clips.
_CAMERA_DATE_RE = re.compile(
    r"^(?:[A-Za-z][A-Za-z ]{0,24}[ _-]+)?((?:19|20)\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])"
    r"(?:(?:[ _-]+(?:at[ _-]+)?|_|-)(\d\d)[.\-:h]?(\d\d)[.\-:m]?(\d\d)\d*)?"
    r"([ ._-][A-Za-z0-9_.~ ()-]*)?$"
)
_CAMERA_NUM_RE = re.compile(
    r"^(?:IMG|VID|DSC[FN]?|MVI|MOV|MAH|MAQ|GOPR|G[HXPS]\d\d|DJI|PICT|CIMG|SAM|HPIM|MVC|M2U|"
    r"CLIP|P\d{3}|C|PXL|MOVI|DCP|VIDEO|RPReplay(?:_Final)?|trim)[_-]?\d{3,10}(?:[_-]\d+)?$|"
    r"^\d{3}_\d{4}$",
    re.IGNORECASE,
)
# First two letters of every camera name _camera() knows, to skip it for all other names.
_CAMERA_STARTS = frozenset(
    {"IM", "VI", "DS", "MV", "MO", "MA", "GO", "GH", "GX", "GP", "GS", "DJ", "PI", "CI", "SA",
     "HP", "M2", "CL", "PX", "DC", "RP", "TR", "SC", "WH", "SI", "LV", "IN", "RE", "VN"}
    | {f"{c}{d}" for c in "CP" for d in "0123456789"}
)
_CAMERA_PREFIX_RE = re.compile(
    r"^(?:VID|IMG|PXL|MVIMG|Screenrecorder|Screen[ _]Recording|WhatsApp[ _]Video|signal|"
    r"video|trim|lv_0|InShot|Record|Screencast|VN)(?:[ _-]|$)",
    re.IGNORECASE,
)

_WWW_RE = re.compile(
    r"^(?:www\.[^\s]+?\.[a-z]{2,6}(?:[ ._]+-[ ._]+|[ ._]+)|[a-z0-9-]+\.(?:com|org|net|to|mx|cc|"
    r"me|info|tv|ws|se|ru|co|club|xyz|lol|li|ch|nz|in|io)\s+-\s+)",
    re.IGNORECASE,
)
_BRACKET_RE = re.compile(r"[\[(\{【（「]([^\[\](){}【】（）「」]*)[\])}】）」]")
_ID_RE = re.compile(
    r"^(?:(?:imdb|tmdb|tvdb|anidb|anilist|mal)(?:id)?[\s=:_-]*\S*|tt\d{5,})$", re.IGNORECASE
)
_PLEX_EDITION_RE = re.compile(r"^edition[-=: ](.+)$", re.IGNORECASE)
_HASH_RE = re.compile(r"^[0-9A-Fa-f]{8}$")
_ACRONYM_RE = re.compile(
    r"(?<![^\s._\-\[(])((?:[A-Za-z]\.){2,}|[A-Za-z]\.[A-Za-z](?=$|[\s\-\])]))"
)
_DOT_HINT_RE = re.compile(r"[A-Za-z]\.[A-Za-z]\.|\d\.\d|\.\.|\.$|\.[A-Za-z]$")
_ACRONYM_HINT_RE = re.compile(r"[A-Za-z]\.[A-Za-z](?:\.|$|[\s\-\])])")
_ACRONYM_WORD_RE = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]?")
# A dot is a separator unless an abbreviation's ("Mr. Robot": followed by a space) or an
# audio channel count's ("5.1": a lone digit on each side).
_DOT_RE = re.compile(r"\.(?![\s.]|$)(?!(?<=(?<![\d.])\d\.)\d(?!\d))")
_CTRL_RE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_SURROGATE_RE = re.compile(r"[\udc80-\udcff]")
_NUM_STEM_RE = re.compile(r"^(\d{1,4})(?:\s*(?:-|\.|\s)\s*(.*))?$")
_TRAILING_NUM_RE = re.compile(r"(?<![\w.])(\d{1,4})\s*$")
_GENERIC_STEM_RE = re.compile(
    r"^(?:movie|video|film|main|feature|title|index|default|output|untitled|"
    r"title[ _]?t?\d+|t\d{1,3}|vts[ _]\d+[ _]\d+|b\d[ _]t\d+|\d{1,2}|0\d*|\d{5,6}|"
    r"[0-9a-f]{12,})$",
    re.IGNORECASE,
)
_NON_ALNUM_RE = re.compile(r"[\W_]+")
_LABEL_DASH_RE = re.compile(r"\s+-\s*|\s*-\s+")
_WORDISH_RE = re.compile(r"[^\W\d_]{3}")
# Cheap substring tests that let most names skip a costly regular expression.
_EDITION_HINT_RE = re.compile(
    "cut|exten|unrated|remaster|imax|dition|theatrical|criterion|matte|redux|version|fassung"
)
_PART_HINT_RE = re.compile(r"(?:cd|dvd|dis[ck]|pt|part)[ ._-]?\d")
# Any episode marker at all? One quick search spares most movies five slower ones.
_SEASON_HINT_RE = re.compile(r"(?<![a-z0-9])s\d|\dx\d|" + _SEASON_WORD)
_MARKER_HINT_RE = re.compile(
    r"s\d{1,4}[ ._-]?e|\dxe?\d|season|series|saison|staffel|tem|stagione|s[äæa]song|s[æa]son|"
    r"seizoen|sezon|kausi|évad|сезон|серия|cap|avsnitt|afsnit|afl|odcinek|jakso|epizod|díl|"
    r"rész|bölüm|"
    r"\d{4}[-. ]\d\d[-. ]\d\d|\d\d[-. ]\d\d[-. ]\d{4}|ep[ ._-]?\d|pisod|folge|e\d\d"
)
# Abbreviations scene names lose their dot on: "Mr.Robot" -> "Mr Robot" -> "Mr. Robot".
_ABBREVIATIONS = frozenset({"Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Vol", "Co", "Inc"})
_ABBREV_RE = re.compile(r"(?<![^\s])(Mr|Mrs|Ms|Dr|St|Jr)(?= \S)")
_PLACEHOLDER_RE = re.compile("[\ue000-\ue0ff]")

_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "de", "del", "des", "du", "en", "et", "for",
     "from", "in", "into", "la", "le", "les", "nor", "of", "on", "or", "the", "to", "vs", "von",
     "van", "with"}
)
_TOKEN_CANON = {
    "4k": "4K", "8k": "8K", "uhd": "UHD", "hdr": "HDR", "hdr10": "HDR10", "hdr10+": "HDR10+",
    "dv": "DV", "sdr": "SDR", "remux": "Remux", "bluray": "BluRay", "blu-ray": "BluRay",
    "web-dl": "WEB-DL", "webdl": "WEB-DL", "webrip": "WEBRip", "hevc": "HEVC", "x265": "x265",
    "x264": "x264", "3d": "3D", "imax": "IMAX", "hdtv": "HDTV", "dvd": "DVD", "sd": "SD",
    "hd": "HD", "fhd": "FHD", "directors": "Director's", "director's": "Director's",
    "collectors": "Collector's", "collector's": "Collector's", "av1": "AV1", "h264": "H264",
    "h265": "H265",
}
_EDITION_CANON = {
    "directorscut": "Director's Cut",
    "extended": "Extended",
    "extendedcut": "Extended Cut",
    "extendededition": "Extended Edition",
    "extendedversion": "Extended Version",
    "uncut": "Uncut",
    "unrated": "Unrated",
    "theatrical": "Theatrical",
    "theatricalcut": "Theatrical Cut",
    "theatricaledition": "Theatrical Edition",
    "theatricalversion": "Theatrical Version",
    "remastered": "Remastered",
    "imax": "IMAX",
    "imaxedition": "IMAX Edition",
    "specialedition": "Special Edition",
    "ultimatecut": "Ultimate Cut",
    "ultimateedition": "Ultimate Edition",
    "finalcut": "Final Cut",
    "collectorsedition": "Collector's Edition",
    "criterion": "Criterion",
    "criterioncollection": "Criterion Collection",
    "anniversaryedition": "Anniversary Edition",
    "openmatte": "Open Matte",
    "redux": "Redux",
    "roguecut": "Rogue Cut",
}

# Surrogate-escaped bytes (os.fsdecode of a non-UTF-8 name) read as Windows-1252: the most
# likely legacy encoding for a European file name, with Latin-1 for its five holes.
_SURROGATE_MAP = {}
for _b in range(0x80, 0x100):
    try:
        _SURROGATE_MAP[0xDC00 + _b] = bytes([_b]).decode("cp1252")
    except UnicodeDecodeError:
        _SURROGATE_MAP[0xDC00 + _b] = chr(_b)
del _b


# --------------------------------------------------------------------------------------
# Parsing one name (a file stem or a folder name).


@dataclass(slots=True)
class _Raw:
    """What one name (file stem or folder) says on its own, before folder context."""

    title: str = ""
    year: int | None = None
    season: int | None = None
    episodes: tuple[int, ...] = ()
    part: int | None = None
    label: str | None = None
    edition: str | None = None
    resolution: str | None = None
    extra: str | None = None
    episode_title: str | None = None
    air_date: str | None = None
    camera: bool = False
    generic: bool = False
    group: bool = False
    numeric: int | None = None  # the name is (or starts with) a bare number: "02 - Title"
    trailing: int | None = None  # a bare number ends the title: "Show 05"
    dash_num: int | None = None  # "Show - 05": anime-style absolute episode
    dash_strong: bool = False  # dash_num is convincing on its own (zero-padded, fansub tag)
    show: str | None = None  # the title before dash_num: "Show" of "Show - 05"
    dash_season: int | None = None  # "Show S3 - 04": the season named before the dash
    rest: str | None = None  # what follows a bare leading number
    release: bool = False  # a scene release name: dotted, with release junk


def _resolution(text: str) -> str | None:
    """The vertical resolution named in ``text`` ("1080p"), 4K/UHD read as 2160p."""
    for m in _RES_RE.finditer(text):
        if m.group(1):
            if int(m.group(1)) in _VALID_HEIGHTS:
                return m.group(1) + m.group(2).lower()
        elif m.group(3):
            return "2160p" if m.group(3) == "4" else "4320p"
        elif m.group(4):
            return "2160p"
        elif m.group(5) and int(m.group(5)) in _VALID_HEIGHTS:
            return m.group(5) + "p"
    return None


def _canon_edition(text: str) -> str:
    key = _NON_ALNUM_RE.sub("", text.casefold())
    canon = _EDITION_CANON.get(key)
    if canon:
        return canon
    if key.endswith("anniversaryedition"):
        return text[: len(text) - len("anniversary edition")].strip(" .") + " Anniversary Edition"
    return text


def _canon_label(text: str) -> str:
    """Tidy a version label: "4k" -> "4K", "1080P" -> "1080p", "directors cut" ->
    "Director's Cut"; other words keep their case unless the label is all lower case."""
    text = " ".join(text.replace("_", " ").split()).strip(" -.")
    if _EDITION_FULL_RE.fullmatch(text):
        return _canon_edition(text)
    lower = text == text.lower()
    out = []
    for word in text.split(" "):
        low = word.lower()
        canon = _TOKEN_CANON.get(low)
        if canon:
            out.append(canon)
        elif len(low) >= 4 and low[-1] in "pi" and low[:-1].isdigit():
            out.append(low)
        elif lower and word:
            out.append(word[0].upper() + word[1:])
        else:
            out.append(word)
    return " ".join(out)


def _title_case(text: str) -> str:
    """Capitalise a lower-case (or shouted) scene title without str.title()'s "It'S"."""
    words = text.split(" ")
    out = []
    last = len(words) - 1
    for i, word in enumerate(words):
        low = word.lower()
        if 0 < i < last and low in _SMALL_WORDS:
            out.append(low)
        elif "." in word and len(word) > 2 and _ACRONYM_WORD_RE.fullmatch(word):
            out.append(word.upper())  # acronym: S.W.A.T.
        else:
            out.append("-".join(p[:1].upper() + p[1:].lower() for p in low.split("-")))
    return " ".join(out)


def _clean(text: str, keep: dict[str, str] | None = None) -> str:
    """Turn a slice of a normalised name into display text: placeholders resolved (``keep``
    maps those to keep, None when the name had no brackets), separators and stray
    punctuation trimmed, spaces collapsed."""
    if keep is not None and _PLACEHOLDER_RE.search(text):
        if keep:
            text = _PLACEHOLDER_RE.sub(lambda m: keep.get(m.group(0), " "), text)
        else:
            text = _PLACEHOLDER_RE.sub(" ", text)
    text = " ".join(text.split()).strip(" -_,;:~+–—|")
    while text.endswith("."):
        # Keep the final dot of an acronym ("S.W.A.T.") or an abbreviation ("Mulholland Dr.").
        if len(text) >= 2 and text[-2].isalpha() and (len(text) == 2 or text[-3] in " ."):
            break
        if text[:-1].rpartition(" ")[2] in _ABBREVIATIONS:
            break
        text = text[:-1].rstrip(" -_,;:")
    return text.lstrip(" .")


def _humanise(title: str, scene: bool) -> str:
    """Title-case names written all in lower case, or shouted in scene style; give scene
    names back the dots of "Mr." and "Dr."."""
    if not title:
        return title
    title = _cased(title, scene)
    if scene and ("r " in title or "s " in title or "St " in title):
        title = _ABBREV_RE.sub(r"\1.", title)
    return title


def _cased(title: str, scene: bool) -> str:
    if title == title.lower():
        if title != title.upper():  # has cased letters
            return _title_case(title)
        return title
    if scene and title == title.upper() and " " in title and len(title) > 6:
        words = title.split(" ")
        cased = _title_case(title)
        # Keep short all-caps words (country codes like US, UK) as written.
        return " ".join(
            w if (len(w) <= 2 and w.lower() not in _SMALL_WORDS) else c
            for w, c in zip(words, cased.split(" "), strict=True)
        )
    return title


def _first_junk(n: str, low: str, start: int, weak_ok: bool) -> tuple[int, str | None]:
    """Where release junk starts in ``n`` at or after ``start`` (len(n) if nowhere), and the
    resolution named in the junk. Weak words ("FRENCH", "WEB") count only when written in
    capitals, as scene names do. ``low`` is ``n`` lower-cased, of the same length."""
    lowt = low.replace("-", " ")
    if "[" in lowt or "(" in lowt:
        lowt = lowt.translate(_SEP_TABLE)
    toks = lowt[start:].split()
    get = _JUNK_KIND.get
    for i, tok in enumerate(toks):
        kind = get(tok)
        if kind is None:
            continue
        if kind == 2:  # first half of a two-token junk word
            if i + 1 >= len(toks) or toks[i + 1] not in _STRONG_PAIRS[tok]:
                if tok not in _WEAK_TOKENS:
                    continue
                kind = 3
            else:
                kind = 1
        pos = start
        for prev in toks[:i]:
            pos = lowt.find(prev, pos) + len(prev)
        pos = lowt.find(tok, pos)
        if kind == 3 and not (
            weak_ok and sum(1 for c in n[pos : pos + len(tok)] if c.isupper()) >= 2
        ):
            continue
        res = None
        for rest in toks[i:]:
            res = _RES_TOKENS.get(rest)
            if res is not None:
                break
        return pos, res
    return len(n), None


def _split_compact(text: str) -> tuple[int, int] | None:
    """(season, episode) of scene TV's compact number ("102", "1015"); None for what reads as
    something else: a year's shape (19xx, 20xx), a picture height (720), a round hundred."""
    if not (3 <= len(text) <= 4 and text.isdigit()):
        return None
    num = int(text)
    if not num % 100 or num in _VALID_HEIGHTS or (len(text) == 4 and text[:2] in ("19", "20")):
        return None
    return num // 100, num % 100


def _number_after_title(
    raw: _Raw, tm: re.Match[str], n: str, low: str, title_end: int, scene: bool
) -> None:
    """A number ending a title with no year: "Show.Name.102.HDTV" (scene style, three or four
    digits) is season 1 episode 2, as scene TV releases number them; "Show Name 445 VOSTFR"
    (before a fansub tag) is absolute episode 445."""
    text = tm.group(1)
    num = int(text)
    nxt = low[title_end:].split(" ", 1)[0] if title_end < len(n) else ""
    split = _split_compact(text) if scene else None
    if split:
        raw.season, raw.episodes = split[0], (split[1],)
    elif nxt in _FANSUB_TAGS and len(text) >= 2:
        raw.episodes = (num,)
    else:
        return
    raw.title = _clean(raw.title[: tm.start()])
    raw.trailing = None


def _trim_languages(low: str, end: int) -> int:
    """Where a title ends once language words right before the release junk are cut off
    ("Lola rennt German DVDRip"): at least one word stays."""
    words = low[:end].rstrip(" -").split(" ")
    k = len(words)
    while k > 1 and words[k - 1] in _LANG_WORDS:
        k -= 1
    return end if k == len(words) else len(" ".join(words[:k]))


def _only_pack_words(n: str, low: str, start: int, weak_ok: bool) -> bool:
    """Whether nothing but release junk and words like "Complete" follow ``start``."""
    junk, _ = _first_junk(n, low, start, weak_ok)
    words = _PLACEHOLDER_RE.sub(" ", low[start:junk]).split()
    return all(w in _PACK_WORDS for w in words)


def _expand(first: int, more: str, rx: re.Pattern[str]) -> tuple[int, ...]:
    """Episode list from a marker's tail. A range has two ends: "E01-03" and "E01-E03" are
    1 to 3; a longer chain ("02x03-x04-x15"), or one joined without a dash ("E01E02",
    "E01+02"), lists its numbers as written."""
    eps = [first]
    dashes = []
    for m in rx.finditer(more):
        if not m.group(2):
            continue
        eps.append(int(m.group(2)))
        dashes.append(m.group(1) == "-")
    if len(eps) == 2 and dashes[0] and first < eps[1] <= first + 50:
        return tuple(range(first, eps[1] + 1))
    out: list[int] = []
    for e in eps:
        if e not in out:
            out.append(e)
    return tuple(out)


def _camera(stem: str) -> _Raw | None:
    """Names phones and cameras give their clips -> a readable label, year from the date."""
    m = _CAMERA_DATE_RE.match(stem)
    if (
        m and (m.group(4) or _CAMERA_PREFIX_RE.match(stem) or m.start(1) == 0)
        and _valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    ):
        year, month, day = m.group(1), m.group(2), m.group(3)
        label = f"{year}-{month}-{day}"
        if (m.group(4) and int(m.group(4)) < 24 and int(m.group(5)) < 60
                and int(m.group(6)) < 61):
            label += f" {m.group(4)}:{m.group(5)}:{m.group(6)}"
        tail = (m.group(7) or "").replace("_", " ").strip(" .-")
        if tail and tail != tail.upper() and _WORDISH_RE.search(tail):
            label += " " + tail  # "2019-07-04 Fireworks", but not "_HDR" or "-WA0003"
        return _Raw(title=label, year=int(year), air_date=f"{year}-{month}-{day}", camera=True)
    if _CAMERA_NUM_RE.match(stem):
        return _Raw(title=stem, camera=True)
    return None


@functools.lru_cache(maxsize=2048)
def _classify_bracket(content: str, square: bool) -> tuple[str, str | int | None]:
    """What a bracketed group holds: a year, an id to drop, a version label, junk...
    Cached: the same few hundred years, resolutions and group tags recur across a library."""
    c = content.strip()
    if not c:
        return "drop", None
    if len(c) == 4 and c.isdigit():
        y = int(c)
        if _MIN_YEAR <= y <= _MAX_YEAR:
            return "year", y
    if _RES_RE.fullmatch(c):
        return "res", c
    if _HASH_RE.match(c):
        return "drop", None  # CRC of a fansub release
    if _ID_RE.match(c):
        return "drop", None
    m = _PLEX_EDITION_RE.match(c)
    if m:
        return "edition", m.group(1).strip()
    if _EDITION_FULL_RE.fullmatch(c):
        return "edition", c
    if _RES_RE.search(c):
        return "junk", c
    flat = " ".join(_normalise_dots(c.replace("_", " ")).split())
    if _first_junk(flat, flat.lower(), 0, False)[0] < len(flat):
        return "junk", c
    if (c[:1].isdigit() or c[:1] in "sS") and (_X_RE.fullmatch(c) or _SE_RE.fullmatch(c)):
        return "marker", c
    if _CAP_RE.fullmatch(c) or _WORDS_RE.fullmatch(c):  # "[Cap.601]", "(сезон 4, серия 9)"
        return "marker", c
    if c.isdigit():
        return "num", int(c) if len(c) <= 4 else None
    if square:
        return "drop", None
    if c.lower() in _WEAK_TOKENS:
        return "drop", None
    return "keep", c


def _protect_acronym(m: re.Match[str]) -> str:
    return m.group(1).replace(".", "\x02") + " "


def _normalise_dots(s: str) -> str:
    """Dots and underscores as word separators, sparing acronyms (S.W.A.T.), audio channel
    counts (5.1) and abbreviations followed by a space (Mr. Robot)."""
    if "." in s[: len(s) - 1]:
        if " " not in s and not _DOT_HINT_RE.search(s):
            return s.replace(".", " ")  # the common scene name: every dot a separator
        if _ACRONYM_HINT_RE.search(s):
            s = _ACRONYM_RE.sub(_protect_acronym, s)
            s = _DOT_RE.sub(" ", s).replace("\x02", ".")
        else:
            s = _DOT_RE.sub(" ", s)
    return s


def _valid_date(y: int, mo: int, d: int) -> bool:
    """Whether the date exists (no 31 February): air dates are stored as YYYY-MM-DD."""
    try:
        datetime.date(y, mo, d)
    except ValueError:
        return False
    return True


def _episode_marker(
    n: str, raw: _Raw, year_brackets: list[tuple[int, int, int]]
) -> tuple[int, int]:
    """Find an episode marker (S01E02, 1x02, Season 1 Episode 2, an air date, Episode 2);
    fill ``raw`` and return its span, (-1, -1) if none, (-2, end) for a leading date."""
    m = _SE_RE.search(n)
    if m:
        raw.season = int(m.group(1))
        more = m.group(3)
        raw.episodes = _expand(int(m.group(2)), more, _SE_MORE_RE) if more else (int(m.group(2)),)
        return m.start(), m.end()
    m = _X_RE.search(n)
    if m and (m.start() > 0 or not (_YEAR_RE.search(n, m.end()) or year_brackets)):
        # ("3x3 Eyes (1991)" is a movie; "04x10 - Title" in a season folder is not.)
        raw.season = int(m.group(1))
        raw.episodes = _expand(int(m.group(2)), m.group(3), _X_MORE_RE)
        return m.start(), m.end()
    m = _WORDS_RE.search(n)
    if m:
        raw.season = int(m.group(1) or m.group(2))
        raw.episodes = (int(m.group(3) or m.group(4)),)
        return m.start(), m.end()
    m = _CAP_RE.search(n)
    if m and m.start() > 0:
        num = int(m.group(1))
        start = m.start()
        sm = _SEASON_ONLY_RE.search(n, 0, start)  # "Temporada 6 [HDTV][Cap.601]"
        if sm and sm.start() > 0:
            start = sm.start()
            raw.season = int(sm.group(1) or sm.group(2) or sm.group(3))
        if num >= 100:
            raw.season, raw.episodes = num // 100, (num % 100,)
        else:
            raw.episodes = (num,)
        return start, m.end()
    m = _DATE_RE.search(n)
    if m:
        if m.group(1):
            y, mo, d = m.group(1), m.group(3), m.group(4)
        else:
            y, mo, d = m.group(8), m.group(7), m.group(5)
        if _valid_date(int(y), int(mo), int(d)):
            raw.air_date = f"{y}-{mo}-{d}"
            return (m.start() if m.start() > 0 else -2), m.end()
    m = _EP_ONLY_RE.search(n)
    if m and (m.group(1) or m.start() == 0 or n[m.start() - 1] in " -") and not (
        _YEAR_RE.search(n, m.end()) or any(at > m.end() for at, _, _ in year_brackets)
    ):
        # ("Star Wars Episode 4 A New Hope (1977)" is a movie.)
        first = int(m.group(1) or m.group(2))
        raw.episodes = _expand(first, m.group(3), _SE_MORE_RE) if m.group(3) else (first,)
        return m.start(), m.end()
    return -1, -1


def _parse_name(stem: str, is_folder: bool = False) -> _Raw:
    """Parse one name on its own: a file stem (extension already removed) or a folder."""
    if not is_folder and (stem[:1].isdigit() or stem[:2].upper() in _CAMERA_STARTS):
        cam = _camera(stem)
        if cam is not None:
            return cam
    raw = _Raw()
    s = stem

    # Extras by suffix ("-trailer", ".sample") or prefix ("sample-xyz").
    if not is_folder:
        m = None
        if s.rstrip("0123456789 ._-").lower().endswith(_EXTRA_ENDINGS):
            m = _EXTRA_SUFFIX_RE.search(s, max(0, len(s) - 28))
        if m and m.start() > 0:
            word = m.group(1).lower()
            if "-" in m.group(0)[: m.start(1) - m.start()] or word in _EXTRA_SOFT:
                raw.extra = _EXTRA_WORDS[word]
                s = s[: m.start()]
        if raw.extra is None and s[:1] in "sStT":
            m = _EXTRA_PREFIX_RE.match(s)
            if m:
                raw.extra = (m.group(1) or m.group(2)).lower()
                s = s[m.end() :]
        if raw.extra and not s.strip(" ._-"):
            raw.generic = True
            return raw

    if not is_folder and "-" in s[:11] and s[:1].islower() and " " not in s:
        m = _GROUP_PREFIX_RE.match(s)
        if m:
            s = s[m.end() :]

    # Website prefixes: "www.site.com - Movie (2010)".
    dash = s.find(" - ")
    m = _WWW_RE.match(s) if s[:4].lower() == "www." or "." in s[:dash] else None
    if m and m.end() < len(s):
        s = s[m.end() :]

    # Bracketed groups become single placeholder characters, decided on one by one.
    scene = " " not in s
    brackets: list[tuple[str, str | int | None]] = []
    if "[" in s or "(" in s or "{" in s or "【" in s or "（" in s or "「" in s:
        parts: list[str] = []
        pos = 0
        for m in _BRACKET_RE.finditer(s):
            square = m.group(0)[0] in "[【「"
            if square and not s[: m.start()].strip(" ._-"):
                # A leading [tag] is a release group or site: no need to look inside.
                cls, payload = "drop", None
                raw.group = True
            else:
                cls, payload = _classify_bracket(m.group(1), square)
            if cls == "marker":  # "Show [1x01] Pilot": the marker stands as written
                parts.append(f"{s[pos : m.start()]} {payload} ")
                pos = m.end()
                continue
            if cls in ("drop", "junk", "keep") and not s[: m.start()].strip(" ._-"):
                raw.group = raw.group or m.group(0)[0] in "[【"
                cls = "drop"
            parts.append(s[pos : m.start()])
            parts.append(f" {chr(0xE000 + len(brackets))} ")
            brackets.append((cls, payload))
            pos = m.end()
        parts.append(s[pos:])
        s = "".join(parts)

    s = _normalise_dots(s.replace("_", " "))
    n = " ".join(s.split())
    if not n:
        raw.generic = True
        return raw
    weak_ok = n != n.upper()
    low = n.lower()
    if len(low) != len(n):  # a few letters lower-case to two characters ("İ")
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in n)

    keep: dict[str, str] | None = {} if brackets else None
    junk_at = len(n)
    year_brackets: list[tuple[int, int, int]] = []  # (pos, end, year)
    labels: list[str] = []
    for i, (cls, payload) in enumerate(brackets):
        ch = chr(0xE000 + i)
        at = n.find(ch)
        if cls == "keep":
            keep[ch] = f"({payload})"  # type: ignore[index]
        elif cls == "year":
            year_brackets.append((at, at + 1, payload))  # type: ignore[arg-type]
        elif cls in ("junk", "res", "edition"):
            if at < junk_at and at > 0:
                junk_at = at
            text = str(payload)
            if raw.resolution is None:
                raw.resolution = _resolution(text)
            if cls == "edition":
                raw.edition = raw.edition or _canon_edition(text)
                labels.append(_canon_edition(text))
            elif cls == "res":
                labels.append(_RES_LABELS.get(text.lower()) or _canon_label(text))
            elif raw.edition is None:
                m = _EDITION_RE.search(text)
                if m:
                    raw.edition = _canon_edition(m.group(0))
        elif cls == "num" and payload is not None and at > 0:
            raw.dash_num = raw.dash_num or payload  # type: ignore[assignment]
            raw.dash_strong = raw.dash_strong or raw.group
            if at < junk_at:
                junk_at = at

    # Episode markers, most specific first.
    ep_start = ep_end = -1
    if _MARKER_HINT_RE.search(low):
        ep_start, ep_end = _episode_marker(n, raw, year_brackets)
        if ep_start == -2:
            # A date first: a home video ("2019-12-20 Birthday").
            if not is_folder:
                y, mo, d = raw.air_date.split("-")  # type: ignore[union-attr]
                rest = _clean(n[ep_end:], keep)
                raw.title = f"{y}-{mo}-{d}" + (f" {rest}" if rest else "")
                raw.year = int(y)
                raw.camera = True
                return raw
            ep_start = 0
    if ep_start < 0 and (is_folder or _SEASON_HINT_RE.search(low)):
        m = _SEASON_ONLY_RE.search(n)
        if m and m.start() > 0 and (is_folder or _only_pack_words(n, low, m.end(), weak_ok)):
            # "Show.S01.720p", "Show Season 3 Complete": a season pack.
            raw.season = int(m.group(1) or m.group(2) or m.group(3))
            ep_start, ep_end = m.start(), m.end()

    if ep_start >= 0:
        title_end = ep_start
        tail_res = None
        junk_after = False
        if raw.season is not None or raw.episodes or raw.air_date:
            # The episode title runs from the marker to the first junk.
            tail_end, tail_res = _first_junk(n, low, ep_end, weak_ok)
            junk_after = tail_end < len(n)
            for i, (cls, _) in enumerate(brackets):
                at = n.find(chr(0xE000 + i), ep_end)
                if at >= 0 and cls in ("junk", "res", "edition", "drop") and at < tail_end:
                    tail_end = at
            pm = _PART_RE.search(n, ep_end, tail_end) if _PART_HINT_RE.search(low) else None
            if pm and pm.group(4) != " ":
                raw.part = int(pm.group(2) or pm.group(5))
                tail_end = pm.start()
            ep_title = _clean(n[ep_end:tail_end], keep)
            if ep_title:
                raw.episode_title = _humanise(ep_title, scene)
        if raw.resolution is None:
            raw.resolution = tail_res
        if raw.edition is None:
            em = _EDITION_RE.search(n, ep_end) if _EDITION_HINT_RE.search(low) else None
            if em:
                raw.edition = _canon_edition(em.group(0))
        head = n[:title_end]
        ym = None
        for ym_ in _YEAR_RE.finditer(head) if ("1" in head or "2" in head) else ():
            if ym_.start() > 0 and _MIN_YEAR <= int(ym_.group(1)) <= _MAX_YEAR:
                ym = ym_
        for at, _end, y in year_brackets:
            if 0 < at < title_end:
                raw.year = y
                head = head[:at] + head[at + 1 :]
                title_end = min(title_end, at)
        if raw.year is None and ym is not None and not head[ym.end() :].strip(" -"):
            raw.year = int(ym.group(1))
            title_end = ym.start()
        raw.title = _humanise(_clean(n[:title_end], keep), scene)
        if raw.title.endswith((" Us", " Uk")) and n[:title_end] == low[:title_end]:
            raw.title = raw.title[:-2] + raw.title[-2:].upper()  # "the.office.us" -> "US"
        if raw.resolution:
            raw.label = raw.resolution
        raw.release = scene and bool(tail_res or raw.resolution or junk_after)
        return raw

    # ---- A movie-like name: title, then year, then junk.
    junk_tok, junk_res = _first_junk(n, low, 1, weak_ok)
    junk_at = min(junk_at, junk_tok)
    year = None
    year_pos = year_end = -1
    for at, end, y in year_brackets:
        if 0 < at < junk_at or (at == 0 and len(year_brackets) == 1 and junk_at == len(n)):
            year, year_pos, year_end = y, at, end
    if year is None:
        after = None
        for ym in _YEAR_RE.finditer(n):
            y = int(ym.group(1))
            if not (_MIN_YEAR <= y <= _MAX_YEAR) or ym.start() == 0:
                continue
            if ym.start() < junk_at:
                year, year_pos, year_end = y, ym.start(), ym.end()
            elif after is None:
                after = ym
                break
        if year is None and after is not None:
            year, year_pos, year_end = int(after.group(1)), after.start(), after.end()
        if year is None and year_brackets:
            year, year_pos, year_end = year_brackets[0][2], year_brackets[0][0], year_brackets[0][1]
    raw.year = year

    title_end = junk_at
    if year is not None and year_pos < title_end:
        title_end = year_pos
    # Editions cut the title only where they cannot be part of it.
    em = _EDITION_RE.search(n, 1) if _EDITION_HINT_RE.search(low) else None
    if em:
        if raw.edition is None:
            raw.edition = _canon_edition(em.group(0))
        if em.start() < title_end and (year is None or em.start() > year_pos):
            sm = _EDITION_SAFE_RE.search(n, 1, title_end)
            if sm:
                title_end = sm.start()
    # Parts: cd1/disc2/pt3 anywhere after the title starts; "part 2" only after the year
    # ("Deathly Hallows Part 1 (2010)" is a title) unless written "part2".
    part_span: tuple[int, int] | None = None
    has_part = _PART_HINT_RE.search(low)
    search_from = 1
    while True:
        pm = _PART_RE.search(n, search_from) if has_part else None
        if not pm:
            break
        search_from = pm.end()
        if pm.group(1):
            if pm.group(1).lower() == "dvd" and pm.group(2) in ("5", "9"):
                continue
            num = int(pm.group(2))
        else:
            glued = pm.group(4) in ("", "-")
            after_year = year is not None and pm.start() > year_pos
            at_end = not n[pm.end() :].strip() or pm.start() >= title_end
            if not (after_year or (glued and at_end)):
                continue
            num = int(pm.group(5))
        raw.part = num
        if 0 < pm.start() < title_end:
            title_end = pm.start()
        part_span = (pm.start(), pm.end())
        break

    if year is not None and year_end < junk_at:
        between = n[year_end:junk_at].strip()
        split = _split_compact(between) if scene else None
        if split:  # "Show.2013.610.720p": the show's year, then season 6 episode 10
            raw.season, raw.episodes = split[0], (split[1],)
        elif between.isdigit() and low[junk_at:].split(" ", 1)[0] in _FANSUB_TAGS:
            raw.episodes = (int(between),)  # "Show 2011 148 VOSTFR"
    if scene and title_end > 0:
        dm = _DC_RE.search(n, 1, title_end)
        if dm:  # "Zodiac.DC.2007": scene's short form of Director's Cut
            title_end = dm.start()
            raw.edition = raw.edition or "Director's Cut"
    if title_end == junk_at < len(n):
        title_end = _trim_languages(low, title_end)
    raw.title = _clean(n[:title_end], keep)
    raw.release = scene and junk_at < len(n)
    if raw.resolution is None:
        raw.resolution = junk_res

    # Anime-style "Show - 05", or a bare number ending the title ("Show 05"): whether these
    # are episodes depends on the folders, so only note them here.
    am = _ANIME_RE.search(n[:title_end] + " ") if " - " in n else None
    if am and am.start() > 0:
        num_text = am.group(1)
        num = int(num_text)
        if not (len(num_text) == 4 and _MIN_YEAR <= num <= _MAX_YEAR):
            raw.dash_num = num
            raw.dash_strong = raw.group or (num_text[0] == "0" and len(num_text) >= 2)
            after_num = _clean(n[am.end() : title_end], keep)
            if after_num:
                raw.episode_title = after_num
            raw.show = _clean(n[: am.start()], keep)
            sm = _SHOW_SEASON_TAIL_RE.match(raw.show)
            if sm:
                # SubsPlease style "Show S3 - 04": the season rides on the show's name.
                raw.show, raw.dash_season = sm.group(1), int(sm.group(2))
    tm = None
    if raw.dash_num is None and raw.title[-1:].isdigit():
        tm = _TRAILING_NUM_RE.search(raw.title)
        if tm and tm.start() > 0 and year is None and not raw.group:
            _number_after_title(raw, tm, n, low, title_end, scene)  # "24.504.HDTV" too
    nm = _NUM_STEM_RE.match(raw.title) if raw.title[:1].isdigit() else None
    if raw.episodes:
        pass  # the title left is the show's, whatever it looks like
    elif nm and not (len(nm.group(1)) == 4 and year is None and not nm.group(2)):
        raw.numeric = int(nm.group(1))
        raw.rest = nm.group(2) or None
    elif tm and tm.start() > 0:
        raw.trailing = int(tm.group(1))
    if raw.group and raw.dash_num is None and raw.trailing is not None and year is None:
        # "[Group] Show 05 [1080p]"
        raw.dash_num, raw.dash_strong = raw.trailing, True
        raw.show = _clean(_TRAILING_NUM_RE.sub("", raw.title))

    # Version label: Jellyfin's "Movie (2010) - 1080p", else bracket labels, else scene.
    label_from = year_end if year is not None and year_pos <= title_end else title_end
    rest = n[label_from:]
    dm = _LABEL_DASH_RE.match(rest) if rest[:3].strip()[:1] == "-" else None
    if dm and raw.dash_num is None:
        text = rest[dm.end() :]
        if part_span is not None:
            cut = part_span[0] - label_from - dm.end()
            if cut >= 0:
                text = text[:cut]
        text = _clean(text, keep)
        if text:
            raw.label = _canon_label(text)
            if raw.resolution is None:
                raw.resolution = _resolution(text)
            em = _EDITION_RE.search(text)
            if em and raw.edition is None:
                raw.edition = _canon_edition(em.group(0))
    if raw.label is None:
        if labels:
            raw.label = " ".join(labels)
        elif raw.edition and raw.resolution:
            raw.label = f"{raw.edition} {raw.resolution}"
        else:
            raw.label = raw.resolution or raw.edition
    raw.title = _humanise(raw.title, scene)
    if raw.show is not None:
        raw.show = _humanise(raw.show, scene)
    if not is_folder and year is None and _GENERIC_STEM_RE.match(raw.title or n):
        raw.generic = True
    elif not is_folder and scene and " " not in n and len(n) >= 12:
        digits = sum(c.isdigit() for c in n)
        if digits >= 3 and len(n) - digits >= 3:
            raw.generic = True  # obfuscated release name: a7f3c9e1b2d4...
    return raw


# --------------------------------------------------------------------------------------
# Folder context.


@dataclass(slots=True)
class _Ctx:
    """What the folders above a file say: show/season structure, the title folder, extras."""

    season: int | None = None
    in_season_dir: bool = False
    title: _Raw | None = None  # parse of the folder that names the title
    extra: str | None = None
    home: bool = False  # inside a home-video or camera folder


@functools.lru_cache(maxsize=8192)
def _compact(text: str) -> str:
    """Case-, accent- and punctuation-free form, to compare names written differently."""
    text = text.casefold()
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return _NON_ALNUM_RE.sub("", text)


def _is_generic_dir(low: str) -> bool:
    if low in _GENERIC_DIRS or (len(low) == 2 and low[1] == ":"):
        return True
    words = _NON_ALNUM_RE.sub(" ", low).split()
    return bool(words) and all(w in _GENERIC_WORDS for w in words)


def _season_of_dir(name: str) -> int | None:
    m = _SEASON_DIR_RE.match(name)
    if m:
        return int(m.group(1))
    if _SPECIALS_DIR_RE.match(name):
        return 0
    m = _SEASON_WORD_DIR_RE.match(name)
    if m:
        return _SEASON_WORDS.get(m.group(1).lower())
    return None


@functools.lru_cache(maxsize=4096)
def _folder_context(folders: tuple[str, ...]) -> _Ctx:
    """What the folders above a file say. Cached: a folder's files share all of it.

    An extras folder (``Extras``, ``Trailers``...) up to three levels above the file makes it
    an extra of the title named above that folder, if there is one and no folder in between
    names a title of its own; otherwise the walk goes up from the file: a season folder, then
    the folder that names the title (show or movie).
    """
    ctx = _Ctx()
    for name in folders:
        if name.casefold() in _HOME_DIRS:
            ctx.home = True
            break
    last = len(folders) - 1
    for k in range(last, max(-1, last - 3), -1):
        kind = _EXTRA_DIRS.get(folders[k].strip().casefold())
        if kind is None:
            continue
        if any(_parse_name(f, True).year for f in folders[k + 1 :]):
            break  # "Shorts/Some Short (2015)/": a title folder inside a category folder
        j = k - 1
        while j >= 0 and folders[j].strip().casefold() in _EXTRA_DIRS:
            j -= 1
        _walk_up(folders, j, ctx)
        if ctx.title is not None:
            ctx.extra = kind
            return ctx
        ctx.season, ctx.in_season_dir = None, False
        break
    _walk_up(folders, last, ctx)
    return ctx


def _walk_up(folders: tuple[str, ...], i: int, ctx: _Ctx) -> None:
    """From folders[i] upwards: skip disc structure folders, note one season folder, then
    parse the first folder that can name a title (stopping at generic ones)."""
    while i >= 0:
        name = folders[i].strip()
        low = name.casefold()
        i -= 1
        if low in _STRUCTURE_DIRS:  # BDMV/STREAM, VIDEO_TS: the title is further up
            continue
        if not ctx.in_season_dir:
            season = _season_of_dir(name)
            if season is not None:
                ctx.season = season
                ctx.in_season_dir = True
                continue
        if _is_generic_dir(low) or (i >= 0 and folders[i].casefold() in _USER_PARENTS):
            return
        raw = _parse_name(name, True)
        if raw.title:
            ctx.title = raw
            if ctx.season is None and raw.season is not None:
                ctx.season = raw.season
        return


# --------------------------------------------------------------------------------------
# Public entry point.


def _fix_text(text: str) -> str:
    """Undo surrogate escapes (bytes that were not UTF-8, read as Windows-1252), drop control
    characters and compose accents (macOS stores names decomposed)."""
    if text.isascii():
        return text if text.isprintable() else _CTRL_RE.sub("", text)
    if _SURROGATE_RE.search(text):
        text = text.translate(_SURROGATE_MAP)
    text = _CTRL_RE.sub("", text)
    return unicodedata.normalize("NFC", text)


@functools.lru_cache(maxsize=64)
def _root_parts(root: str) -> tuple[list[str], list[str]]:
    parts = [p for p in root.replace("\\", "/").split("/") if p and p != "."]
    return parts, [p.casefold() for p in parts]


def _split_path(path: str, root: str | None) -> tuple[tuple[str, ...], str]:
    """(folders below root, file name) for a '/' or '\\' separated path."""
    parts = path.replace("\\", "/").split("/")
    if "" in parts or "." in parts or ".." in parts:
        parts = [p for p in parts if p and p != "." and p != ".."]
    if root and (path[:1] in "/\\" or path[1:2] == ":"):
        # Only an absolute path can be placed under the root; a relative one already is.
        rparts, rfolded = _root_parts(root)
        n = len(rparts)
        if rparts and len(parts) > n and (
            parts[:n] == rparts or [p.casefold() for p in parts[:n]] == rfolded
        ):
            parts = parts[n:]
    if not parts:
        return (), ""
    return tuple(parts[-7:-1]), parts[-1]


def _strip_ext(name: str) -> str:
    base, dot, ext = name.rpartition(".")
    if not dot or not base or len(ext) > 5 or not ext.isalnum() or ext.isdigit():
        return name
    if ext.lower() not in _VIDEO_EXTS:
        base2, dot2, ext2 = base.rpartition(".")
        if dot2 and base2 and ext2.lower() in _VIDEO_EXTS:
            return base2  # "movie.mkv.part"
    return base


def _same(a: str, b: str) -> bool:
    ca, cb = _compact(a), _compact(b)
    return bool(ca) and ca == cb


def _related(file_title: str, folder_title: str) -> bool:
    """Whether a file name looks like a (possibly mangled) form of its folder's title."""
    cf, cd = _compact(file_title), _compact(folder_title)
    if not cf or not cd:
        return False
    if cf == cd:
        return True
    shorter = min(len(cf), len(cd))
    return shorter >= 4 and (cd in cf or cf.startswith(cd) or cd.startswith(cf))


def _prefer_cased(file_title: str, folder_title: str) -> str:
    """Of two spellings of the same title, the one a human wrote (with capitals)."""
    if folder_title and _same(file_title, folder_title):
        if file_title == file_title.lower() or (
            folder_title != folder_title.lower() and not file_title.isascii()
            and folder_title.isascii()
        ):
            return folder_title
        if folder_title != folder_title.lower() and len(folder_title) >= len(file_title):
            # Folder has punctuation the file lost ("Marvel's" vs "Marvels").
            return folder_title
    return file_title


def parse_path(path: str, root: str | None = None) -> ParsedName:
    """Parse a video file's path (absolute or relative, '/' or '\\' separated, need not
    exist) into what the catalog needs. ``root`` is the library folder: names above it are
    never used as titles. Never raises."""
    try:
        return _parse_path(path, root)
    except Exception:  # pragma: no cover - a bug must not stop a scan
        name = str(path).replace("\\", "/").rsplit("/", 1)[-1]
        return ParsedName(kind="movie", title=_fix_text(name) or "Unknown")


def _parse_path(path: str, root: str | None) -> ParsedName:
    path = _fix_text(path)
    if root:
        root = _fix_text(root)
    folders, name = _split_path(path, root)
    stem = _strip_ext(name).strip()
    raw = _parse_name(stem) if stem else _Raw(generic=True)
    ctx = _folder_context(folders) if folders else _Ctx()
    folder = ctx.title

    # Home videos: camera names, or anything inside a camera/home-video folder, where the
    # file name as written is the best label ("Christmas 2019").
    if raw.camera or ctx.home:
        title = raw.title if raw.camera else _clean(_normalise_dots(stem.replace("_", " ")))
        return ParsedName(
            kind="other", title=title or stem or "Unknown", year=raw.year,
            air_date=raw.air_date if raw.camera else None, extra=raw.extra or ctx.extra,
        )

    extra = raw.extra or ctx.extra
    season = raw.season
    episodes = raw.episodes
    episode_title = raw.episode_title
    in_show = ctx.season is not None
    is_episode = bool(episodes) or season is not None or raw.air_date is not None

    if not is_episode and not extra and raw.generic and folder is not None and (
        folder.episodes or folder.air_date
    ):
        # Obfuscated file inside a single-episode release folder.
        return _episode_from(folder, raw, folder.title, folder.year)

    # Bare numbers and "Show - 05" become episodes where folders say "this is a show".
    # A file named the scene way in lower case ("sparks-drive.avi", "rovers-bob.s01e06.mkv")
    # abbreviates the title its release folder spells out.
    abbrev = folder is not None and folder.release and stem == stem.lower() and " " not in stem
    collection = folder is not None and _COLLECTION_RE.search(folder.title) is not None
    if not is_episode and not extra:
        if raw.numeric is not None and (
            in_show or raw.generic or (raw.rest and folder is not None and not collection)
        ):
            # "Season 1/02 - Title.mkv", "Show/02 - Title.mkv", "Show/1.mkv"; but not
            # "Movie (2010)/1.mkv" nor "Some Collection/01 - Film.mkv".
            if in_show or (folder is not None and not folder.year):
                episodes = (_season_split(raw.numeric, ctx.season),)
                episode_title = raw.rest
                is_episode = True
        elif raw.dash_num is not None and (
            in_show or raw.dash_strong
            or (folder is not None and not folder.year and _related(raw.show or "", folder.title))
        ):
            num = raw.dash_num
            if not raw.group:
                num = _season_split(num, ctx.season)
            episodes = (num,)
            is_episode = True
            if raw.dash_season is not None and season is None:
                season = raw.dash_season
        elif raw.trailing is not None and in_show:
            episodes = (_season_split(raw.trailing, ctx.season),)
            is_episode = True
        elif in_show:
            is_episode = True
    if is_episode and not extra:
        if season is None:
            season = ctx.season
        show_title = raw.title if not (raw.numeric is not None and episodes) else ""
        if raw.show is not None and episodes and not raw.episodes:
            show_title = raw.show
        if raw.trailing is not None and episodes and not raw.episodes:
            show_title = _clean(_TRAILING_NUM_RE.sub("", show_title))
        show_year = raw.year
        if folder is not None and (ctx.in_season_dir or not show_title or raw.generic):
            show_title, show_year = folder.title, folder.year or show_year
        elif folder is not None and folder.season is not None and not ctx.in_season_dir:
            # Season-pack folder "Show.S01.1080p": its show name is the cleaner one.
            if abbrev and not _same(show_title, folder.title):
                show_title, show_year = folder.title, folder.year or show_year
            elif _related(show_title, folder.title):
                show_title = _prefer_cased(show_title, folder.title)
                show_year = show_year or folder.year
        elif folder is not None and _same(show_title, folder.title):
            show_title = _prefer_cased(show_title, folder.title)
            show_year = show_year or folder.year
        if not show_title:
            show_title = _clean(stem.replace("_", " ").replace(".", " ")) or stem or "Unknown"
        return ParsedName(
            kind="episode", title=show_title, year=show_year, season=season,
            episodes=tuple(episodes), part=raw.part, version=raw.label, extra=None,
            episode_title=episode_title, air_date=raw.air_date, resolution=raw.resolution,
            edition=raw.edition,
        )

    # Movies, and extras of movies or shows.
    title, year = raw.title, raw.year
    if folder is not None:
        use_folder = (
            (extra and not raw.episodes)
            or raw.generic
            or not title
            or (year is None and folder.year is not None and _related(title, folder.title))
            or (abbrev and not _same(title, folder.title) and year in (None, folder.year)
                and not folder.episodes and folder.season is None)
        )
        if use_folder:
            title, year = folder.title, folder.year
        elif _same(title, folder.title) and (year is None or year == folder.year):
            title = _prefer_cased(title, folder.title)
            year = year or folder.year
    if raw.rest and collection and raw.numeric is not None and _LIST_NUM_RE.match(stem):
        title = raw.rest  # "Harry Potter Collection/01 - Harry Potter and the ..."
    if not title:
        title = _clean(_normalise_dots(stem.replace("_", " "))) or stem or "Unknown"
    kind = "movie"
    if extra and (ctx.season is not None or raw.episodes):
        kind = "episode"
    return ParsedName(
        kind=kind, title=title, year=year,
        season=(raw.season if raw.season is not None else ctx.season) if kind == "episode"
        else None,
        episodes=raw.episodes if kind == "episode" else (),
        part=raw.part, version=None if extra else raw.label, extra=extra,
        resolution=raw.resolution, edition=raw.edition,
    )


def _season_split(num: int, season: int | None) -> int:
    """Old-style "305" inside a "Season 3" folder is season 3, episode 5."""
    if season and season < 10 and 100 <= num < 1000 and num // 100 == season:
        return num % 100
    return num


def _episode_from(folder: _Raw, raw: _Raw, title: str, year: int | None) -> ParsedName:
    return ParsedName(
        kind="episode", title=title, year=year, season=folder.season, episodes=folder.episodes,
        part=raw.part, version=folder.label, episode_title=folder.episode_title,
        air_date=folder.air_date, resolution=folder.resolution or raw.resolution,
        edition=folder.edition,
    )


def clear_caches() -> None:
    """Forget every per-folder and per-token cache (benchmarks time cold passes with it)."""
    _folder_context.cache_clear()
    _classify_bracket.cache_clear()
    _compact.cache_clear()
    _root_parts.cache_clear()


def is_home_folder(name: str) -> bool:
    """Whether a folder name only says "home videos" or "camera" (DCIM, Camera Roll...)."""
    return " ".join(name.split()).casefold() in _HOME_DIRS
