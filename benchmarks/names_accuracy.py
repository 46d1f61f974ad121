"""Accuracy and speed of the file name parser on the labelled set, against guessit.

Run: ``.venv/bin/python benchmarks/names_accuracy.py [--no-guessit] [--failures]``.
Prints one JSON object: ``cases``, ``exact`` (share of cases where every labelled field
matches), ``exact_loose_titles`` (the same, titles compared without case and punctuation),
``names_per_s``, and the same for guessit (``guessit_exact``, ``guessit_exact_loose_titles``,
``guessit_names_per_s``) unless ``--no-guessit``. ``--failures`` also lists the cases that
do not match, on stderr.

guessit is only a yardstick (it is in the ``bench`` extra, never used at run time). Its
answers are mapped onto our fields: type -> kind, title, year, season, episode -> episodes,
part/cd -> part, date -> air_date, screen_size -> resolution, episode_title, edition, and
extra only for the kinds guessit knows (trailer, sample). Fields guessit has no notion of
(version, other extra kinds) are skipped for it; kind "other" (home videos) is counted as a
miss, since guessit cannot say it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mediacenter.library.naming import parse_path  # noqa: E402

DATA = ROOT / "tests" / "data" / "names.jsonl"


def load_cases(path: Path = DATA) -> list[dict[str, Any]]:
    """The labelled cases, one JSON object per line."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def mismatches(
    got: dict[str, Any], expect: dict[str, Any], loose: bool = False
) -> dict[str, tuple[Any, Any]]:
    """Fields where ``got`` differs from the labels: {field: (expected, got)}. ``loose``
    compares titles ignoring case and punctuation ("the matrix" == "The Matrix",
    "Mr Robot" == "Mr. Robot"), since title-casing scene names is optional."""
    bad = {}
    for k, v in expect.items():
        have = got.get(k)
        if have == v:
            continue
        if loose and k in ("title", "episode_title") and _loose(have) == _loose(v):
            continue
        bad[k] = (v, have)
    return bad


def _loose(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    return "".join(c for c in text.casefold() if c.isalnum())


def ours(case: dict[str, Any]) -> dict[str, Any]:
    return parse_path(case["path"], case.get("root")).to_json_dict()


def _as_list(value: Any) -> list[int]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def guessit_fields(case: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """guessit's answer in our fields, and the labelled fields it cannot express."""
    import guessit  # only needed for the comparison

    g = guessit.guessit(case["path"])
    other = _as_list(g.get("other"))
    extra = "trailer" if "Trailer" in other else "sample" if "Sample" in other else None
    date = g.get("date")
    got = {
        "kind": g.get("type"),
        "title": g.get("title"),
        "year": g.get("year"),
        "season": g.get("season"),
        "episodes": _as_list(g.get("episode")),
        "part": g.get("part", g.get("cd")),
        "air_date": date.isoformat() if date is not None else None,
        "resolution": g.get("screen_size"),
        "episode_title": g.get("episode_title"),
        "edition": g.get("edition"),
        "extra": extra,
    }
    if isinstance(got["edition"], list):
        got["edition"] = got["edition"][0]
    skip = {"version"}
    if case["expect"].get("extra") not in (None, "trailer", "sample"):
        skip.add("extra")
    return got, skip


def run(cases: list[dict[str, Any]], with_guessit: bool, show_failures: bool) -> dict[str, Any]:
    report: dict[str, Any] = {"cases": len(cases)}

    exact = loose = 0
    failures = []
    for case in cases:
        got = ours(case)
        bad = mismatches(got, case["expect"])
        if bad:
            failures.append((case["path"], bad))
        else:
            exact += 1
        loose += not mismatches(got, case["expect"], loose=True)
    report["exact"] = round(exact / len(cases), 4)
    report["exact_loose_titles"] = round(loose / len(cases), 4)

    # Speed: every case several times (as a scan of many folders would), best of a few
    # repeats so that other work on the machine does not decide the figure.
    from mediacenter.library import naming

    paths = [(c["path"], c.get("root")) for c in cases]
    rounds = 5
    best = float("inf")
    for _ in range(5):
        naming._folder_context.cache_clear()
        naming._classify_bracket.cache_clear()
        naming._compact.cache_clear()
        start = time.perf_counter()
        for _ in range(rounds):
            for path, root in paths:
                parse_path(path, root)
        best = min(best, time.perf_counter() - start)
    report["names_per_s"] = round(rounds * len(paths) / best)

    if with_guessit:
        g_exact = g_loose = 0
        start = time.perf_counter()
        answers = [guessit_fields(c) for c in cases]
        elapsed = time.perf_counter() - start
        for case, (got, skip) in zip(cases, answers, strict=True):
            expect = {k: v for k, v in case["expect"].items() if k not in skip}
            g_exact += not mismatches(got, expect)
            g_loose += not mismatches(got, expect, loose=True)
        report["guessit_exact"] = round(g_exact / len(cases), 4)
        report["guessit_exact_loose_titles"] = round(g_loose / len(cases), 4)
        report["guessit_names_per_s"] = round(len(cases) / elapsed, 1)

    if show_failures:
        for path, bad in failures:
            print(f"FAIL {path}", file=sys.stderr)
            for k, (want, got) in bad.items():
                print(f"    {k}: expected {want!r}, got {got!r}", file=sys.stderr)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-guessit", action="store_true", help="skip the guessit comparison")
    parser.add_argument("--failures", action="store_true", help="list our failing cases")
    parser.add_argument("--data", type=Path, default=DATA, help="labelled JSONL file")
    args = parser.parse_args(argv)
    report = run(load_cases(args.data), not args.no_guessit, args.failures)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
