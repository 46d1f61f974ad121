"""Who may manage the household, and the managing itself.

Managing means creating, editing and deleting profiles (names, PINs, the kids flag and its
rating limit), erasing a profile's watch history, adding or removing library folders and the
playback choices every profile shares (resume, the next episode, Up Next). The rule, for every
screen and command alike:

- a kids profile may never manage (not even itself: it could lift its own limit);
- a grown-up's profile may, and where any grown-up's profile has a PIN, only with a PIN: the
  managing profile's own when it has one, otherwise any grown-up's;
- with nobody chosen yet (the "Who's watching?" screen, a command run without ``--as``), the
  same PIN is asked when there is one;
- a household without a grown-up's profile (a fresh catalog) is open: there is nobody to ask.

:func:`unlock` checks the rule and returns an :class:`AdminGrant`; every managing function
below takes one and checks it again (:func:`require`) in the same call, so no screen can skip
the rule by forgetting to ask. The GUI and the CLI never import the unchecked writers of
:mod:`mediacenter.db.profiles` (``tests/unit/test_layering.py`` keeps it so); tests and data
generators may.

A grant lasts :data:`GRANT_TTL_S` seconds and ends early when its profile stops being a
grown-up's or is deleted. The last grown-up's profile cannot be deleted or made a kids profile
while other profiles exist: the kids would be left with nobody to manage them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import sqlite_utils

from mediacenter.db import app_settings
from mediacenter.db import profiles as _profiles
from mediacenter.db.app_settings import forget_profile_settings
from mediacenter.db.profile_data import erase_history as _erase_history
from mediacenter.db.profiles import Profile, ProfileNotFoundError, get_profile, verify_pin
from mediacenter.db.tx import transaction

GRANT_TTL_S: Final = 600.0
_SEAL: Final = object()


class NotAllowedError(ValueError):
    """Managing was refused; the message says why and what would allow it."""


@dataclass(frozen=True)
class Access:
    """What managing takes for one profile (or for nobody chosen yet: ``actor_id`` None)."""

    actor_id: int | None
    allowed: bool  # False: a kids profile, never offered the controls
    pin_needed: bool
    own_pin: bool  # the PIN asked is the actor's own (else any grown-up's)
    throttle_key: int | None  # the profile id wrong PINs are counted against
    reason: str  # why not allowed, or what the PIN pad should ask


@dataclass(frozen=True)
class AdminGrant:
    """Permission to manage, made only by :func:`unlock`."""

    actor_id: int | None
    issued_at: float
    _seal: object = field(default=None, repr=False, compare=False)

    def expired(self, now: float | None = None) -> bool:
        return (time.monotonic() if now is None else now) - self.issued_at > GRANT_TTL_S


def _grownups(db: sqlite_utils.Database) -> list[tuple[int, str, str | None]]:
    return [(int(i), n, h) for i, n, h in db.conn.execute(
        "SELECT id, name, pin_hash FROM profiles WHERE is_kids = 0 ORDER BY id")]


def access(db: sqlite_utils.Database, actor_id: int | None) -> Access:
    """What managing the household takes for ``actor_id`` (see the module doc)."""
    if actor_id is not None:
        actor = get_profile(db, actor_id)
        if actor is None:
            raise ProfileNotFoundError(f"There is no profile with id {actor_id}")
        if actor.is_kids:
            return Access(actor_id, False, False, False, None,
                          f"{actor.name} is a kids profile: only a grown-up's profile can "
                          "manage profiles and library folders")
        if actor.has_pin:
            return Access(actor_id, True, True, True, actor_id,
                          f"Enter the PIN for {actor.name} to manage the household")
    locked = [pid for pid, _name, pin_hash in _grownups(db) if pin_hash is not None]
    if not locked:
        return Access(actor_id, True, False, False, None, "")
    return Access(actor_id, True, True, False, actor_id if actor_id is not None else locked[0],
                  "Enter a grown-up's PIN to manage the household")


def unlocker(db: sqlite_utils.Database, actor_id: int | None
             ) -> Callable[[str | None], AdminGrant | None]:
    """A function turning a PIN into a grant (None for a wrong PIN), without the connection.

    The slow part (a hash per stored PIN) can then run on a worker thread. Raises
    :class:`NotAllowedError` at once for a kids profile.
    """
    rule = access(db, actor_id)
    if not rule.allowed:
        raise NotAllowedError(rule.reason)
    if not rule.pin_needed:
        return lambda _pin: AdminGrant(actor_id, time.monotonic(), _SEAL)
    if rule.own_pin:
        hashes = [h for pid, _n, h in _grownups(db) if pid == actor_id and h is not None]
    else:
        hashes = [h for _pid, _n, h in _grownups(db) if h is not None]

    def check(pin: str | None) -> AdminGrant | None:
        if pin is None or not any(verify_pin(pin, h) for h in hashes):
            return None
        return AdminGrant(actor_id, time.monotonic(), _SEAL)

    return check


def unlock(db: sqlite_utils.Database, actor_id: int | None, pin: str | None = None
           ) -> AdminGrant:
    """A grant to manage the household as ``actor_id``; raises NotAllowedError when refused."""
    grant = unlocker(db, actor_id)(pin)
    if grant is None:
        rule = access(db, actor_id)
        raise NotAllowedError("Wrong PIN" if pin else rule.reason)
    return grant


def require(db: sqlite_utils.Database, grant: AdminGrant | None) -> None:
    """Raise NotAllowedError unless ``grant`` still allows managing."""
    if not isinstance(grant, AdminGrant) or grant._seal is not _SEAL:
        raise NotAllowedError("Managing the household needs a grown-up's permission")
    if grant.expired():
        raise NotAllowedError("Permission to manage has run out: enter the PIN again")
    if grant.actor_id is not None:
        actor = get_profile(db, grant.actor_id)
        if actor is None or actor.is_kids:
            raise NotAllowedError("Only a grown-up's profile can manage the household")


def _would_orphan_kids(db: sqlite_utils.Database, profile_id: int) -> bool:
    """Whether ``profile_id`` is the only grown-up's profile while others exist."""
    adults = [pid for pid, _n, _h in _grownups(db)]
    return adults == [profile_id] and _profiles.count_profiles(db) > 1


# -- managing ------------------------------------------------------------------------------------


def create_profile(db: sqlite_utils.Database, grant: AdminGrant, name: str,
                   **settings: object) -> Profile:
    """:func:`mediacenter.db.profiles.create_profile` for a grant-holder."""
    require(db, grant)
    return _profiles.create_profile(db, name, **settings)  # type: ignore[arg-type]


def edit_profile(db: sqlite_utils.Database, grant: AdminGrant, profile_id: int,
                 **changes: object) -> Profile:
    """:func:`mediacenter.db.profiles.edit_profile` for a grant-holder (all or nothing)."""
    require(db, grant)
    with transaction(db):
        if changes.get("is_kids") is True and _would_orphan_kids(db, profile_id):
            name = _profiles._require(db, profile_id).name
            raise NotAllowedError(
                f"{name} is the only grown-up's profile: add another before making it a "
                "kids profile")
        return _profiles.edit_profile(db, profile_id, **changes)  # type: ignore[arg-type]


def delete_profile(db: sqlite_utils.Database, grant: AdminGrant, profile_id: int) -> None:
    """Delete a profile and its history, never the last one nor the last grown-up's."""
    require(db, grant)
    with transaction(db):
        profile = _profiles._require(db, profile_id)
        if _would_orphan_kids(db, profile_id):
            raise NotAllowedError(
                f"{profile.name} is the only grown-up's profile and cannot be deleted while "
                "kids profiles need someone to manage them")
        _profiles.delete_profile_keeping_one(db, profile_id)
        forget_profile_settings(db, profile_id)


def erase_history(db: sqlite_utils.Database, grant: AdminGrant, profile_id: int
                  ) -> dict[str, int]:
    """:func:`mediacenter.db.profile_data.erase_history` for a grant-holder."""
    require(db, grant)
    return _erase_history(db, profile_id)



def set_household_playback(db: sqlite_utils.Database, grant: AdminGrant, *,
                           resume: str, autoplay_next: bool, upnext_seconds: int) -> None:
    """The playback choices every profile shares (resume, the next episode, the Up Next
    countdown) for a grant-holder: a kids profile keeps only its own preferences."""
    require(db, grant)
    with transaction(db):
        app_settings.set_resume_mode(db, resume)
        app_settings.set_autoplay_next(db, autoplay_next)
        app_settings.set_upnext_seconds(db, upnext_seconds)

# -- what needs no grant -------------------------------------------------------------------------


def set_languages(db: sqlite_utils.Database, profile_id: int, *, audio: str | None,
                  subtitles: str | None) -> Profile:
    """A profile's own language preferences: anyone watching may change these."""
    return _profiles.update_profile(db, profile_id, audio_language=audio,
                                    subtitle_language=subtitles)


def ensure_first_profile(db: sqlite_utils.Database) -> int:
    """The oldest profile's id, creating a grown-up "Me" on a catalog that has none."""
    with transaction(db):
        row = db.conn.execute("SELECT id FROM profiles ORDER BY id LIMIT 1").fetchone()
        if row is not None:
            return int(row[0])
        return _profiles.create_profile(db, "Me").id
