"""Convert a Bandersnatch-style story graph into a story file (``mediacenter story convert``).

The community documented Netflix's interactive graphs as JSON (the "SegmentMap" of the open
Bandersnatch players): ``segments`` keyed by id, each with ``startTimeMs``/``endTimeMs`` in the
one long video, ``next`` (the segments it may lead to, as keys), ``defaultNext`` and
``ui.interactionZones`` (``[[startMs, endMs], ...]``, when choices are on screen); beside it
``choicePoints`` keyed by segment id with ``startTimeMs``, ``description`` (the prompt) and
``choices`` (ids), and per choice point a table of labels (``{"1A": {"1E": "SUGAR PUFFS"}}``).

Mapping: a segment becomes a time range of the main video; one with 2-4 choices (its choice
point's, else the keys of ``next``) and an interaction zone becomes a choice point (opens and
closes at the zone, prompt from the description, text from the labels, default
``defaultNext``); one with a single way on gets ``next``; one with none becomes an ending.
What the format cannot say is reported, not guessed: Netflix's preconditions and state
(choices whose id names a precondition group, "nsg-...", and segments with many possible next
segments chosen by state) become the default way on, each with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mediacenter.story.model import FORMAT, MAX_CHOICES, MIN_CHOICES, VERSION


class ConversionError(ValueError):
    """The input is not a Bandersnatch-style graph at all."""


def find_graph(data: Any) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """``(segments, choicePoints)`` from a SegmentMap, or from Netflix's full document
    (``jsonGraph``/``videos`` ... ``interactiveVideoMoments``), wherever they sit."""
    segments: Mapping[str, Any] | None = None
    points: Mapping[str, Any] = {}
    todo = [data]
    seen = 0
    while todo and seen < 100_000:
        node = todo.pop()
        seen += 1
        if isinstance(node, Mapping):
            segs = node.get("segments")
            if segments is None and isinstance(segs, Mapping) and segs and all(
                    isinstance(v, Mapping) and "startTimeMs" in v for v in segs.values()):
                segments = segs
            cps = node.get("choicePoints")
            if not points and isinstance(cps, Mapping):
                points = cps
            todo.extend(v for v in node.values() if isinstance(v, (Mapping, list)))
        elif isinstance(node, list):
            todo.extend(v for v in node if isinstance(v, (Mapping, list)))
    if segments is None:
        raise ConversionError("no segments with startTimeMs found: this is not a "
                              "Bandersnatch-style story graph")
    return segments, points


def convert(data: Any, labels: Mapping[str, Mapping[str, str]] | None = None, *,
            title: str = "", video: str | None = None,
            start: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The story (a JSON-ready dict) and a warning for each thing left out or guessed."""
    segments, points = find_graph(data)
    labels = labels or {}
    warnings: list[str] = []
    out: dict[str, Any] = {}
    for sid, raw in segments.items():
        out[sid] = _segment(sid, raw, points.get(sid), labels.get(sid) or {}, segments,
                            warnings)
    first = start or (data.get("initialSegment") if isinstance(data, Mapping) else None)
    if not isinstance(first, str) or first not in segments:
        first = min(segments, key=lambda s: _ms(segments[s].get("startTimeMs")))
    story: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if title:
        story["title"] = title
    if video:
        story["video"] = video
    story["start"] = first
    story["segments"] = out
    return story, warnings


def _segment(sid: str, raw: Mapping[str, Any], point: Any, names: Mapping[str, str],
             segments: Mapping[str, Any], warnings: list[str]) -> dict[str, Any]:
    start, end = _ms(raw.get("startTimeMs")), _ms(raw.get("endTimeMs"))
    seg: dict[str, Any] = {"start": start / 1000}
    if end > start:
        seg["end"] = end / 1000
    raw_next = raw.get("next")
    nxt: Mapping[str, Any] = raw_next if isinstance(raw_next, Mapping) else {}
    default = raw.get("defaultNext")
    ids = list(point.get("choices") or []) if isinstance(point, Mapping) else []
    if not ids and len(nxt) >= MIN_CHOICES and _zone(raw) is not None:
        ids = list(nxt)
    choices = []
    for cid in ids:
        if cid in segments:
            choices.append({"id": cid, "text": names.get(cid) or cid, "goto": cid})
        else:
            warnings.append(f"segment {sid}: choice '{cid}' ({names.get(cid, 'no label')}) "
                            "leads through Netflix's state rules, which this format does not "
                            "read: left out")
    zone = _zone(raw)
    if MIN_CHOICES <= len(choices) <= MAX_CHOICES and (zone is not None or point):
        opens = zone[0] if zone else _ms(point.get("startTimeMs"))
        closes = min(zone[1], end) if zone else end
        if not start <= opens < (end or opens + 1):
            opens = max(start, (end or start) - 10_000)
        cp: dict[str, Any] = {"prompt": _prompt(point), "opens": opens / 1000}
        if end and closes > opens:
            cp["closes"] = closes / 1000
        goto_default = default if any(c["goto"] == default for c in choices) else None
        cp["default"] = goto_default or choices[0]["id"]
        cp["choices"] = choices
        seg["choice"] = cp
        return seg
    if len(choices) > MAX_CHOICES:
        warnings.append(f"segment {sid}: {len(choices)} choices; a choice point offers at most "
                        f"{MAX_CHOICES}: it goes on to its default instead")
    way = default if isinstance(default, str) and default in segments else None
    if way is None:
        way = next((k for k in nxt if k in segments), None)
    if way is None:
        seg["ending"] = {"name": str(sid)}
        return seg
    if len(nxt) > 1 and not choices:
        warnings.append(f"segment {sid}: {len(nxt)} possible next segments picked by "
                        f"Netflix's state rules; it goes on to '{way}'")
    seg["next"] = way
    return seg


def _zone(raw: Mapping[str, Any]) -> tuple[int, int] | None:
    ui = raw.get("ui")
    zones = ui.get("interactionZones") if isinstance(ui, Mapping) else None
    if isinstance(zones, list) and zones and isinstance(zones[0], list) and len(zones[0]) == 2:
        return _ms(zones[0][0]), _ms(zones[0][1])
    return None


def _prompt(point: Any) -> str:
    text = point.get("description") if isinstance(point, Mapping) else None
    return text if isinstance(text, str) and text.strip() else "What happens next?"


def _ms(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        and value >= 0 else 0
