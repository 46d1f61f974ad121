"""Watch history as the Insights screen's charts, for one profile or the household.

Each chart is a :class:`Chart`: categories along the x axis, one or more named series of
numbers, a unit, one sentence that says what the picture shows, and, when there is too little
history to draw anything honest, ``empty``: a helpful message instead of empty axes. The same
table is what "Export CSV" writes (:mod:`.export`), so the file and the picture agree.

Charts (:func:`compute_insights`):

- ``when`` - hour x weekday heat map of the viewings started (local time);
- ``genres`` - hours watched per month by genre (the largest :data:`TOP_GENRES`, the rest as
  "Other"; a title's hours split evenly between its genres);
- ``kinds`` - hours per month of movies, episodes and home videos;
- ``completion`` - per kind, the titles finished, stopped part-way and abandoned in the first
  minutes (each title once, by how its viewings ended);
- ``binges`` - sittings by episodes watched in them (episodes less than :data:`SITTING_GAP_S`
  apart are one sitting);
- ``drift`` - each large genre's share of the hours, per quarter: how tastes moved.

The household view adds up every profile that shares its viewing with the household
(:func:`mediacenter.db.app_settings.trend_opt_outs`: those that opted out count only in their
own view) and never names a title or a person. Private sessions are never recorded, so never
shown. Sessions cut short by a crash or an error are left out.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import sqlite_utils

from mediacenter.db.app_settings import trend_opt_outs
from mediacenter.db.profiles import ProfileNotFoundError, get_profile

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
KIND_NAMES = {"movie": "Movies", "episode": "Episodes", "other": "Home videos"}
OUTCOMES = ("Finished", "Stopped part-way", "Abandoned early")
TOP_GENRES = 6
SITTING_GAP_S = 30 * 60.0  # an episode started within this of the last one's end: same sitting
BINGE_BUCKETS = ("1", "2", "3", "4", "5", "6+")
MIN_VIEWINGS = 5  # below this a chart says what it will show, instead of a sparse picture
MIN_MONTHS = 2
MAX_MONTH_BARS = 36  # a longer history is drawn by quarter: 60 thin bars read as noise
MIN_QUARTER_VIEWINGS = 3


@dataclass(frozen=True)
class Series:
    """One named line, bar stack or heat-map row: a value per category."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    """A chart as data: what the screen draws and what "Export CSV" writes."""

    key: str
    title: str
    kind: str  # heatmap | stacked | bars | lines
    x_label: str
    unit: str
    categories: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    summary: str = ""
    empty: str | None = None  # why there is nothing to draw yet, and what will fill it

    def table(self) -> tuple[list[str], list[list[object]]]:
        """(header, rows): one row per category, one column per series."""
        header = [self.x_label, *(s.name for s in self.series)]
        rows = [[c, *(s.values[i] for s in self.series)] for i, c in enumerate(self.categories)]
        return header, rows

    def value_text(self, series: int, category: int) -> str:
        """ "Tuesday, 21:00: 14 viewings" - one cell read aloud (the keyboard's readout)."""
        s = self.series[series]
        v = s.values[category]
        number = f"{v:.1f}" if isinstance(v, float) and not v.is_integer() else f"{v:g}"
        name = f"{s.name}, " if len(self.series) > 1 or self.kind == "heatmap" else ""
        return f"{name}{self.categories[category]}: {number} {self.unit}"


@dataclass(frozen=True)
class Insights:
    """Every chart of one view (a profile's own, or the household's)."""

    scope: str  # "profile" | "household"
    name: str  # the profile's name, or "Your household"
    viewings: int
    first_at: float | None
    last_at: float | None
    charts: tuple[Chart, ...] = field(default_factory=tuple)
    computed_in_s: float = 0.0

    def chart(self, key: str) -> Chart:
        for c in self.charts:
            if c.key == key:
                return c
        raise KeyError(key)


@dataclass
class _History:
    """Watch history already added up by SQLite (per month and genre, per hour of the week...):
    five years of a household are tens of thousands of viewings, summed in C, not Python."""

    viewings: int
    first_at: float | None
    last_at: float | None
    hour_counts: list[list[int]]  # [weekday][hour], Monday first
    genre_month: dict[str, dict[str, float]]  # month -> genre -> hours
    kind_month: dict[str, dict[str, float]]  # kind -> month -> hours
    month_counts: Counter  # month -> viewings
    outcomes: dict[str, Counter]  # outcome -> kind -> titles
    titles_played: int
    episodes: list[tuple[int, int, int, float, float]]  # (profile, episode, show, start, end)
    names: dict[int, str]


_FROM = """FROM watch_sessions s JOIN titles t ON t.id = s.title_id
           WHERE s.profile_id IN ({marks})
             AND s.end_reason IN ('finished', 'stopped', 'abandoned')"""
_KIND = ("CASE WHEN t.kind IN ('episode', 'season') THEN 'episode' "
         "WHEN t.kind = 'movie' THEN 'movie' ELSE 'other' END")
_WORK = "coalesce(CASE WHEN t.kind IN ('episode', 'season') THEN t.show_id END, t.id)"
_LOCAL = "s.started_at, 'unixepoch', 'localtime'"


def _load(db: sqlite_utils.Database, profile_ids: Sequence[int]) -> _History:
    """Everything the charts need about ``profile_ids``' viewings, in a few grouped queries."""
    ids = tuple(profile_ids)
    src = _FROM.format(marks=",".join("?" * len(ids)))
    c = db.conn
    n, first, last = c.execute(f"SELECT count(*), min(s.started_at), max(s.started_at) {src}",
                               ids).fetchone()
    hour_counts = [[0] * 24 for _ in range(7)]
    for wd, hour, k in c.execute(
            f"SELECT strftime('%w', {_LOCAL}), strftime('%H', {_LOCAL}), count(*) {src} "
            "GROUP BY 1, 2", ids):
        hour_counts[(int(wd) + 6) % 7][int(hour)] = int(k)
    genre_month: dict[str, dict[str, float]] = defaultdict(dict)
    for month, genre, hours in c.execute(
            f"""WITH w AS (SELECT strftime('%Y-%m', {_LOCAL}) AS m, {_WORK} AS work,
                                  sum(max(s.watched_ms, 0)) / 3600000.0 AS h {src}
                           GROUP BY 1, 2),
                     n AS (SELECT title_id, count(*) AS k FROM title_genres
                           WHERE title_id IN (SELECT work FROM w) GROUP BY title_id)
                SELECT w.m, coalesce(g.name, 'No genre'), sum(w.h / coalesce(n.k, 1))
                FROM w LEFT JOIN title_genres tg ON tg.title_id = w.work
                       LEFT JOIN genres g ON g.id = tg.genre_id
                       LEFT JOIN n ON n.title_id = w.work
                GROUP BY 1, 2""", ids):
        genre_month[month][genre] = float(hours)
    kind_month: dict[str, dict[str, float]] = defaultdict(dict)
    month_counts: Counter = Counter()
    for kind, month, hours, k in c.execute(
            f"SELECT {_KIND}, strftime('%Y-%m', {_LOCAL}), "
            f"sum(max(s.watched_ms, 0)) / 3600000.0, count(*) {src} GROUP BY 1, 2", ids):
        kind_month[kind][month] = float(hours)
        month_counts[month] += int(k)
    outcomes: dict[str, Counter] = {o: Counter() for o in OUTCOMES}
    titles_played = 0
    # The bare end_reason beside max(started_at) is the latest viewing's (SQLite's rule).
    for kind, done, latest_reason, _at in c.execute(
            f"SELECT {_KIND}, max(s.completed OR s.end_reason = 'finished'), s.end_reason, "
            f"max(s.started_at) {src} GROUP BY s.profile_id, s.title_id", ids):
        outcome = ("Finished" if done else "Abandoned early" if latest_reason == "abandoned"
                   else "Stopped part-way")
        outcomes[outcome][kind] += 1
        titles_played += 1
    episodes = [(int(p), int(e), int(w), float(a), float(b)) for p, e, w, a, b in c.execute(
        f"SELECT s.profile_id, s.title_id, {_WORK}, s.started_at, "
        f"coalesce(s.ended_at, s.started_at) {src} AND t.kind = 'episode' "
        "ORDER BY s.profile_id, s.started_at, s.id", ids)]
    shows = sorted({e[2] for e in episodes})
    names: dict[int, str] = {}
    for chunk in range(0, len(shows), 900):
        part = shows[chunk:chunk + 900]
        for tid, name in c.execute(
                f"SELECT id, title FROM titles WHERE id IN ({','.join('?' * len(part))})",
                part):
            names[int(tid)] = str(name)
    return _History(int(n), first, last, hour_counts, dict(genre_month), dict(kind_month),
                    month_counts, outcomes, titles_played, episodes, names)


def _quarter(month: str) -> str:
    return f"{month[:4]} Q{(int(month[5:]) - 1) // 3 + 1}"


def _months_between(first: str, last: str) -> list[str]:
    y, m = (int(x) for x in first.split("-"))
    ly, lm = (int(x) for x in last.split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _quarters_between(first: str, last: str) -> list[str]:
    y, q = int(first[:4]), int(first[-1])
    ly, lq = int(last[:4]), int(last[-1])
    out = []
    while (y, q) <= (ly, lq):
        out.append(f"{y} Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def _need(what: str, have: int, need: int, unit: str) -> str:
    return (f"{what} appears after {need} {unit}; there {'is' if have == 1 else 'are'} "
            f"{have} so far. Watch a few more things and it fills in.")


def _rounded(values: Sequence[float]) -> tuple[float, ...]:
    return tuple(round(float(v), 2) for v in values)


# -- the charts ----------------------------------------------------------------------------------


def when_chart(h: _History, *, you: str) -> Chart:
    counts = h.hour_counts
    hours = tuple(f"{x:02d}:00" for x in range(24))
    base = Chart(key="when", title="When you watch" if you == "you" else "When your household "
                "watches", kind="heatmap", x_label="hour", categories=hours, unit="viewings")
    if h.viewings < MIN_VIEWINGS:
        return replace(base, series=(), empty=_need("When you watch", h.viewings,
                                                    MIN_VIEWINGS, "viewings"))
    series = tuple(Series(day, tuple(float(c) for c in counts[d]))
                   for d, day in enumerate(WEEKDAYS))
    d, hr = max(((d, x) for d in range(7) for x in range(24)),
                key=lambda dh: (counts[dh[0]][dh[1]], -dh[0], -dh[1]))
    evening = sum(counts[d2][h2] for d2 in range(7) for h2 in range(18, 24))
    share = round(100 * evening / h.viewings)
    summary = (f"Most often on {WEEKDAYS[d]}s around {hr:02d}:00; {share} % of viewings start "
               "between 18:00 and midnight. Brighter squares: more viewings.")
    return replace(base, series=series, summary=summary)


def _too_few_months(h: _History, what: str) -> str | None:
    if h.viewings < MIN_VIEWINGS:
        return _need(what, h.viewings, MIN_VIEWINGS, "viewings")
    if len(h.month_counts) < MIN_MONTHS:
        return _need(what, len(h.month_counts), MIN_MONTHS, "months of viewing")
    return None


def _top(total: Counter) -> list[str]:
    return [g for g, _h in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_GENRES]]


def _periods(h: _History) -> tuple[str, list[str], Callable[[str], str]]:
    """(x label, the periods from the first viewing to the last, month -> its period):
    months, or quarters when that would make more than :data:`MAX_MONTH_BARS` bars."""
    months = sorted(h.month_counts)
    every = _months_between(months[0], months[-1])
    if len(every) <= MAX_MONTH_BARS:
        return "month", every, lambda m: m
    return "quarter", _quarters_between(_quarter(months[0]), _quarter(months[-1])), _quarter


def _sum_by(per_month: dict[str, dict[str, float]], period: Callable[[str], str]
            ) -> dict[str, Counter]:
    out: dict[str, Counter] = defaultdict(Counter)
    for month, values in per_month.items():
        out[period(month)].update(values)
    return out


def genres_chart(h: _History, *, you: str) -> Chart:
    base = Chart(key="genres", title="Genres over time", kind="stacked", x_label="month",
                 unit="hours")
    why = _too_few_months(h, "Genres over time")
    if why:
        return replace(base, categories=(), series=(), empty=why)
    total: Counter = Counter()
    for per in h.genre_month.values():
        total.update(per)
    top = _top(total)
    x_label, cats, period = _periods(h)
    per_period = _sum_by(h.genre_month, period)
    series = [Series(g, _rounded([per_period[c].get(g, 0.0) for c in cats])) for g in top]
    rest = [sum(v for g, v in per_period[c].items() if g not in top) for c in cats]
    if any(rest):
        series.append(Series("Other", _rounded(rest)))
    share = round(100 * total[top[0]] / (sum(total.values()) or 1))
    summary = f"{top[0]} leads: {share} % of the hours {you} watched."
    return replace(base, x_label=x_label, categories=tuple(cats), series=tuple(series),
                   summary=summary)


def kinds_chart(h: _History, *, you: str) -> Chart:
    base = Chart(key="kinds", title="Movies, episodes and home videos", kind="stacked",
                 x_label="month", unit="hours")
    why = _too_few_months(h, "What kind of things you watch")
    if why:
        return replace(base, categories=(), series=(), empty=why)
    x_label, cats, period = _periods(h)
    per_period = _sum_by({m: {k: v[m] for k, v in h.kind_month.items() if m in v}
                          for m in h.month_counts}, period)
    series = tuple(Series(KIND_NAMES[k], _rounded([per_period[c].get(k, 0.0) for c in cats]))
                   for k in KIND_NAMES if h.kind_month.get(k))
    totals = {s.name: sum(s.values) for s in series}
    lead = max(totals, key=lambda x: totals[x])
    share = round(100 * totals[lead] / (sum(totals.values()) or 1))
    summary = f"{share} % of the hours {you} watched were {lead.lower()}."
    return replace(base, x_label=x_label, categories=tuple(cats), series=series,
                   summary=summary)


def completion_chart(h: _History, *, you: str) -> Chart:
    base = Chart(key="completion", title="Finished or left", kind="stacked", x_label="kind",
                unit="titles")
    if h.titles_played < MIN_VIEWINGS:
        return replace(base, categories=(), series=(),
                     empty=_need("What you finish", h.titles_played, MIN_VIEWINGS,
                                 "titles played"))
    kinds = [k for k in KIND_NAMES if any(h.outcomes[o][k] for o in OUTCOMES)]
    series = tuple(Series(o, tuple(float(h.outcomes[o][k]) for k in kinds)) for o in OUTCOMES)
    n = h.titles_played
    fin = round(100 * sum(h.outcomes["Finished"].values()) / n)
    early = round(100 * sum(h.outcomes["Abandoned early"].values()) / n)
    summary = (f"{'You finish' if you == 'you' else 'The household finishes'} {fin} % of what "
               f"{'you start' if you == 'you' else 'it starts'}; {early} % "
               "is left in the first minutes.")
    return replace(base, categories=tuple(KIND_NAMES[k] for k in kinds), series=series,
                 summary=summary)


def sittings(episodes: Sequence[tuple[int, int, int, float, float]]
             ) -> list[tuple[int, frozenset[int], float]]:
    """(episodes, shows, started) per sitting: a profile's episodes (in order of starting)
    less than :data:`SITTING_GAP_S` after the previous one ended are one sitting."""
    out: list[tuple[int, frozenset[int], float]] = []
    current: set[int] = set()
    shows: set[int] = set()
    who, start, end = -1, 0.0, -1e18
    for pid, ep, show, started, ended in episodes:
        if pid != who or started - end > SITTING_GAP_S:
            if current:
                out.append((len(current), frozenset(shows), start))
            current, shows, start, who = set(), set(), started, pid
            end = -1e18
        current.add(ep)
        shows.add(show)
        end = max(end, ended)
    if current:
        out.append((len(current), frozenset(shows), start))
    return out


def binges_chart(h: _History, *, you: str, name_titles: bool) -> Chart:
    base = Chart(key="binges", title="Episodes per sitting", kind="bars",
                x_label="episodes in one sitting", categories=BINGE_BUCKETS, unit="sittings")
    found = sittings(h.episodes)
    if not found:
        return replace(base, series=(), empty="Episodes per sitting appears once you watch "
                     "episodes of a show: a sitting is the episodes watched with less than "
                     "half an hour between them.")
    counts = Counter(min(n, 6) for n, _s, _a in found)
    series = (Series("sittings", tuple(float(counts[k]) for k in range(1, 7))),)
    mean = sum(n for n, _s, _a in found) / len(found)
    best = max(found, key=lambda s: (s[0], s[2]))
    summary = f"{mean:.1f} episodes per sitting on average"
    if best[0] >= 3:
        when = time.strftime("%d %B %Y", time.localtime(best[2])).lstrip("0")
        one_show = next(iter(best[1])) if len(best[1]) == 1 else None
        what = f" of {h.names[one_show]}" if name_titles and one_show in h.names else ""
        summary += f"; the longest binge: {best[0]} episodes{what} on {when}"
    return replace(base, series=series, summary=summary + ".")


def drift_chart(h: _History, *, you: str) -> Chart:
    base = Chart(key="drift", title="How tastes moved", kind="lines", x_label="quarter",
                unit="% of hours")
    per_q: Counter = Counter()
    for month, k in h.month_counts.items():
        per_q[_quarter(month)] += k
    busy = sorted(q for q, n in per_q.items() if n >= MIN_QUARTER_VIEWINGS)
    if len(busy) < 2:
        return replace(base, categories=(), series=(), empty=(
            "How tastes moved appears after two seasons (quarters of a year) with "
            f"{MIN_QUARTER_VIEWINGS} viewings or more each; there "
            f"{'is' if len(busy) == 1 else 'are'} {len(busy)} so far."))
    per: dict[str, Counter] = defaultdict(Counter)
    total: Counter = Counter()
    for month, genres in h.genre_month.items():
        per[_quarter(month)].update(genres)
        total.update(genres)
    quarters = _quarters_between(min(per_q), max(per_q))
    top = _top(total)
    shares: dict[str, list[float]] = {g: [] for g in top}
    for q in quarters:
        hours = sum(per[q].values())
        for g in top:
            shares[g].append(100 * per[q].get(g, 0.0) / hours if hours else 0.0)
    series = tuple(Series(g, _rounded(v)) for g, v in shares.items())
    a, b = quarters.index(busy[0]), quarters.index(busy[-1])
    moves = sorted(((shares[g][b] - shares[g][a], g) for g in top), key=lambda t: t[0])
    up, down = moves[-1], moves[0]
    parts = []
    if up[0] >= 5:
        parts.append(f"more {up[1]} (+{up[0]:.0f} points)")
    if down[0] <= -5:
        parts.append(f"less {down[1]} ({down[0]:.0f} points)")
    summary = (f"From {quarters[a]} to {quarters[b]}: " + " and ".join(parts) + "."
               if parts else f"Steady from {quarters[a]} to {quarters[b]}: no genre moved by "
               "5 points or more.")
    return replace(base, categories=tuple(quarters), series=series, summary=summary)


# -- one view ------------------------------------------------------------------------------------


def household_members(db: sqlite_utils.Database, profile_id: int) -> list[int]:
    """Profiles in the household view seen by ``profile_id``: itself and every profile that
    shares its viewing with the household."""
    hidden = trend_opt_outs(db) - {profile_id}
    return [int(p) for (p,) in db.conn.execute("SELECT id FROM profiles ORDER BY id")
            if int(p) not in hidden]


def compute_insights(db: sqlite_utils.Database, profile_id: int, *, household: bool = False
                     ) -> Insights:
    """The Insights charts of ``profile_id`` (or, with ``household``, of the household it sees).

    Raises :class:`ProfileNotFoundError` for an unknown profile.
    """
    started = time.perf_counter()
    profile = get_profile(db, profile_id)
    if profile is None:
        raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
    members = household_members(db, profile_id) if household else [profile_id]
    h = _load(db, members)
    you = "the household" if household else "you"
    who = "household" if household else "you"
    charts = (
        when_chart(h, you=who),
        genres_chart(h, you=you),
        kinds_chart(h, you=you),
        completion_chart(h, you=who),
        binges_chart(h, you=you, name_titles=not household),
        drift_chart(h, you=you),
    )
    return Insights(
        scope="household" if household else "profile",
        name="Your household" if household else profile.name,
        viewings=h.viewings,
        first_at=h.first_at,
        last_at=h.last_at,
        charts=charts,
        computed_in_s=time.perf_counter() - started,
    )
