"""The state machine an interactive title follows while it plays. No Qt, no clock of its own:
the player tells it what happened (a choice point opened, the viewer chose, time ran out, a
segment ended) and asks what to play next.

The path taken is a list of :class:`Step`: every choice point reached, with the state as it was
when the point was reached and the choice made there (None while it is open). That list is what
a profile's path records, what "Go back to the previous choice" pops, and what resume follows:
back to the last choice point reached, with the state it had then (:meth:`StoryRun.restore`).

Rules: a segment's ``set`` applies when it starts; a choice's ``set`` when it is chosen. A
choice whose ``if`` does not hold is hidden; when a condition hides every choice, the default is
offered alone. A ``next`` list takes the first branch whose condition holds (else its last).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from mediacenter.story.model import Choice, ChoicePoint, Segment, Story, Value

LEAD_IN_MS: Final = 5_000
"""Returning to a choice point (go back, resume) starts this long before it opens, so the
viewer sees what the choice is about."""


@dataclass
class Step:
    """A choice point reached: its segment, the state then, and what was chosen."""

    point: str
    state: dict[str, Value]
    choice: str | None = None
    timed_out: bool = False
    at: float = 0.0  # epoch seconds, from the caller's clock

    def to_json(self) -> dict[str, Any]:
        return {"point": self.point, "state": dict(self.state), "choice": self.choice,
                "timed_out": self.timed_out, "at": self.at}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Step:
        return cls(point=str(data["point"]), state=dict(data.get("state") or {}),
                   choice=data.get("choice"), timed_out=bool(data.get("timed_out")),
                   at=float(data.get("at") or 0.0))


@dataclass
class StoryRun:
    """One viewer's way through ``story``. Call :meth:`begin` (or :meth:`restore`) first."""

    story: Story
    segment: str = ""
    state: dict[str, Value] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    ended: bool = False  # an ending segment has played to its end
    #: Where the current segment starts playing: its start, or a lead-in before its choice.
    play_from_ms: int = 0

    # -- moving ----------------------------------------------------------------------------

    def begin(self) -> str:
        """Start from the story's first segment with the declared initial state."""
        self.state = dict(self.story.variables)
        self.steps = []
        self.ended = False
        self._enter(self.story.start)
        return self.segment

    def _enter(self, sid: str, *, apply_set: bool = True) -> None:
        self.segment = sid
        seg = self.current
        if apply_set:
            for a in seg.set:
                a.apply(self.state)
        self.play_from_ms = seg.start_ms

    @property
    def current(self) -> Segment:
        return self.story.segments[self.segment]

    def choice_point(self) -> ChoicePoint | None:
        return self.current.choice

    def open_step(self) -> Step | None:
        """The step of the current segment's choice point while it waits for a choice."""
        s = self.steps[-1] if self.steps else None
        return s if s is not None and s.point == self.segment and s.choice is None else None

    def reach_choice(self, at: float = 0.0) -> Step | None:
        """The current segment's choice point opened: note it with the state now (once)."""
        if self.choice_point() is None:
            return None
        step = self.open_step()
        if step is None:
            step = Step(self.segment, dict(self.state), at=at)
            self.steps.append(step)
        return step

    def visible_choices(self) -> list[Choice]:
        """The choices shown at the current choice point, in file order."""
        cp = self.choice_point()
        if cp is None:
            return []
        shown = [c for c in cp.choices if c.when is None or c.when.holds(self.state)]
        return shown or [self.default_choice()]

    def default_choice(self) -> Choice:
        """What time-out takes: the declared default when shown, else the first shown."""
        cp = self.choice_point()
        assert cp is not None, "no choice point here"
        declared = cp.choice(cp.default) or cp.choices[0]
        shown = [c for c in cp.choices if c.when is None or c.when.holds(self.state)]
        return declared if declared in shown or not shown else shown[0]

    def chosen(self) -> Choice | None:
        """The choice made at the current segment's choice point, if any yet."""
        cp = self.choice_point()
        s = self.steps[-1] if self.steps else None
        if cp is None or s is None or s.point != self.segment or s.choice is None:
            return None
        return cp.choice(s.choice)

    def choose(self, choice_id: str | None = None, *, timed_out: bool = False,
               at: float = 0.0) -> Choice:
        """Take ``choice_id`` (None: the default, as at time-out) at the current choice point;
        its ``set`` applies now. A second call changes nothing (a choice is final)."""
        done = self.chosen()
        if done is not None:
            return done
        step = self.reach_choice(at)
        assert step is not None, "no choice point here"
        visible = self.visible_choices()
        choice = next((c for c in visible if c.id == choice_id), None) if choice_id else None
        if choice is None:
            choice, timed_out = self.default_choice(), timed_out or choice_id is None
        step.choice, step.timed_out = choice.id, timed_out
        step.at = at or step.at
        for a in choice.set:
            a.apply(self.state)
        return choice

    def next_segment(self) -> str | None:
        """Where the story goes when the current segment ends (None: it ended). At a choice
        point nobody chose at, that is the default (time-out)."""
        seg = self.current
        if seg.ending is not None:
            return None
        if seg.choice is not None:
            return (self.chosen() or self.choose(timed_out=True)).goto
        for b in seg.next:
            if b.when is None or b.when.holds(self.state):
                return b.goto
        return seg.next[-1].goto if seg.next else None

    def advance(self) -> str | None:
        """The current segment played to its end: enter the next one and return its id, or
        mark the story ended and return None."""
        nxt = self.next_segment()
        if nxt is None:
            self.ended = True
            return None
        self._enter(nxt)
        return nxt

    def go_back(self) -> Step | None:
        """Back to the previous choice point with the state it had (its choice undone); the
        step returned to, or None when there is none (then the story starts over)."""
        if self.open_step() is not None:
            self.steps.pop()  # the choice on screen now is not a "previous" one
        if not self.steps:
            self.begin()
            return None
        step = self.steps[-1]
        self._return_to(step)
        return step

    def start_over(self) -> None:
        self.begin()

    def _return_to(self, step: Step) -> None:
        step.choice, step.timed_out = None, False
        self.state = dict(step.state)
        self.ended = False
        self._enter(step.point, apply_set=False)
        cp = self.current.choice
        if cp is not None:
            self.play_from_ms = max(self.current.start_ms, cp.opens_ms - LEAD_IN_MS)

    # -- keeping ---------------------------------------------------------------------------

    def to_json(self) -> list[dict[str, Any]]:
        """The path taken, as stored per profile (``story_paths.steps_json``)."""
        return [s.to_json() for s in self.steps]

    @classmethod
    def restore(cls, story: Story, steps: Sequence[Mapping[str, Any]]) -> StoryRun:
        """A run resumed from a stored path: at its last choice point, with the state it had
        there. A path that no longer fits the story (an edited file) starts from the start."""
        run = cls(story)
        run.begin()
        try:
            parsed = [Step.from_json(s) for s in steps]
        except (KeyError, TypeError, ValueError):
            return run
        if not parsed or not all(_fits(story, s) for s in parsed):
            return run
        run.steps = parsed
        run._return_to(parsed[-1])
        return run


def _fits(story: Story, step: Step) -> bool:
    seg = story.segments.get(step.point)
    if seg is None or seg.choice is None:
        return False
    if step.choice is not None and seg.choice.choice(step.choice) is None:
        return False
    return all(k in story.variables and type(v) is type(story.variables[k])
               for k, v in step.state.items())
