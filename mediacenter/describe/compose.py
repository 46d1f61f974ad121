"""Candidate descriptions of a title: the .nfo's words, and the same led by a fact that
connects the title to the profile (plain templates over :mod:`.facts`; nothing invented).

Each candidate has a *style* (the bandit's arm: "plot", "tagline", or the kind of its lead
fact), its parts (lead, story) with where each came from, and features for the bandit
(:data:`FEATURES`; the first, "match", is the one the prior favours: what ties the title to
this profile leads unless the profile's own reactions teach otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mediacenter.describe.facts import Fact

FEATURES = ("match", "people", "likeness", "context", "story")
STORY_SHORT = 220  # characters: below this the plot is used whole even after a lead


@dataclass
class Description:
    style: str
    text: str
    parts: list[dict] = field(default_factory=list)  # {"kind", "text", "source", "data"}
    features: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"style": self.style, "text": self.text, "parts": self.parts,
                "features": self.features}


@dataclass
class Story:
    """What the .nfo (or the name) says: plot, outline, tagline; any may be empty."""

    plot: str = ""
    outline: str = ""
    tagline: str = ""


def _body(story: Story, after_lead: bool) -> dict | None:
    """The story part: the outline after a lead (short), else the plot."""
    if after_lead and story.outline:
        return {"kind": "story", "text": story.outline, "source": "nfo:outline"}
    if story.plot:
        return {"kind": "story", "text": story.plot, "source": "nfo:plot"}
    if story.outline:
        return {"kind": "story", "text": story.outline, "source": "nfo:outline"}
    return None


def _features(style: str, lead: Fact | None, has_story: bool) -> dict[str, float]:
    return {"match": round(lead.strength, 3) if lead and lead.kind in (
                "people", "likeness", "genre") else 0.0,
            "people": 1.0 if style == "people" else 0.0,
            "likeness": 1.0 if style in ("likeness", "genre") else 0.0,
            "context": 1.0 if style in ("runtime", "finale", "new") else 0.0,
            "story": 1.0 if has_story and style in ("plot", "tagline") else 0.0}


def _join(parts: list[dict]) -> str:
    return " ".join(p["text"].strip() for p in parts if p["text"].strip())


def candidates(story: Story, facts: list[Fact]) -> list[Description]:
    """Every description the title can have for this profile: the plain story, the tagline
    before it, and one led by each fact (strongest first). Never empty: a title without a
    word of its own gets its facts, or an empty text."""
    out: list[Description] = []
    plain = _body(story, after_lead=False)
    if plain is not None:
        out.append(Description("plot", plain["text"], [plain],
                               _features("plot", None, True)))
    if story.tagline:
        tag = {"kind": "tagline", "text": story.tagline, "source": "nfo:tagline"}
        body = _body(story, after_lead=True)
        parts = [tag] + ([body] if body else [])
        out.append(Description("tagline", _join(parts), parts,
                               _features("tagline", None, body is not None)))
    seen: set[str] = set()
    for f in facts:
        if f.kind in seen:
            continue
        seen.add(f.kind)
        lead = {"kind": f.kind, "text": f.text, "source": "catalog", "data": f.data}
        body = _body(story, after_lead=True)
        if body is not None and len(body["text"]) > STORY_SHORT and body["source"].endswith(
                "plot"):
            body = {**body, "text": _first_sentences(body["text"], STORY_SHORT)}
        parts = [lead] + ([body] if body else [])
        out.append(Description(f.kind, _join(parts), parts,
                               _features(f.kind, f, body is not None)))
    if not out:
        out.append(Description("plot", "", [], _features("plot", None, False)))
    return out


def _first_sentences(text: str, limit: int) -> str:
    """The plot's first sentences up to about ``limit`` characters (a lead takes room)."""
    out = ""
    for sentence in text.replace("\n", " ").split(". "):
        piece = sentence if sentence.endswith((".", "!", "?")) else sentence + "."
        if out and len(out) + len(piece) + 1 > limit:
            break
        out = f"{out} {piece}".strip()
    return out or text[:limit].rsplit(" ", 1)[0] + "…"
