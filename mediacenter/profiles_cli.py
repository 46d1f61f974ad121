"""``mediacenter profiles ...`` and the permission every managing command asks for.

Managing the household (profiles, PINs, kids limits, erasing history, library folders) follows
:mod:`mediacenter.db.admin`: ``--as PROFILE`` names the grown-up doing it, and where a
grown-up's profile has a PIN the command asks for it: typed at a terminal prompt (not echoed),
or with ``--pin-stdin`` read from standard input, one line per PIN asked, in the order the
command asks them (the managing PIN first, then a new PIN).

Registered by ``mediacenter.cli.build_parser``; each command gets ``(args, paths)``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterator
from math import ceil
from typing import TYPE_CHECKING, Any

from mediacenter.cli_common import UserError
from mediacenter.cli_common import open_catalog as _open
from mediacenter.config import Paths

if TYPE_CHECKING:
    from mediacenter.db.profiles import Profile


def _user_error(message: str) -> Exception:
    return UserError(message)


def add_manage_arguments(parser: argparse.ArgumentParser) -> None:
    """``--as`` and ``--pin-stdin`` on a command that manages the household."""
    parser.add_argument("--as", dest="as_profile", metavar="PROFILE",
                        help="the grown-up's profile doing this (name or id)")
    parser.add_argument("--pin-stdin", action="store_true",
                        help="read PINs from standard input, one per line, instead of a prompt")


class _Pins:
    """PINs from a prompt on a terminal, or from stdin lines with --pin-stdin."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin
        self._lines: Iterator[str] | None = None

    def read(self, prompt: str) -> str:
        if self.from_stdin:
            if self._lines is None:
                self._lines = iter(sys.stdin.readline, "")
            line = next(self._lines, "")
            if not line:
                raise _user_error(f"{prompt.rstrip(': ')}: no line left on standard input")
            return line.strip()
        if not sys.stdin.isatty():
            raise _user_error(f"{prompt.rstrip(': ')}: run this in a terminal to type it, or "
                              "pass --pin-stdin and give it on standard input")
        return getpass.getpass(prompt).strip()


def find_profile(db, ref: str):
    """The profile named ``ref`` (ignoring case) or with that id; UserError listing the others."""
    from mediacenter.db.profiles import list_profiles

    profiles = list_profiles(db)
    wanted = " ".join(ref.split()).casefold()
    for p in profiles:
        if p.name.casefold() == wanted:
            return p
    if wanted.isdigit():
        for p in profiles:
            if p.id == int(wanted):
                return p
    known = ", ".join(p.name for p in profiles) or "none yet"
    raise _user_error(f"No profile named {ref!r} (profiles: {known})")


def grant_for(db, args: argparse.Namespace, pins: _Pins | None = None):
    """Permission to manage for this command, asking the PIN when the household has one."""
    from mediacenter.db.admin import NotAllowedError, access, unlock
    from mediacenter.db.profiles import PinThrottle

    pins = pins or _Pins(getattr(args, "pin_stdin", False))
    ref = getattr(args, "as_profile", None)
    actor = find_profile(db, ref).id if ref else None
    rule = access(db, actor)
    if not rule.allowed:
        raise _user_error(rule.reason)
    if not rule.pin_needed or rule.throttle_key is None:
        return unlock(db, actor)
    # The same persisted count as the app's PIN pad: a script trying PINs one command at a
    # time is slowed down exactly like fingers on the keypad.
    throttle = PinThrottle(db=db)
    left = throttle.seconds_left(rule.throttle_key)
    if left > 0:
        raise _user_error(f"Too many wrong PINs: try again in {ceil(left)} s")
    pin = pins.read(f"{rule.reason}: ")
    try:
        grant = unlock(db, actor, pin)
    except NotAllowedError as exc:
        lockout = throttle.record_failure(rule.throttle_key)
        message = str(exc) + (f"; too many wrong PINs: try again in {ceil(lockout)} s"
                              if lockout else "")
        raise _user_error(message) from exc
    throttle.record_success(rule.throttle_key)
    return grant


def _new_pin(pins: _Pins, name: str) -> str:
    pin = pins.read(f"New PIN for {name}: ")
    if not pins.from_stdin and pins.read("The same PIN again: ") != pin:
        raise _user_error("The two PINs were different; nothing was changed")
    return pin


def _profile_json(p) -> dict:
    return {"id": p.id, "name": p.name, "kids": p.is_kids, "max_rating": p.max_rating,
            "pin": p.has_pin, "audio_language": p.audio_language,
            "subtitle_language": p.subtitle_language}


# -- commands ------------------------------------------------------------------------------------


def cmd_profiles_list(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.db.app_settings import trend_opt_outs
    from mediacenter.db.profiles import list_profiles

    db = _open(paths)
    profiles = list_profiles(db)
    private = trend_opt_outs(db)
    if args.json:
        print(json.dumps([{**_profile_json(p), "household_trends": p.id not in private}
                          for p in profiles], indent=2, ensure_ascii=False))
        return 0
    if not profiles:
        print("No profiles yet. Add one with: mediacenter profiles add NAME")
    for p in profiles:
        facts = [f"kids, up to {p.max_rating}" if p.is_kids and p.max_rating else
                 "kids" if p.is_kids else "grown-up"]
        if p.has_pin:
            facts.append("PIN")
        if p.id in private:
            facts.append("not in household trends")
        print(f"{p.id:>3}  {p.name}  [{', '.join(facts)}]")
    return 0


def cmd_profiles_add(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.db import admin

    db = _open(paths)
    pins = _Pins(args.pin_stdin)
    grant = grant_for(db, args, pins)
    pin = _new_pin(pins, args.name) if args.set_pin else None
    try:
        p = admin.create_profile(db, grant, args.name, pin=pin, is_kids=args.kids,
                                 max_rating=args.max_rating if args.kids else None,
                                 audio_language=args.audio, subtitle_language=args.subtitles)
    except ValueError as exc:
        raise _user_error(str(exc)) from exc
    print(f"Added profile {p.id}: {p.name}{' (kids)' if p.is_kids else ''}")
    return 0


def cmd_profiles_edit(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.db import admin
    from mediacenter.db.app_settings import set_shares_household_trends, set_skips_intros

    db = _open(paths)
    target = find_profile(db, args.profile)
    pins = _Pins(args.pin_stdin)
    grant = grant_for(db, args, pins)
    changes: dict[str, object] = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.kids is not None:
        changes["is_kids"] = args.kids
        if not args.kids:
            changes["max_rating"] = None
    if args.max_rating is not None:
        changes["max_rating"] = args.max_rating
    if args.set_pin:
        changes["pin"] = _new_pin(pins, target.name)
    elif args.remove_pin:
        changes["pin"] = None
    try:
        p = admin.edit_profile(db, grant, target.id, **changes)
        if args.household_trends is not None:
            admin.require(db, grant)
            set_shares_household_trends(db, target.id, args.household_trends == "on")
        if args.skip_intros is not None:
            admin.require(db, grant)
            set_skips_intros(db, target.id, args.skip_intros == "on")
    except ValueError as exc:
        raise _user_error(str(exc)) from exc
    print(f"Saved profile {p.id}: {p.name}")
    return 0


def _on_one_profile(args: argparse.Namespace, paths: Paths, action) -> tuple[Profile, Any]:
    """(profile, what ``action(db, grant, profile_id)`` returned), with a grown-up's permission;
    a refusal or bad input becomes the command's one-line error."""
    db = _open(paths)
    target = find_profile(db, args.profile)
    grant = grant_for(db, args)
    try:
        return target, action(db, grant, target.id)
    except ValueError as exc:
        raise _user_error(str(exc)) from exc


def cmd_profiles_delete(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.db import admin

    target, _ = _on_one_profile(args, paths, admin.delete_profile)
    print(f"Deleted profile {target.name} and its history.")
    return 0


def cmd_profiles_erase(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.privacy import erase_profile

    target, removed = _on_one_profile(args, paths, erase_profile)
    print(f"Erased everything stored about {target.name}: "
          f"{removed.get('watch_sessions', 0)} viewings, {sum(removed.values())} records in "
          "all, and the recommendation model (it is trained again on what is left).")
    return 0


def cmd_profiles_export(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.db import admin
    from mediacenter.db.profile_data import write_profile_export_folder

    def export(db, grant, profile_id: int):
        admin.require(db, grant)  # another profile's data: a grown-up's to take
        try:
            return write_profile_export_folder(db, profile_id, args.to)
        except OSError as exc:
            raise ValueError(f"Could not write into {args.to}: {exc.strerror or exc}") from exc

    target, folder = _on_one_profile(args, paths, export)
    print(f"Exported everything stored about {target.name} to {folder}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("profiles", help="list, add, edit or delete the household's profiles",
                       description="Manage profiles. Everything but 'list' needs a grown-up's "
                       "profile, and its PIN where a grown-up's profile has one.")
    psub = p.add_subparsers(dest="profiles_command", metavar="ACTION", required=True)
    ls = psub.add_parser("list", help="every profile, with its kids limit and PIN")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=cmd_profiles_list)

    a = psub.add_parser("add", help="add a profile")
    a.add_argument("name", help="the new profile's name")
    a.add_argument("--kids", action="store_true", help="a kids profile")
    a.add_argument("--max-rating", help="a kids profile's highest rating (e.g. PG, FSK 12)")
    a.add_argument("--set-pin", action="store_true", help="ask for a PIN that locks it")
    a.add_argument("--audio", help="preferred audio language (ISO 639 code)")
    a.add_argument("--subtitles", help="preferred subtitle language (ISO 639 code)")
    add_manage_arguments(a)
    a.set_defaults(func=cmd_profiles_add)

    e = psub.add_parser("edit", help="change a profile")
    e.add_argument("profile", help="the profile (name or id)")
    e.add_argument("--name", help="a new name")
    kids = e.add_mutually_exclusive_group()
    kids.add_argument("--kids", dest="kids", action="store_true", default=None,
                      help="make it a kids profile")
    kids.add_argument("--grown-up", dest="kids", action="store_false",
                      help="make it a grown-up's profile (no rating limit)")
    e.add_argument("--max-rating", help="a kids profile's highest rating")
    pin = e.add_mutually_exclusive_group()
    pin.add_argument("--set-pin", action="store_true", help="ask for a new PIN")
    pin.add_argument("--remove-pin", action="store_true", help="remove its PIN")
    e.add_argument("--household-trends", choices=["on", "off"],
                   help="whether what it watches counts in the household's trends")
    e.add_argument("--skip-intros", choices=["on", "off"],
                   help="whether the player skips found intros and recaps by itself")
    add_manage_arguments(e)
    e.set_defaults(func=cmd_profiles_edit)

    d = psub.add_parser("delete", help="delete a profile and everything it watched")
    d.add_argument("profile", help="the profile (name or id)")
    add_manage_arguments(d)
    d.set_defaults(func=cmd_profiles_delete)

    ex = psub.add_parser("export", help="export everything stored about a profile",
                         description="Write a new folder inside DIR: manifest.json, "
                         "profile.json and every table's rows of the profile as JSON and CSV.")
    ex.add_argument("profile", help="the profile (name or id)")
    ex.add_argument("--to", required=True, metavar="DIR", help="the folder to export into")
    add_manage_arguments(ex)
    ex.set_defaults(func=cmd_profiles_export)

    er = psub.add_parser("erase-history", help="erase everything stored about a profile "
                         "(history, ratings, choices; the profile itself stays)")
    er.add_argument("profile", help="the profile (name or id)")
    add_manage_arguments(er)
    er.set_defaults(func=cmd_profiles_erase)
