"""App-wide settings that belong with the catalog (table ``app_settings``), not with a machine.

Why here and not in ``config.Settings`` (a JSON file per machine): these describe how the
household uses this catalog — which profile was used last, whether playback resumes — and must
follow the catalog when it moves. Values are stored as text; the typed accessors below never
raise on a stored value they do not understand (an older or newer app may have written it),
they fall back to the default. Setters validate and raise ValueError with a clear message.
"""

from __future__ import annotations

from typing import Final

import sqlite_utils

from mediacenter.db.tx import transaction

MAX_KEY_LENGTH: Final = 100
MAX_VALUE_LENGTH: Final = 10_000

LAST_PROFILE_KEY: Final = "last_profile_id"
RESUME_KEY: Final = "playback.resume"
AUTOPLAY_NEXT_KEY: Final = "playback.autoplay_next"
UPNEXT_SECONDS_KEY: Final = "playback.upnext_seconds"

RESUME_MODES: Final = ("always", "ask", "never")
DEFAULT_RESUME: Final = "always"
DEFAULT_AUTOPLAY_NEXT: Final = True
DEFAULT_UPNEXT_SECONDS: Final = 10
MAX_UPNEXT_SECONDS: Final = 60


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ValueError("A setting key must be non-empty text")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"A setting key can have at most {MAX_KEY_LENGTH} characters")
    return key


def get_setting(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """The stored text for ``key``, or ``default`` when it was never set."""
    row = db.conn.execute(
        "SELECT value FROM app_settings WHERE key = ?", (_check_key(key),)
    ).fetchone()
    return default if row is None else str(row[0])


def set_setting(db: sqlite_utils.Database, key: str, value: str | None) -> None:
    """Store ``value`` for ``key`` (one short transaction); ``None`` forgets the key."""
    key = _check_key(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"A setting value must be text, not {type(value).__name__}")
    if value is not None and len(value) > MAX_VALUE_LENGTH:
        raise ValueError(f"A setting value can have at most {MAX_VALUE_LENGTH} characters")
    with transaction(db):
        if value is None:
            db.conn.execute("DELETE FROM app_settings WHERE key = ?", (key,))
        else:
            db.conn.execute(
                "INSERT INTO app_settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


# -- the last profile used ---------------------------------------------------------------------


def last_profile_id(db: sqlite_utils.Database) -> int | None:
    """The profile chosen last on the "Who's watching" screen, if it still exists."""
    raw = get_setting(db, LAST_PROFILE_KEY)
    if raw is None or not raw.strip().isdigit():
        return None
    pid = int(raw)
    exists = db.conn.execute("SELECT 1 FROM profiles WHERE id = ?", (pid,)).fetchone()
    return pid if exists else None


def set_last_profile_id(db: sqlite_utils.Database, profile_id: int | None) -> None:
    """Remember (or with ``None`` forget) the profile to focus first next time."""
    set_setting(db, LAST_PROFILE_KEY, None if profile_id is None else str(int(profile_id)))


# -- playback (read by the player, written by the settings screen) ------------------------------


def resume_mode(db: sqlite_utils.Database) -> str:
    """'always' resume where the profile stopped, 'ask' first, or 'never' (start over)."""
    value = get_setting(db, RESUME_KEY)
    return value if value in RESUME_MODES else DEFAULT_RESUME


def set_resume_mode(db: sqlite_utils.Database, mode: str) -> None:
    if mode not in RESUME_MODES:
        raise ValueError(f"Resume must be one of {', '.join(RESUME_MODES)}, not {mode!r}")
    set_setting(db, RESUME_KEY, mode)


def autoplay_next(db: sqlite_utils.Database) -> bool:
    """Whether the next episode starts by itself after the Up Next countdown."""
    value = get_setting(db, AUTOPLAY_NEXT_KEY)
    if value in ("1", "0"):
        return value == "1"
    return DEFAULT_AUTOPLAY_NEXT


def set_autoplay_next(db: sqlite_utils.Database, enabled: bool) -> None:
    set_setting(db, AUTOPLAY_NEXT_KEY, "1" if enabled else "0")


def upnext_seconds(db: sqlite_utils.Database) -> int:
    """Length of the Up Next countdown in seconds (0: no countdown, next starts at once)."""
    value = get_setting(db, UPNEXT_SECONDS_KEY)
    if value is not None and value.strip().isdigit():
        seconds = int(value)
        if 0 <= seconds <= MAX_UPNEXT_SECONDS:
            return seconds
    return DEFAULT_UPNEXT_SECONDS


def set_upnext_seconds(db: sqlite_utils.Database, seconds: int) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ValueError("The Up Next countdown must be a whole number of seconds")
    if not 0 <= seconds <= MAX_UPNEXT_SECONDS:
        raise ValueError(f"The Up Next countdown must be 0 to {MAX_UPNEXT_SECONDS} seconds")
    set_setting(db, UPNEXT_SECONDS_KEY, str(seconds))


# -- per profile ---------------------------------------------------------------------------------

_TRENDS_PREFIX: Final = "profile.household_trends."


def shares_household_trends(db: sqlite_utils.Database, profile_id: int) -> bool:
    """Whether what the profile plays counts in the other profiles' household trends (the
    default); a profile can opt out, its viewing then stays its own."""
    return get_setting(db, f"{_TRENDS_PREFIX}{int(profile_id)}") != "0"


def set_shares_household_trends(db: sqlite_utils.Database, profile_id: int,
                                shared: bool) -> None:
    set_setting(db, f"{_TRENDS_PREFIX}{int(profile_id)}", None if shared else "0")


def trend_opt_outs(db: sqlite_utils.Database) -> set[int]:
    """The profiles whose viewing must not count in household trends."""
    return {
        int(key.removeprefix(_TRENDS_PREFIX))
        for key, value in db.conn.execute(
            "SELECT key, value FROM app_settings WHERE key LIKE ? ESCAPE '\\'",
            (_TRENDS_PREFIX.replace("_", "\\_") + "%",))
        if value == "0" and key.removeprefix(_TRENDS_PREFIX).isdigit()
    }


_SKIP_INTROS_PREFIX: Final = "profile.skip_intros."


def skips_intros(db: sqlite_utils.Database, profile_id: int) -> bool:
    """Whether the player skips found intros (and recaps) by itself for this profile (off
    unless the profile turned it on)."""
    return get_setting(db, f"{_SKIP_INTROS_PREFIX}{int(profile_id)}") == "1"


def set_skips_intros(db: sqlite_utils.Database, profile_id: int, enabled: bool) -> None:
    set_setting(db, f"{_SKIP_INTROS_PREFIX}{int(profile_id)}", "1" if enabled else None)


_PREVIEWS_PREFIX: Final = "profile.autoplay_previews."
_SPOILERS_PREFIX: Final = "profile.hide_spoilers."


def autoplay_previews(db: sqlite_utils.Database, profile_id: int) -> bool:
    """Whether resting on a title plays its silent preview for this profile: on unless the
    profile turned it off, off by default for a kids profile (moving pictures that start by
    themselves are a grown-up's choice)."""
    value = get_setting(db, f"{_PREVIEWS_PREFIX}{int(profile_id)}")
    if value in ("0", "1"):
        return value == "1"
    row = db.conn.execute("SELECT is_kids FROM profiles WHERE id = ?",
                          (int(profile_id),)).fetchone()
    return not (row and row[0])


def set_autoplay_previews(db: sqlite_utils.Database, profile_id: int, enabled: bool) -> None:
    set_setting(db, f"{_PREVIEWS_PREFIX}{int(profile_id)}", "1" if enabled else "0")


def hides_spoilers(db: sqlite_utils.Database, profile_id: int) -> bool:
    """Whether descriptions of episodes the profile has not reached are hidden (off unless
    the profile turned it on)."""
    return get_setting(db, f"{_SPOILERS_PREFIX}{int(profile_id)}") == "1"


def set_hides_spoilers(db: sqlite_utils.Database, profile_id: int, hidden: bool) -> None:
    set_setting(db, f"{_SPOILERS_PREFIX}{int(profile_id)}", "1" if hidden else None)


_CALIBRATED_PREFIX: Final = "profile.recs_calibrated."


def calibrated_recs(db: sqlite_utils.Database, profile_id: int) -> bool:
    """Whether the profile chose "calibrated / more diverse" recommendations (Top picks held
    closer to the mix of genres it watches; off by default: it costs some accuracy, see
    benchmarks/recs.py)."""
    return get_setting(db, f"{_CALIBRATED_PREFIX}{int(profile_id)}") == "1"


def set_calibrated_recs(db: sqlite_utils.Database, profile_id: int, enabled: bool) -> None:
    set_setting(db, f"{_CALIBRATED_PREFIX}{int(profile_id)}", "1" if enabled else None)


def forget_profile_settings(db: sqlite_utils.Database, profile_id: int) -> None:
    """Drop a deleted profile's settings (a later profile may get its id)."""
    with transaction(db):
        db.conn.executemany("DELETE FROM app_settings WHERE key = ?", [
            (f"{prefix}{int(profile_id)}",)
            for prefix in (_TRENDS_PREFIX, _SKIP_INTROS_PREFIX, _PREVIEWS_PREFIX,
                           _SPOILERS_PREFIX, _CALIBRATED_PREFIX)])
