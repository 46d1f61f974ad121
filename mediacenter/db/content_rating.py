"""Content ratings (NFO ``<mpaa>``) as minimum ages, and what a kids profile may see.

NFO files carry ratings in many spellings: "Rated PG-13", "US:PG-13", "TV-14", "FSK 12",
"UK:15", "12A", "Not Rated". Each known label maps to the youngest age it is meant for; a title
whose rating is unknown or unrecognised is hidden from a kids profile (the safe side), and an
episode without its own rating takes its show's.
"""

from __future__ import annotations

import functools
import re

import sqlite_utils

from mediacenter.db.profiles import Profile

_LABEL_AGE = {
    # US film (MPA) and TV parental guidelines
    "G": 0, "PG": 8, "PG-13": 13, "R": 17, "NC-17": 18,
    "TV-Y": 0, "TV-Y7": 7, "TV-Y7-FV": 7, "TV-G": 0, "TV-PG": 8, "TV-14": 14, "TV-MA": 17,
    # UK (BBFC)
    "U": 0, "UC": 0, "12A": 12, "R18": 18,
    # common spelled-out forms
    "ALL": 0, "ALL AGES": 0, "TOUS PUBLICS": 0, "GENERAL": 0,
}
_UNRATED = {"NR", "UNRATED", "NOT RATED", "N/A", "NONE", "TBD"}
_PREFIX = re.compile(r"^(?:rated\s+|[a-z]{2,3}\s*:\s*)", re.IGNORECASE)
_AGE = re.compile(r"^(?:fsk|pegi|k|m|ma|age|ab|tv)?\s*-?\s*(\d{1,2})\s*\+?$", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)  # a catalog has a few dozen labels, read per title
def rating_age(label: str | None) -> int | None:
    """The minimum age a rating label stands for, or None when unknown or unrated."""
    if not label:
        return None
    text = " ".join(str(label).split())
    # "US:PG-13 / DE:12": take the first rating
    text = re.split(r"\s*[/|,;]\s*", text)[0]
    for _ in range(2):  # "Rated US:PG-13"
        text = _PREFIX.sub("", text).strip()
    text = re.sub(r"\s+for\s+.*$", "", text, flags=re.IGNORECASE)  # "R for violence"
    upper = text.upper()
    if upper in _UNRATED:
        return None
    if upper in _LABEL_AGE:
        return _LABEL_AGE[upper]
    m = _AGE.match(text)
    if m:
        age = int(m.group(1))
        return age if age <= 21 else None
    return None


def profile_max_age(profile: Profile) -> int | None:
    """The oldest rating a profile may see as an age; None means no limit (not a kids profile).

    A kids profile without a chosen maximum sees only titles for all ages.
    """
    if not profile.is_kids:
        return None
    age = rating_age(profile.max_rating)
    return 0 if age is None else age


def visible_title_ids(db: sqlite_utils.Database, profile: Profile) -> set[int] | None:
    """Titles (of every kind) a profile may see; None when it may see everything.

    Shows, seasons and episodes are judged by their own rating or else their show's.
    """
    max_age = profile_max_age(profile)
    if max_age is None:
        return None
    rows = db.execute(
        "SELECT t.id, t.mpaa, s.mpaa FROM titles t LEFT JOIN titles s ON s.id = t.show_id "
        "WHERE t.removed_at IS NULL"
    ).fetchall()
    out: set[int] = set()
    for tid, own, show in rows:
        age = rating_age(own)
        if age is None:
            age = rating_age(show)
        if age is not None and age <= max_age:
            out.add(tid)
    return out
