"""Choosing a quality: renditions, a throughput estimator and the Auto policy. Pure Python.

No libVLC, no Qt, no database: everything here is driven by numbers (bytes, seconds, bits per
second) so it can be tested with synthetic and trace-driven throughput, and the same code runs
in the player (``mediacenter.playback.abr``) and in ``benchmarks/abr.py``.

Units: bitrates and throughput in **bits per second** (``int``/``float``), times in seconds
from any monotonic clock the caller chooses (the policy never reads a clock itself).

Why this shape:

* :class:`ThroughputEstimator` — a median filter (over the samples of the last 2.5 s, at
  least three) in front of two exponentially weighted moving averages, fast (2 s half-life)
  and slow (5 s); the estimate is the lower of the two. The median drops an outlier shorter
  than about a second (a burst out of a kernel buffer, one slow segment); the fast average
  follows a falling link within a few seconds; the slow one keeps a burst from looking like a
  faster link. Samples are weighted by the wall time they stand for (their own duration and
  the idle time before them, up to 3 s), so a player that fetches one segment every few
  seconds (its buffer is full) still follows the link in seconds, not minutes. Samples taken
  while the *player* set the pace (reading no faster than it plays) are "app-limited": they
  only count when they show more than the estimate.
* :class:`AutoPolicy` — the highest rendition that fits the estimate with a safety margin
  (0.85 to go up or start, 0.95 to stay: hysteresis); down at once when the estimate falls or
  on a stall (at least one rung); up only after the headroom held for 2 s, agreed by the
  latest filtered sample, and not soon after going down (6 s) or a stall (12 s). With 8 s or
  more buffered the fast average leads and the margins relax, up to 1.25x the estimate at 16 s
  of buffer (the buffer pays for a rendition slightly above the link while it lasts; as it
  drains the margins tighten and Auto steps down before it runs dry). Switching by reopening
  (files) costs a rebuffer, so :data:`REOPEN_CONFIG` asks more headroom, held longer. A
  rendition the machine cannot decode in time (a quarter of the pictures dropped) caps the
  resolution.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mediacenter.humanize import resolution_label, without_resolution_claim
from mediacenter.playback.horizon import HorizonPlan, plan_next

__all__ = [
    "REOPEN_CONFIG",
    "AutoPolicy",
    "AutoSession",
    "Decision",
    "PolicyConfig",
    "Rendition",
    "ThroughputEstimator",
    "dip_share",
    "format_bitrate",
    "resolution_label",
]


def dip_share(uncertainty: float) -> float:
    """An uncertainty as the share of the estimate the link dipped by (1.0 -> 0.5: to half)."""
    return uncertainty / (1.0 + uncertainty) if uncertainty > 0 else 0.0


def format_bitrate(bps: float | None) -> str:
    """'1.2 Gbit/s', '3.2 Mbit/s', '850 kbit/s'; '?' when unknown."""
    if bps is None or bps <= 0 or not math.isfinite(bps):
        return "?"
    if bps >= 1e9:  # a local disk
        return f"{bps / 1e9:.1f} Gbit/s"
    if bps >= 1e6:
        return f"{bps / 1e6:.1f} Mbit/s"
    return f"{bps / 1e3:.0f} kbit/s"


@dataclass(frozen=True)
class Rendition:
    """One way to play a title: a version file, a stream variant, or an optimized copy.

    ``key`` is stable across runs (it is what a remembered choice stores): ``file:<file id>``,
    ``opt:<optimized id>``, ``variant:<index in the manifest>``. ``uri`` is a local path or a
    URL. ``bitrate_bps`` is the measured (files) or advertised (manifests) total bitrate; 0 when
    unknown (such a rendition is treated as the most demanding).
    """

    key: str
    uri: str
    bitrate_bps: int
    width: int | None = None
    height: int | None = None
    label: str = ""
    kind: str = "file"  # file | optimized | variant
    codecs: str | None = None
    source: str = ""  # where the bytes come from (see throughput.source_key)
    file_id: int | None = None
    duration_ms: int | None = None

    @property
    def resolution(self) -> str:
        return resolution_label(self.width, self.height)

    @property
    def pixels(self) -> int:
        return (self.width or 0) * (self.height or 0)

    def describe(self) -> str:
        """'720p · 2.9 Mbit/s' (plus the version's label when it says more)."""
        parts = [p for p in (self.resolution, format_bitrate(self.bitrate_bps or None)) if p]
        text = " · ".join(parts) if parts else self.key
        # The file name's "1080p" beside a measured 540p would contradict it: the name only.
        label = without_resolution_claim(self.label) if self.resolution else self.label
        if label and label.lower() not in text.lower():
            text = f"{label} — {text}"
        return text


def sort_renditions(renditions: Iterable[Rendition]) -> list[Rendition]:
    """Lowest first: by bitrate (unknown counts as highest), then picture size, then key."""
    return sorted(
        renditions,
        key=lambda r: (r.bitrate_bps if r.bitrate_bps > 0 else math.inf, r.pixels, r.key),
    )


class _Ewma:
    """An exponentially weighted moving average whose memory is a half-life in seconds.

    Starts from zero with a bias correction (as Shaka Player does), so the first samples are
    not pulled towards zero.
    """

    def __init__(self, half_life_s: float) -> None:
        self.half_life_s = half_life_s
        self._value = 0.0
        self._weight = 0.0

    def add(self, weight_s: float, value: float) -> None:
        alpha = 0.5 ** (weight_s / self.half_life_s)
        self._value = value * (1.0 - alpha) + alpha * self._value
        self._weight += weight_s

    def value(self) -> float | None:
        if self._weight <= 0:
            return None
        zero_factor = 1.0 - 0.5 ** (self._weight / self.half_life_s)
        return self._value / zero_factor

    def reset_to(self, value: float, weight_s: float) -> None:
        self._weight = weight_s
        self._value = value * (1.0 - 0.5 ** (weight_s / self.half_life_s))


@dataclass(frozen=True)
class Sample:
    """One throughput measurement as the estimator kept it."""

    at: float
    bytes: int
    seconds: float
    bps: float
    app_limited: bool
    used: bool


class ThroughputEstimator:
    """Link throughput from timed transfers: a short median, then fast/slow EWMAs, lower wins.

    ``add(at, nbytes, seconds)`` with ``at`` the end of the transfer on the caller's clock.
    Tiny transfers are ignored (their time is mostly latency). :meth:`seed` starts from what
    was learned before (the stored estimate of this source), with little weight so real
    samples take over within seconds.
    """

    def __init__(
        self,
        *,
        fast_half_life_s: float = 2.0,
        slow_half_life_s: float = 5.0,
        min_bytes: int = 16 * 1024,
        min_seconds: float = 0.02,
        max_weight_s: float = 3.0,
        median_window_s: float = 2.5,
        error_window_s: float = 8.0,
        plan_window_s: float = 12.0,
        safety_window_s: float = 6.0,
    ) -> None:
        self.fast = _Ewma(fast_half_life_s)
        self.slow = _Ewma(slow_half_life_s)
        self.min_bytes = min_bytes
        self.min_seconds = min_seconds
        self.max_weight_s = max_weight_s
        self.median_window_s = median_window_s
        self._recent: deque[tuple[float, float]] = deque(maxlen=12)  # (at, bps)
        self._last_at: float | None = None
        self.samples = 0  # samples that counted
        self.recent_bps: float | None = None  # the median filter's latest output
        self.last_bps: float | None = None  # the latest raw measurement, counted or not
        self.history: deque[Sample] = deque(maxlen=240)
        self.plan_window_s = plan_window_s
        self.safety_window_s = safety_window_s
        self.error_window_s = error_window_s
        # (at, relative shortfall) of each counted sample against the estimate before it
        self._errors: deque[tuple[float, float]] = deque(maxlen=64)

    def seed(self, bps: float, weight_s: float = 1.0) -> None:
        """Start from a remembered estimate (weighted as ``weight_s`` seconds of samples)."""
        if bps > 0 and math.isfinite(bps):
            self.fast.reset_to(bps, weight_s)
            self.slow.reset_to(bps, weight_s)
            self._recent.clear()

    def add(self, at: float, nbytes: int, seconds: float, *, app_limited: bool = False) -> bool:
        """Record ``nbytes`` received in ``seconds`` ending at ``at``; True when it counted.

        ``app_limited``: the reader, not the link, set the pace (a full buffer): such a sample
        is a lower bound of the link and only counts when it exceeds the current estimate.
        """
        if nbytes <= 0 or seconds <= 0 or not math.isfinite(seconds):
            return False
        bps = nbytes * 8.0 / max(seconds, self.min_seconds)
        self.last_bps = bps
        used = nbytes >= self.min_bytes
        est = self.estimate()
        if used and app_limited and est is not None and bps <= est:
            used = False
        self.history.append(Sample(at, int(nbytes), float(seconds), bps, app_limited, used))
        if not used:
            return False
        # The wall time this sample stands for: at least its own transfer, and the idle time
        # since the previous one (a full buffer downloads rarely), up to a cap so one sample
        # after a long pause cannot wipe out everything learned.
        gap = at - self._last_at if self._last_at is not None else seconds
        weight = min(max(seconds, gap), max(self.max_weight_s, seconds))
        self._last_at = at
        self._recent.append((at, bps))
        filtered = self._filtered()
        if est is not None and filtered > 0:
            self._errors.append((at, max(0.0, est - filtered) / filtered))
        self.recent_bps = filtered
        self.fast.add(weight, filtered)
        self.slow.add(weight, filtered)
        self.samples += 1
        return True

    def _filtered(self) -> float:
        """The median of the samples of the last ``median_window_s`` (at least the last
        three): a burst or a dip shorter than half the window does not get through."""
        latest = self._recent[-1][0]
        recent = list(self._recent)
        values = sorted(b for i, (t, b) in enumerate(recent)
                        if latest - t <= self.median_window_s or i >= len(recent) - 3)
        if len(values) < 3:
            return values[0]  # with fewer than three, the lower is the safer guess
        return values[(len(values) - 1) // 2]  # the lower median of an even count

    def penalize(self, factor: float) -> None:
        """Scale the estimate down (a stall proved the link slower than believed)."""
        for avg in (self.fast, self.slow):
            v = avg.value()
            if v is not None:
                avg.reset_to(v * factor, max(avg._weight, 1.0))
        self._recent.clear()

    def uncertainty(self) -> float | None:
        """How far the link fell short of the estimate lately: the largest relative shortfall
        ``(estimate - filtered) / filtered`` over the last ``error_window_s``, ``filtered``
        being each new output of the median filter (as RobustMPC discounts its prediction by
        its recent worst error, ``1 / (1 + error)``); None until three samples were compared.
        A steady link gives a few hundredths, a wandering Wi-Fi 0.3 or more; a link that fell
        to half the estimate gives 1.0 (see :func:`dip_share` for a share of the estimate).
        """
        if len(self._errors) < 3:
            return None
        latest = self._errors[-1][0]
        return max(e for t, e in self._errors if latest - t <= self.error_window_s)

    def wall_window_bps(self, seconds: float) -> float | None:
        """Like :meth:`window_bps` over the transfers that ended in the last ``seconds`` of
        the caller's clock (at least the latest one)."""
        nbytes = took = 0.0
        latest = None
        for s in reversed(self.history):
            if s.app_limited and not s.used:
                continue
            if latest is None:
                latest = s.at
            elif latest - s.at > seconds:
                break
            nbytes += s.bytes
            took += s.seconds
        return nbytes * 8.0 / took if took > 0 else None

    def window_bps(self, seconds: float, within_s: float | None = None) -> float | None:
        """Bytes over time of the latest transfers that add up to ``seconds`` of
        transferring (idle time between them left out): the rate a segment fetched now
        would see if the link stays as it was, each second weighted alike (a harmonic mean
        of rates, as the download time of a segment is); only transfers that ended within
        ``within_s`` of the latest count, if given. None before any sample."""
        nbytes = took = 0.0
        latest = None
        for s in reversed(self.history):
            if s.app_limited and not s.used:
                continue  # the player set that pace, not the link
            latest = s.at if latest is None else latest
            if within_s is not None and latest - s.at > within_s:
                break
            nbytes += s.bytes
            took += s.seconds
            if took >= seconds:
                break
        return nbytes * 8.0 / took if took > 0 else None

    def plan_bps(self) -> float | None:
        """The throughput Auto plans with: the rate of the transfers of the last
        ``plan_window_s`` (wall time), or of the last ``safety_window_s`` of transferring
        among them if lower (a link that just fell is believed at once; one that just rose,
        once it lasted). 12 s keeps a step up followed within 10 s (tests/unit/test_quality_trace:
        8 s from 0.45 to 6 Mbit/s; 13 to 15 s took 10 s, at the limit); longer windows scored a
        little higher on the development traces (0.867 / 0.872 / 0.88 of the optimum at 12 /
        15 / 30 s), a safety window of none / 4 / 6 / 10 s 0.869 / 0.874 / 0.883 / 0.874 (at
        30 s)."""
        slow = self.wall_window_bps(self.plan_window_s)
        fast = self.window_bps(self.safety_window_s, within_s=self.plan_window_s)
        if slow is None or fast is None:
            return self.estimate()
        return min(slow, fast)

    def estimate(self) -> float | None:
        """Bits per second the link is believed to sustain; None before any sample or seed."""
        values = [v for v in (self.fast.value(), self.slow.value()) if v is not None]
        return min(values) if values else None

    def state(self) -> dict[str, float | int | None]:
        """What is worth remembering about this source (see ``throughput.ThroughputStore``)."""
        return {
            "estimate_bps": self.estimate(),
            "fast_bps": self.fast.value(),
            "slow_bps": self.slow.value(),
            "samples": self.samples,
        }


#: The most of the estimate a rendition may use and be kept without a deep buffer.
MAX_KEEP_MARGIN = 0.97


@dataclass(frozen=True)
class PolicyConfig:
    """The Auto policy's knobs. Margins are the share of the estimate a bitrate may use."""

    up_margin: float = 0.85  # to go up (or to start): bitrate <= 0.85 x estimate
    keep_margin: float = 0.95  # to stay: above this share of the estimate we go down at once
    # Once the link's recent shortfalls are known (ThroughputEstimator.uncertainty) the up
    # margin is 1 / (1 + worst shortfall) within these bounds, the keep margin as far above
    # it as keep_margin is above up_margin: a steady link is used nearly in full, a jittery
    # one keeps more in reserve.
    min_up_margin: float = 0.6
    max_up_margin: float = 0.92
    up_hold_s: float = 2.0  # the headroom must last this long before going up
    after_down_s: float = 6.0  # no going up this soon after going down
    after_stall_s: float = 12.0  # nor this soon after a stall
    rich_buffer_s: float = 8.0  # with this much buffered, going up may trust the fast average
    # A deep buffer can pay for a rendition a little above the link for a while: from
    # boost_from_s of buffer the margins grow, reaching max_boost x the estimate at
    # boost_full_s (the buffer drains slowly, and Auto steps down as it does).
    boost_from_s: float = 8.0
    boost_full_s: float = 16.0
    max_boost: float = 1.25
    stall_factor: float = 0.7  # a stall scales the estimate down by this
    # With segments of known length and the buffer known (a spliced stream), Auto plans
    # ahead instead (playback.horizon: see there for what each knob does and why). The
    # horizon covers the target buffer and the reserve with room to spare (MPC looks 5
    # segments, 20 s, ahead); the reserve is one segment, at least 6 s (short segments come
    # in quicker succession; 4 s made Auto flap on a noisy 2 Mbit/s link of 2 s segments,
    # tests/unit/test_quality_trace); the buffer must cover each fetch taking a quarter longer
    # than predicted (0.25 removed the stall on a 2 Mbit/s link with 30 % noise). Chosen on
    # the development FCC traces (benchmarks/README.md: abr_sim.py, 3 seeds): horizon 40 /
    # 60 / 80 s, reserve 8 / 6 / 4 / 0 s, target 15 / 25 s, margin 0.1 / 0.15 / 0.25,
    # beyond_value 0.3 / 0.5 / 0.7, floor_ratio 2 / 3 / 4, plan window 12 / 13 / 15 / 20 s:
    # 0.851 of the optimum before (median trace 0.930), 0.862 with these (median 0.944). The
    # mean swings by 0.02 with whether one run of one trace (trace_32551, whose link sits at
    # a third of the lowest rung for minutes) stalls 10 or 33 s: what is left is mostly there.
    horizon_s: float = 60.0
    max_horizon_segments: int = 20
    reserve_segments: float = 1.0
    min_reserve_s: float = 6.0
    fetch_margin: float = 0.25
    target_s: float = 25.0
    beyond_value: float = 0.5
    floor_ratio: float = 2.0
    drop_ratio: float = 0.25  # dropped/(shown + dropped) pictures that caps the resolution
    drop_min_pictures: int = 40  # ... judged over at least this many pictures


#: For renditions that switch by reopening (files, pinned streams): every switch throws the
#: read-ahead away and rebuffers, so going up needs more headroom, held longer, and a deep
#: buffer buys nothing (it is lost on the switch).
REOPEN_CONFIG = PolicyConfig(up_margin=0.65, keep_margin=0.9, up_hold_s=6.0, after_down_s=15.0,
                             max_boost=0.65, min_up_margin=0.5, max_up_margin=0.7)


@dataclass(frozen=True)
class Decision:
    """What Auto wants now and why (the why is shown to the user)."""

    rendition: Rendition
    reason: str
    changed: bool


@dataclass
class _DropWindow:
    key: str
    shown: int = 0
    lost: int = 0


@dataclass
class AutoPolicy:
    """The Auto choice among ``renditions`` (any order), driven by :meth:`decide`.

    Call :meth:`decide` on every tick with the current estimate; :meth:`on_stall` when playback
    ran dry; :meth:`on_pictures` with picture counts to detect a machine that cannot decode a
    rendition. :meth:`start` chooses the first rendition (with no estimate: the lowest).
    """

    renditions: Sequence[Rendition]
    config: PolicyConfig = field(default_factory=PolicyConfig)
    segment_s: float | None = None  # segment length: set, Auto plans ahead with the buffer
    max_buffer_s: float | None = None  # how far ahead the player downloads at most

    def __post_init__(self) -> None:
        if not self.renditions:
            raise ValueError("no renditions to choose from")
        self.ladder: list[Rendition] = sort_renditions(self.renditions)
        self.current: Rendition = self.ladder[0]
        self.reason = "no measurement yet: starting low"
        self.max_pixels: int | None = None  # a decode cap, set by dropped pictures
        self._headroom_since: float | None = None
        self._last_down_at: float | None = None
        self._last_stall_at: float | None = None
        self._drops = _DropWindow(self.current.key)
        self.switches = 0
        self.stalls = 0
        self.plan: HorizonPlan | None = None  # the latest plan, when planning
        #: The renditions of the latest plan: the next segment's, then the one it heads for.
        self.planned: tuple[Rendition, Rendition] | None = None

    # -- helpers -----------------------------------------------------------------------------

    def allowed(self) -> list[Rendition]:
        """The renditions Auto may choose (a decode cap leaves out the larger ones)."""
        if self.max_pixels is None:
            return self.ladder
        allowed = [r for r in self.ladder if r.pixels == 0 or r.pixels <= self.max_pixels]
        return allowed or self.ladder[:1]

    def fitting(self, estimate_bps: float | None, margin: float) -> Rendition:
        """The highest allowed rendition whose bitrate is at most ``margin`` x the estimate
        (the lowest when none fits or nothing is known)."""
        allowed = self.allowed()
        if estimate_bps is None:
            return allowed[0]
        best = allowed[0]
        for r in allowed:
            if 0 < r.bitrate_bps <= margin * estimate_bps:
                best = r
        return best

    def margins(self, buffer_s: float | None,
                uncertainty: float | None = None) -> tuple[float, float]:
        """(up, keep) margins: from the link's recent shortfalls when known (else the
        configured ones), relaxed towards ``max_boost`` as the buffer fills past
        ``boost_from_s``."""
        cfg = self.config
        up, keep = cfg.up_margin, cfg.keep_margin
        if uncertainty is not None and math.isfinite(uncertainty):
            up = min(cfg.max_up_margin, max(cfg.min_up_margin, 1.0 / (1.0 + uncertainty)))
            # Never keep a rendition the estimate does not cover without a buffer to pay.
            keep = min(MAX_KEEP_MARGIN, up + (cfg.keep_margin - cfg.up_margin))
        if (buffer_s is None or buffer_s <= cfg.boost_from_s or cfg.max_boost <= up
                or cfg.max_boost <= cfg.up_margin):  # boost turned off (REOPEN_CONFIG)
            return up, keep
        span = max(1e-6, cfg.boost_full_s - cfg.boost_from_s)
        f = min(1.0, (buffer_s - cfg.boost_from_s) / span)
        return up + (cfg.max_boost - up) * f, keep + (cfg.max_boost - up) * f

    def _index(self, r: Rendition) -> int:
        return next(i for i, x in enumerate(self.ladder) if x.key == r.key)

    def _switch(self, r: Rendition, reason: str) -> Decision:
        changed = r.key != self.current.key
        if changed:
            self.switches += 1
            self._drops = _DropWindow(r.key)
        self.current = r
        self.reason = reason
        return Decision(r, reason, changed)

    # -- the policy --------------------------------------------------------------------------

    def start(self, estimate_bps: float | None, remaining_s: float | None = None) -> Decision:
        """The first rendition: the highest that fits with the up margin (lowest if unknown).

        Planning ahead (:attr:`segment_s` set), the plan from an empty buffer: its first
        segment is all start-up, so it is the lowest unless the link is many times faster.
        """
        if self.segment_s and estimate_bps:
            self.current = self.ladder[0]
            d = self._plan(estimate_bps, 0.0, remaining_s, 0.0)
            self._drops = _DropWindow(d.rendition.key)
            self.reason = why = f"measured {format_bitrate(estimate_bps)}: a quick start"
            return Decision(d.rendition, why, True)
        r = self.fitting(estimate_bps, self.config.up_margin)
        why = (f"measured {format_bitrate(estimate_bps)}" if estimate_bps
               else "no measurement yet: starting low")
        self.current = r
        self.reason = why
        self._drops = _DropWindow(r.key)
        return Decision(r, why, True)

    def decide(
        self,
        now: float,
        estimate_bps: float | None,
        *,
        fast_bps: float | None = None,
        buffer_s: float | None = None,
        recent_bps: float | None = None,
        uncertainty: float | None = None,
        plan_bps: float | None = None,
        remaining_s: float | None = None,
        pending_bits: float = 0.0,
    ) -> Decision:
        """Auto's choice at ``now`` given the estimate: down at once, up after a steady hold.

        ``fast_bps`` (the estimator's fast average) and ``buffer_s`` (seconds of media
        downloaded ahead of the position), when known, let Auto go up sooner with a full
        buffer: if the higher rendition proves too much, the buffer covers the way back down.
        ``recent_bps`` (the latest filtered sample) must agree before going up, so the
        averages' memory of a burst that is already over does not count as headroom.
        ``uncertainty`` (the estimator's recent worst shortfall) sets the margins.

        With :attr:`segment_s` set, ``buffer_s`` known and ``plan_bps`` (the throughput to
        plan with, :meth:`ThroughputEstimator.plan_bps`) Auto plans ahead instead
        (:mod:`~mediacenter.playback.horizon`), ``remaining_s`` being the media after the
        segment on its way and ``pending_bits`` what is still to come of that one.
        """
        cfg = self.config
        cur = self.current
        if estimate_bps is None:
            return Decision(cur, self.reason, False)
        if self.segment_s and buffer_s is not None and plan_bps and (
                self.max_pixels is None or cur.pixels <= self.max_pixels):
            return self._plan(plan_bps, buffer_s, remaining_s, pending_bits)
        # With a full buffer the fast average leads (both ways): a mistake costs buffer, not
        # a stall. Otherwise the lower of the two averages.
        keep_bps = estimate_bps
        if fast_bps is not None and buffer_s is not None and buffer_s >= cfg.rich_buffer_s:
            keep_bps = max(estimate_bps, fast_bps)
        up_bps = keep_bps if recent_bps is None else min(keep_bps, recent_bps)
        up_margin, keep_margin = self.margins(buffer_s, uncertainty)
        if self.max_pixels is not None and cur.pixels > self.max_pixels:
            self._headroom_since = None
            target = self.fitting(estimate_bps, cfg.up_margin)
            self._last_down_at = now
            return self._switch(target, "too many dropped pictures at "
                                f"{cur.resolution or cur.key}: this computer cannot keep up")
        if cur.bitrate_bps <= 0 or cur.bitrate_bps > keep_margin * keep_bps:
            target = self.fitting(keep_bps, up_margin)
            if self._index(target) < self._index(cur):
                self._headroom_since = None
                self._last_down_at = now
                return self._switch(target, f"link fell to {format_bitrate(keep_bps)}")
        target = self.fitting(up_bps, up_margin)
        if self._index(target) <= self._index(cur):
            self._headroom_since = None
            return Decision(cur, self.reason, False)
        # Headroom: wait until it held long enough, and not right after going down or a stall.
        if self._headroom_since is None:
            self._headroom_since = now
        quiet = all(
            t is None or now - t >= hold
            for t, hold in ((self._last_down_at, cfg.after_down_s),
                            (self._last_stall_at, cfg.after_stall_s))
        )
        if now - self._headroom_since >= cfg.up_hold_s and quiet:
            # The hold keeps running: if the headroom reaches the next rendition too, there
            # is no need to wait for it all over again.
            return self._switch(target, f"link sustains {format_bitrate(up_bps)}")
        return Decision(cur, self.reason, False)

    def _plan(self, predicted_bps: float, buffer_s: float, remaining_s: float | None,
              pending_bits: float) -> Decision:
        cfg = self.config
        allowed = self.allowed()
        seg = float(self.segment_s or 1.0)
        cur = self.current
        cur_i = next((i for i, r in enumerate(allowed) if r.key == cur.key), 0)
        plan = plan_next(
            [r.bitrate_bps or math.inf for r in allowed], cur_i, buffer_s, predicted_bps,
            segment_s=seg, horizon=max(1, min(cfg.max_horizon_segments,
                                              round(cfg.horizon_s / seg))),
            max_buffer_s=self.max_buffer_s or math.inf,
            remaining=None if remaining_s is None else math.ceil(remaining_s / seg - 1e-6),
            pending_bits=pending_bits,
            reserve_s=max(cfg.reserve_segments * seg, cfg.min_reserve_s),
            margin=cfg.fetch_margin,
            target_s=cfg.target_s, beyond_value=cfg.beyond_value,
            floor_ratio=cfg.floor_ratio)
        self.plan = plan
        self.planned = (allowed[plan.index], allowed[plan.then])
        target = allowed[plan.index]
        if target.key == cur.key:
            return Decision(cur, self.reason, False)
        verb = "sustains" if target.bitrate_bps <= predicted_bps else "with the buffer carries"
        return self._switch(target, f"link ~{format_bitrate(predicted_bps)} {verb} it "
                                    f"({buffer_s:.0f} s buffered)")

    def on_stall(self, now: float, estimate_bps: float | None) -> Decision:
        """Playback ran dry: one rung down at least (or lower if the estimate says so) now."""
        self.stalls += 1
        self._last_stall_at = now
        self._headroom_since = None
        idx = self._index(self.current)
        target = self.fitting(estimate_bps, self.config.up_margin)
        allowed = self.allowed()
        if self._index(target) >= idx and idx > 0:
            below = [r for r in allowed if self._index(r) < idx]
            target = below[-1] if below else self.ladder[0]
        if self._index(target) < idx:
            self._last_down_at = now
            return self._switch(target, "playback stalled: stepping down")
        return Decision(self.current, "playback stalled (already lowest)", False)

    def on_pictures(self, shown: int, lost: int) -> bool:
        """Add picture counts for the current rendition since the last call; True when the
        machine dropped so many that the resolution is now capped below it."""
        w = self._drops
        if w.key != self.current.key:
            self._drops = w = _DropWindow(self.current.key)
        w.shown += max(0, shown)
        w.lost += max(0, lost)
        total = w.shown + w.lost
        if total < self.config.drop_min_pictures or self.current.pixels == 0:
            return False
        if w.lost / total > self.config.drop_ratio:
            smaller = [r.pixels for r in self.ladder if 0 < r.pixels < self.current.pixels]
            if not smaller:
                return False
            self.max_pixels = max(smaller)
            return True
        if total > 10 * self.config.drop_min_pictures:  # judge recent pictures, not all
            self._drops = _DropWindow(w.key, w.shown // 2, w.lost // 2)
        return False


class AutoSession:
    """The estimator and the policy as the player runs them: transfers in, ticks, stalls.

    One object for the player's :class:`~mediacenter.playback.abr.QualityController` and for
    ``benchmarks/abr_sim.py``, so the benchmark scores the code the app runs. ``rate`` is the
    playback speed: at 1.5x a rendition needs 1.5x its bitrate, so the link is compared at 1x.
    """

    def __init__(self, renditions: Sequence[Rendition], config: PolicyConfig | None = None,
                 *, estimator: ThroughputEstimator | None = None,
                 segment_s: float | None = None, max_buffer_s: float | None = None) -> None:
        self.estimator = estimator if estimator is not None else ThroughputEstimator()
        self.policy = AutoPolicy(renditions, config or PolicyConfig(), segment_s=segment_s,
                                 max_buffer_s=max_buffer_s)

    @staticmethod
    def _at_rate(bps: float | None, rate: float) -> float | None:
        return bps / max(0.25, rate) if bps else bps

    def start(self, estimate_bps: float | None = None, rate: float = 1.0, *,
              remaining_s: float | None = None) -> Decision:
        """The first choice, from ``estimate_bps`` or the estimator's (seeded) estimate;
        ``remaining_s`` is the title's length from where it starts."""
        est = estimate_bps if estimate_bps is not None else self.estimator.estimate()
        return self.policy.start(self._at_rate(est, rate), remaining_s)

    def transfer(self, at: float, nbytes: float, seconds: float, *,
                 app_limited: bool = False) -> bool:
        """``nbytes`` arrived in ``seconds`` ending at ``at``; True when it counted."""
        return self.estimator.add(at, int(nbytes), seconds, app_limited=app_limited)

    def stalled(self, now: float, rate: float = 1.0) -> Decision:
        """Playback ran dry: the estimate was too high; step down."""
        self.estimator.penalize(self.policy.config.stall_factor)
        return self.policy.on_stall(now, self._at_rate(self.estimator.estimate(), rate))

    def tick(self, now: float, buffer_s: float | None, rate: float = 1.0, *,
             remaining_s: float | None = None, pending_bits: float = 0.0) -> Decision:
        """Auto's choice for the next segment now: ``buffer_s`` is the media downloaded
        ahead of the position, ``pending_bits`` what is still to come of the segment on its
        way, ``remaining_s`` the media after that one (None: unknown)."""
        est = self.estimator
        return self.policy.decide(now, self._at_rate(est.estimate(), rate),
                                  fast_bps=self._at_rate(est.fast.value(), rate),
                                  buffer_s=buffer_s,
                                  recent_bps=self._at_rate(est.recent_bps, rate),
                                  uncertainty=est.uncertainty(),
                                  plan_bps=self._at_rate(est.plan_bps(), rate),
                                  remaining_s=remaining_s, pending_bits=pending_bits)
