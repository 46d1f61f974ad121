"""Importing a ratings file a person already has: MovieLens, Letterboxd, IMDb.

Supported exports (the format is recognised from the header; ``--format`` forces one):

- **MovieLens website** (``movielens-ratings.csv``): ``movie_id,imdb_id,tmdb_id,rating,...,
  title``; stars 0.5-5.
- **MovieLens research** (``ratings.csv``): ``userId,movieId,rating,timestamp`` of one user,
  with ``links.csv`` (IMDb/TMDb ids) and/or ``movies.csv`` (titles) beside it to say which film
  a ``movieId`` is.
- **Letterboxd** (``ratings.csv`` / ``diary.csv``): ``Date,Name,Year,Letterboxd URI,Rating``;
  stars 0.5-5. Rows without a rating (``watched.csv``) are skipped and reported.
- **IMDb** (``ratings.csv``): ``Const,Your Rating,Date Rated,Title,...,Year,...``; 1-10, halved.

Rows are matched to the catalog's movies and shows by IMDb id, then TMDb id, then normalised
title + year (a year off by one is accepted when it is the only candidate: release years differ
between sites), then title alone when the row has no year and one title fits. Every row that is
not imported is reported with its line and why - nothing is dropped silently. Matches are stored
in ``ratings`` (``source = 'import'``, the 0.5-5 value, the row's date); importing the same file
again replaces, never duplicates.
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from mediacenter.db.tx import transaction

FORMATS = ("auto", "movielens", "letterboxd", "imdb")
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_ROWS = 500_000


class RatingsImportError(ValueError):
    """The file cannot be imported at all (unreadable, unknown format, several users)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    title: str | None
    year: int | None
    reason: str

    def to_json_dict(self) -> dict:
        return {"line": self.line, "title": self.title, "year": self.year, "reason": self.reason}


@dataclass
class ImportReport:
    path: str
    format: str
    rows: int = 0
    matched: int = 0
    by: dict[str, int] = field(default_factory=dict)  # imdb / tmdb / title+year / title
    unmatched: list[RowProblem] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)  # unusable rows (no rating...)

    def to_json_dict(self) -> dict:
        return {"path": self.path, "format": self.format, "rows": self.rows,
                "matched": self.matched, "matched_by": self.by,
                "unmatched": [p.to_json_dict() for p in self.unmatched],
                "skipped": [p.to_json_dict() for p in self.skipped]}


@dataclass(frozen=True)
class RatingRow:
    """One row of an export, before matching."""

    line: int
    stars: float | None  # 0.5-5, None when the row has none
    at: float | None
    title: str | None = None
    year: int | None = None
    imdb: int | None = None
    tmdb: int | None = None
    problem: str | None = None  # set when the row itself is unusable


# -- reading ---------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise RatingsImportError(f"No such file: {path}") from None
    except OSError as exc:
        raise RatingsImportError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise RatingsImportError(f"{path} is not a file")
    if size > MAX_IMPORT_BYTES:
        raise RatingsImportError(
            f"{path} is {size // (1024 * 1024)} MiB; a ratings export is far smaller "
            f"(limit {MAX_IMPORT_BYTES // (1024 * 1024)} MiB)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RatingsImportError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    if b"\x00" in raw[:65536]:
        raise RatingsImportError(f"{path} is not a text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # older IMDb exports


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    digits = re.sub(r"\D", "", text)
    return int(digits) if digits and len(digits) <= 12 else None


def _year(text: str | None) -> int | None:
    y = _int(text)
    return y if y is not None and 1870 <= y <= 2100 else None


def _date(text: str | None) -> float | None:
    if not text:
        return None
    text = text.strip()
    if re.fullmatch(r"\d{9,11}", text):
        return float(text)
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%a %b %d %H:%M:%S %Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    return None


def _stars(text: str | None, scale: float) -> tuple[float | None, str | None]:
    if text is None or not text.strip():
        return None, "no rating"
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None, f"rating {text.strip()[:20]!r} is not a number"
    stars = value / scale
    if not 0.5 <= stars <= 5.0:
        return None, f"rating {text.strip()[:20]} is outside the scale"
    return round(stars * 2) / 2, None


_TITLE_YEAR = re.compile(r"^(.*?)\s*\((\d{4})\)\s*$")


def _split_title(text: str | None) -> tuple[str | None, int | None]:
    if not text:
        return None, None
    text = text.strip()
    m = _TITLE_YEAR.match(text)
    if m:
        return m.group(1), _year(m.group(2))
    return text, None


def detect_format(header: list[str]) -> str | None:
    h = {c.strip().lower() for c in header}
    if {"const", "your rating"} <= h:
        return "imdb"
    if {"name", "letterboxd uri"} <= h or {"name", "year", "rating", "date"} <= h:
        return "letterboxd"
    if {"movie_id", "rating"} <= h or {"userid", "movieid", "rating"} <= h:
        return "movielens"
    return None


def _rows(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RatingsImportError(f"Not a CSV file: {exc}") from None
    if not header:
        raise RatingsImportError("The file is empty")
    keys = [h.strip() for h in header]

    def gen() -> Iterator[tuple[int, dict[str, str]]]:
        n = 0
        try:
            for row in reader:
                n += 1
                if n > MAX_ROWS:
                    raise RatingsImportError(f"More than {MAX_ROWS} rows: not a personal export")
                if not row or not "".join(row).strip():
                    continue
                yield reader.line_num, {k: (row[i] if i < len(row) else "")
                                        for i, k in enumerate(keys)}
        except csv.Error as exc:
            raise RatingsImportError(f"Line {reader.line_num}: {exc}") from None

    return keys, gen()


def _ml_lookup(path: Path) -> tuple[dict[int, tuple[int | None, int | None]],
                                    dict[int, tuple[str, int | None]]]:
    """movieId -> (imdb, tmdb) from links.csv and movieId -> (title, year) from movies.csv."""
    links: dict[int, tuple[int | None, int | None]] = {}
    movies: dict[int, tuple[str, int | None]] = {}
    for name, target in (("links.csv", links), ("movies.csv", movies)):
        f = path.with_name(name)
        if not f.is_file():
            continue
        _keys, rows = _rows(_read_text(f))
        for _line, row in rows:
            mid = _int(row.get("movieId"))
            if mid is None:
                continue
            if name == "links.csv":
                target[mid] = (_int(row.get("imdbId")), _int(row.get("tmdbId")))  # type: ignore
            else:
                target[mid] = _split_title(row.get("title"))  # type: ignore
    return links, movies


def parse_ratings_file(path: str | os.PathLike[str], fmt: str = "auto"
                       ) -> tuple[str, list[RatingRow]]:
    """(format, rows) of an export; raises :class:`RatingsImportError` when unusable."""
    if fmt not in FORMATS:
        raise RatingsImportError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    p = Path(path)
    keys, rows = _rows(_read_text(p))
    found = detect_format(keys)
    if fmt == "auto":
        if found is None:
            raise RatingsImportError(
                f"{p.name} is not a MovieLens, Letterboxd or IMDb ratings export "
                f"(its header is {','.join(keys)[:100]!r})")
        fmt = found
    elif found != fmt:
        raise RatingsImportError(f"{p.name} does not look like a {fmt} export "
                                 f"(its header is {','.join(keys)[:100]!r})")
    lower = {k.lower(): k for k in keys}

    def get(row: dict[str, str], name: str) -> str | None:
        k = lower.get(name.lower())
        return row.get(k) if k is not None else None

    out: list[RatingRow] = []
    if fmt == "imdb":
        for line, row in rows:
            stars, problem = _stars(get(row, "Your Rating"), 2.0)
            title = (get(row, "Title") or "").strip() or None
            out.append(RatingRow(line, stars, _date(get(row, "Date Rated")), title,
                                 _year(get(row, "Year")), _int(get(row, "Const")), None,
                                 problem))
    elif fmt == "letterboxd":
        for line, row in rows:
            stars, problem = _stars(get(row, "Rating"), 1.0)
            at = _date(get(row, "Watched Date")) or _date(get(row, "Date"))
            out.append(RatingRow(line, stars, at, (get(row, "Name") or "").strip() or None,
                                 _year(get(row, "Year")), problem=problem))
    elif "userid" in lower:
        links, movies = _ml_lookup(p)
        users: set[str] = set()
        for line, row in rows:
            users.add((get(row, "userId") or "").strip())
            if len(users) > 1:
                raise RatingsImportError(
                    f"{p.name} holds the ratings of several users; a personal export has one "
                    "(split it by userId first)")
            stars, problem = _stars(get(row, "rating"), 1.0)
            mid = _int(get(row, "movieId"))
            imdb, tmdb = links.get(mid, (None, None)) if mid is not None else (None, None)
            title, year = movies.get(mid, (None, None)) if mid is not None else (None, None)
            if problem is None and mid is not None and not links and not movies:
                problem = ("movieId cannot be identified: put links.csv or movies.csv "
                           "beside the file")
            out.append(RatingRow(line, stars, _date(get(row, "timestamp")),
                                 title or (f"movieId {mid}" if mid is not None else None),
                                 year, imdb, tmdb, problem))
    else:  # MovieLens website export
        for line, row in rows:
            stars, problem = _stars(get(row, "rating"), 1.0)
            title, year = _split_title(get(row, "title"))
            out.append(RatingRow(line, stars, None, title, year, _int(get(row, "imdb_id")),
                                 _int(get(row, "tmdb_id")), problem))
    return fmt, out


# -- matching --------------------------------------------------------------------------------


def normalize_title(text: str) -> str:
    """Lower-case, accents and punctuation out, "&" as "and", a trailing ", The" moved."""
    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = re.sub(r"^(.*), (the|a|an|le|la|les|der|die|das|el)$", r"\2 \1", t.strip())
    t = t.replace("&", " and ")
    t = re.sub(r"[^\w]+", " ", t)
    return " ".join(t.split())


@dataclass
class CatalogMatcher:
    """Lookups over the catalog's movies and shows."""

    by_imdb: dict[int, int]
    by_tmdb: dict[int, int]
    by_title: dict[str, list[tuple[int, int | None]]]

    @classmethod
    def from_db(cls, db: sqlite_utils.Database) -> CatalogMatcher:
        by_imdb: dict[int, int] = {}
        by_tmdb: dict[int, int] = {}
        by_title: dict[str, list[tuple[int, int | None]]] = {}
        for tid, title, original, year, imdb, tmdb in db.conn.execute(
            "SELECT id, title, original_title, year, imdb_id, tmdb_id FROM titles "
            "WHERE kind IN ('movie', 'show') AND removed_at IS NULL ORDER BY id"
        ):
            if (i := _int(imdb)) is not None:
                by_imdb.setdefault(i, tid)
            if (t := _int(tmdb)) is not None:
                by_tmdb.setdefault(t, tid)
            for name in {title, original} - {None, ""}:
                by_title.setdefault(normalize_title(name), []).append((tid, year))
        return cls(by_imdb, by_tmdb, by_title)

    def match(self, row: RatingRow) -> tuple[int | None, str]:
        """(title id, how) or (None, why not)."""
        if row.imdb is not None and row.imdb in self.by_imdb:
            return self.by_imdb[row.imdb], "imdb"
        if row.tmdb is not None and row.tmdb in self.by_tmdb:
            return self.by_tmdb[row.tmdb], "tmdb"
        if not row.title:
            return None, "no title or id to match"
        cands = self.by_title.get(normalize_title(row.title), [])
        if not cands:
            return None, "not in the library"
        ids = sorted({tid for tid, _ in cands})
        if row.year is not None:
            exact = sorted({tid for tid, y in cands if y == row.year})
            if len(exact) == 1:
                return exact[0], "title+year"
            if len(exact) > 1:
                return None, f"{len(exact)} titles in the library match"
            near = sorted({tid for tid, y in cands if y is not None and abs(y - row.year) == 1})
            if len(near) == 1:
                return near[0], "title+year"
            no_year = sorted({tid for tid, y in cands if y is None})
            if len(no_year) == 1 and len(ids) == 1:
                return no_year[0], "title"
            years = sorted({y for _, y in cands if y is not None})
            return None, ("in the library only as " +
                          ", ".join(f"{row.title} ({y})" for y in years[:3]))
        if len(ids) == 1:
            return ids[0], "title"
        return None, f"{len(ids)} titles in the library match; the row has no year"


def import_ratings(db: sqlite_utils.Database, profile_id: int,
                   path: str | os.PathLike[str], fmt: str = "auto") -> ImportReport:
    """Import a ratings export for ``profile_id``; see the module doc. One transaction."""
    if db.conn.execute("SELECT 1 FROM profiles WHERE id = ?", (profile_id,)).fetchone() is None:
        raise RatingsImportError(f"There is no profile with id {profile_id}")
    fmt, rows = parse_ratings_file(path, fmt)
    report = ImportReport(str(path), fmt, rows=len(rows))
    matcher = CatalogMatcher.from_db(db)
    now = time.time()
    values: dict[int, tuple[float, float]] = {}
    for row in rows:
        if row.problem is not None or row.stars is None:
            report.skipped.append(RowProblem(row.line, row.title, row.year,
                                             row.problem or "no rating"))
            continue
        tid, how = matcher.match(row)
        if tid is None:
            report.unmatched.append(RowProblem(row.line, row.title, row.year, how))
            continue
        report.matched += 1
        report.by[how] = report.by.get(how, 0) + 1
        values[tid] = (row.stars, row.at if row.at is not None else now)
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO ratings (profile_id, title_id, source, value, at) "
            "VALUES (?, ?, 'import', ?, ?) ON CONFLICT (profile_id, title_id, source) "
            "DO UPDATE SET value = excluded.value, at = excluded.at",
            [(profile_id, tid, stars, at) for tid, (stars, at) in values.items()],
        )
    return report
