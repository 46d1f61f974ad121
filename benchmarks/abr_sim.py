#!/usr/bin/env python3
"""Quality selection in the standard chunk-level simulation of the ABR literature.

The model (Pensieve, SIGCOMM 2017, its ``fixed_env``; MPC, SIGCOMM 2015; BOLA, INFOCOM 2016;
BBA, SIGCOMM 2014): a video of 48 chunks of 4 s, each encoded at 300 / 750 / 1200 / 1850 /
2850 / 4300 kbit/s (constant bitrate: a chunk weighs bitrate x 4 s), downloaded one after
another over a link that follows a bandwidth trace (lines ``seconds<TAB>Mbit/s``, each value
holding until the next line; the trace loops), starting at a seeded offset into the trace.
Each download takes one 80 ms round trip (the link idle) and then the chunk's bytes at 95 % of
the trace's rate (packet payload, as Pensieve's simulator). Playback drains the buffer in real
time; a download longer than the buffer stalls (``rebuffer``); the first chunk's download is
the start-up. The buffer holds at most 60 s: above that the client waits until it drains back.

Policies (each sees only what a real client sees: its buffer, its past downloads):

- ``auto``: the app's own policy and estimator (``mediacenter.playback.quality.AutoSession``,
  the object the player's ``QualityController`` runs), fed as the player feeds it: a transfer
  sample every 0.5 s of each download (as the app's proxy reports them), a tick every 0.5 s
  with the buffer (media downloaded ahead of the play position), what is still to come of the
  chunk on its way and how much of the video is left after it, stalls once playback stopped
  for 1 s; the chunk requested is the rendition the session holds at that moment. Under
  Pensieve's scoring its first chunk is 750 kbit/s like everyone's; with start-up counted it
  chooses its own (with nothing measured: the lowest).
- ``lowest`` / ``highest``: a fixed rung.
- ``rb``: the highest rung under the harmonic mean of the last 5 chunk throughputs.
- ``bba``: BBA-0 (Huang et al.): 5 s reservoir, 10 s cushion, the paper's rate map with its
  step-up / step-down rule.
- ``bola``: BOLA-BASIC (Spiteri et al.): utilities ln(R/Rmin), gamma*p = 5, V from the 60 s
  buffer (as the authors' Sabre simulator sets them).
- ``robustmpc``: RobustMPC (Yin et al., as in Pensieve's ``mpc.py``): 5-chunk horizon, every
  rung sequence, throughput = harmonic mean of the last 5 / (1 + max error of the last 5).
- ``optimal``: a dynamic programme over the whole trace (it knows the future). States after
  each chunk are (rung, buffer, wall time); two states whose buffer and wall time fall in the
  same bin (``--dp-step``, 0.05 s by default) are merged, keeping the better score, but every
  state carries its *exact* buffer and time, so the value reported is the exact score of a
  schedule that can really be played (a lower bound of the optimum). States that cannot
  beat a schedule already found even with every bit the link carries before the buffer runs
  out are dropped (branch and bound: exact). How close it is to the true optimum: on 4-chunk
  videos it equals the best of all 6^4 schedules (tests/unit/test_abr_sim.py);
  ``optimal_resolution_gap_max`` compares it with the programme at twice the bin size; any
  policy beating it on a trace is counted in ``optimal_beaten``. Pensieve's convention: its
  first chunk is 750 kbit/s (with start-up counted it chooses). It optimises QoE_lin; the
  QoE_log and QoE_hd figures given for it are those of the same schedule.

Oracles that know part of the future (not run unless named in ``--policies``; they bound
what a policy that only knows the past can hope for, issue 12):

- ``lookaheadN`` (e.g. ``lookahead8``): MPC with perfect prediction: before each chunk, the
  exact download times of the next N chunks of every rung sequence (the real link, not an
  estimate) and the best first rung of the best N-chunk sequence under QoE_lin (a dynamic
  programme over those N chunks, states merged within 0.1 s bins); nothing is known beyond
  the N chunks. With N at least the chunks left it is the optimum. Its first chunk is
  750 kbit/s in both scorings.
- ``auto_perfectN`` (e.g. ``auto_perfect10``): the app's Auto with its throughput prediction
  replaced by the link's exact mean rate over the next N seconds (everything else as
  ``auto``): what Auto's planner would score with a perfect N-second predictor.

Scores per chunk (``qoe_lin``: R in Mbit/s - 4.3 x rebuffer s - |R - R_prev|; ``qoe_log``:
q = ln(R / 300 kbit/s), 2.66 per rebuffer second; ``qoe_hd``: 1/2/3/12/15/20 per rung, 8 per
rebuffer second), ``bitrate_kbps``, ``rebuffer_s`` and ``switches``: scored as Pensieve's
evaluation does (the first chunk not scored: its download is the start-up) and also with
start-up counted (``startup``: every chunk scored, the first chunk's download as rebuffer;
there the optimum chooses its first rung too). A trace counts when its mean link is at least
the lowest rung (``playable``).

Splits: the FCC traces are split by a hash fixed before any tuning (sha256 of
``"mediacenter-abr-holdout:" + file name``, divisible by 3: held out). The app's policy was
designed and tuned on ``dev`` only; ``holdout`` and the generated ``markov3g`` family (see
:func:`markov_traces`; never used for tuning) are the traces it did not see.

Usage: benchmarks/abr_sim.py [--traces DIR] [--split all|dev|holdout] [--policies ...]
                             [--synthetic N] [--dp-step 0.05] [--seed 1] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from mediacenter.playback.quality import (  # noqa: E402
    AutoSession,
    Decision,
    Rendition,
    ThroughputEstimator,
)

DEFAULT_TRACES = ROOT.parent / "shared" / "data" / "traces" / "fcc"
LADDER_KBPS = (300, 750, 1200, 1850, 2850, 4300)
CHUNK_S = 4.0
CHUNKS = 48
RTT_S = 0.08
PAYLOAD = 0.95  # share of the link's rate that carries the chunk's bytes (Pensieve)
BUFFER_CAP_S = 60.0
FIRST_RUNG = 1  # Pensieve's default first chunk: 750 kbit/s
TICK_S = 0.5  # the player's tick and the proxy's sample period
STALL_AFTER_S = 1.0  # how long output must stop before the player counts a stall
HOLDOUT_SALT = "mediacenter-abr-holdout:"
SYNTHETIC_SEED = 20260301  # the markov3g family: fixed before any run, never tuned on
DP_VERSION = 1  # bump when the programme changes (cached schedules)
POLICIES = ("auto", "lowest", "highest", "rb", "bba", "bola", "robustmpc", "optimal")
ORACLES = ("lookahead", "auto_perfect")  # + a number: see the module docstring
LOOKAHEAD_STEP_S = 0.1  # the lookahead oracle's bin (its programme runs before every chunk)


@dataclass(frozen=True)
class Metric:
    name: str
    utility: tuple[float, ...]  # per rung
    rebuffer_penalty: float  # per second


LIN = Metric("qoe_lin", tuple(r / 1000 for r in LADDER_KBPS), 4.3)
METRICS = (
    LIN,
    Metric("qoe_log", tuple(math.log(r / LADDER_KBPS[0]) for r in LADDER_KBPS), 2.66),
    Metric("qoe_hd", (1.0, 2.0, 3.0, 12.0, 15.0, 20.0), 8.0),
)


# -- traces -------------------------------------------------------------------------------------


def load_trace(path: Path) -> list[tuple[float, float]]:
    """``(seconds, bit/s)`` pairs of a ``seconds<TAB>Mbit/s`` file; bad lines skipped."""
    out: list[tuple[float, float]] = []
    for line in path.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        try:
            t, mbps = float(parts[0]), float(parts[1])
        except ValueError:
            continue
        if math.isfinite(t) and math.isfinite(mbps) and mbps >= 0 and (
                not out or t > out[-1][0]):
            out.append((t, mbps * 1e6))
    return out


def is_holdout(name: str) -> bool:
    """The fixed hold-out rule (decided before any tuning; see the module docstring)."""
    return int(hashlib.sha256((HOLDOUT_SALT + name).encode()).hexdigest(), 16) % 3 == 0


def markov_traces(n: int, seed: int, seconds: int = 320) -> list[tuple[str, list]]:
    """A second family of links, never used for tuning: a Markov-modulated model of a 3G
    (HSDPA) commute, the shape of the synthetic traces of Pensieve (section 5.3: a hidden
    Markov model whose states are throughput levels, with noise within a state).

    Per trace (seeded): 8 states log-spaced between a floor drawn in [0.1, 0.5] Mbit/s and a
    ceiling drawn in [1.5, 6] Mbit/s (the span of cellular traces' per-second rates); each
    second the state is left with probability 1/hold, hold drawn in [3, 30] s, for a state
    1-3 steps away (nearer ones likelier); within a state each 1 s sample is the state's rate
    times a log-normal factor (sigma drawn in [0.1, 0.5]); outages (a tunnel, a handover:
    0.02 Mbit/s for 1-8 s) start with probability drawn in [0, 0.01] per second.
    """
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lo, hi = rng.uniform(0.1, 0.5), rng.uniform(1.5, 6.0)
        levels = [lo * (hi / lo) ** (k / 7) for k in range(8)]
        hold = rng.uniform(3.0, 30.0)
        sigma = rng.uniform(0.1, 0.5)
        outage_p = rng.uniform(0.0, 0.01)
        state = rng.randrange(len(levels))
        pts: list[tuple[float, float]] = []
        t = 0
        while t < seconds:
            if rng.random() < outage_p:
                for _ in range(rng.randint(1, 8)):
                    pts.append((float(t), 0.02e6))
                    t += 1
                continue
            if rng.random() < 1.0 / hold:
                step = rng.choices((1, 2, 3), weights=(4, 2, 1))[0] * rng.choice((-1, 1))
                state = min(len(levels) - 1, max(0, state + step))
            pts.append((float(t), levels[state] * 1e6 * math.exp(rng.gauss(0.0, sigma))))
            t += 1
        out.append((f"markov3g_{i:02d}", pts))
    return out


class Link:
    """A trace as a looping step function, in wall seconds from the session's start.

    ``bits_at(t)`` is the cumulative link capacity (bits) from the session start to ``t``;
    ``transfer_end(t, bits)`` when a transfer of ``bits`` started at ``t`` completes (at
    ``PAYLOAD`` of the rate). Both take numpy arrays (the dynamic programme) or floats.
    """

    def __init__(self, points: Sequence[tuple[float, float]], offset_s: float) -> None:
        times = np.array([p[0] for p in points], dtype=float)
        times -= times[0]
        self.bps = np.array([p[1] for p in points], dtype=float)
        step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
        self.period = float(times[-1] + step)
        self.starts = times
        ends = np.append(times[1:], self.period)
        self.cum = np.concatenate([[0.0], np.cumsum(self.bps * (ends - times))])
        self.total = float(self.cum[-1])
        if self.total <= 0:
            raise ValueError("a trace that never carries a bit")
        self.offset = offset_s % self.period
        self._base = self._abs_bits(np.asarray(self.offset))

    def mean_bps(self) -> float:
        return self.total / self.period

    def _abs_bits(self, x: np.ndarray) -> np.ndarray:
        n = np.floor(x / self.period)
        r = x - n * self.period
        i = np.clip(np.searchsorted(self.starts, r, side="right") - 1, 0, len(self.bps) - 1)
        return n * self.total + self.cum[i] + self.bps[i] * (r - self.starts[i])

    def bits_at(self, t):
        return self._abs_bits(np.asarray(t, dtype=float) + self.offset) - self._base

    def time_at_bits(self, c):
        """The earliest session time at which ``bits_at`` reaches ``c``."""
        c = np.asarray(c, dtype=float) + self._base
        n = np.floor(c / self.total)
        rem = c - n * self.total
        j = np.clip(np.searchsorted(self.cum, rem, side="left"), 1, len(self.bps))
        seg = j - 1
        bps = self.bps[seg]
        within = np.where(bps > 0, (rem - self.cum[seg]) / np.where(bps > 0, bps, 1.0), 0.0)
        return n * self.period + self.starts[seg] + within - self.offset

    def transfer_end(self, t, bits):
        t = np.asarray(t, dtype=float)
        return self.time_at_bits(self.bits_at(t) + np.asarray(bits) / PAYLOAD)


def chunk_bits(rung: int) -> float:
    return LADDER_KBPS[rung] * 1000.0 * CHUNK_S


# -- the session --------------------------------------------------------------------------------


@dataclass
class Obs:
    """What a client knows before requesting chunk ``index``."""

    index: int
    now: float
    buffer_s: float
    last: int | None  # rung of the previous chunk
    throughputs: list[float]  # bit/s of each past chunk (bytes / whole download time)
    download_s: list[float]


@dataclass
class Run:
    rungs: list[int] = field(default_factory=list)
    rebuffer: list[float] = field(default_factory=list)  # per chunk (the first: start-up)
    download: list[float] = field(default_factory=list)

    def score(self, metric: Metric, startup: bool) -> float:
        """The metric summed over the scored chunks."""
        total = 0.0
        for k, (r, reb) in enumerate(zip(self.rungs, self.rebuffer, strict=True)):
            if k == 0 and not startup:
                continue
            smooth = abs(metric.utility[r] - metric.utility[self.rungs[k - 1]]) if k else 0.0
            total += metric.utility[r] - metric.rebuffer_penalty * reb - smooth
        return total


def step_chunk(link: Link, t: float, buf: float, rung: int) -> tuple[float, float, float, float]:
    """Download ``rung``'s next chunk from ``t`` with ``buf`` buffered: (t', buf', rebuffer,
    download time)."""
    end = float(link.transfer_end(t + RTT_S, chunk_bits(rung)))
    d = end - t
    reb = max(0.0, d - buf)
    buf = max(0.0, buf - d) + CHUNK_S
    t = end
    if buf > BUFFER_CAP_S:
        t += buf - BUFFER_CAP_S
        buf = BUFFER_CAP_S
    return t, buf, reb, d


def simulate(link: Link, choose: Callable[[Obs], int]) -> Run:
    run = Run()
    t = buf = 0.0
    thr: list[float] = []
    for k in range(CHUNKS):
        rung = choose(Obs(k, t, buf, run.rungs[-1] if run.rungs else None, list(thr),
                          list(run.download)))
        t, buf, reb, d = step_chunk(link, t, buf, rung)
        run.rungs.append(rung)
        run.rebuffer.append(reb)
        run.download.append(d)
        thr.append(chunk_bits(rung) / d)
    return run


# -- reference policies -------------------------------------------------------------------------


def fixed(rung: int) -> Callable[[Obs], int]:
    return lambda obs: rung


def harmonic(values: Sequence[float]) -> float:
    return len(values) / sum(1.0 / v for v in values)


def rb(obs: Obs) -> int:
    if not obs.throughputs:
        return FIRST_RUNG
    pred = harmonic(obs.throughputs[-5:])
    fits = [i for i, r in enumerate(LADDER_KBPS) if r * 1000 <= pred]
    return fits[-1] if fits else 0


def bba(obs: Obs, reservoir_s: float = 5.0, cushion_s: float = 10.0) -> int:
    """BBA-0: the rate map f(B) rises linearly from Rmin at the reservoir to Rmax at
    reservoir + cushion; step up when f(B) reaches the next rung above, down when it falls to
    the next below, otherwise stay."""
    if obs.last is None:
        return FIRST_RUNG
    b, rmin, rmax = obs.buffer_s, LADDER_KBPS[0], LADDER_KBPS[-1]
    if b <= reservoir_s:
        return 0
    if b >= reservoir_s + cushion_s:
        return len(LADDER_KBPS) - 1
    f = rmin + (rmax - rmin) * (b - reservoir_s) / cushion_s
    cur = obs.last
    up = min(cur + 1, len(LADDER_KBPS) - 1)
    down = max(cur - 1, 0)
    if f >= LADDER_KBPS[up]:
        return max(i for i, r in enumerate(LADDER_KBPS) if r < f)
    if f <= LADDER_KBPS[down]:
        return min(i for i, r in enumerate(LADDER_KBPS) if r > f)
    return cur


def bola(obs: Obs, gp: float = 5.0) -> int:
    """BOLA-BASIC as the authors' Sabre simulator runs it: maximise
    (V (v_m + gp) - Q) / S_m, v_m = ln(S_m / S_1), V = (buffer - one chunk) / (v_M + gp)."""
    if obs.last is None:
        return FIRST_RUNG
    util = [math.log(r / LADDER_KBPS[0]) for r in LADDER_KBPS]
    v = (BUFFER_CAP_S - CHUNK_S) / (util[-1] + gp)
    scores = [(v * (u + gp) - obs.buffer_s) / r for u, r in zip(util, LADDER_KBPS, strict=True)]
    return max(range(len(scores)), key=lambda i: scores[i])


_COMBOS = np.array(list(itertools.product(range(len(LADDER_KBPS)), repeat=5)), dtype=np.int64)


def mpc_plan(buffer_s: float, last: int, bps: float, horizon: int) -> int:
    """The first rung of the best ``horizon``-chunk sequence under QoE_lin for a constant
    throughput ``bps`` (every sequence tried, as Pensieve's mpc.py)."""
    combos = np.unique(_COMBOS[:, :horizon], axis=0)
    rates = np.array(LADDER_KBPS, dtype=float)[combos] / 1000.0
    buf = np.full(len(combos), buffer_s)
    reb = np.zeros(len(combos))
    for k in range(horizon):
        d = rates[:, k] * CHUNK_S / (bps / 1e6)
        reb += np.maximum(d - buf, 0.0)
        buf = np.maximum(buf - d, 0.0) + CHUNK_S
    prev = np.concatenate([np.full((len(combos), 1), LADDER_KBPS[last] / 1000.0),
                           rates[:, :-1]], axis=1)
    reward = rates.sum(axis=1) - 4.3 * reb - np.abs(rates - prev).sum(axis=1)
    return int(combos[int(np.argmax(reward)), 0])


class RobustMpc:
    def __init__(self) -> None:
        self.past_pred: list[float] = []
        self.errors: list[float] = []

    def __call__(self, obs: Obs) -> int:
        if obs.last is None:
            return FIRST_RUNG
        actual = obs.throughputs[-1]
        if self.past_pred:
            self.errors.append(abs(self.past_pred[-1] - actual) / actual)
        pred = harmonic(obs.throughputs[-5:])
        self.past_pred.append(pred)
        robust = pred / (1.0 + max(self.errors[-5:], default=0.0))
        return mpc_plan(obs.buffer_s, obs.last, robust, min(5, CHUNKS - obs.index))


# -- the app's own policy -----------------------------------------------------------------------


def ladder_renditions() -> list[Rendition]:
    return [Rendition(f"variant:{i}", "", r * 1000) for i, r in enumerate(LADDER_KBPS)]


def run_auto(link: Link, make_session: Callable[[], AutoSession] | None = None,
             first: int | None = FIRST_RUNG) -> Run:
    """The app's AutoSession driven as the player drives it (see the module docstring).

    The chunks' accounting is :func:`step_chunk`'s, exactly as for every other policy; the
    session gets what the player would give it meanwhile: transfer samples, ticks with the
    buffer, and a stall once output has stopped for ``STALL_AFTER_S`` (start-up excepted).
    """
    session = make_session() if make_session else AutoSession(
        ladder_renditions(), segment_s=CHUNK_S, max_buffer_s=BUFFER_CAP_S)
    session.start(None)
    index = {r.key: i for i, r in enumerate(session.policy.ladder)}
    if first is not None:  # Pensieve's convention: every policy's first chunk is 750 kbit/s
        session.policy.current = session.policy.ladder[first]
    run = Run()
    t = buf = 0.0
    next_tick = 0.0

    def advance(until: float, buffer_at: Callable[[float], float],
                pending_at: Callable[[float], float], remaining_s: float,
                samples: list[tuple[float, float, float]], stall_at: float | None) -> None:
        """Ticks up to ``until`` with the samples and the stall that happen meanwhile."""
        nonlocal next_tick
        pending = list(samples)
        while next_tick <= until:
            while pending and pending[0][0] <= next_tick:
                session.transfer(*pending.pop(0))
            if stall_at is not None and next_tick >= stall_at + STALL_AFTER_S:
                session.stalled(next_tick)
                stall_at = None
            session.tick(next_tick, buffer_at(next_tick), remaining_s=remaining_s,
                         pending_bits=pending_at(next_tick))
            next_tick += TICK_S
        for s in pending:
            session.transfer(*s)

    for k in range(CHUNKS):
        rung = index[session.policy.current.key]
        after = (CHUNKS - k - 1) * CHUNK_S  # media after the chunk on its way
        start, b0 = t, buf
        end = float(link.transfer_end(start + RTT_S, chunk_bits(rung)))
        # The proxy's samples: the bytes of each 0.5 s from the request, the rest at the end.
        samples = []
        a = start
        while a < end - 1e-9:
            b = min(end, a + TICK_S)
            got = (float(link.bits_at(b)) - float(link.bits_at(max(a, start + RTT_S)))) \
                * PAYLOAD / 8.0 if b > start + RTT_S else 0.0
            if got > 0:
                samples.append((b, got, b - a))
            a = b
        playing = k > 0
        stall_at = start + b0 if playing and end - start > b0 else None
        sent0 = float(link.bits_at(start + RTT_S))
        total = chunk_bits(rung) / PAYLOAD

        def pending(x: float, sent0=sent0, total=total) -> float:
            return max(0.0, total - max(0.0, float(link.bits_at(x)) - sent0)) * PAYLOAD

        advance(end, lambda x, b0=b0, s=start, p=playing: max(0.0, b0 - (x - s)) if p else 0.0,
                pending, after, samples, stall_at)
        t, buf, reb, d = step_chunk(link, start, b0, rung)
        run.rungs.append(rung)
        run.rebuffer.append(reb)
        run.download.append(d)
        if t > end:  # a full buffer: the player waits (playing) before the next request
            advance(t, lambda x, t=t: BUFFER_CAP_S + (t - x), lambda x: 0.0, after, [], None)
    return run


# -- oracles that know part of the future -------------------------------------------------------


def _best_per_bin(t: np.ndarray, b: np.ndarray, v: np.ndarray, q: np.ndarray,
                  step_s: float) -> np.ndarray:
    """Indices of the states to keep: of those with the same rung and wall time and buffer
    within the same ``step_s`` bins, the best scoring (each keeps its exact values)."""
    tb = np.floor(t / step_s).astype(np.int64)
    bb = np.floor(b / step_s).astype(np.int64)
    key = (q * (int(BUFFER_CAP_S / step_s) + 2) + bb) * (int(tb.max()) + 1) + tb
    order = np.lexsort((-v, key))
    return order[np.concatenate([[True], key[order][1:] != key[order][:-1]])]


def _best_first(link: Link, t0: float, b0: float, last: int | None, n: int) -> int:
    """The first rung of the best ``n``-chunk schedule from (``t0``, ``b0``) after ``last``
    (None: the first chunk, no switch), the link known exactly (QoE_lin, nothing counted
    beyond the ``n`` chunks)."""
    util = np.array(LIN.utility)
    t, b, v = np.array([t0]), np.array([b0]), np.zeros(1)
    q = np.array([-1 if last is None else last], dtype=np.int64)
    root = np.zeros(1, dtype=np.int64)
    for k in range(n):
        nt, nb, nv, nq, nr = [], [], [], [], []
        for a in range(len(LADDER_KBPS)):
            end = link.transfer_end(t + RTT_S, chunk_bits(a))
            d = end - t
            b2 = np.maximum(0.0, b - d) + CHUNK_S
            over = np.maximum(0.0, b2 - BUFFER_CAP_S)
            nt.append(end + over)
            nb.append(b2 - over)
            nv.append(v + util[a] - LIN.rebuffer_penalty * np.maximum(0.0, d - b)
                      - np.abs(util[a] - util[np.maximum(q, 0)]) * (q >= 0))
            nq.append(np.full(len(t), a, dtype=np.int64))
            nr.append(root if k else np.full(len(t), a, dtype=np.int64))
        t, b, v, q, root = (np.concatenate(x) for x in (nt, nb, nv, nq, nr))
        keep = _best_per_bin(t, b, v, q, LOOKAHEAD_STEP_S)
        t, b, v, q, root = t[keep], b[keep], v[keep], q[keep], root[keep]
    return int(root[int(np.argmax(v))])


def lookahead(link: Link, chunks: int, first: int | None = FIRST_RUNG) -> Run:
    """MPC with perfect prediction of the next ``chunks`` chunks (module docstring)."""
    run = Run()
    t = b = 0.0
    for k in range(CHUNKS):
        if k == 0 and first is not None:
            rung = first
        else:
            rung = _best_first(link, t, b, run.rungs[-1] if run.rungs else None,
                               min(chunks, CHUNKS - k))
        t, b, reb, d = step_chunk(link, t, b, rung)
        run.rungs.append(rung)
        run.rebuffer.append(reb)
        run.download.append(d)
    return run


class _PerfectEstimator(ThroughputEstimator):
    """The app's estimator whose planning throughput is the link's exact mean rate over the
    next ``seconds`` (the oracle ``auto_perfectN``)."""

    def __init__(self, link: Link, seconds: float) -> None:
        super().__init__()
        self.link = link
        self.seconds = seconds
        self.now = 0.0

    def plan_bps(self) -> float | None:
        carried = float(self.link.bits_at(self.now + self.seconds)) - float(
            self.link.bits_at(self.now))
        return max(1.0, PAYLOAD * carried / self.seconds)


class _PerfectSession(AutoSession):
    def tick(self, now: float, buffer_s: float | None, rate: float = 1.0, *,
             remaining_s: float | None = None, pending_bits: float = 0.0) -> Decision:
        assert isinstance(self.estimator, _PerfectEstimator)
        self.estimator.now = now
        return super().tick(now, buffer_s, rate, remaining_s=remaining_s,
                            pending_bits=pending_bits)


def perfect_session(link: Link, seconds: float) -> AutoSession:
    return _PerfectSession(ladder_renditions(), estimator=_PerfectEstimator(link, seconds),
                           segment_s=CHUNK_S, max_buffer_s=BUFFER_CAP_S)


def oracle_size(name: str) -> int | None:
    """N of an oracle's name (``lookahead8`` -> 8); None for any other name."""
    for prefix in ORACLES:
        rest = name.removeprefix(prefix)
        if rest != name and rest.isdigit() and int(rest) > 0:
            return int(rest)
    return None


# -- the offline optimum ------------------------------------------------------------------------


def optimal(link: Link, metric: Metric, step_s: float, first: int | None) -> Run:
    """The dynamic programme (see the module docstring); ``first`` fixes the first rung.

    It first runs at 4x the bin size (down to fixed rungs after the first chunk at 0.8 s and
    more): the schedule found there prunes this run (branch and bound) and is returned if
    merging states here lost its path, so a finer run never scores lower than a coarser one.
    """
    n = len(LADDER_KBPS)
    known = max((replay(link, [first if first is not None else r] + [r] * (CHUNKS - 1))
                 for r in range(n)), key=lambda run: run.score(metric, True))
    if step_s < 0.5:
        coarse = optimal(link, metric, 4 * step_s, first)
        if coarse.score(metric, True) > known.score(metric, True):
            known = coarse
    lower = known.score(metric, True)
    util = np.array(metric.utility)
    t = np.zeros(1)
    b = np.zeros(1)
    v = np.zeros(1)
    q = np.full(1, -1, dtype=np.int64)
    parents: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(CHUNKS):
        actions = [first] if (k == 0 and first is not None) else list(range(n))
        nt, nb, nv, nq, npar = [], [], [], [], []
        for a in actions:
            end = link.transfer_end(t + RTT_S, chunk_bits(a))
            d = end - t
            reb = np.maximum(0.0, d - b)
            b2 = np.maximum(0.0, b - d) + CHUNK_S
            over = np.maximum(0.0, b2 - BUFFER_CAP_S)
            smooth = np.abs(util[a] - util[np.maximum(q, 0)]) * (q >= 0)
            nt.append(end + over)
            nb.append(b2 - over)
            nv.append(v + util[a] - metric.rebuffer_penalty * reb - smooth)
            nq.append(np.full(len(t), a, dtype=np.int64))
            npar.append(np.arange(len(t)))
        t, b, v, q = (np.concatenate(x) for x in (nt, nb, nv, nq))
        par = np.concatenate(npar)
        # Branch and bound: a state that cannot beat the known schedule even with the most
        # the rest of the trace could give (see _future_bound) is dropped: that is exact.
        alive = v + _future_bound(link, metric, t, b, CHUNKS - 1 - k) > lower + 1e-9
        if not alive.any():
            return known
        t, b, v, q, par = t[alive], b[alive], v[alive], q[alive], par[alive]
        keep = _best_per_bin(t, b, v, q, step_s)
        t, b, v, q, par = t[keep], b[keep], v[keep], q[keep], par[keep]
        parents.append((par, q))
    best = int(np.argmax(v))
    rungs = []
    for par, qs in reversed(parents):
        rungs.append(int(qs[best]))
        best = int(par[best])
    rungs.reverse()
    found = replay(link, rungs)  # exactly: the score of a schedule that really plays
    return found if found.score(metric, True) > lower else known


def replay(link: Link, rungs: Sequence[int]) -> Run:
    run = Run()
    t = b = 0.0
    for r in rungs:
        t, b, reb, d = step_chunk(link, t, b, r)
        run.rungs.append(r)
        run.rebuffer.append(reb)
        run.download.append(d)
    return run


def _future_bound(link: Link, metric: Metric, t: np.ndarray, b: np.ndarray,
                  n: int) -> np.ndarray:
    """At most what ``n`` more chunks can add from (``t``, ``b``): each at most the top
    utility; for QoE_lin also at most the bits the link can carry before the buffer, plus
    the chunks still to come, is played out (later arrivals stall, costing 4.3 per second,
    more than a link below 18 Mbit/s can bring per second of 4 s chunks)."""
    top = np.full(len(t), n * max(metric.utility))
    if n == 0 or metric.name != "qoe_lin":
        return top
    gain_per_s = PAYLOAD * float(link.bps.max()) / 1e6 / CHUNK_S
    if gain_per_s > metric.rebuffer_penalty:
        return top
    horizon = t + b + CHUNK_S * (n - 1)
    carried = PAYLOAD * (link.bits_at(horizon) - link.bits_at(t)) / 1e6 / CHUNK_S
    return np.minimum(top, carried)


# -- the run ------------------------------------------------------------------------------------


def cached_optimal(link: Link, step_s: float, first: int | None, cache: Path | None) -> Run:
    """:func:`optimal` for QoE_lin, kept in ``cache`` (keyed by the link, the model and the
    bin), since it does not depend on any policy."""
    if cache is None:
        return optimal(link, LIN, step_s, first)
    key = hashlib.sha256(json.dumps([
        link.starts.tolist(), link.bps.tolist(), link.offset, step_s, first, LADDER_KBPS,
        CHUNK_S, CHUNKS, RTT_S, PAYLOAD, BUFFER_CAP_S, LIN.utility, LIN.rebuffer_penalty,
        DP_VERSION]).encode()).hexdigest()[:24]
    path = cache / f"opt-{key}.json"
    if path.exists():
        return replay(link, json.loads(path.read_text()))
    run = optimal(link, LIN, step_s, first)
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run.rungs))
    return run


def policy_runs(link: Link, policies: Sequence[str], dp_step: float,
                cache: Path | None = None) -> dict[str, Run]:
    out: dict[str, Run] = {}
    for p in policies:
        if p == "auto":
            out[p] = run_auto(link)
            out["auto:startup"] = run_auto(link, first=None)  # its own first choice
        elif p == "lowest":
            out[p] = simulate(link, fixed(0))
        elif p == "highest":
            out[p] = simulate(link, fixed(len(LADDER_KBPS) - 1))
        elif p == "rb":
            out[p] = simulate(link, rb)
        elif p == "bba":
            out[p] = simulate(link, bba)
        elif p == "bola":
            out[p] = simulate(link, bola)
        elif p == "robustmpc":
            out[p] = simulate(link, RobustMpc())
        elif p.startswith("lookahead") and oracle_size(p):
            # (Its start-up figures are those of the same run: first chunk 750 kbit/s.)
            out[p] = lookahead(link, oracle_size(p) or 1)
        elif p.startswith("auto_perfect") and oracle_size(p):
            n = oracle_size(p) or 1

            def make(n: int = n) -> AutoSession:
                return perfect_session(link, n)

            out[p] = run_auto(link, make)
            out[f"{p}:startup"] = run_auto(link, make, first=None)
        elif p == "optimal":
            out["optimal"] = cached_optimal(link, dp_step, FIRST_RUNG, cache)
            out["optimal:startup"] = cached_optimal(link, dp_step, None, cache)
            out["optimal:coarse"] = cached_optimal(link, 2 * dp_step, FIRST_RUNG, cache)
        else:
            raise ValueError(p)
    return out


def figures(run: Run, startup: bool) -> dict[str, float]:
    chunks = range(0 if startup else 1, CHUNKS)
    out = {m.name: run.score(m, startup) / len(chunks) for m in METRICS}
    out["bitrate_kbps"] = statistics.mean(LADDER_KBPS[run.rungs[k]] for k in chunks)
    out["rebuffer_s"] = sum(run.rebuffer[k] for k in chunks)
    out["switches"] = sum(1 for k in chunks if k and run.rungs[k] != run.rungs[k - 1])
    return out


def evaluate(traces: list[tuple[str, list]], policies: Sequence[str], dp_step: float,
             seeds: Sequence[int], cache: Path | None = None) -> dict:
    """Every policy on every trace and start offset; keys ``name`` (one seed) or
    ``name#seed``."""
    per_trace: dict[str, dict] = {}
    for seed in seeds:
        for name, pts in traces:
            # The start offset: seeded per trace name, the same for every policy.
            rng = random.Random(f"{seed}:{name}")
            link = Link(pts, rng.uniform(0.0, Link(pts, 0.0).period))
            runs = policy_runs(link, policies, dp_step, cache)
            entry: dict[str, object] = {
                "mean_link_kbps": round(link.mean_bps() / 1000, 1),
                "playable": link.mean_bps() >= LADDER_KBPS[0] * 1000,
                "offset_s": round(link.offset, 2)}
            for p, r in runs.items():
                if ":" in p:
                    continue
                entry[p] = {"pensieve": figures(r, False),
                            "startup": figures(runs.get(f"{p}:startup", r), True)}
            if "optimal" in runs:
                coarse = runs["optimal:coarse"].score(LIN, False) / (CHUNKS - 1)
                entry["optimal_resolution_gap"] = round(
                    entry["optimal"]["pensieve"]["qoe_lin"] - coarse, 5)
                # (A fixed rung's first chunk is its own, not 750 kbit/s: under Pensieve's
                # scoring it plays a different game from the optimum's.)
                entry["optimal_beaten"] = sorted(
                    f"{p}:{mode}" for p in policies if p != "optimal"
                    for mode in ("pensieve", "startup")
                    if not (mode == "pensieve" and p in ("lowest", "highest"))
                    and entry[p][mode]["qoe_lin"] > entry["optimal"][mode]["qoe_lin"] + 1e-9)
            per_trace[name if len(seeds) == 1 else f"{name}#{seed}"] = entry
    return per_trace


def summarise(per_trace: dict[str, dict], keys: list[str], policies: Sequence[str]) -> dict:
    """Means over the playable traces; with the optimum, each policy's mean over the
    optimum's (the issue's figure) and the median of its per-trace ratios."""
    rows = [per_trace[k] for k in keys if per_trace[k]["playable"]]
    out: dict[str, object] = {"traces": len(rows)}
    for mode in ("pensieve", "startup"):
        table: dict[str, dict] = {}
        for p in policies:
            if not rows:
                continue
            names = rows[0][p][mode].keys()
            table[p] = {k: round(statistics.mean(r[p][mode][k] for r in rows), 4)
                        for k in names}
        if "optimal" in table:
            opt = table["optimal"]["qoe_lin"]
            for p, fig in table.items():
                fig["qoe_lin_vs_optimal"] = round(fig["qoe_lin"] / opt, 4)
                fig["qoe_lin_vs_optimal_median"] = round(statistics.median(
                    r[p][mode]["qoe_lin"] / r["optimal"][mode]["qoe_lin"] for r in rows
                    if r["optimal"][mode]["qoe_lin"] > 0), 4)
        out[mode] = table
    if rows and "optimal" in policies:
        out["optimal_resolution_gap_max"] = max(r["optimal_resolution_gap"] for r in rows)
        out["optimal_beaten"] = sum(len(r["optimal_beaten"]) for r in rows)
    return out


def targets(summary: dict, unseen: dict | None) -> dict:
    """The issue's targets, read off the summaries (Pensieve's scoring)."""
    fig = summary["pensieve"]
    out: dict[str, object] = {}
    if "optimal" in fig and "auto" in fig:
        out["auto_vs_optimal_qoe_lin"] = fig["auto"]["qoe_lin_vs_optimal"]
        out["auto_vs_optimal_qoe_lin_ok"] = fig["auto"]["qoe_lin_vs_optimal"] >= 0.90
    for m in ("qoe_log", "qoe_hd"):
        for ref in ("bola", "bba"):
            if "auto" in fig and ref in fig:
                out[f"{m}_auto_minus_{ref}"] = round(fig["auto"][m] - fig[ref][m], 4)
    if unseen is not None:
        u = unseen["pensieve"]
        for ref in ("robustmpc", "bola"):
            if "auto" in u and ref in u:
                out[f"unseen_qoe_lin_auto_minus_{ref}"] = round(
                    u["auto"]["qoe_lin"] - u[ref]["qoe_lin"], 4)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--traces", type=Path, default=DEFAULT_TRACES)
    ap.add_argument("--split", choices=("all", "dev", "holdout"), default="all")
    ap.add_argument("--policies", default=",".join(POLICIES))
    ap.add_argument("--synthetic", type=int, default=40,
                    help="markov3g traces to generate (0: none)")
    ap.add_argument("--dp-step", type=float, default=0.05, help="the optimum's bin (s)")
    ap.add_argument("--seeds", default="1",
                    help="start-offset seeds, comma-separated (each trace runs once per seed)")
    ap.add_argument("--cache", type=Path,
                    default=Path(tempfile.gettempdir()) / "mediacenter-bench-cache" / "abr-sim",
                    help="where the optimum's schedules are kept")
    ap.add_argument("--no-cache", action="store_true", help="recompute the optimum")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    policies = [p for p in args.policies.split(",") if p]
    unknown = {p for p in policies if p not in POLICIES and oracle_size(p) is None}
    if unknown:
        print(f"abr_sim.py: unknown policies {sorted(unknown)}", file=sys.stderr)
        return 2
    if not args.traces.is_dir():
        print(f"abr_sim.py: no trace folder at {args.traces}", file=sys.stderr)
        return 2
    started = time.monotonic()
    traces = []
    for f in sorted(args.traces.iterdir()):
        if not f.is_file():
            continue
        pts = load_trace(f)
        if len(pts) < 2 or not any(b > 0 for _, b in pts):
            print(f"abr_sim.py: skipping {f.name}: no usable samples", file=sys.stderr)
            continue
        held = is_holdout(f.name)
        if args.split == "all" or (args.split == "holdout") == held:
            traces.append((f.name, pts))
    if not traces:
        print(f"abr_sim.py: no traces in {args.traces}", file=sys.stderr)
        return 2
    cache = None if args.no_cache else args.cache
    seeds = [int(x) for x in args.seeds.split(",") if x]
    per_trace = evaluate(traces, policies, args.dp_step, seeds, cache)
    keys = list(per_trace)
    out: dict[str, object] = {
        "trace_dir": str(args.traces),
        "split": args.split,
        "model": {"ladder_kbps": LADDER_KBPS, "chunks": CHUNKS, "chunk_s": CHUNK_S,
                  "rtt_s": RTT_S, "payload": PAYLOAD, "buffer_cap_s": BUFFER_CAP_S,
                  "dp_step_s": args.dp_step, "seeds": seeds},
        "policies": summarise(per_trace, keys, policies),
    }
    unseen_keys: list[str] = []
    if args.split == "all":
        held = [k for k in keys if is_holdout(k.split("#")[0])]
        out["splits"] = {
            "dev": summarise(per_trace, [k for k in keys if k not in held], policies),
            "holdout": summarise(per_trace, held, policies),
        }
    synth_per: dict[str, dict] = {}
    if args.synthetic:
        synth_per = evaluate(markov_traces(args.synthetic, SYNTHETIC_SEED), policies,
                             args.dp_step, seeds, cache)
        out["markov3g"] = summarise(synth_per, list(synth_per), policies)
    if args.split in ("all", "holdout"):
        unseen_keys = [k for k in keys if is_holdout(k.split("#")[0])]
    merged = {**{k: per_trace[k] for k in unseen_keys}, **synth_per}
    if merged:
        out["unseen"] = summarise(merged, list(merged), policies)
    out["targets"] = targets(out["policies"], out.get("unseen"))
    if synth_per:
        out["per_trace_markov3g"] = synth_per
    out["per_trace"] = per_trace
    out["total_s"] = round(time.monotonic() - started, 1)
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(json.dumps({k: v for k, v in out.items() if not k.startswith("per_trace")},
                         indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
