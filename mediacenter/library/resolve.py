"""From a file's name, folder and sidecars to the titles it belongs to.

Pure logic over what the walk found (names, never the file system except reading ``.nfo``
files through :class:`NfoCache`). NFO values win over names; the catalog key of a title is
derived so that several versions and parts of one title land on the same row.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field

from mediacenter.humanize import friendly_date
from mediacenter.library.naming import ParsedName, is_home_folder, parse_path
from mediacenter.library.nfo import NfoError, NfoInfo, Person, read_nfo
from mediacenter.library.sidecars import (
    NameIndex,
    Sidecars,
    find_season_sidecars,
    find_show_sidecars,
    find_sidecars,
)
from mediacenter.library.story_scan import StoryFinder, StoryRef
from mediacenter.library.walk import WalkedDir, WalkedFile

_SEASON_DIR = re.compile(
    r"^(?:season|series|saison|staffel|temporada|stagione|seizoen|s)[ ._-]*(\d{1,4})$"
    r"|^(specials?|extras? season)$",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_ARTICLES = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
# A camera clip's title as the name parser gives it: "2023-07-04 18:15:02" (time optional).
_CAMERA_STAMP = re.compile(r"^\d{4}-\d\d-\d\d(?: (\d\d:\d\d)(?::\d\d)?)?$")
_SEPARATORS = re.compile(r"[-_ .:]")
_DCF_FOLDER = re.compile(r"^\d{3}[A-Z0-9_]{5}$")  # a camera's own folders: 100APPLE, 101MEDIA


def norm_key(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used in catalog keys."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", text).strip()


def title_key(title: str) -> str:
    """:func:`norm_key`, or the title itself when it has no letters or digits at all ("🎄",
    "!!!"), so such titles do not all collapse onto one catalog row."""
    return norm_key(title) or title.casefold().strip() or "?"


def sort_title(title: str) -> str:
    return _ARTICLES.sub("", title).casefold()


def is_season_dir(name: str) -> bool:
    return bool(_SEASON_DIR.match(name.strip()))


@dataclass
class TitleSpec:
    """Everything the catalog stores about one title, before it has an id."""

    key: str
    kind: str
    title: str
    parent: TitleSpec | None = None
    year: int | None = None
    original_title: str | None = None
    plot: str | None = None
    outline: str | None = None
    tagline: str | None = None
    rating: float | None = None
    votes: int | None = None
    mpaa: str | None = None
    runtime_min: int | None = None
    premiered: str | None = None
    imdb_id: str | None = None
    tmdb_id: str | None = None
    tvdb_id: str | None = None
    season_number: int | None = None
    episode_number: int | None = None
    episode_end: int | None = None
    air_date: str | None = None
    nfo_path: str | None = None
    genres: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    artwork: dict[str, str] = field(default_factory=dict)

    @property
    def metadata_source(self) -> str:
        return "nfo" if self.nfo_path else "name"

    @property
    def show(self) -> TitleSpec | None:
        node = self
        while node.parent is not None:
            node = node.parent
        return node if node is not self else None


@dataclass
class FilePlan:
    """How one walked file enters the catalog."""

    file: WalkedFile
    parsed: ParsedName
    title: TitleSpec | None  # None for an extra whose title could not be found
    version_key: str
    version_label: str
    part: int | None
    extra: str | None
    problems: list[tuple[str, str]] = field(default_factory=list)
    story: StoryRef | None = None  # the version is an interactive title


class NfoCache:
    """Reads each ``.nfo`` once per scan; remembers failures with their reason."""

    def __init__(self) -> None:
        self._cache: dict[str, list[NfoInfo] | NfoError] = {}

    def get(self, path: str) -> list[NfoInfo] | NfoError:
        hit = self._cache.get(path)
        if hit is None:
            try:
                hit = read_nfo(path)
            except NfoError as exc:
                hit = exc
            self._cache[path] = hit
        return hit


def _apply_nfo(spec: TitleSpec, info: NfoInfo, path: str) -> None:
    if info.kind != "link":
        spec.nfo_path = path
        if info.title:
            spec.title = info.title
        for attr in ("year", "plot", "outline", "tagline", "rating", "votes", "mpaa",
                     "runtime_min", "premiered"):
            value = getattr(info, attr)
            if value not in (None, ""):
                setattr(spec, attr, value)
        if info.original_title and info.original_title != spec.title:
            spec.original_title = info.original_title
        if not spec.plot and info.outline:
            spec.plot = info.outline
        spec.genres = list(info.genres)
        spec.tags = list(info.tags)
        spec.people = list(info.people)
    else:
        spec.nfo_path = spec.nfo_path or path
    spec.imdb_id = info.ids.get("imdb") or spec.imdb_id
    spec.tmdb_id = info.ids.get("tmdb") or spec.tmdb_id
    spec.tvdb_id = info.ids.get("tvdb") or spec.tvdb_id


def _first_nfo(
    root: str, dir_rel: str, names: list[str], cache: NfoCache, kinds: tuple[str, ...],
    problems: list[tuple[str, str]],
) -> tuple[list[NfoInfo], str] | None:
    for name in names:
        path = os.path.join(root, dir_rel, name) if dir_rel else os.path.join(root, name)
        got = cache.get(path)
        if isinstance(got, NfoError):
            rel = f"{dir_rel}/{name}" if dir_rel else name
            problems.append((rel, f"nfo: {got}"))
            continue
        matching = [i for i in got if i.kind in kinds or i.kind == "link"]
        if matching:
            return matching, path
    return None


def _art_paths(root: str, dir_rel: str, sidecars: Sidecars) -> dict[str, str]:
    base = os.path.join(root, dir_rel) if dir_rel else root
    return {kind: os.path.join(base, name) for kind, name in sidecars.artwork.items()}


def _parent_rel(rel: str) -> str:
    return rel.rpartition("/")[0]


def _basename(rel: str) -> str:
    return rel.rpartition("/")[2]


class Resolver:
    """Builds :class:`FilePlan` objects for the files of one root, folder by folder."""

    def __init__(self, root: str, root_id: int, root_kind: str, dirs: dict[str, WalkedDir]):
        self.root = root
        self.root_id = root_id
        self.root_kind = root_kind
        self.dirs = dirs
        self.nfo = NfoCache()
        self._parsed: dict[str, ParsedName] = {}
        self._single: dict[str, str | None] = {}
        self._shows: dict[str, TitleSpec] = {}
        self._seasons: dict[tuple[str, int], TitleSpec] = {}
        self._indexes: dict[str, NameIndex] = {}
        self.stories = StoryFinder(root)

    def names(self, dir_rel: str) -> NameIndex:
        """The folder's listing, indexed once for the many sidecar look-ups made in it."""
        hit = self._indexes.get(dir_rel)
        if hit is None:
            wdir = self.dirs.get(dir_rel)
            hit = NameIndex(wdir.names if wdir is not None else ())
            self._indexes[dir_rel] = hit
        return hit

    def parse(self, rel: str) -> ParsedName:
        hit = self._parsed.get(rel)
        if hit is None:
            hit = parse_path(rel)
            if self.root_kind == "home" and hit.kind != "other":
                hit = ParsedName(kind="other", title=hit.title, year=hit.year, extra=hit.extra)
            self._parsed[rel] = hit
        return hit

    def _folder_movie_key(self, dir_rel: str) -> str | None:
        """The movie key shared by every main video of a folder, or None if it holds several
        titles (or is the library root, which never belongs to a single title)."""
        if dir_rel in self._single:
            return self._single[dir_rel]
        key: str | None = None
        wdir = self.dirs.get(dir_rel)
        if dir_rel and wdir is not None:
            keys = set()
            for name in wdir.videos:
                p = self.parse(f"{dir_rel}/{name}")
                if p.extra:
                    continue
                keys.add((p.kind, title_key(p.title), p.year))
            if len(keys) == 1:
                kind, title, year = keys.pop()
                if kind == "movie":
                    key = f"movie:{title}:{year or ''}"
        self._single[dir_rel] = key
        return key

    def _main_videos(self, dir_rel: str) -> list[str]:
        """The folder's videos that are not extras, in name order."""
        wdir = self.dirs.get(dir_rel)
        names = wdir.videos if wdir is not None else []
        prefix = f"{dir_rel}/" if dir_rel else ""
        return sorted((n for n in names if not self.parse(prefix + n).extra), key=str.lower)

    def _story(self, f: WalkedFile, parsed: ParsedName) -> StoryRef | None:
        if parsed.extra:
            return None
        names = self.names(f.dir_rel)
        if not any(n.lower().endswith("story.json") for n in names):
            return None  # the common case, without listing the folder's videos
        ref = self.stories.find(f.dir_rel, f.name, names, self._main_videos(f.dir_rel))
        if ref is not None and ref.layout == "folder" and not f.dir_rel:
            return None  # the library folder itself is never one title
        return ref

    def _story_folder_plan(self, f: WalkedFile, parsed: ParsedName, story: StoryRef,
                           problems: list[tuple[str, str]]) -> FilePlan:
        """A segment video of a story folder: a part of the one version of the title the
        folder is (named after the folder, its .nfo and artwork the folder's)."""
        folder = _basename(f.dir_rel) or f.name
        named = parse_path(f"{folder}.mkv")
        # One title, whatever the segments' names say: the folder's .nfo and art are its own.
        self._single[f.dir_rel] = f"story:{f.dir_rel}"
        pseudo = WalkedFile(rel=f"{f.dir_rel}/{folder}.mkv", dir_rel=f.dir_rel,
                            name=f"{folder}.mkv", size=0, mtime_ns=0, kind="video")
        title = self._movie(pseudo, ParsedName(kind="movie", title=named.title or folder,
                                               year=named.year), problems)
        part = self._main_videos(f.dir_rel).index(f.name) + 1
        return FilePlan(f, parsed, title, f"{self.root_id}:{f.dir_rel}:story", "", part, None,
                        problems, story)

    def plan(self, f: WalkedFile) -> FilePlan:
        parsed = self.parse(f.rel)
        problems: list[tuple[str, str]] = []
        story = self._story(f, parsed)
        if story is not None and story.layout == "folder":
            return self._story_folder_plan(f, parsed, story, problems)
        if parsed.extra:
            title = self._extra_owner(f, parsed)
        elif parsed.kind == "episode":
            title = self._episode(f, parsed, problems)
        elif parsed.kind == "movie":
            title = self._movie(f, parsed, problems)
        else:
            title = self._other(f, parsed, problems)
        label = parsed.version or ""
        version_key = ""  # extras belong to a title but are no version of it
        if not parsed.extra:
            # Parts of one version share a folder and a label; any other file is a version
            # of its own (two 1080p copies from different sources stay two versions).
            if parsed.part is not None:
                version_key = f"{self.root_id}:{f.dir_rel}:{label.casefold()}"
            else:
                version_key = f"{self.root_id}:{f.rel}"
        return FilePlan(f, parsed, title, version_key, label, parsed.part, parsed.extra, problems,
                        story)

    def _movie(self, f: WalkedFile, parsed: ParsedName, problems: list) -> TitleSpec:
        single = self._folder_movie_key(f.dir_rel) is not None
        sidecars = find_sidecars(f.name, self.names(f.dir_rel), single_title_folder=single)
        spec = TitleSpec(key="", kind="movie", title=parsed.title, year=parsed.year)
        found = _first_nfo(self.root, f.dir_rel, sidecars.nfo, self.nfo, ("movie",), problems)
        if found:
            infos, path = found
            _apply_nfo(spec, infos[0], path)
        spec.artwork = _art_paths(self.root, f.dir_rel, sidecars)
        spec.key = f"movie:{title_key(spec.title)}:{spec.year or ''}"
        return spec

    def _other(self, f: WalkedFile, parsed: ParsedName, problems: list) -> TitleSpec:
        sidecars = find_sidecars(f.name, self.names(f.dir_rel), single_title_folder=False)
        spec = TitleSpec(
            key=f"other:{self.root_id}:{f.rel}", kind="other",
            title=self._home_video_title(f, parsed), year=parsed.year,
        )
        found = _first_nfo(self.root, f.dir_rel, sidecars.nfo, self.nfo, ("movie", "musicvideo"),
                           problems)
        if found:
            _apply_nfo(spec, found[0][0], found[1])
        spec.artwork = _art_paths(self.root, f.dir_rel, sidecars)
        return spec

    def _home_video_title(self, f: WalkedFile, parsed: ParsedName) -> str:
        """A camera clip's timestamp as a person says it, after its folder's name when the
        folder has one ("Beach trip · 4 July 2023"); the time only where the folder holds
        other clips of that day ("4 July 2023, 18:15")."""
        stamp = _CAMERA_STAMP.match(parsed.title or "")
        if not parsed.air_date or stamp is None:
            return parsed.title
        title = friendly_date(parsed.air_date)
        day = parsed.air_date.replace("-", "")
        if stamp.group(1) and sum(
                1 for n in self.names(f.dir_rel) if day in _SEPARATORS.sub("", n)) > 1:
            title += f", {stamp.group(1)}"
        folder = _basename(f.dir_rel) if f.dir_rel else ""
        if folder and not is_home_folder(folder) and not _DCF_FOLDER.match(folder):
            title = f"{folder} · {title}"
        return title

    def _show_dir(self, dir_rel: str) -> tuple[str | None, str | None]:
        """(show folder, season folder) for a file's folder; None where there is none."""
        if dir_rel and is_season_dir(_basename(dir_rel)):
            parent = _parent_rel(dir_rel)
            return (parent or None), dir_rel
        return (dir_rel or None), None

    def _show_spec(self, show_dir: str | None, parsed: ParsedName, problems: list) -> TitleSpec:
        # A show's own folder (season folders, tvshow.nfo) makes one show of every episode
        # in it; a flat folder ("Downloads") holds episodes of many shows, told apart by name.
        own = show_dir is not None and self._looks_like_show_dir(show_dir)
        cache_key = show_dir if own and show_dir is not None else \
            f"{show_dir or ''}\0{norm_key(parsed.title)}"
        spec = self._shows.get(cache_key)
        if spec is not None:
            return spec
        spec = TitleSpec(key="", kind="show", title=parsed.title)
        if show_dir is not None and (own or (show_dir in self.dirs and norm_key(
            _basename(show_dir)
        ).startswith(norm_key(parsed.title)))):
            sidecars = find_show_sidecars(self.names(show_dir))
            found = _first_nfo(self.root, show_dir, sidecars.nfo, self.nfo, ("tvshow",), problems)
            if found:
                _apply_nfo(spec, found[0][0], found[1])
            spec.artwork = _art_paths(self.root, show_dir, sidecars)
        # "Doctor Who (1963)" and "Doctor Who (2005)" are two shows.
        spec.year = spec.year or parsed.year
        spec.key = f"show:{title_key(spec.title)}" + (f":{spec.year}" if spec.year else "")
        self._shows[cache_key] = spec
        return spec

    def _episode(self, f: WalkedFile, parsed: ParsedName, problems: list) -> TitleSpec:
        show_dir, season_dir = self._show_dir(f.dir_rel)
        show = self._show_spec(show_dir, parsed, problems)
        season_no = parsed.season
        if season_no is None and parsed.air_date:
            season_no = int(parsed.air_date[:4])
        if season_no is None:
            season_no = 1
        season = self._seasons.get((show.key, season_no))
        if season is None:
            label = "Specials" if season_no == 0 else f"Season {season_no}"
            season = TitleSpec(
                key=f"season:{show.key}:{season_no}", kind="season", title=label, parent=show,
                season_number=season_no,
            )
            show_names = self.names(show_dir) if show_dir is not None else NameIndex(())
            season_names = self.names(season_dir) if season_dir in self.dirs else None
            sidecars = find_season_sidecars(season_no, season_names, show_names)
            nfo_dir = season_dir if season_dir is not None else show_dir
            if nfo_dir is not None:
                found = _first_nfo(self.root, nfo_dir, sidecars.nfo, self.nfo, ("season",),
                                   problems)
                if found and found[0][0].kind == "season":
                    info = found[0][0]
                    season.nfo_path = found[1]
                    season.plot = info.plot
                    season.year = info.year
                    if info.title:
                        season.title = info.title
            season_set = set(season_names or ())
            season.artwork = {
                kind: os.path.join(
                    self.root, (season_dir if name in season_set else show_dir) or "", name
                )
                for kind, name in sidecars.artwork.items()
            }
            self._seasons[(show.key, season_no)] = season
        episodes = parsed.episodes
        first = episodes[0] if episodes else None
        last = episodes[-1] if len(episodes) > 1 else None
        if first is not None:
            ep_key = f"episode:{show.key}:{season_no}:{first}"
        elif parsed.air_date:
            ep_key = f"episode:{show.key}:date:{parsed.air_date}"
        else:
            ep_key = f"episode:{show.key}:file:{norm_key(_basename(f.rel))}"
        name = parsed.episode_title or (
            f"Episode {first}" if first is not None else (parsed.air_date or f.name)
        )
        spec = TitleSpec(
            key=ep_key, kind="episode", title=name, parent=season, season_number=season_no,
            episode_number=first, episode_end=last, air_date=parsed.air_date,
        )
        sidecars = find_sidecars(f.name, self.names(f.dir_rel), single_title_folder=False)
        found = _first_nfo(self.root, f.dir_rel, sidecars.nfo, self.nfo, ("episode",), problems)
        if found:
            infos, path = found
            eps = [i for i in infos if i.kind == "episode"]
            if eps:
                _apply_nfo(spec, eps[0], path)
                if len(eps) > 1:
                    spec.title = " / ".join(i.title for i in eps if i.title) or spec.title
                    plots = [i.plot for i in eps if i.plot]
                    spec.plot = "\n\n".join(plots) if plots else spec.plot
            elif infos:
                _apply_nfo(spec, infos[0], path)
        spec.artwork = _art_paths(self.root, f.dir_rel, sidecars)
        return spec

    def _looks_like_show_dir(self, dir_rel: str) -> bool:
        wdir = self.dirs.get(dir_rel)
        if wdir is None:
            return False
        for name in wdir.names:
            if name.lower() == "tvshow.nfo":
                return True
            if is_season_dir(name) and f"{dir_rel}/{name}" in self.dirs:
                return True
        return False

    def _extra_owner(self, f: WalkedFile, parsed: ParsedName) -> TitleSpec | None:
        """The title an extra belongs to: the nearest folder above it that holds one movie,
        or a show folder. None when the extra stands alone (it is kept, but not shown)."""
        # Kodi's flat form: "Alien (1979)-trailer.mkv" beside "Alien (1979).mkv", in a folder
        # that may hold other films too.
        want = (title_key(parsed.title), parsed.year)
        wdir = self.dirs.get(f.dir_rel)
        for w in wdir.files if wdir is not None else ():
            p = self.parse(w.rel)
            if not p.extra and p.kind == "movie" and (title_key(p.title), p.year) == want:
                return self._movie(w, p, [])
        owner_dir = f.dir_rel
        while owner_dir:
            key = self._folder_movie_key(owner_dir)
            if key is not None:
                # Resolve the folder's main video like the movie itself (its .nfo may rename
                # it), so the extra lands on that title and not on one keyed by file name.
                mains = sorted(
                    (w for w in self.dirs[owner_dir].files if not self.parse(w.rel).extra),
                    key=lambda w: w.name,
                )
                if mains:
                    return self._movie(mains[0], self.parse(mains[0].rel), [])
                return TitleSpec(key=key, kind="movie", title=parsed.title, year=parsed.year)
            if self._looks_like_show_dir(owner_dir):
                return self._show_spec(owner_dir, parsed, [])
            owner_dir = _parent_rel(owner_dir)
        return None
