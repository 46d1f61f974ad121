"""Read Kodi-style ``.nfo`` sidecar files (as written by Kodi, Jellyfin, Sonarr, Radarr, tMM...).

An NFO file is untrusted input found next to a user's videos, so this module is defensive first:

* it parses with :mod:`defusedxml` only and refuses any DTD, entity declaration or external
  reference outright (billion laughs, quadratic blowup, XXE) -- nothing is ever expanded or
  fetched;
* it refuses files larger than :data:`MAX_NFO_BYTES` before parsing, so a stray multi-gigabyte
  file named ``.nfo`` cannot exhaust memory;
* every failure on a bad file is an :class:`NfoError` carrying a short human reason, so the
  scanner can log it and move on without a catch-all.

Shapes handled, because real libraries contain all of them:

* one XML root (``<movie>``, ``<tvshow>``, ``<season>``, ``<episodedetails>``, ``<musicvideo>``);
* several ``<episodedetails>`` roots in one file (multi-episode files; not well-formed XML, so
  they are wrapped in a synthetic root, with every XML declaration removed first);
* "hybrid" files: XML followed by a scraper URL on the last line;
* link-only files: just a URL, or free text (e.g. a scene ``.nfo`` with ASCII art) containing an
  IMDb / TMDb / TheTVDB link -> ``NfoInfo(kind="link", ids=...)``;
* UTF-8 with or without BOM, UTF-16/32 with BOM (or BOM-less UTF-16 XML), any encoding declared
  in the XML header (e.g. ISO-8859-1), and mislabelled Windows-1252 as a last resort.

The scanner reads thousands of these, so all regular expressions are compiled once at import
and the XML tree is walked one level deep, once per root.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import math
import os
import re
import stat
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat

import defusedxml.ElementTree as _defused_et
from defusedxml import DefusedXmlException

__all__ = [
    "MAX_NFO_BYTES",
    "MAX_NFO_ROOTS",
    "NfoError",
    "NfoInfo",
    "Person",
    "parse_nfo_bytes",
    "read_nfo",
]

MAX_NFO_BYTES = 5 * 1024 * 1024
"""Largest NFO accepted. Real ones are a few KB; 18 KB with full artwork lists is already big."""

MAX_NFO_ROOTS = 1000
"""Most root elements (episodes) accepted in one file; real multi-episode files hold a few."""

ROOT_KINDS: dict[str, str] = {
    "movie": "movie",
    "tvshow": "tvshow",
    "season": "season",
    "episodedetails": "episode",
    "musicvideo": "musicvideo",
}

_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)

_WRAPPER_TAG = "mediacenter-nfo-wrapper"
_WRAP_OPEN = f"<{_WRAPPER_TAG}>"
_WRAP_CLOSE = f"</{_WRAPPER_TAG}>"

# --- compiled once: the scanner calls this module thousands of times -------------------------
# Every repetition that could run across a hostile 5 MB blob is bounded, so no pattern here can
# go quadratic.

_XML_DECL_BYTES_RE = re.compile(
    rb"""^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._:\-]*)["']"""
)
_XML_DECL_RE = re.compile(r"<\?xml\s[^<>]{0,1000}\?>")
_BARE_AMP_RE = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#[xX][0-9a-fA-F]+);)")
# Separators only; parts are stripped afterwards ("\s*[/,]\s*" is quadratic on long blanks).
_LIST_SPLIT_RE = re.compile(r"[/|;,]")  # genres, countries: "Action / Adventure", "A, B"
_NAME_SPLIT_RE = re.compile(r"[/|;,]")  # directors/writers: "A / B", trailing "Name,"
_STUDIO_SPLIT_RE = re.compile(r"[/|]")  # studio and tag names may contain commas
_INT_RE = re.compile(r"[-+]?\d+")
_MAX_INT_DIGITS = 18  # int() refuses > 4300 digits; nothing sane in an NFO needs > 18
_FLOAT_RE = re.compile(r"[-+]?\d+(?:\.\d+)?")
_MAX_RUNTIME_MIN = 100_000  # ~70 days: anything longer is a typo or seconds
_MAX_RUNTIME_CHARS = 64  # "2 hours 22 minutes 10 seconds" is the longest sane form
_LINK_SCAN_CHARS = 64 * 1024
_DATE_RE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:$|[T\s])")
_DATE_DMY_RE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_CLOCK_RE = re.compile(r"^(\d{1,4}):(\d{1,2})(?::(\d{1,2}))?$")
_DURATION_PART_RE = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)?(?![a-z])",
    re.IGNORECASE,
)
_IMDB_URL_RE = re.compile(r"imdb\.[a-z.]{1,20}/\S{0,200}?(tt\d{5,10})", re.IGNORECASE)
_TMDB_URL_RE = re.compile(r"themoviedb\.org/(?:3/)?(movie|tv)/(\d{1,12})", re.IGNORECASE)
_TVDB_QUERY_RE = re.compile(
    r"thetvdb\.com/\S{0,200}?[?&;](?:seriesid|id)=(\d{1,12})", re.IGNORECASE
)
_TVDB_SERIESID_RE = re.compile(r"thetvdb\.com/\S{0,200}?[?&;]seriesid=(\d{1,12})", re.IGNORECASE)
_TVDB_PATH_RE = re.compile(
    r"thetvdb\.com/(?:dereferrer/)?series/([A-Za-z0-9_\-]{1,120})", re.IGNORECASE
)
_EXTERNAL_DECL_RE = re.compile(r"<!(?:DOCTYPE|ENTITY)[^<>\[]{0,1000}?\s(?:SYSTEM|PUBLIC)\s")
_BARE_IMDB_RE = re.compile(r"(?<![A-Za-z0-9])(tt\d{5,10})(?![0-9])")

_ID_TYPE_ALIASES = {
    "themoviedb": "tmdb",
    "thetvdb": "tvdb",
    "imdb_id": "imdb",
    "tmdb_id": "tmdb",
    "tvdb_id": "tvdb",
}
_EXPLICIT_ID_TAGS = {"imdbid": "imdb", "imdb_id": "imdb", "tmdbid": "tmdb", "tvdbid": "tvdb"}
_PERSON_TYPES = {"gueststar": "guest", "guest star": "guest", "guest": "guest"}
_CREDIT_TAGS = {
    "director": "director",
    "credits": "writer",
    "writer": "writer",
    "producer": "producer",
    "artist": "artist",
}


class NfoError(Exception):
    """A file that cannot be used as an NFO, with a short human reason as the message.

    Examples: ``malformed XML at line 3, column 4: mismatched tag``, ``refused: entity
    declarations (possible entity-expansion attack)``, ``refused: file larger than 5 MB``,
    ``not an NFO root element <foo>``. ``path`` is set by :func:`read_nfo`.
    """

    def __init__(self, reason: str, path: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


@dataclass
class Person:
    """Someone credited in an NFO.

    ``role`` is the kind of credit ("actor", "guest", "director", "writer", "producer",
    "artist", or any other lower-cased Jellyfin ``<type>``); ``character`` is who an actor plays.
    """

    name: str
    role: str
    character: str | None = None
    order: int | None = None


@dataclass
class NfoInfo:
    """What one NFO root element says about one title (a file may hold several episodes)."""

    kind: str
    title: str | None = None
    original_title: str | None = None
    sort_title: str | None = None
    year: int | None = None
    premiered: str | None = None
    plot: str | None = None
    outline: str | None = None
    tagline: str | None = None
    genres: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    studios: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    rating: float | None = None
    votes: int | None = None
    mpaa: str | None = None
    runtime_min: int | None = None
    ids: dict[str, str] = field(default_factory=dict)
    season: int | None = None
    episode: int | None = None
    show_title: str | None = None
    set_name: str | None = None


# --- public entry points -----------------------------------------------------------------------


def read_nfo(path: str | os.PathLike[str]) -> list[NfoInfo]:
    """Read and parse the NFO at ``path``; one :class:`NfoInfo` per root (episode) in the file.

    Raises :class:`NfoError` for anything wrong with the file, including I/O errors, so callers
    scanning a library need exactly one ``except``. The size cap is checked on the open file
    before reading, and the read itself is bounded too (the file may grow meanwhile).
    """
    fspath = os.fsdecode(os.fspath(path))
    try:
        # O_NONBLOCK: opening a FIFO named ".nfo" must not hang the scanner (no-op for files).
        fd = os.open(fspath, os.O_RDONLY | _O_NONBLOCK | _O_BINARY)
        with open(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise NfoError("not a regular file", fspath)
            if st.st_size > MAX_NFO_BYTES:
                raise NfoError(_too_large_reason(), fspath)
            data = fh.read(MAX_NFO_BYTES + 1)
    except NfoError:
        raise
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise NfoError(f"cannot read file: {reason}", fspath) from exc
    except ValueError as exc:  # e.g. an embedded NUL in the path
        raise NfoError(f"cannot read file: {exc}", fspath) from exc
    try:
        return parse_nfo_bytes(data)
    except NfoError as exc:
        exc.path = fspath
        raise


def parse_nfo_bytes(data: bytes) -> list[NfoInfo]:
    """Parse the raw bytes of an NFO file. See the module docstring for the accepted shapes.

    Raises :class:`NfoError` (and nothing else) when the bytes are not a usable NFO.
    """
    if len(data) > MAX_NFO_BYTES:
        raise NfoError(_too_large_reason())
    if not data.strip():
        raise NfoError("empty file")
    text = _decode(data)
    body = text.lstrip("\ufeff \t\r\n\x0b\x0c\xa0")
    if not body:
        raise NfoError("empty file")
    if not body.startswith("<"):
        return [_link_only(body)]
    try:
        return _parse_xml_text(text)
    except NfoError:
        raise
    except Exception as exc:  # a bug or an exotic parser failure must not escape as such
        raise NfoError(f"unreadable NFO ({exc.__class__.__name__}: {exc})") from exc


# --- decoding ----------------------------------------------------------------------------------


def _too_large_reason() -> str:
    return f"refused: file larger than {MAX_NFO_BYTES // (1024 * 1024)} MB"


def _decode(data: bytes) -> str:
    """Bytes -> text: BOM first, then BOM-less UTF-16 sniffing, then the XML declaration.

    Decoding ourselves (rather than letting expat do it) lets multi-root files be wrapped and
    hybrid trailers be cut on text. Undeclared non-UTF-8 bytes are taken as Windows-1252 (what
    old Windows tools wrote), falling back to Latin-1, which cannot fail.
    """
    encoding: str | None = None
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data[:2] == b"<\x00":
        encoding = "utf-16-le"
    elif data[:2] == b"\x00<":
        encoding = "utf-16-be"
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise NfoError(f"invalid {encoding.upper()} text: {exc.reason}") from exc
    else:
        if b"\x00" in data:
            raise NfoError("binary data, not a text NFO")
        declared = None
        match = _XML_DECL_BYTES_RE.match(data[:256])
        if match:
            declared = match.group(1).decode("ascii").lower()
            try:
                codecs.lookup(declared)
            except LookupError:
                declared = None
        text = _decode_lenient(data, declared or "utf-8")
    if "\x00" in text:
        raise NfoError("binary data, not a text NFO")
    return text


def _decode_lenient(data: bytes, encoding: str) -> str:
    for enc in (encoding, "utf-8", "cp1252"):
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


# --- link-only and hybrid ----------------------------------------------------------------------


def _ids_from_text(text: str) -> dict[str, str]:
    """Database ids from the URLs Kodi accepts in link-only / hybrid NFO files.

    Only the first :data:`_LINK_SCAN_CHARS` characters are searched: real link files (even
    scene ``.nfo`` files with ASCII art) are a few KB, and this keeps a hostile 5 MB blob of
    near-URLs from costing seconds.
    """
    text = text[:_LINK_SCAN_CHARS]
    ids: dict[str, str] = {}
    m = _IMDB_URL_RE.search(text)
    if m:
        ids["imdb"] = m.group(1).lower()
    m = _TMDB_URL_RE.search(text)
    if m:
        ids["tmdb"] = m.group(2)
    m = _TVDB_SERIESID_RE.search(text) or _TVDB_QUERY_RE.search(text)
    if m:
        ids["tvdb"] = m.group(1)
    else:
        m = _TVDB_PATH_RE.search(text)
        if m:
            value = m.group(1)
            if value.isdigit():
                ids["tvdb"] = value
            else:
                ids["tvdb_slug"] = value.lower()
    if "imdb" not in ids:
        m = _BARE_IMDB_RE.search(text)
        if m and "imdb" in text.lower():
            ids["imdb"] = m.group(1)
    return ids


def _link_only(text: str) -> NfoInfo:
    ids = _ids_from_text(text)
    if not ids:
        raise NfoError("not an NFO: no XML root element and no IMDb/TMDb/TheTVDB link")
    return NfoInfo(kind="link", ids=ids)


# --- XML ---------------------------------------------------------------------------------------


def _blank_decl(match: re.Match[str]) -> str:
    # Keep newlines so parser line numbers still match the file.
    return "\n" * match.group(0).count("\n")


def _parse_xml_text(text: str) -> list[NfoInfo]:
    _refuse_dtd(text)
    # Declarations are removed: the text is already decoded (an encoding="..." left in would
    # confuse expat), and a multi-episode file has one per episode.
    if "<?xml" in text:
        text = _XML_DECL_RE.sub(_blank_decl, text)
    # Hybrid NFO: a URL (or other text) after the last tag.
    last_gt = text.rfind(">")
    trailer = ""
    if last_gt >= 0:
        tail = text[last_gt + 1 :]
        if tail.strip() and "<" not in tail:
            trailer = tail
            text = text[: last_gt + 1]

    roots = _parse_roots(text)
    if len(roots) > MAX_NFO_ROOTS:
        raise NfoError(f"refused: more than {MAX_NFO_ROOTS} root elements")
    infos = [_info_from_root(root) for root in roots]
    if trailer:
        for key, value in _ids_from_text(trailer).items():
            for info in infos:
                info.ids.setdefault(key, value)
    return infos


def _refuse_dtd(text: str) -> None:
    """Refuse any DOCTYPE before parsing, with a reason that says which attack it could be.

    defusedxml (``forbid_dtd=True``) would refuse it too; this check exists for the message, and
    because inside the multi-root wrapper a DOCTYPE would only show up as a syntax error.
    """
    if "<!DOCTYPE" not in text and "<!ENTITY" not in text:
        return
    if _EXTERNAL_DECL_RE.search(text):
        raise NfoError("refused: external entity or DTD reference (possible XXE attack)")
    if "<!ENTITY" in text:
        raise NfoError("refused: entity declarations (possible entity-expansion attack)")
    raise NfoError("refused: DTD declaration (not allowed in NFO files)")


_JUNK_AFTER_ROOT = expat.errors.codes[expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]


def _parse_roots(text: str, *, allow_fix: bool = True) -> list[Element]:
    try:
        return [_fromstring(text)]
    except ParseError as exc:
        error, shift = exc, 0
    if error.code == _JUNK_AFTER_ROOT:
        # Several root elements (multi-episode file): wrap them. No newline is added, so line
        # numbers in errors stay true.
        try:
            roots = list(_fromstring(_WRAP_OPEN + text + _WRAP_CLOSE))
        except ParseError as exc:
            error, shift = exc, len(_WRAP_OPEN)
        else:
            if not roots:
                raise NfoError("no XML root element")
            return roots
    if allow_fix and "&" in text:
        fixed = _BARE_AMP_RE.sub("&amp;", text)
        if fixed != text:
            # Hand-edited files often have a bare "&" ("Tom & Jerry", "&nbsp;"): escape, retry.
            try:
                return _parse_roots(fixed, allow_fix=False)
            except NfoError:
                pass
    raise _malformed(error, column_shift=shift) from error


def _fromstring(text: str) -> Element:
    try:
        return _defused_et.fromstring(
            text, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:  # normally pre-empted by _refuse_dtd
        name = exc.__class__.__name__
        raise NfoError(f"refused: {name} (DTDs and entities are not allowed)") from exc


def _malformed(exc: ParseError, column_shift: int) -> NfoError:
    line, column = getattr(exc, "position", (0, 0))
    if line == 1 and column_shift:
        column = max(0, column - column_shift)
    try:
        why = expat.ErrorString(exc.code)
    except Exception:
        why = str(exc)
    return NfoError(f"malformed XML at line {line}, column {column}: {why}")


# --- field extraction --------------------------------------------------------------------------


def _text(el: Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    value = el.text.strip()
    return value or None


def _first_text(children: dict[str, list[Element]], *tags: str) -> str | None:
    for tag in tags:
        for el in children.get(tag, ()):
            value = _text(el)
            if value is not None:
                return value
    return None


def _parse_int(value: str | None) -> int | None:
    if value is None:
        return None
    m = _INT_RE.match(value.strip().replace(",", "").replace(" ", ""))
    if not m or len(m.group(0).lstrip("+-")) > _MAX_INT_DIGITS:
        return None
    return int(m.group(0))


def _parse_float(value: str | None) -> float | None:
    if value is None:
        return None
    m = _FLOAT_RE.match(value.strip().replace(",", "."))
    if not m:
        return None
    number = float(m.group(0))
    return number if math.isfinite(number) else None


def _parse_date(value: str | None) -> tuple[int | None, str | None]:
    """``(year, iso_date)`` from "2017-04-30", "2017-04-30 17:26:51", "2017", "30.04.2017"."""
    if value is None:
        return None, None
    value = value.strip()
    m = _DATE_RE.match(value)
    if m:
        year, month, day = m.group(1), m.group(2), m.group(3)
    else:
        m = _DATE_DMY_RE.match(value)
        if not m:
            return None, None
        day, month, year = m.group(1), m.group(2), m.group(3)
    y = int(year)
    if not 1800 <= y <= 2200:  # "0001-01-01" is Jellyfin's "no date"
        return None, None
    if month is None or day is None:
        return y, None
    try:
        return y, _dt.date(y, int(month), int(day)).isoformat()
    except ValueError:
        return y, None


def _parse_runtime(value: str | None) -> int | None:
    """Minutes from "142", "142 min", "2h 22m", "2:22", "1:30:00"; 0 or junk -> None."""
    if value is None:
        return None
    value = value.strip().lower()[:_MAX_RUNTIME_CHARS]
    m = _CLOCK_RE.match(value)
    if m:
        a, b, c = int(m.group(1)), int(m.group(2)), m.group(3)
        minutes = a * 60 + b + (1 if c is not None and int(c) >= 30 else 0)
        return minutes or None
    total = 0.0
    found = False
    for number, unit in _DURATION_PART_RE.findall(value):
        amount = float(number.replace(",", "."))
        found = True
        if not unit or unit.startswith("m"):
            total += amount
        elif unit.startswith("h"):
            total += amount * 60
        else:
            total += amount / 60
    if not found or not math.isfinite(total):
        return None
    minutes = round(total)
    return minutes if 0 < minutes <= _MAX_RUNTIME_MIN else None


def _split_unique(values: list[str], splitter: re.Pattern[str], into: list[str]) -> None:
    seen = {v.casefold() for v in into}
    for raw in values:
        for part in splitter.split(raw):
            part = part.strip()
            key = part.casefold()
            if part and key not in seen:
                seen.add(key)
                into.append(part)


def _texts(children: dict[str, list[Element]], tag: str) -> list[str]:
    out = []
    for el in children.get(tag, ()):
        value = _text(el)
        if value is not None:
            out.append(value)
    return out


def _rating_from(children: dict[str, list[Element]]) -> tuple[float | None, int | None]:
    """``<ratings><rating default="true">`` wins, then ``<rating>``, then the first rating."""
    default: tuple[float | None, int | None] = (None, None)
    first: tuple[float | None, int | None] = (None, None)
    for ratings in children.get("ratings", ()):
        for rating in ratings:
            if not isinstance(rating.tag, str) or rating.tag.lower() != "rating":
                continue
            value = votes = None
            for sub in rating:
                if not isinstance(sub.tag, str):
                    continue
                sub_tag = sub.tag.lower()
                if sub_tag == "value":
                    value = _parse_float(_text(sub))
                elif sub_tag == "votes":
                    votes = _parse_int(_text(sub))
            if value is None and _text(rating) is not None:
                value = _parse_float(_text(rating))
            value = _scaled_rating(value, rating.get("max"))
            if value is None:
                continue
            votes = votes if votes is not None and votes >= 0 else None
            is_default = (rating.get("default") or "").strip().lower() == "true"
            if is_default and default[0] is None:
                default = (value, votes)
            if first[0] is None:
                first = (value, votes)
    if default[0] is not None:
        return default
    plain = _scaled_rating(_parse_float(_first_text(children, "rating")), None)
    if plain is not None:
        votes_plain = _parse_int(_first_text(children, "votes"))
        return plain, votes_plain if votes_plain is not None and votes_plain >= 0 else None
    return first


def _scaled_rating(value: float | None, max_attr: str | None) -> float | None:
    if value is None:
        return None
    top = _parse_float(max_attr)
    if top is not None and top > 0 and top != 10:
        value = value * 10.0 / top
    if not 0.0 <= value <= 10.0:
        return None
    return round(value, 3)


def _people_from(children: dict[str, list[Element]]) -> list[Person]:
    people: list[Person] = []
    seen: set[tuple[str, str, str | None]] = set()

    def add(person: Person) -> None:
        key = (person.name.casefold(), person.role, person.character)
        if key not in seen:
            seen.add(key)
            people.append(person)

    for actor in children.get("actor", ()):
        name = character = kind = None
        order: int | None = None
        for sub in actor:
            if not isinstance(sub.tag, str):
                continue
            sub_tag = sub.tag.lower()
            if sub_tag == "name":
                name = _text(sub)
            elif sub_tag == "role":
                character = _text(sub)
            elif sub_tag in ("order", "sortorder") and order is None:
                order = _parse_int(_text(sub))
            elif sub_tag == "type":
                kind = _text(sub)
        if name is None:
            continue
        role = "actor"
        if kind:
            role = _PERSON_TYPES.get(kind.lower(), kind.lower())
        add(Person(name=name, role=role, character=character, order=order))

    for tag, role in _CREDIT_TAGS.items():
        for el in children.get(tag, ()):
            value = _text(el)
            if value is None:  # Kodi v20 style <producer><name>..</name></producer>
                for sub in el:
                    if isinstance(sub.tag, str) and sub.tag.lower() == "name":
                        value = _text(sub)
                        break
            if value is None:
                continue
            for part in _NAME_SPLIT_RE.split(value):
                part = part.strip()
                if part:
                    add(Person(name=part, role=role))
    return people


def _ids_from(children: dict[str, list[Element]], kind: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for el in children.get("uniqueid", ()):
        value = _text(el)
        id_type = (el.get("type") or "").strip().lower()
        if value is None or not id_type or id_type == "unknown":
            continue
        id_type = _ID_TYPE_ALIASES.get(id_type, id_type)
        if (el.get("default") or "").strip().lower() == "true" or id_type not in ids:
            ids[id_type] = value
    for tag, id_type in _EXPLICIT_ID_TAGS.items():
        value = _first_text(children, tag)
        if value is not None:
            ids.setdefault(id_type, value)
    for el in children.get("id", ()):
        for attr, attr_value in el.attrib.items():  # <id IMDB="tt.." TMDB="..">
            id_type = _ID_TYPE_ALIASES.get(attr.lower(), attr.lower())
            if id_type in ("imdb", "tmdb", "tvdb") and attr_value.strip():
                ids.setdefault(id_type, attr_value.strip())
        value = _text(el)
        if value is None:
            continue
        if value.lower().startswith("tt") and value[2:].isdigit():
            ids.setdefault("imdb", value)
        elif value.isdigit() and not ids:
            # A bare number is the scraper's own id: TMDb for movies, TheTVDB for TV (Kodi's
            # historical defaults). Only trusted when nothing more explicit was given.
            ids["tmdb" if kind in ("movie", "musicvideo") else "tvdb"] = value
    return ids


def _set_name(children: dict[str, list[Element]]) -> str | None:
    for el in children.get("set", ()):
        value = _text(el)
        if value is not None:
            return value
        for sub in el:
            if isinstance(sub.tag, str) and sub.tag.lower() == "name":
                value = _text(sub)
                if value is not None:
                    return value
    return None


def _non_negative(value: int | None) -> int | None:
    return value if value is not None and value >= 0 else None


def _info_from_root(root: Element) -> NfoInfo:
    tag = root.tag.lower() if isinstance(root.tag, str) else ""
    kind = ROOT_KINDS.get(tag)
    if kind is None:
        shown = tag if len(tag) <= 40 else tag[:40] + "..."
        raise NfoError(f"not an NFO root element <{shown}>")

    children: dict[str, list[Element]] = {}
    for child in root:
        if isinstance(child.tag, str):  # skip comments / processing instructions
            children.setdefault(child.tag.lower(), []).append(child)

    info = NfoInfo(kind=kind)
    info.title = _first_text(children, "title")
    info.original_title = _first_text(children, "originaltitle")
    info.sort_title = _first_text(children, "sorttitle")
    info.show_title = _first_text(children, "showtitle")
    info.plot = _first_text(children, "plot")
    info.outline = _first_text(children, "outline")
    info.tagline = _first_text(children, "tagline")
    info.mpaa = _first_text(children, "mpaa", "certification")

    year, _ = _parse_date(_first_text(children, "year"))
    for date_tag in ("premiered", "releasedate", "aired"):
        date_year, iso = _parse_date(_first_text(children, date_tag))
        if iso is not None:
            info.premiered = iso
            year = year or date_year
            break
        year = year or date_year
    info.year = year

    _split_unique(_texts(children, "genre"), _LIST_SPLIT_RE, info.genres)
    _split_unique(_texts(children, "country"), _LIST_SPLIT_RE, info.countries)
    _split_unique(_texts(children, "studio"), _STUDIO_SPLIT_RE, info.studios)
    _split_unique(_texts(children, "tag"), _STUDIO_SPLIT_RE, info.tags)

    info.people = _people_from(children)
    info.rating, info.votes = _rating_from(children)
    info.runtime_min = _parse_runtime(_first_text(children, "runtime"))
    info.ids = _ids_from(children, kind)
    info.set_name = _set_name(children)

    if kind == "episode":
        info.season = _non_negative(_parse_int(_first_text(children, "season")))
        info.episode = _non_negative(_parse_int(_first_text(children, "episode")))
    elif kind == "season":
        # In a tvshow.nfo <season> is a *count*; in season.nfo Jellyfin writes <seasonnumber>.
        info.season = _non_negative(_parse_int(_first_text(children, "seasonnumber", "season")))
    return info
