#!/usr/bin/env python3
"""Artwork personalization in simulation: click-through over time, the app's bandit against
random choice and against one best image for everyone, and the regret.

A synthetic household (mediacenter.artwork.simulate): profiles in taste groups with hidden
preferences over image features (close-ups, brightness, colour, action) and a personal twist,
titles with their own base click rate and six candidate images each. Every round each profile
has a session of titles; a policy picks one image per title for the session; clicks are drawn
from the hidden model. Policies, all on the same household and the same sessions:

- app: the app's contextual Thompson sampler with its stickiness rules (mediacenter.artwork.
  bandit.choose), refitted from all impressions before each round as the app does;
- random: a random image each session;
- single_best_learned: one image per title for everyone, learned from the household's clicks
  (Beta-Bernoulli Thompson sampling per title): Netflix's non-personalized baseline;
- single_best_oracle: the image with the best household click rate, known in advance (the
  ceiling of any one-image-for-everyone policy);
- oracle: each profile's truly best image (the regret reference).

Reported: mean click probability of the shown images per window of time (less noisy than
drawn clicks; drawn CTR also given), cumulative regret against the oracle, the app's lift over
the baselines in the last window, and how often the app changed a title's image between
sessions (it never does within one).

Usage: benchmarks/artwork_bandit.py [--rounds 60] [--profiles 24] [--titles 150] [--json]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: threads only cost here

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mediacenter.artwork.simulate import make_world, simulate  # noqa: E402

POLICIES = {"app": "app", "random": "random", "single_best_learned": "single_best_learned",
            "single_best_oracle": "single_best", "oracle": "oracle"}


def run(args) -> dict:
    world = make_world(n_profiles=args.profiles, n_titles=args.titles, seed=args.seed,
                       strength=args.strength)
    out: dict = {"profiles": args.profiles, "titles": args.titles, "rounds": args.rounds,
                 "session_titles": args.session_titles, "strength": args.strength,
                 "seed": args.seed, "policies": {}}
    for name, policy in POLICIES.items():
        t0 = time.perf_counter()
        r = simulate(world, policy, rounds=args.rounds, session_titles=args.session_titles,
                     windows=args.windows, seed=args.seed + 1)
        out["policies"][name] = {
            "ctr_by_window": r.ctr_by_window, "expected_ctr": r.expected_ctr,
            "drawn_ctr": r.ctr, "regret": float(r.regret), "impressions": r.impressions,
            "changes_between_sessions": r.changes_between_sessions,
            "seconds": round(time.perf_counter() - t0, 2)}
    p = out["policies"]
    last = {k: v["ctr_by_window"][-1] for k, v in p.items()}
    out["app_last_window_ctr"] = last["app"]
    out["lift_vs_random"] = round(last["app"] / last["random"] - 1, 4)
    out["lift_vs_single_best_learned"] = round(last["app"] / last["single_best_learned"] - 1, 4)
    out["lift_vs_single_best_oracle"] = round(last["app"] / last["single_best_oracle"] - 1, 4)
    out["share_of_oracle_gain_captured"] = round(
        (last["app"] - last["random"]) / (last["oracle"] - last["random"]), 4)
    out["regret_ratio_vs_random"] = round(p["app"]["regret"] / p["random"]["regret"], 4)
    out["regret_ratio_vs_single_best_learned"] = round(
        p["app"]["regret"] / p["single_best_learned"]["regret"], 4)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=60, help="sessions per profile")
    ap.add_argument("--profiles", type=int, default=24)
    ap.add_argument("--titles", type=int, default=150)
    ap.add_argument("--session-titles", type=int, default=12, help="tiles seen per session")
    ap.add_argument("--windows", type=int, default=6, help="time windows in the CTR curve")
    ap.add_argument("--strength", type=float, default=1.0,
                    help="how much image features move click rates (1 = default world)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print JSON only")
    args = ap.parse_args()
    out = run(args)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for name, v in out["policies"].items():
            curve = " ".join(f"{x:.3f}" for x in v["ctr_by_window"])
            print(f"{name:>20}: {curve}   regret {v['regret']:.1f}")
        for k, v in out.items():
            if k != "policies":
                print(f"{k:>36}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
