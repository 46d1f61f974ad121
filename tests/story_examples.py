"""Story files the tests share: a valid one to start from, and a Bandersnatch-style graph.

Written by hand for the tests (no third-party story data in the repository).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

_LIGHTHOUSE: dict[str, Any] = {
    "format": "mediacenter-story",
    "version": 1,
    "title": "The Lighthouse",
    "start": "intro",
    "variables": {"lamp": False, "visits": 0},
    "segments": {
        "intro": {"start": 0, "end": 10, "choice": {
            "prompt": "Take the old lamp?", "opens": 6, "default": "leave",
            "choices": [{"id": "take", "text": "Take it", "goto": "hall", "set": {"lamp": True}},
                        {"id": "leave", "text": "Leave it", "goto": "hall"}]}},
        "hall": {"start": 10, "end": 20, "set": {"visits": {"add": 1}}, "choice": {
            "prompt": "Where now?", "opens": 16,
            "choices": [{"id": "up", "text": "Up the tower", "goto": "tower"},
                        {"id": "down", "text": "Down to the cellar", "goto": "cellar"}]}},
        "cellar": {"start": 20, "end": 30, "choice": {
            "prompt": "A locked door.", "opens": 26, "closes": 29, "default": "knock",
            "choices": [
                {"id": "open", "text": "Open it with the lamp's key", "goto": "treasure",
                 "if": {"var": "lamp"}},
                {"id": "knock", "text": "Knock", "goto": "trapped"},
                {"id": "back", "text": "Go back up", "goto": "hall",
                 "if": {"var": "visits", "lt": 2}}]}},
        "tower": {"start": 30, "end": 40,
                  "next": [{"if": {"var": "lamp"}, "goto": "lit"}, {"goto": "dark"}]},
        "lit": {"start": 40, "end": 45, "ending": {"name": "The light returns", "kind": "good"}},
        "dark": {"start": 45, "end": 50, "ending": {"name": "Lost in the dark", "kind": "bad"}},
        "treasure": {"start": 50, "end": 55, "ending": {"name": "The keeper's treasure",
                                                         "kind": "good"}},
        "trapped": {"start": 55, "end": 60, "ending": {"name": "Locked in", "kind": "bad"}},
    },
}

#: A graph in the shape the community documented for Netflix's interactive titles (invented
#: ids, times and texts).
BANDERSNATCH_GRAPH: dict[str, Any] = {
    "type": "branching",
    "segments": {
        "1A": {"startTimeMs": 0, "endTimeMs": 20000, "ui": {"interactionZones": [[12000, 20000]]},
               "next": {"1B": {"weight": 50}, "1C": {"weight": 50}}, "defaultNext": "1B"},
        "1B": {"startTimeMs": 20000, "endTimeMs": 30000, "next": {"2A": {}}, "defaultNext": "2A"},
        "1C": {"startTimeMs": 30000, "endTimeMs": 40000, "next": {"2A": {}}, "defaultNext": "2A"},
        "2A": {"startTimeMs": 40000, "endTimeMs": 60000,
               "ui": {"interactionZones": [[50000, 60000]]},
               "next": {"3A": {}, "3B": {}, "1A": {}}, "defaultNext": "3A"},
        "3A": {"startTimeMs": 60000, "endTimeMs": 70000},
        "3B": {"startTimeMs": 70000, "endTimeMs": 80000,
               "next": {"3A": {}, "4A": {}, "4B": {}}, "defaultNext": "4A"},
        "4A": {"startTimeMs": 80000, "endTimeMs": 90000},
        "4B": {"startTimeMs": 90000, "endTimeMs": 95000},
    },
    "choicePoints": {
        "1A": {"startTimeMs": 12000, "description": "Which cereal?", "choices": ["1B", "1C"]},
        "2A": {"startTimeMs": 50000, "description": "Accept the offer?",
               "choices": ["3A", "nsg-Refuse"]},
    },
}
BANDERSNATCH_LABELS = {"1A": {"1B": "CORN FLAKES", "1C": "PORRIDGE"},
                       "2A": {"3A": "ACCEPT", "nsg-Refuse": "REFUSE"}}


def lighthouse() -> dict[str, Any]:
    """A valid story (3 choice points, a variable that changes later choices, 4 endings) over
    one 60-second main video."""
    return copy.deepcopy(_LIGHTHOUSE)


def write_story(folder: Path, data: Any, name: str = "story.json") -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2),
                    encoding="utf-8")
    return path
