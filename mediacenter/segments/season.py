"""A season's intros and end credits from its episodes' fingerprints, compared in pairs.

Constrained as the peers do (the Jellyfin intro skipper, Plex's intro detection): an intro is a
stretch of 15 s to 2 min that recurs in the opening of other episodes, where the opening is
the first quarter of the episode or its first 10 minutes, whichever is shorter; the end credits
are a stretch of at least 10 s that recurs in the other episodes' last minutes and ends near
the end. Each episode is compared with up to :data:`MAX_PEERS` others (its neighbours in the
season first); the candidates that overlap are one cluster, and the cluster more peers agree on
wins (ties: the longer one); its edges are the earliest start and the latest end the peers in it
confirm (an episode with the theme's full cut shares only the short cut with a peer that has
the short one).
An episode whose opening recurs nowhere has no intro: nothing is reported for it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Final

from mediacenter.segments.match import Stretch, shared_stretches
from mediacenter.segments.model import Segment
from mediacenter.segments.prints import Print

INTRO_MIN_S: Final = 15.0
INTRO_MAX_S: Final = 120.0
HEAD_SHARE: Final = 0.25
HEAD_MAX_S: Final = 600.0
HEAD_OVERRUN_S: Final = 30.0
CREDITS_MIN_S: Final = 10.0
TAIL_SHARE: Final = 0.3
TAIL_MAX_S: Final = 360.0
# The recurring end stretch must reach this close to the end (else it is music in the last
# act, not the credits), unless what follows it is a scene of its own (post_credits).
CREDITS_END_SLACK_S: Final = 5.0
POST_CREDITS_MIN_S: Final = 5.0
MAX_PEERS: Final = 8
RECAP_MIN_S: Final = 8.0


def head_span(duration_s: float) -> tuple[float, float]:
    """Where an intro may start: the first quarter or the first 10 minutes."""
    return 0.0, min(duration_s * HEAD_SHARE, HEAD_MAX_S)


def head_print_span(duration_s: float) -> tuple[float, float]:
    """The opening kept as a print: the head span and :data:`HEAD_OVERRUN_S` more, so an
    intro that starts late in it is compared whole (cut at the span's end, one episode's
    late intro would shorten every other episode's)."""
    return 0.0, min(duration_s, head_span(duration_s)[1] + HEAD_OVERRUN_S)


def tail_span(duration_s: float) -> tuple[float, float]:
    """Where end credits are looked for: the last 30 % or 6 minutes."""
    return max(0.0, duration_s - min(duration_s * TAIL_SHARE, TAIL_MAX_S)), duration_s


@dataclass
class Episode:
    """What the season comparison needs of one file."""

    key: str  # the file's path (or any id)
    duration_s: float
    head: Print
    tail: Print
    body: Print | None = None  # the whole file's print, when decoded (recaps of later ones)


@dataclass
class _Candidate:
    start_s: float
    end_s: float
    peer: str
    score: float


def _cluster(cands: list[_Candidate]) -> list[list[_Candidate]]:
    out: list[list[_Candidate]] = []
    for c in sorted(cands, key=lambda c: c.start_s):
        for group in out:
            s = statistics.median(g.start_s for g in group)
            e = statistics.median(g.end_s for g in group)
            inter = min(e, c.end_s) - max(s, c.start_s)
            if inter > 0.5 * min(e - s, c.end_s - c.start_s):
                group.append(c)
                break
        else:
            out.append([c])
    return out


def _best(cands: list[_Candidate], peers: int) -> tuple[float, float, float] | None:
    """(start, end, confidence) of the cluster most peers agree on."""
    if not cands or peers <= 0:
        return None
    groups = _cluster(cands)
    need = 1 if peers < 3 else 2  # with three peers or more, one alone is a coincidence

    def support(g: list[_Candidate]) -> int:
        return len({c.peer for c in g})

    groups = [g for g in groups if support(g) >= need]
    if not groups:
        return None
    g = max(groups, key=lambda g: (support(g), statistics.median(c.end_s - c.start_s
                                                               for c in g)))
    # Each candidate is sound this episode truly shares with a peer; a peer with a shorter
    # cut of the theme confirms less of it, so the stretch is what any peer confirms.
    start = min(c.start_s for c in g)
    end = max(c.end_s for c in g)
    share = support(g) / peers
    quality = statistics.mean(c.score for c in g)
    return start, end, round(min(1.0, 0.5 + 0.5 * share) * quality, 3)


def _peers(i: int, n: int) -> list[int]:
    """The episodes compared with episode ``i``: nearest in the season first."""
    order = sorted((j for j in range(n) if j != i), key=lambda j: (abs(j - i), j))
    return order[:MAX_PEERS]


def season_segments(episodes: list[Episode]) -> dict[str, list[Segment]]:
    """Intro, recap, credits and post-credits scene per episode (by key), from the episodes'
    prints compared with one another. Episodes in season order."""
    n = len(episodes)
    out: dict[str, list[Segment]] = {e.key: [] for e in episodes}
    if n < 2:
        return out
    pair_cache: dict[tuple[int, int, str], list[Stretch]] = {}

    def stretches(i: int, j: int, part: str, min_s: float) -> list[tuple[float, float, float]]:
        """(start, end, score) in episode i of the stretches it shares with episode j."""
        key = (min(i, j), max(i, j), part)
        if key not in pair_cache:
            a, b = episodes[key[0]], episodes[key[1]]
            pa, pb = (a.head, b.head) if part == "head" else (a.tail, b.tail)
            pair_cache[key] = shared_stretches(pa, pb, min_s=min_s)
        res = pair_cache[key]
        if i == key[0]:
            return [(s.a_start_s, s.a_end_s, s.score) for s in res]
        return [(s.b_start_s, s.b_end_s, s.score) for s in res]

    for i, ep in enumerate(episodes):
        peers = _peers(i, n)
        lo, hi = head_span(ep.duration_s)
        intro_c = [
            _Candidate(s, e, episodes[j].key, sc)
            for j in peers
            for s, e, sc in stretches(i, j, "head", INTRO_MIN_S)
            if INTRO_MIN_S <= e - s <= INTRO_MAX_S + 5 and lo - 1 <= s < hi
        ]
        intro = _best(intro_c, len(peers))
        if intro is not None:
            out[ep.key].append(Segment("intro", max(0.0, intro[0]), intro[1], intro[2],
                                       "fingerprint"))
        tlo, _thi = tail_span(ep.duration_s)
        credit_c = []
        for j in peers:
            for s, e, sc in stretches(i, j, "tail", CREDITS_MIN_S):
                if s >= tlo - 1:
                    credit_c.append(_Candidate(s, e, episodes[j].key, sc))
        credits = _best(credit_c, len(peers))
        if credits is not None:
            start, end, conf = credits
            after = ep.duration_s - end
            if after <= CREDITS_END_SLACK_S:
                out[ep.key].append(Segment("credits", start, ep.duration_s, conf,
                                           "fingerprint"))
            elif after >= POST_CREDITS_MIN_S and _has_sound(ep.tail, end, ep.duration_s):
                # Sound after the recurring end: a scene, or a longer cut of the end song
                # (the analysis asks the pictures: analyse._settle_credits_end).
                out[ep.key].append(Segment("credits", start, end, conf, "fingerprint"))
                out[ep.key].append(Segment("post_credits", end, ep.duration_s,
                                           round(conf * 0.8, 3), "fingerprint"))
            else:  # silence after it: the credits end quietly (the analysis checks)
                out[ep.key].append(Segment("credits", start, end, conf, "fingerprint"))
        if intro is not None and i > 0:
            recap = _recap(ep, intro[0], [episodes[j] for j in range(i)])
            if recap is not None:
                out[ep.key].append(recap)
    return out


def _has_sound(p: Print, start_s: float, end_s: float) -> bool:
    part = p.slice_s(start_s + 0.5, end_s)
    return len(part) > 0 and float(part.valid.mean()) >= 0.5


def _recap(ep: Episode, intro_start_s: float, earlier: list[Episode]) -> Segment | None:
    """"Previously on": sound before the intro that plays elsewhere in an earlier episode
    (outside that episode's own opening minute, where a cold open would be shared)."""
    if intro_start_s < RECAP_MIN_S:
        return None
    before = ep.head.slice_s(0.0, intro_start_s)
    spans: list[tuple[float, float]] = []
    for other in earlier[-2:]:
        target = other.body or other.tail
        for s in shared_stretches(before, target, min_s=RECAP_MIN_S / 2):
            if s.b_start_s > 60.0:
                spans.append((s.a_start_s, s.a_end_s))
    if not spans:
        return None
    start = min(s for s, _ in spans)
    end = max(e for _, e in spans)
    if end - start < RECAP_MIN_S:
        return None
    # A recap runs up to the intro (the title card between them belongs to it).
    if intro_start_s - end < 10.0:
        end = intro_start_s
    return Segment("recap", max(0.0, start), end, 0.7, "fingerprint")
