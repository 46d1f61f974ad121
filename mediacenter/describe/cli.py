"""``mediacenter describe TITLE_ID [--profile NAME] --json``: the description a profile reads.

Prints the text shown, its parts (each with where it came from and the catalog facts behind
it) and why; the household's first profile when none is named.
"""

from __future__ import annotations

import argparse
import json

from mediacenter.cli_common import UserError, open_catalog


def register(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser(
        "describe", help="the description a profile reads for a title, and why",
        description="Compose TITLE_ID's candidate descriptions (the .nfo plot, outline and "
        "tagline; templates over catalog facts that connect it to the profile) and print "
        "the one the profile gets, its parts and why.")
    d.add_argument("title_id", type=int, metavar="TITLE_ID", help="the title's id (titles)")
    d.add_argument("--profile", help="profile id or name (default: the household's first)")
    d.add_argument("--json", action="store_true", help="print JSON")
    d.set_defaults(func=cmd_describe)


def cmd_describe(args: argparse.Namespace, paths) -> int:
    from mediacenter.db.profiles import first_profile_id, get_profile
    from mediacenter.describe.select import describe
    from mediacenter.previews.cli import check_title, find_profile

    db = open_catalog(paths)
    check_title(db, args.title_id)
    profile_id = (find_profile(db, args.profile) if args.profile is not None
                  else first_profile_id(db))
    if args.profile is None and profile_id is None:
        raise UserError("the household has no profile yet (see 'mediacenter profiles add')")
    d = describe(db, profile_id, args.title_id, session="cli")
    profile = get_profile(db, profile_id) if profile_id is not None else None
    data = {**d.to_json(), "profile": profile.name if profile else None}
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(d.text or "(no description)")
    print()
    for line in d.why:
        print(f"  · {line}")
    return 0
