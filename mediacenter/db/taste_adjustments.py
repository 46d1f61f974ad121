"""A profile's corrections to what the recommender believes about it (table
``taste_adjustments``, schema 5).

- ``ignore_title``: "Don't count this title": a title the profile played or rated no longer
  says anything about its taste (it is still not recommended again: it was seen);
- ``less_like``: "Less like this": a feature (``genre:Horror``, ``person:Ridley Scott``,
  ``decade:1980s``, ``word:alien``, ``tag:heist``) weighs against a title instead of for it;
- ``forget_before``: "Forget my taste from before DATE": what the profile watched or rated
  before then no longer counts (one date per profile; refusals - "not interested", thumbs
  down - still keep those titles away: they are not taste, they are a "no").

Every writer is one short transaction; the reader is what :mod:`mediacenter.recommend.signals`
and the page apply at once, so the next home page already follows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

import sqlite_utils

from mediacenter.db.profiles import ProfileNotFoundError, get_profile
from mediacenter.db.tx import transaction

FEATURE_KINDS: Final = ("genre", "person", "decade", "word", "tag")


@dataclass(frozen=True)
class Adjustments:
    """What a profile set aside, as the recommender applies it."""

    ignored: frozenset[int] = frozenset()  # title ids
    less_like: frozenset[str] = frozenset()  # feature names
    forget_before: float | None = None  # epoch s

    @property
    def any(self) -> bool:
        return bool(self.ignored or self.less_like or self.forget_before is not None)


@dataclass(frozen=True)
class Adjustment:
    """One row, for the "Your taste" screen (with what undoes it)."""

    id: int
    kind: str
    title_id: int | None
    title: str | None
    feature: str | None
    before_at: float | None
    at: float


def _require(db: sqlite_utils.Database, profile_id: int) -> None:
    if get_profile(db, profile_id) is None:
        raise ProfileNotFoundError(f"There is no profile with id {profile_id}")


def check_feature(feature: object) -> str:
    """``kind:value`` with a known kind; ValueError with a clear message otherwise."""
    if not isinstance(feature, str) or ":" not in feature:
        raise ValueError("A taste feature looks like genre:Horror or person:Ridley Scott")
    kind, _, value = feature.partition(":")
    if kind not in FEATURE_KINDS or not value.strip():
        raise ValueError(f"Unknown taste feature {feature!r}: the kinds are "
                         f"{', '.join(FEATURE_KINDS)}")
    return f"{kind}:{value.strip()}"


def adjustments(db: sqlite_utils.Database, profile_id: int) -> Adjustments:
    """The profile's adjustments as the recommender applies them (empty when none)."""
    ignored: set[int] = set()
    less: set[str] = set()
    before = None
    for kind, tid, feature, before_at in db.conn.execute(
            "SELECT kind, title_id, feature, before_at FROM taste_adjustments "
            "WHERE profile_id = ?", (int(profile_id),)):
        if kind == "ignore_title":
            ignored.add(int(tid))
        elif kind == "less_like":
            less.add(str(feature))
        elif kind == "forget_before":
            before = float(before_at)
    return Adjustments(frozenset(ignored), frozenset(less), before)


def list_adjustments(db: sqlite_utils.Database, profile_id: int) -> list[Adjustment]:
    """Every adjustment of the profile, newest first, titles named."""
    return [Adjustment(int(i), k, t, name, f, b, float(a)) for i, k, t, name, f, b, a in
            db.conn.execute(
                "SELECT a.id, a.kind, a.title_id, t.title, a.feature, a.before_at, a.at "
                "FROM taste_adjustments a LEFT JOIN titles t ON t.id = a.title_id "
                "WHERE a.profile_id = ? ORDER BY a.at DESC, a.id DESC", (int(profile_id),))]


def ignore_title(db: sqlite_utils.Database, profile_id: int, title_id: int, *,
                 now: float | None = None) -> None:
    """ "Don't count this title" (a second time changes nothing)."""
    with transaction(db):
        _require(db, profile_id)
        if db.conn.execute("SELECT 1 FROM titles WHERE id = ?", (int(title_id),)
                           ).fetchone() is None:
            raise ValueError(f"There is no title with id {title_id}")
        db.conn.execute(
            "INSERT OR IGNORE INTO taste_adjustments (profile_id, kind, title_id, at) "
            "VALUES (?, 'ignore_title', ?, ?)",
            (int(profile_id), int(title_id), time.time() if now is None else now))


def less_like(db: sqlite_utils.Database, profile_id: int, feature: str, *,
              now: float | None = None) -> None:
    """ "Less like this" for a feature such as ``genre:Horror``."""
    feature = check_feature(feature)
    with transaction(db):
        _require(db, profile_id)
        db.conn.execute(
            "INSERT OR IGNORE INTO taste_adjustments (profile_id, kind, feature, at) "
            "VALUES (?, 'less_like', ?, ?)",
            (int(profile_id), feature, time.time() if now is None else now))


def forget_before(db: sqlite_utils.Database, profile_id: int, before_at: float, *,
                  now: float | None = None) -> None:
    """ "Forget my taste from before DATE" (replaces an earlier date)."""
    now = time.time() if now is None else now
    if not before_at or before_at > now + 60:
        raise ValueError("Choose a date in the past to forget what came before it")
    with transaction(db):
        _require(db, profile_id)
        db.conn.execute("DELETE FROM taste_adjustments WHERE profile_id = ? "
                        "AND kind = 'forget_before'", (int(profile_id),))
        db.conn.execute(
            "INSERT INTO taste_adjustments (profile_id, kind, before_at, at) "
            "VALUES (?, 'forget_before', ?, ?)", (int(profile_id), float(before_at), now))


def undo(db: sqlite_utils.Database, profile_id: int, adjustment_id: int) -> bool:
    """Take one adjustment back; False when it was not there."""
    with transaction(db):
        cur = db.conn.execute("DELETE FROM taste_adjustments WHERE id = ? AND profile_id = ?",
                              (int(adjustment_id), int(profile_id)))
    return cur.rowcount > 0


def reset(db: sqlite_utils.Database, profile_id: int) -> int:
    """Take every adjustment back: the taste is again what the history says. Returns how many
    were removed."""
    with transaction(db):
        cur = db.conn.execute("DELETE FROM taste_adjustments WHERE profile_id = ?",
                              (int(profile_id),))
    return cur.rowcount
