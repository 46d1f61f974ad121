"""Looking a few segments ahead: the rendition for the next segment whose plan scores best.

Pure Python: the planning half of Auto for streams whose segments and buffer the player knows
(a spliced HLS stream). The score is the quality of experience the ABR literature measures
(QoE_lin of MPC, SIGCOMM 2015, and Pensieve, SIGCOMM 2017): per segment its bitrate in
Mbit/s, minus the stall it causes (the top rung's Mbit/s per second, as QoE_lin's 4.3 for a
4.3 Mbit/s top rung), minus the change of bitrate from the segment before. A plan is the next
segment's rendition followed by one rendition held for the rest of the horizon, fetched one
after the other at the predicted throughput while the buffer plays (a plan never dips to
come back up: two switches cost more than holding). Three things make it more than MPC's
five-segment look-ahead:

* **What the plan leaves behind.** Unless the title ends within the horizon, the buffer at
  the end counts as link time banked: a buffered second is worth the predicted throughput's
  share of a segment (with a bitrate utility, spending and banking then weigh the same, so
  the switch cost decides and Auto does not wander), up to ``target_s``; beyond it half that
  (a full buffer idles the link, and what is banked is lost at the end of the title). Near the
  lowest rung the target grows to the whole buffer (``floor_ratio``): there a dip can only be
  ridden out on the buffer, stepping down no longer helps. A plan ending on a rendition above
  the link owes the switch back down.
* **Room for error.** A plan that leaves under ``reserve_s`` buffered at its end, or whose
  buffer does not cover a fetch taking ``1 + margin`` times its predicted time, pays for the
  shortfall as for a stall (the prediction errs: BBA keeps a reservoir, RobustMPC discounts
  its prediction).
* **The end of the title.** Within the horizon of the end nothing is banked: the buffer is
  spent, as an offline optimum spends it.
* **The segment on its way.** Its remaining bits come first, so the choice is for the next
  segment, as the player will fetch it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["HorizonPlan", "plan_next"]


@dataclass(frozen=True)
class HorizonPlan:
    """The chosen plan: ``index`` for the next segment, then ``then`` for the rest."""

    index: int
    then: int
    score: float
    stall_s: float
    end_buffer_s: float


def plan_next(
    ladder_bps: Sequence[float],
    current: int,
    buffer_s: float,
    predicted_bps: float,
    *,
    segment_s: float,
    horizon: int,
    max_buffer_s: float,
    remaining: int | None = None,
    pending_bits: float = 0.0,
    reserve_s: float = 0.0,
    margin: float = 0.0,
    target_s: float | None = None,
    beyond_value: float = 0.5,
    floor_ratio: float = 0.0,
) -> HorizonPlan:
    """The best plan over ``horizon`` segments of ``segment_s`` (see the module docstring).

    ``ladder_bps`` lowest first (bit/s); ``current`` the index of the segment before;
    ``buffer_s`` media downloaded ahead of the position; ``pending_bits`` what is still to
    come of the segment on its way (at ``current``); ``remaining`` segments after it in the
    title (None: unknown, a long way); ``max_buffer_s`` how far ahead the player fetches.
    """
    if predicted_bps <= 0 or not ladder_bps:
        return HorizonPlan(0, 0, 0.0, 0.0, buffer_s)
    mbps = [b / 1e6 for b in ladder_bps]
    stall_penalty = max(mbps)
    dl = [b * segment_s / predicted_bps for b in ladder_bps]  # seconds per segment
    steps = horizon if remaining is None else max(1, min(horizon, remaining))
    open_end = remaining is None or remaining > steps
    fits = [m for m, b in zip(mbps, ladder_bps, strict=True) if b <= predicted_bps]
    settle = fits[-1] if fits else mbps[0]  # the rendition the link sustains
    unit = predicted_bps / 1e6 / segment_s  # score of a banked second of buffer
    target = max_buffer_s if target_s is None else min(target_s, max_buffer_s)
    if floor_ratio:
        target = min(max_buffer_s, max(target, max_buffer_s * floor_ratio * ladder_bps[0]
                                       / predicted_bps))
    start_buf, start_stall = buffer_s, 0.0
    if pending_bits > 0:  # the segment on its way comes first
        d = pending_bits / predicted_bps
        start_stall = max(0.0, d - buffer_s)
        start_buf = min(max_buffer_s, max(0.0, buffer_s - d) + segment_s)
    best: HorizonPlan | None = None
    for first in range(len(mbps)):
        for then in range(len(mbps)):
            if (steps == 1 and then != first) or (first - current) * (then - first) < 0:
                continue
            buf, stall = start_buf, start_stall
            low = 0.0  # how far the buffer falls short of covering a fetch with the margin
            score = 0.0
            prev = current
            for k in range(steps):
                r = first if k == 0 else then
                d = dl[r]
                low = min(low, buf - (1.0 + margin) * d)
                if d > buf:
                    stall += d - buf
                    buf = 0.0
                else:
                    buf -= d
                buf = min(max_buffer_s, buf + segment_s)
                score += mbps[r] - abs(mbps[r] - mbps[prev])
                prev = r
            score -= stall_penalty * (stall + max(0.0, reserve_s - buf) + max(0.0, -low))
            if open_end:
                score += unit * (min(buf, target) + beyond_value * max(0.0, buf - target))
                score -= max(0.0, mbps[prev] - settle)
            if first == current:
                score += 1e-6  # a tie keeps what plays: a switch put off may never be needed
            if best is None or score > best.score + 1e-12:
                best = HorizonPlan(first, then, score, stall, buf)
    assert best is not None
    return best
