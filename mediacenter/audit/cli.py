"""``mediacenter audit``: a profile's recommendation audit, as a table or JSON.

Registered through ``mediacenter.cli.build_parser``; the command gets ``(args, paths)``. Exit
status 1 when a kids profile meets a title above its rating anywhere (so a script can gate on
it), 0 otherwise.
"""

from __future__ import annotations

import argparse
import json

from mediacenter.cli_common import open_catalog
from mediacenter.config import Paths
from mediacenter.profiles_cli import find_profile

ROWS = (("long_tail_share", "long-tail share", "{:.0%}"),
        ("gini_exposure", "Gini of exposure", "{:.3f}"),
        ("coverage", "catalog coverage", "{:.1%}"),
        ("calibration_kl", "calibration KL (page)", "{:.3f}"),
        ("calibration_kl_top", "calibration KL (Top picks)", "{:.3f}"),
        ("intra_list_diversity", "intra-list diversity", "{:.3f}"),
        ("novelty", "novelty (bits)", "{:.2f}"))


def cmd_audit(args: argparse.Namespace, paths: Paths) -> int:
    from mediacenter.audit.profile import audit_profile
    from mediacenter.recommend.train import default_model_path

    db = open_catalog(paths)
    profile = find_profile(db, args.profile)
    audit = audit_profile(db, profile.id, model=default_model_path(paths))
    if args.json:
        print(json.dumps(audit.to_json_dict(), indent=2, ensure_ascii=False))
    else:
        print(f"Recommendation audit of {audit.profile}"
              f"{' (kids)' if audit.kids else ''}: {audit.app.titles} titles on the page, "
              f"{audit.candidates} it could be shown; popularity from {audit.popularity_source}"
              f"; calibrated option {'on' if audit.calibrated_option else 'off'}")
        print(f"  history: {audit.history_titles} titles, "
              f"{audit.history_long_tail_share:.0%} in the long tail")
        print(f"  {'':30s} {'app':>10s} {'most popular':>14s}")
        for key, label, fmt in ROWS:
            a, b = getattr(audit.app, key), getattr(audit.most_popular, key)
            print(f"  {label:30s} {fmt.format(a):>10s} {fmt.format(b):>14s}")
        if audit.kids_check is not None:
            k = audit.kids_check
            places = ", ".join(f"{place} {len(ids)}" for place, ids in k.above.items())
            print(f"  kids check (max rating {k.max_rating or 'all ages'}): "
                  f"{k.violations} titles above it ({places})")
        print(f"  ({audit.seconds:.2f} s)")
    return 1 if audit.kids_check is not None and audit.kids_check.violations else 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``audit`` to the ``mediacenter`` command."""
    a = sub.add_parser(
        "audit", help="audit a profile's recommendations (popularity bias, calibration...)",
        description="Measure a profile's home page beside the most popular titles: share of "
        "long-tail titles (vs its history), Gini of exposure, catalog coverage, calibration "
        "(KL divergence of the genre mix, recommendations vs history), intra-list diversity "
        "and novelty; for a kids profile, check that no title above its rating appears in its "
        "rows, search, previews or artwork (exit status 1 if one does).")
    a.add_argument("--profile", required=True, help="the profile's name")
    a.add_argument("--json", action="store_true", help="print JSON")
    a.set_defaults(func=cmd_audit)
