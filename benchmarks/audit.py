#!/usr/bin/env python3
"""The recommendation audit's time per profile on a 10,000-title catalog (issue 15: <= 1 s).

A generated catalog (``mediacenter.recommend.synthetic``: clustered genres, people, votes,
ratings; MPAA ratings for the kids check) and household (five grown-ups with 60 titles of
history each and a kids profile limited to PG with 20), a trained model file. Measured in one
process, as ``mediacenter audit --profile NAME`` runs it after its first profile: each
profile's ``audit_profile`` (its home page, the metrics beside most-popular, and for the kids
profile the check of rows, searches, artwork and preview sources and stored rows), against
the reference in the same run: ``build_page`` alone for the same profile (the page the audit
measures; what is left is the audit's own cost). Alternating, ``--repeats`` times each; the
first call of each kind (index and model loading) is reported apart as ``first_ms``.

Usage: benchmarks/audit.py [--titles 10000] [--repeats 5]   (prints JSON)
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mediacenter.audit.profile import audit_profile  # noqa: E402
from mediacenter.db import open_db, transaction  # noqa: E402
from mediacenter.db.profiles import create_profile  # noqa: E402
from mediacenter.recommend import page as page_mod  # noqa: E402
from mediacenter.recommend.synthetic import (  # noqa: E402
    generate_catalog,
    generate_household,
    record_watch,
)
from mediacenter.recommend.train import model_path_for_db, train_model  # noqa: E402

NOW = 1_700_000_000.0
TARGET_S = 1.0


def build(folder: Path, titles: int) -> tuple[Path, dict[str, int]]:
    path = folder / "catalog.sqlite3"
    db = open_db(path)
    catalog = generate_catalog(db, titles, seed=21, now=NOW)
    names = ["Ann", "Ben", "Cat", "Dan", "Eve"]
    ids = dict(zip(names, generate_household(db, catalog, names, watches=60, seed=22, now=NOW),
                   strict=True))
    kid = create_profile(db, "Kit", is_kids=True, max_rating="PG").id
    allowed = [t for (t,) in db.conn.execute(
        "SELECT id FROM titles WHERE kind = 'movie' AND mpaa IN ('G', 'PG') ORDER BY id")]
    with transaction(db):
        for k, tid in enumerate(allowed[:20]):
            record_watch(db, kid, tid, at=NOW - (k + 1) * 86400.0)
    ids["Kit"] = kid
    train_model(db, model_path_for_db(db), now=NOW)
    db.conn.close()
    return path, ids


def run(args) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    try:
        t0 = time.perf_counter()
        path, ids = build(folder, args.titles)
        setup_s = time.perf_counter() - t0
        page_mod.clear_caches()
        db = open_db(path)
        first_audit = first_page = None
        per: dict[str, dict] = {}
        for name, pid in ids.items():
            audits, pages = [], []
            for k in range(args.repeats + 1):
                t = time.perf_counter()
                page_mod.build_page(db, pid, now=NOW)
                page_s = time.perf_counter() - t
                t = time.perf_counter()
                result = audit_profile(db, pid, now=NOW)
                audit_s = time.perf_counter() - t
                if first_page is None:
                    first_page, first_audit = page_s, audit_s
                if k or name != next(iter(ids)):
                    pages.append(page_s)
                    audits.append(audit_s)
            if result.kids_check is not None and result.kids_check.violations:
                raise SystemExit(f"the kids check failed for {name}: {result.kids_check}")
            per[name] = {"audit_ms": round(1000 * statistics.median(audits), 1),
                         "page_ms": round(1000 * statistics.median(pages), 1),
                         "kids": result.kids}
        db.conn.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    worst = max(v["audit_ms"] for v in per.values())
    return {
        "titles": args.titles, "profiles": len(per), "repeats": args.repeats,
        "setup_s": round(setup_s, 1), "per_profile": per,
        "first_ms": {"page": round(1000 * (first_page or 0), 1),
                     "audit_after_it": round(1000 * (first_audit or 0), 1)},
        "audit_ms_worst_profile": worst,
        "audit_over_page": round(statistics.median(
            v["audit_ms"] / v["page_ms"] for v in per.values()), 2),
        "target_ms": 1000 * TARGET_S, "met": worst <= 1000 * TARGET_S,
        "load": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--titles", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    print(json.dumps(run(args), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
