"""The description a profile reads for a title: candidates, the bandit's pick of a style,
the spoiler rule, the impression and "why" (no Qt).

The style is chosen per profile by the same contextual bandit as the artwork and previews
(:mod:`mediacenter.previews.choose`: the style's features x the profile's tastes; the reward
is the same: details or a play soon after it was shown). With nothing learned, the prior
leads with what matches the profile (a person it watched, a title it loved) before the plain
plot. A profile that hides spoilers never reads the description of an episode it has not
reached (the next one to watch counts as reached).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mediacenter.db import app_settings
from mediacenter.describe.compose import FEATURES, Description, Story, candidates
from mediacenter.describe.facts import facts_for
from mediacenter.previews import feedback
from mediacenter.previews.choose import Option, explain, pick

KIND = "description"


@dataclass
class Described:
    """What a screen shows under a title, and why."""

    title_id: int
    profile_id: int | None
    text: str
    style: str
    parts: list[dict] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    hidden: bool = False
    candidates: list[Description] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"title_id": self.title_id, "profile_id": self.profile_id, "text": self.text,
                "style": self.style, "parts": self.parts, "why": self.why,
                "hidden": self.hidden,
                "candidates": [c.to_json() for c in self.candidates]}


def story_of(db, title_id: int) -> Story:
    r = db.conn.execute("SELECT plot, outline, tagline FROM titles WHERE id = ?",
                        (title_id,)).fetchone()
    if r is None:
        return Story()
    return Story(*(str(x or "").strip() for x in r))


def reached(db, profile_id: int, title_id: int) -> bool:
    """Whether the profile has reached this episode: watched or started it or a later one, or
    it is the next one to watch. Anything but an episode counts as reached."""
    from mediacenter.db.watch import episode_order, next_episode

    r = db.conn.execute("SELECT kind, show_id FROM titles WHERE id = ?", (title_id,)).fetchone()
    if r is None or r[0] != "episode" or r[1] is None:
        return True
    order = episode_order(db, int(r[1]))
    if title_id not in order:
        return True
    pos = order.index(title_id)
    played = [int(t) for (t,) in db.conn.execute(
        "SELECT ws.title_id FROM watch_state ws JOIN titles t ON t.id = ws.title_id WHERE "
        "ws.profile_id = ? AND t.show_id = ? AND (ws.play_count > 0 OR ws.watched = 1 OR "
        "ws.resume_position_ms > 0)", (profile_id, int(r[1])))]
    furthest = max((order.index(t) for t in played if t in order), default=-1)
    nxt = next_episode(db, profile_id, int(r[1]))
    if nxt in order:
        furthest = max(furthest, order.index(nxt))
    return pos <= furthest


def _hidden(db, title_id: int, profile_id: int) -> Described:
    r = db.conn.execute("SELECT season_number, episode_number FROM titles WHERE id = ?",
                        (title_id,)).fetchone()
    where = (f"Season {r[0]}, episode {r[1]}." if r and r[0] is not None and r[1] is not None
             else "An episode you haven't reached.")
    text = f"{where} Its description is hidden until you get there."
    return Described(title_id, profile_id, text, "hidden",
                     [{"kind": "hidden", "text": text, "source": "spoiler setting"}],
                     ["You asked to hide descriptions of episodes you haven't reached "
                      "(Settings ▸ Playback)."], hidden=True)


def describe(db, profile_id: int | None, title_id: int, *, session: str = "",
             now: float | None = None) -> Described:
    """The description ``profile_id`` reads for ``title_id`` (see the module docstring). May
    write the session's choice (one short statement)."""
    if profile_id is not None and app_settings.hides_spoilers(db, profile_id) \
            and not reached(db, profile_id, title_id):
        return _hidden(db, title_id, profile_id)
    cands = candidates(story_of(db, title_id), facts_for(db, profile_id, title_id, now=now))
    options = [Option(c.style, c.features, c.features.get("match", 0.0)) for c in cands]
    chosen = pick(db, KIND, FEATURES, profile_id, title_id, options, session)
    by_style = {c.style: c for c in cands}
    d = by_style[chosen.arm]
    why = [_why_part(p) for p in d.parts]
    why.append({"session": "Kept for this session so it does not change under you.",
                "kept": "Kept from before: it stays a few times so you recognise it.",
                "thompson": "This style of description is the one you respond to best, "
                            "as far as we can tell yet.",
                "explore": "Tried now and then, to keep learning what you read.",
                "only": "The only description this title has.",
                "best-score": "No profile: the description that connects best."
                }.get(chosen.reason, chosen.reason))
    return Described(title_id, profile_id, d.text, d.style, d.parts, why, False, cands,
                     d.features)


def _why_part(part: dict) -> str:
    src = part.get("source", "")
    if src.startswith("nfo:"):
        return f"{part['kind'].capitalize()}: the {src[4:]} from the title's .nfo file."
    if part["kind"] == "people":
        return ("Leads with a person from the cast or crew you have watched before "
                f"(titles {part['data']['watched_titles']} in your history).")
    if part["kind"] == "likeness":
        return (f"Leads with {part['data']['title']}, which shares "
                f"{' and '.join(part['data']['shared_genres'])} with this title.")
    if part["kind"] == "genre":
        return f"Leads with the genre you watch most of its genres ({part['data']['genre']})."
    if part["kind"] == "runtime":
        return (f"Leads with its length: {part['data']['runtime_min']} min, from "
                f"{part['data']['hour']}:00 it ends by {part['data']['ends_at']}.")
    if part["kind"] == "finale":
        return "Leads with its place: the last episode of its season in your library."
    if part["kind"] == "new":
        return "Leads with when it arrived in your library."
    return str(part.get("text", ""))


def record_description_shown(db, profile_id: int, d: Described, *,
                             at: float | None = None) -> int | None:
    """Log that the profile read ``d`` (the billboard showed it); None for a hidden one."""
    if d.hidden:
        return None
    return feedback.record_impression(db, KIND, profile_id, d.title_id, d.style, d.features,
                                      at=at)


def explain_description(db, profile_id: int | None, title_id: int) -> dict:
    """Every candidate style with its expected reward for the profile."""
    cands = candidates(story_of(db, title_id), facts_for(db, profile_id, title_id))
    options = [Option(c.style, c.features, c.features.get("match", 0.0)) for c in cands]
    return explain(db, KIND, FEATURES, profile_id, title_id, options)
