"""What the analysis finds: :class:`Segment` (a kind, where it starts and ends, how sure, how
found), the same shape the ``segments --json`` command prints and the catalog stores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

KINDS: Final = ("intro", "recap", "credits", "post_credits")

ANALYZER: Final = 1
"""The analyser's version: raise it when results would change, and every file is read again."""


class AnalysisError(Exception):
    """The file cannot be analysed (unreadable, no sound where sound is needed); the message
    says why in words."""


@dataclass(frozen=True)
class Segment:
    """A stretch of a file, in seconds from its start."""

    kind: str  # one of KINDS
    start_s: float
    end_s: float
    confidence: float  # 0..1
    how: str  # "fingerprint", "chapter", "sidecar", "pictures", ...

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown segment kind {self.kind!r}")

    @property
    def length_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict:
        return {"kind": self.kind, "start_s": round(self.start_s, 2),
                "end_s": round(self.end_s, 2), "confidence": round(self.confidence, 2),
                "how": self.how}


def sort_segments(segments: list[Segment]) -> list[Segment]:
    return sorted(segments, key=lambda s: (s.start_s, KINDS.index(s.kind)))
