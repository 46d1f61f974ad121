"""Facts from the catalog that connect a title to a profile, each one checkable (no Qt).

Every :class:`Fact` carries the sentence a person reads and the data it was made from (ids,
counts, times), so nothing is invented and a test or a curious viewer can check it against
the catalog: the people in it the profile has watched, a title it loved that shares genres
with this one, the genre it watches most, the runtime against the time of day, "the season
finale", "new in your library".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mediacenter.humanize import format_runtime

NEW_DAYS = 14
ROLES = ("actor", "director")


@dataclass
class Fact:
    kind: str  # "people" | "likeness" | "genre" | "runtime" | "finale" | "new"
    text: str
    data: dict = field(default_factory=dict)
    strength: float = 0.5  # 0..1: how strongly it ties the title to this profile


def _watched_ids(db, profile_id: int) -> set[int]:
    """Movies and shows (an episode counts for its show) the profile played or finished."""
    rows = db.conn.execute(
        "SELECT coalesce(t.show_id, t.id) FROM watch_state ws JOIN titles t ON t.id = "
        "ws.title_id WHERE ws.profile_id = ? AND (ws.play_count > 0 OR ws.watched = 1)",
        (profile_id,))
    return {int(r[0]) for r in rows}


def _kind_word(kinds: list[str], n: int) -> str:
    word = ("film" if all(k == "movie" for k in kinds)
            else "show" if all(k == "show" for k in kinds) else "title")
    return f"{n} {word}{'s' if n != 1 else ''}"


def people_fact(db, profile_id: int, title_id: int, show_id: int | None) -> Fact | None:
    """"With X, whom you watched in 4 films": the title's actor or director the profile has
    watched most, in other titles."""
    own = {title_id} | ({show_id} if show_id else set())
    watched = _watched_ids(db, profile_id) - own
    if not watched:
        return None
    marks = ",".join("?" * len(ROLES))
    people = db.conn.execute(
        f"SELECT DISTINCT p.id, p.name, tp.role FROM title_people tp JOIN people p ON "
        f"p.id = tp.person_id WHERE tp.title_id IN ({','.join('?' * len(own))}) AND tp.role "
        f"IN ({marks}) ORDER BY coalesce(tp.ord, 999)", (*own, *ROLES)).fetchall()
    best = None
    for pid, name, role in people[:12]:
        others = [int(r[0]) for r in db.conn.execute(
            "SELECT DISTINCT coalesce(t.show_id, t.id) FROM title_people tp JOIN titles t ON "
            "t.id = tp.title_id WHERE tp.person_id = ? AND t.removed_at IS NULL",
            (pid,))]
        seen = sorted(set(others) & watched)
        if seen and (best is None or len(seen) > len(best[3])):
            best = (pid, name, role, seen)
    if best is None:
        return None
    pid, name, role, seen = best
    rows = db.conn.execute(f"SELECT id, kind, title FROM titles WHERE id IN "
                           f"({','.join('?' * len(seen))}) ORDER BY title", seen).fetchall()
    what = rows[0][2] if len(rows) == 1 else _kind_word([r[1] for r in rows], len(rows))
    lead = "Directed by" if role == "director" else "With"
    verb = "whose work you watched in" if role == "director" else "whom you watched in"
    return Fact("people", f"{lead} {name}, {verb} {what}.",
                {"person_id": pid, "person": name, "role": role,
                 "watched_titles": [int(r[0]) for r in rows]},
                strength=min(1.0, 0.5 + 0.15 * len(rows)))


def likeness_fact(db, profile_id: int, title_id: int, genres: list[str]) -> Fact | None:
    """"Sci-Fi and Horror, like Alien": a title the profile loved (thumbs up) or finished
    that shares the most genres with this one."""
    if not genres:
        return None
    # The profile's loved and finished titles first (a few dozen), then their genres: asked
    # per catalog title instead ("is it finished?" for each of 10,000), this took 1.5 s.
    rows = db.conn.execute(
        """WITH liked(id) AS (
               SELECT coalesce(e.show_id, e.id) FROM watch_state ws
               JOIN titles e ON e.id = ws.title_id WHERE ws.profile_id = ? AND ws.watched = 1
               UNION SELECT title_id FROM ratings WHERE profile_id = ? AND
                   source = 'explicit' AND value >= 1)
           SELECT t.id, t.title, coalesce(r.value, 0) AS liked,
                  group_concat(DISTINCT g.name) FROM liked l
           JOIN titles t ON t.id = l.id
           JOIN title_genres tg ON tg.title_id = t.id JOIN genres g ON g.id = tg.genre_id
           LEFT JOIN ratings r ON r.profile_id = ? AND r.title_id = t.id
                AND r.source = 'explicit'
           WHERE t.id != ? AND t.removed_at IS NULL AND t.kind IN ('movie', 'show')
             AND coalesce(r.value, 0) >= 0
           GROUP BY t.id""", (profile_id, profile_id, profile_id, title_id)).fetchall()
    want = {g.casefold(): g for g in genres}
    best = None
    for tid, title, liked, names in rows:
        shared = [want[n.casefold()] for n in (names or "").split(",") if n.casefold() in want]
        key = (len(shared), liked)
        if shared and (best is None or key > best[0]):
            best = (key, tid, title, liked, shared)
    if best is None:
        return None
    _key, tid, title, liked, shared = best
    shared = [g for g in genres if g in shared][:2]
    how = "which you loved" if liked >= 1 else "which you finished"
    return Fact("likeness", f"{' and '.join(shared)}, like {title}, {how}.",
                {"title_id": int(tid), "title": title, "shared_genres": shared,
                 "thumbs_up": bool(liked >= 1)},
                strength=min(1.0, 0.45 + 0.2 * len(shared) + (0.15 if liked >= 1 else 0)))


def genre_fact(db, profile_id: int, genres: list[str]) -> Fact | None:
    """"Drama, like 6 titles you've watched": the title's genre the profile watches most."""
    from mediacenter.artwork.impressions import genre_counts

    counts = {k.casefold(): v for k, v in genre_counts(db, profile_id).items()}
    best = max(((counts.get(g.casefold(), 0), g) for g in genres), default=(0, ""))
    if best[0] < 2:
        return None
    return Fact("genre", f"{best[1]}, like {best[0]} titles you've watched.",
                {"genre": best[1], "watched_with_genre": best[0]},
                strength=min(1.0, 0.3 + 0.05 * best[0]))


def runtime_fact(minutes: int | None, now: float) -> Fact | None:
    """The runtime against the time of day: "1 h 32 min: over by 21:47" in the evening, a
    short one late at night or in the day."""
    if not minutes or minutes <= 0:
        return None
    at = datetime.fromtimestamp(now)
    ends = at + timedelta(minutes=minutes)
    hour = at.hour
    data = {"runtime_min": minutes, "hour": hour, "ends_at": ends.strftime("%H:%M")}
    if 17 <= hour < 22 and minutes <= 150:
        return Fact("runtime", f"{format_runtime(minutes)}: over by {ends:%H:%M}.", data, 0.35)
    if (hour >= 22 or hour < 5) and minutes <= 50:
        return Fact("runtime", f"Only {format_runtime(minutes)}: a short one for tonight.",
                    data, 0.35)
    if 5 <= hour < 17 and minutes <= 30:
        return Fact("runtime", f"{format_runtime(minutes)}: it fits in a break.", data, 0.3)
    return None


def finale_fact(db, title_id: int) -> Fact | None:
    """"The season finale": the last episode of a season of three or more in the catalog."""
    r = db.conn.execute("SELECT kind, parent_id, episode_number, season_number FROM titles "
                        "WHERE id = ?", (title_id,)).fetchone()
    if r is None or r[0] != "episode" or r[1] is None or r[2] is None:
        return None
    n, last = db.conn.execute(
        "SELECT count(*), max(coalesce(episode_end, episode_number)) FROM titles WHERE "
        "parent_id = ? AND kind = 'episode' AND removed_at IS NULL", (r[1],)).fetchone()
    if n < 3 or r[2] != last:
        return None
    return Fact("finale", f"The season {r[3]} finale." if r[3] else "The season finale.",
                {"episode_number": r[2], "episodes_in_season": n, "season": r[3]}, 0.4)


def new_fact(added_at: float | None, now: float) -> Fact | None:
    """"New in your library": added in the last ``NEW_DAYS`` days."""
    if not added_at or now - added_at > NEW_DAYS * 86400 or added_at > now + 60:
        return None
    days = int((now - added_at) // 86400)
    when = "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"
    return Fact("new", f"New in your library (added {when}).", {"added_at": added_at}, 0.3)


def facts_for(db, profile_id: int | None, title_id: int, *, now: float | None = None
              ) -> list[Fact]:
    """Every fact that holds for this profile and title, strongest first."""
    now = time.time() if now is None else now
    r = db.conn.execute("SELECT kind, show_id, runtime_min, added_at FROM titles WHERE id = ?",
                        (title_id,)).fetchone()
    if r is None:
        return []
    kind, show_id, runtime, added_at = r
    genre_of = show_id if kind in ("episode", "season") and show_id else title_id
    genres = [g for (g,) in db.conn.execute(
        "SELECT g.name FROM title_genres tg JOIN genres g ON g.id = tg.genre_id WHERE "
        "tg.title_id = ? ORDER BY g.name", (genre_of,))]
    if not runtime and kind in ("movie", "episode", "other"):
        ms = db.conn.execute("SELECT max(duration_ms) FROM files WHERE title_id = ? AND extra "
                             "IS NULL", (title_id,)).fetchone()[0]
        runtime = round(ms / 60000) if ms else None
    out: list[Fact | None] = []
    if profile_id is not None:
        out += [people_fact(db, profile_id, title_id, show_id),
                likeness_fact(db, profile_id, genre_of, genres),
                genre_fact(db, profile_id, genres)]
    out += [finale_fact(db, title_id),
            runtime_fact(runtime if kind != "show" else None, now),
            new_fact(added_at, now)]
    facts = [f for f in out if f is not None]
    return sorted(facts, key=lambda f: -f.strength)
