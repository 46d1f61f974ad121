"""Household profiles: names, an optional PIN, kids restrictions and language preferences.

Plain functions over the catalog connection (``sqlite_utils.Database``); every write is one
short :func:`~mediacenter.db.tx.transaction`. Bad input raises :class:`ValueError` (or
:class:`ProfileNotFoundError`, also a ``ValueError``) with a message a person can act on.

PINs are four digits, stored only as a salted, slow hash in ``profiles.pin_hash`` with the
format ``algo$params$salt$hash`` (salt and hash in unpadded URL-safe base64)::

    scrypt$n=16384,r=8,p=1$<salt>$<hash>
    pbkdf2_sha256$i=600000$<salt>$<hash>     (used where hashlib has no scrypt)

Ten thousand possible PINs make any hash brute-forceable by someone who can read the catalog
file; the hash keeps the PIN from being *read* (and from matching a PIN reused elsewhere at a
glance), the PIN itself only keeps children out of a grown-up profile.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
import secrets
import sqlite3
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import sqlite_utils

from mediacenter.db.app_settings import get_setting, set_setting
from mediacenter.db.tx import transaction

MAX_NAME_LENGTH: Final = 40
PIN_LENGTH: Final = 4
SALT_BYTES: Final = 16
HASH_BYTES: Final = 32
SCRYPT_N: Final = 2**14  # ~16 MiB and a few tens of milliseconds per check
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
PBKDF2_ITERATIONS: Final = 600_000

# ISO 639-1/-2 code, optionally with a region or script: "en", "fre", "pt-BR", "zh-Hant".
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-(?:[a-z]{2}|[0-9]{3}|[a-z]{4}))?$", re.IGNORECASE)


class _Unset(enum.Enum):
    UNSET = 0


_UNSET: Final = _Unset.UNSET


class ProfileNotFoundError(ValueError):
    """No profile has the given id."""


@dataclass(frozen=True)
class Profile:
    """A profile as the UI shows it; the PIN hash never leaves this module (``has_pin``)."""

    id: int
    name: str
    avatar: str | None
    color: str | None
    is_kids: bool
    max_rating: str | None
    has_pin: bool
    audio_language: str | None
    subtitle_language: str | None
    created_at: float  # seconds since the epoch


_COLUMNS = (
    "id, name, avatar, color, is_kids, max_rating, pin_hash IS NOT NULL, audio_language, "
    "subtitle_language, created_at"
)


def _profile(row: tuple) -> Profile:
    return Profile(
        int(row[0]), row[1], row[2], row[3], bool(row[4]), row[5], bool(row[6]), row[7],
        row[8], float(row[9]),
    )


# -- validation ------------------------------------------------------------------------------


def normalize_name(name: object) -> str:
    """A profile name as stored: NFC, surrounding and repeated spaces removed.

    Raises ValueError when it is not text, empty, longer than :data:`MAX_NAME_LENGTH`
    characters, or holds control characters.
    """
    if not isinstance(name, str):
        raise ValueError(f"A profile name must be text, not {type(name).__name__}")
    clean = " ".join(unicodedata.normalize("NFC", name).split())
    if not clean:
        raise ValueError("A profile name cannot be empty")
    if len(clean) > MAX_NAME_LENGTH:
        raise ValueError(
            f"A profile name can have at most {MAX_NAME_LENGTH} characters ({len(clean)} given)"
        )
    if any(unicodedata.category(ch).startswith("C") for ch in clean):
        raise ValueError("A profile name cannot contain control characters")
    return clean


def _name_key(name: str) -> str:
    """Case-insensitive identity of a name (full Unicode case folding, unlike SQLite NOCASE)."""
    return unicodedata.normalize("NFC", name.casefold())


def _sort_key(name: str) -> str:
    """Browse order: case and accents ignored ("Émile" sorts with "Emile", before "kid")."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _check_pin_format(pin: object) -> str:
    if not isinstance(pin, str) or len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise ValueError(f"A PIN must be exactly {PIN_LENGTH} digits (0-9)")
    return pin


def _language(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"The {what} language must be text such as 'en' or 'pt-BR'")
    value = value.strip().replace("_", "-")
    if not value:
        return None
    if not _LANGUAGE.match(value):
        raise ValueError(
            f"{value!r} is not a language code: use an ISO 639 code such as 'en', 'fra' or "
            f"'pt-BR' for the {what} language"
        )
    lang, _, region = value.partition("-")
    if not region:
        return lang.lower()
    region = region.upper() if len(region) in (2, 3) else region.title()
    return f"{lang.lower()}-{region}"


def _max_rating(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("The maximum rating must be text such as 'PG-13' or 'FSK 12'")
    value = " ".join(value.split())
    if len(value) > 20:
        raise ValueError("The maximum rating can have at most 20 characters")
    return value or None


# -- PIN hashing -----------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_pin(pin: str) -> str:
    """Hash a 4-digit PIN with a fresh random salt: ``algo$params$salt$hash``.

    scrypt where hashlib provides it, PBKDF2-HMAC-SHA256 otherwise. Raises ValueError when
    ``pin`` is not exactly four ASCII digits.
    """
    pin = _check_pin_format(pin)
    salt = secrets.token_bytes(SALT_BYTES)
    if hasattr(hashlib, "scrypt"):
        digest = hashlib.scrypt(
            pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=HASH_BYTES
        )
        params = f"n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}"
        return f"scrypt${params}${_b64(salt)}${_b64(digest)}"
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, PBKDF2_ITERATIONS, HASH_BYTES)
    return f"pbkdf2_sha256$i={PBKDF2_ITERATIONS}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches a hash made by :func:`hash_pin` (constant-time compare).

    A malformed PIN or an unreadable stored hash simply does not match.
    """
    try:
        pin = _check_pin_format(pin)
        algo, params_text, salt_text, hash_text = stored.split("$")
        params = dict(item.split("=", 1) for item in params_text.split(","))
        salt, expected = _unb64(salt_text), _unb64(hash_text)
        if algo == "scrypt":
            n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
            digest = hashlib.scrypt(
                pin.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected),
                maxmem=max(64 * 1024 * 1024, 256 * n * r),
            )
        elif algo == "pbkdf2_sha256":
            digest = hashlib.pbkdf2_hmac(
                "sha256", pin.encode(), salt, int(params["i"]), len(expected)
            )
        else:
            return False
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(digest, expected)


# -- reads -----------------------------------------------------------------------------------


def list_profiles(db: sqlite_utils.Database) -> list[Profile]:
    """All profiles, by name (ignoring case and accents), then age."""
    rows = db.conn.execute(f"SELECT {_COLUMNS} FROM profiles ORDER BY id").fetchall()
    return sorted((_profile(r) for r in rows), key=lambda p: (_sort_key(p.name), p.id))


def first_profile_id(db: sqlite_utils.Database) -> int | None:
    """The household's first profile (the oldest), or None when there is none."""
    row = db.conn.execute("SELECT id FROM profiles ORDER BY id LIMIT 1").fetchone()
    return int(row[0]) if row else None


def get_profile(db: sqlite_utils.Database, profile_id: int) -> Profile | None:
    """One profile, or None when the id is unknown."""
    row = db.conn.execute(f"SELECT {_COLUMNS} FROM profiles WHERE id = ?", (profile_id,)).fetchone()
    return _profile(row) if row else None


def _require(db: sqlite_utils.Database, profile_id: int) -> Profile:
    profile = get_profile(db, profile_id)
    if profile is None:
        raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
    return profile


def _check_unique(db: sqlite_utils.Database, name: str, except_id: int | None) -> None:
    key = _name_key(name)
    for pid, other in db.conn.execute("SELECT id, name FROM profiles"):
        if pid != except_id and _name_key(other) == key:
            raise ValueError(f"A profile named {other!r} already exists; choose another name")


# -- writes ----------------------------------------------------------------------------------


def create_profile(
    db: sqlite_utils.Database,
    name: str,
    *,
    pin: str | None = None,
    is_kids: bool = False,
    max_rating: str | None = None,
    audio_language: str | None = None,
    subtitle_language: str | None = None,
    avatar: str | None = None,
    color: str | None = None,
) -> Profile:
    """Create a profile; names are unique ignoring case ("Sam" and "sam" clash).

    Raises ValueError for an empty, too long or duplicate name, a PIN that is not four digits,
    or a language that is not an ISO 639 code.
    """
    clean = normalize_name(name)
    pin_hash = hash_pin(pin) if pin is not None else None  # slow part: outside the transaction
    audio = _language(audio_language, "audio")
    subtitles = _language(subtitle_language, "subtitle")
    rating = _max_rating(max_rating)
    try:
        with transaction(db):
            _check_unique(db, clean, None)
            cur = db.conn.execute(
                "INSERT INTO profiles (name, avatar, color, is_kids, max_rating, pin_hash, "
                "audio_language, subtitle_language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (clean, avatar, color, int(bool(is_kids)), rating, pin_hash, audio, subtitles,
                 time.time()),
            )
            profile_id = int(cur.lastrowid or 0)
    except sqlite3.IntegrityError as exc:  # a concurrent writer won the race for the name
        raise ValueError(f"A profile named {clean!r} already exists; choose another name") from exc
    return _require(db, profile_id)


def rename_profile(db: sqlite_utils.Database, profile_id: int, name: str) -> Profile:
    """Give a profile a new name (same rules as :func:`create_profile`)."""
    clean = normalize_name(name)
    try:
        with transaction(db):
            _require(db, profile_id)
            _check_unique(db, clean, profile_id)
            db.conn.execute("UPDATE profiles SET name = ? WHERE id = ?", (clean, profile_id))
    except sqlite3.IntegrityError as exc:
        raise ValueError(f"A profile named {clean!r} already exists; choose another name") from exc
    return _require(db, profile_id)


def update_profile(
    db: sqlite_utils.Database,
    profile_id: int,
    *,
    is_kids: bool | _Unset = _UNSET,
    max_rating: str | _Unset | None = _UNSET,
    audio_language: str | _Unset | None = _UNSET,
    subtitle_language: str | _Unset | None = _UNSET,
    avatar: str | _Unset | None = _UNSET,
    color: str | _Unset | None = _UNSET,
) -> Profile:
    """Change the given settings only (``None`` clears an optional one)."""
    changes: dict[str, object] = {}
    if not isinstance(is_kids, _Unset):
        changes["is_kids"] = int(bool(is_kids))
    if not isinstance(max_rating, _Unset):
        changes["max_rating"] = _max_rating(max_rating)
    if not isinstance(audio_language, _Unset):
        changes["audio_language"] = _language(audio_language, "audio")
    if not isinstance(subtitle_language, _Unset):
        changes["subtitle_language"] = _language(subtitle_language, "subtitle")
    if not isinstance(avatar, _Unset):
        changes["avatar"] = avatar
    if not isinstance(color, _Unset):
        changes["color"] = color
    with transaction(db):
        _require(db, profile_id)
        if changes:
            sets = ", ".join(f"{column} = ?" for column in changes)
            db.conn.execute(
                f"UPDATE profiles SET {sets} WHERE id = ?", (*changes.values(), profile_id)
            )
    return _require(db, profile_id)


def set_pin(db: sqlite_utils.Database, profile_id: int, pin: str | None) -> None:
    """Set (a fresh salt each time) or, with ``None``, remove a profile's PIN."""
    pin_hash = hash_pin(pin) if pin is not None else None
    with transaction(db):
        _require(db, profile_id)
        db.conn.execute("UPDATE profiles SET pin_hash = ? WHERE id = ?", (pin_hash, profile_id))


def check_pin(db: sqlite_utils.Database, profile_id: int, pin: str) -> bool:
    """Whether ``pin`` unlocks the profile: True for its PIN, or for any input when it has none.

    Ask :attr:`Profile.has_pin` first to decide whether to show a PIN pad at all. Raises
    :class:`ProfileNotFoundError` for an unknown id.
    """
    return pin_checker(db, profile_id)(pin)


def pin_checker(db: sqlite_utils.Database, profile_id: int) -> Callable[[str], bool]:
    """A function checking PINs for one profile without the catalog connection.

    The slow part of a check (the hash, about 0.1 s) can then run on a worker thread while the
    UI stays live; the stored hash stays inside the returned function. A profile without a PIN
    accepts any input. Raises :class:`ProfileNotFoundError` for an unknown id.
    """
    row = db.conn.execute("SELECT pin_hash FROM profiles WHERE id = ?", (profile_id,)).fetchone()
    if row is None:
        raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
    stored = row[0]
    if stored is None:
        return lambda _pin: True
    return lambda pin: verify_pin(pin, stored)


def delete_profile(db: sqlite_utils.Database, profile_id: int) -> bool:
    """Delete a profile and, by cascade, its watch history and ratings; False if unknown."""
    with transaction(db):
        cur = db.conn.execute("DELETE FROM profiles WHERE id = ?", (profile_id,))
        _forget_throttle(db, profile_id)
    return cur.rowcount > 0


# -- additions for the profile screens --------------------------------------------------------


class LastProfileError(ValueError):
    """The household's only profile cannot be deleted: the app always needs someone watching."""


def count_profiles(db: sqlite_utils.Database) -> int:
    """How many profiles exist (the "Who's watching" screen needs at least one)."""
    return int(db.conn.execute("SELECT count(*) FROM profiles").fetchone()[0])


def delete_profile_keeping_one(db: sqlite_utils.Database, profile_id: int) -> None:
    """Delete a profile (and its history) unless it is the last one.

    The check and the delete share one transaction, so two windows cannot both delete "the
    other" profile and leave none. Raises :class:`LastProfileError` for the last profile and
    :class:`ProfileNotFoundError` for an unknown id.
    """
    with transaction(db):
        profile = _require(db, profile_id)
        if count_profiles(db) <= 1:
            raise LastProfileError(
                f"{profile.name} is the only profile and cannot be deleted; add another first"
            )
        db.conn.execute("DELETE FROM profiles WHERE id = ?", (profile_id,))
        _forget_throttle(db, profile_id)


def edit_profile(
    db: sqlite_utils.Database,
    profile_id: int,
    *,
    name: str | _Unset = _UNSET,
    pin: str | _Unset | None = _UNSET,
    is_kids: bool | _Unset = _UNSET,
    max_rating: str | _Unset | None = _UNSET,
    audio_language: str | _Unset | None = _UNSET,
    subtitle_language: str | _Unset | None = _UNSET,
    avatar: str | _Unset | None = _UNSET,
    color: str | _Unset | None = _UNSET,
) -> Profile:
    """Apply an edit form's changes all together or not at all.

    A profile dialog changes the name, the PIN and the settings at once; if the new name is
    taken, nothing else may have been saved either. ``pin=None`` removes the PIN. Raises
    ValueError (with the message of :func:`create_profile`) and changes nothing on bad input.
    """
    # Validate everything and hash the PIN (the slow part) before taking the write lock.
    clean = normalize_name(name) if not isinstance(name, _Unset) else None
    pin_hash: str | _Unset | None = _UNSET
    if not isinstance(pin, _Unset):
        pin_hash = hash_pin(pin) if pin is not None else None
    try:
        with transaction(db):
            _require(db, profile_id)
            if clean is not None:
                _check_unique(db, clean, profile_id)
                db.conn.execute("UPDATE profiles SET name = ? WHERE id = ?", (clean, profile_id))
            update_profile(  # joins this transaction
                db, profile_id, is_kids=is_kids, max_rating=max_rating,
                audio_language=audio_language, subtitle_language=subtitle_language,
                avatar=avatar, color=color,
            )
            if not isinstance(pin_hash, _Unset):
                db.conn.execute(
                    "UPDATE profiles SET pin_hash = ? WHERE id = ?", (pin_hash, profile_id)
                )
    except sqlite3.IntegrityError as exc:
        raise ValueError(f"A profile named {clean!r} already exists; choose another name") from exc
    return _require(db, profile_id)


class PinThrottle:
    """Slows down guessing: after ``max_failures`` wrong PINs a profile is locked a while.

    With ``db`` the count and the lock-out are kept in the catalog (``app_settings``, one key
    per profile), so quitting and restarting the app does not buy a fresh round of tries; the
    lock-out still ends after ``lockout_s`` (a persistent lock would let one child lock a parent
    out of their own profile for good). Times are wall-clock seconds (``clock``), since they
    must mean the same after a restart; a lock-out that reaches further than ``lockout_s`` into
    the future (the clock was set back) is cut to ``lockout_s``. Without ``db`` everything
    stays in memory (tests, previews). Pure logic with an injectable clock, so the UI and the
    tests share it; calls come from the thread that owns ``db``.
    """

    def __init__(
        self, max_failures: int = 5, lockout_s: float = 30.0,
        clock: Callable[[], float] = time.time, *, db: sqlite_utils.Database | None = None,
    ) -> None:
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self._clock = clock
        self._db = db
        self._failures: dict[int, int] = {}
        self._locked_until: dict[int, float] = {}

    def _load(self, profile_id: int) -> None:
        if self._db is None:
            return
        self._failures.pop(profile_id, None)
        self._locked_until.pop(profile_id, None)
        raw = get_setting(self._db, _throttle_key(profile_id))
        try:
            failures_text, _, until_text = (raw or "").partition(" ")
            failures, until = int(failures_text), float(until_text)
        except ValueError:
            return  # never set, or written by something else: no throttle
        if failures > 0:
            self._failures[profile_id] = failures
        if until > 0:
            self._locked_until[profile_id] = min(until, self._clock() + self.lockout_s)

    def _save(self, profile_id: int) -> None:
        if self._db is None:
            return
        failures = self._failures.get(profile_id, 0)
        until = self._locked_until.get(profile_id, 0.0)
        set_setting(self._db, _throttle_key(profile_id),
                    f"{failures} {until!r}" if failures or until else None)

    def seconds_left(self, profile_id: int) -> float:
        """Seconds until the profile may be tried again; 0 when it may be tried now."""
        self._load(profile_id)
        return self._left(profile_id)

    def _left(self, profile_id: int) -> float:
        until = self._locked_until.get(profile_id)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            # The wait is over: a fresh round of tries.
            del self._locked_until[profile_id]
            self._failures.pop(profile_id, None)
            self._save(profile_id)
            return 0.0
        return left

    def failures(self, profile_id: int) -> int:
        """Wrong tries since the last success or lock-out."""
        self.seconds_left(profile_id)
        return self._failures.get(profile_id, 0)

    def record_failure(self, profile_id: int) -> float:
        """Count a wrong PIN; returns the lock-out just started in seconds (0 when none)."""
        left = self.seconds_left(profile_id)
        if left > 0:
            return left
        n = self._failures.get(profile_id, 0) + 1
        self._failures[profile_id] = n
        lockout = 0.0
        if n >= self.max_failures:
            self._locked_until[profile_id] = self._clock() + self.lockout_s
            lockout = self.lockout_s
        self._save(profile_id)
        return lockout

    def record_success(self, profile_id: int) -> None:
        """The right PIN clears the count."""
        self._failures.pop(profile_id, None)
        self._locked_until.pop(profile_id, None)
        self._save(profile_id)


def _throttle_key(profile_id: int) -> str:
    return f"pin_throttle.{int(profile_id)}"


def _forget_throttle(db: sqlite_utils.Database, profile_id: int) -> None:
    # A later profile may get the same id: it must not inherit a lock-out.
    db.conn.execute("DELETE FROM app_settings WHERE key = ?", (_throttle_key(profile_id),))
