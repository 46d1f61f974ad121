"""Find the ``.nfo`` and artwork files that belong to a video, show or season (Kodi/Jellyfin rules).

The scanner already holds each directory's listing from :func:`os.scandir`, so everything here
works on *names* and never touches the file system: it is pure, fast and easy to test.

Rules, in short:

* ``<stem>.nfo``, ``<stem>-poster.jpg``, ``<stem>-fanart.jpg``, ``<stem>.jpg`` / ``<stem>.tbn``
  (thumb)... always belong to the video named ``<stem>.<ext>``.
* Folder-wide names (``movie.nfo``, ``poster.jpg``, ``fanart.jpg``, ``folder.jpg``,
  ``banner.jpg``, ``logo.png``...) belong to the video only when its folder holds a single title
  (possibly several versions or parts). Only the scanner can decide that, hence the
  ``single_title_folder`` flag: in a flat "Movies" folder they would be claimed by every film.
* Multi-part and multi-version stems also accept their base stem's files: ``Movie-cd1.avi``
  takes ``Movie.nfo`` and ``Movie-poster.jpg``; ``Movie (2010) - 1080p.mkv`` takes
  ``Movie (2010).nfo``. A bare ``Title - Label`` split (no year) is only trusted in a
  single-title folder, since "Star Wars - A New Hope" is not a version of "Star Wars".
* Matching is case-insensitive (file systems vary) but the real name is returned. An exact-case
  match wins when a case-sensitive file system holds both spellings.
* Names may carry surrogate escapes (undecodable bytes from ``os.fsdecode``); they are compared
  as opaque strings and never encoded, so they cannot raise.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

__all__ = [
    "IMAGE_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "NameIndex",
    "Sidecars",
    "find_season_sidecars",
    "find_show_sidecars",
    "find_sidecars",
]

VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".mkv", ".mp4", ".m4v", ".avi", ".mov", ".wmv", ".ts", ".m2ts", ".mts", ".webm",
        ".mpg", ".mpeg", ".mpe", ".vob", ".ogv", ".ogm", ".ogg", ".flv", ".3gp", ".divx", ".xvid",
        ".rmvb", ".rm", ".asf", ".iso", ".img", ".m2v", ".mxf", ".dv",
        # streaming manifests and Kodi's one-line URL files
        ".m3u8", ".mpd", ".strm",
    }
)  # fmt: skip
"""Lower-case extensions (with the dot) the library treats as videos (an ``.ogg`` only when it
holds a video stream: :func:`mediacenter.library.sniff.ogg_has_video`)."""

IMAGE_EXTENSIONS: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".webp", ".tbn", ".gif"})
"""Lower-case extensions (with the dot) accepted as artwork."""

# Tried in this order when several formats of the same artwork exist.
_IMAGE_ORDER: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".webp", ".tbn", ".gif")

# Artwork named after the video: "<stem>-<suffix>.<img>" -> kind, first suffix found wins.
_STEM_ART: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("poster", ("poster", "cover")),
    ("fanart", ("fanart", "backdrop", "background")),
    ("banner", ("banner",)),
    ("clearlogo", ("clearlogo", "logo")),
    ("landscape", ("landscape",)),
    ("thumb", ("thumb",)),
    ("disc", ("disc", "discart")),
    ("clearart", ("clearart",)),
    ("characterart", ("characterart",)),
    ("keyart", ("keyart",)),
)

# Folder-wide artwork "<name>.<img>" -> kind; used for single-title folders, shows and seasons.
_FOLDER_ART: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("poster", ("poster", "cover", "default")),
    ("fanart", ("fanart", "backdrop", "background", "art")),
    ("banner", ("banner",)),
    ("clearlogo", ("clearlogo", "logo")),
    ("landscape", ("landscape", "thumb")),
    ("disc", ("disc", "discart", "cdart")),
    ("clearart", ("clearart",)),
    ("characterart", ("characterart",)),
    ("keyart", ("keyart",)),
    ("folder", ("folder",)),
)

# Season artwork kept in the show folder: "season01-poster.jpg", "season-all-banner.png"...
_SEASON_ART: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("poster", ("poster",)),
    ("fanart", ("fanart", "backdrop")),
    ("banner", ("banner",)),
    ("landscape", ("landscape", "thumb")),
    ("clearlogo", ("clearlogo", "logo")),
)

# "Movie-cd1", "Movie.part2", "Movie disc 3", "Movie_dvd-a" (marker at the end of the stem).
_PART_RE = re.compile(
    r"^(.*?\S)[\s._-]*[\s._-](?:cd|dvd|part|pt|dis[ck])[\s._-]*(?:\d{1,3}|[a-d])$",
    re.IGNORECASE,
)
# "Movie (2010) - 1080p", "Movie (2010) [Director's Cut]", "Movie (2010).extended".
_YEAR_ANCHOR_RE = re.compile(r"^(.*?[(\[](?:19|20)\d{2}[)\]])\s*[-_.]?\s*\S.*$")
_ENDS_WITH_YEAR_RE = re.compile(r"[(\[](?:19|20)\d{2}[)\]]$")
_VERSION_SEP = " - "


@dataclass
class Sidecars:
    """Files found for one item, by real name (in the same folder unless documented otherwise).

    ``nfo`` lists candidates most specific first (read the first that parses); ``artwork`` maps
    a kind ("poster", "fanart", "banner", "clearlogo", "thumb", "landscape", "disc", "clearart",
    "characterart", "keyart", "folder") to a file name. ``folder`` is kept apart from
    ``poster`` because Kodi uses it as a generic folder thumbnail: use it as a poster fallback.
    """

    nfo: list[str] = field(default_factory=list)
    artwork: dict[str, str] = field(default_factory=dict)


class NameIndex(Collection[str]):
    """A directory listing with case-insensitive lookup that returns the real name.

    Every ``find_*`` function builds one from the names it is given; a scanner that calls
    :func:`find_sidecars` for each of many videos in one directory can build it once and pass
    it instead of the plain list, turning O(videos x files) into O(videos + files).
    """

    __slots__ = ("_by_lower", "_names")

    def __init__(self, names: Iterable[str]) -> None:
        self._names: frozenset[str] = frozenset(names)
        by_lower: dict[str, str] = {}
        # Sorted so that, when a case-sensitive FS holds "Poster.jpg" and "poster.jpg", the
        # choice is stable from one scan to the next.
        for name in sorted(self._names):
            by_lower.setdefault(name.lower(), name)
        self._by_lower = by_lower

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def get(self, name: str) -> str | None:
        """The real name matching ``name`` case-insensitively, exact case preferred."""
        if name in self._names:
            return name
        return self._by_lower.get(name.lower())

    def first_image(self, base: str) -> str | None:
        """``base`` + the first image extension present, in :data:`_IMAGE_ORDER` order."""
        for ext in _IMAGE_ORDER:
            found = self.get(base + ext)
            if found is not None:
                return found
        return None


def _index(names: Collection[str]) -> NameIndex:
    return names if isinstance(names, NameIndex) else NameIndex(names)


def _split_ext(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


def _base_stems(stem: str, *, single_title_folder: bool) -> list[str]:
    """Less specific stems whose sidecars a part/version file also accepts, longest first."""
    found: list[str] = []
    pending = [stem]
    while pending:
        current = pending.pop()
        candidates: list[str] = []
        m = _PART_RE.match(current)
        if m:
            candidates.append(m.group(1).rstrip(" ._-"))
        m = _YEAR_ANCHOR_RE.match(current)
        if m:
            candidates.append(m.group(1))
        cut = current.rfind(_VERSION_SEP)
        if cut > 0:
            base = current[:cut].rstrip()
            if single_title_folder or _ENDS_WITH_YEAR_RE.search(base):
                candidates.append(base)
        for base in candidates:
            if base and base != stem and base not in found:
                found.append(base)
                pending.append(base)
    found.sort(key=len, reverse=True)
    return found


def _add_stem_art(index: NameIndex, stem: str, artwork: dict[str, str]) -> None:
    for kind, suffixes in _STEM_ART:
        if kind in artwork:
            continue
        for suffix in suffixes:
            found = index.first_image(f"{stem}-{suffix}")
            if found is not None:
                artwork[kind] = found
                break
    if "thumb" not in artwork:
        found = index.first_image(stem)
        if found is not None:
            artwork["thumb"] = found


def _add_named_art(
    index: NameIndex,
    table: tuple[tuple[str, tuple[str, ...]], ...],
    artwork: dict[str, str],
    prefix: str = "",
) -> None:
    for kind, names in table:
        if kind in artwork:
            continue
        for name in names:
            found = index.first_image(prefix + name)
            if found is not None:
                artwork[kind] = found
                break


def _add_nfo(index: NameIndex, name: str, nfo: list[str]) -> None:
    found = index.get(name)
    if found is not None and found not in nfo:
        nfo.append(found)


def find_sidecars(
    video_name: str, names_in_dir: Collection[str], *, single_title_folder: bool
) -> Sidecars:
    """The NFO candidates and artwork in ``names_in_dir`` that belong to ``video_name``.

    ``single_title_folder`` says the folder holds one title (maybe several versions/parts), so
    folder-wide names like ``movie.nfo`` and ``poster.jpg`` are this video's too.
    """
    index = _index(names_in_dir)
    stem = _split_ext(video_name)
    stems = [stem, *_base_stems(stem, single_title_folder=single_title_folder)]
    result = Sidecars()
    for s in stems:
        _add_nfo(index, s + ".nfo", result.nfo)
    if single_title_folder:
        _add_nfo(index, "movie.nfo", result.nfo)
    for s in stems:
        _add_stem_art(index, s, result.artwork)
    if single_title_folder:
        _add_named_art(index, _FOLDER_ART, result.artwork)
    return result


def find_show_sidecars(names_in_show_dir: Collection[str]) -> Sidecars:
    """``tvshow.nfo`` and the show-wide artwork (poster, fanart, banner, logo, folder...)."""
    index = _index(names_in_show_dir)
    result = Sidecars()
    _add_nfo(index, "tvshow.nfo", result.nfo)
    _add_named_art(index, _FOLDER_ART, result.artwork)
    return result


def _season_prefixes(season_number: int | None) -> list[str]:
    if season_number is None:
        return ["season-all"]
    if season_number == 0:
        return ["season-specials", "season00", "season0"]
    prefixes = [f"season{season_number:02d}", f"season{season_number}"]
    return list(dict.fromkeys(prefixes))


def find_season_sidecars(
    season_number: int | None,
    season_dir_names: Collection[str] | None,
    show_dir_names: Collection[str],
) -> Sidecars:
    """``season.nfo`` and artwork for one season (``None`` = Kodi's "all seasons" entry).

    ``season_dir_names`` is the listing of the season's own folder, or ``None`` when episodes
    sit directly in the show folder. Precedence: files in the season folder (``poster.jpg``,
    ``folder.jpg``...), then ``seasonNN-<kind>.<img>`` in the show folder (``season-specials-``
    for season 0), then ``seasonNN.<img>``/``.tbn`` as poster, then ``season-all-<kind>`` as a
    last resort for a numbered season.

    ``nfo`` names are always in the season folder; an ``artwork`` name is in the season folder
    when it is in ``season_dir_names``, else in the show folder.
    """
    result = Sidecars()
    if season_dir_names is not None:
        season_index = _index(season_dir_names)
        _add_nfo(season_index, "season.nfo", result.nfo)
        _add_named_art(season_index, _FOLDER_ART, result.artwork)
    show_index = _index(show_dir_names)
    prefixes = _season_prefixes(season_number)
    for prefix in prefixes:
        _add_named_art(show_index, _SEASON_ART, result.artwork, prefix=prefix + "-")
    if "poster" not in result.artwork:
        for prefix in prefixes:
            found = show_index.first_image(prefix)
            if found is not None:
                result.artwork["poster"] = found
                break
    if season_number is not None:
        _add_named_art(show_index, _SEASON_ART, result.artwork, prefix="season-all-")
    return result
