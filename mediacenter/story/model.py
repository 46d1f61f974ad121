"""The story file format, version 1: the data classes and a parser that reports every problem
with where it is instead of stopping at the first one.

A story is a graph of segments. A segment plays a time range of the main video (the video the
story file is named after) or of a file of its own, then goes on by one of: a fixed ``next``
(optionally chosen by conditions on the state), a ``choice`` point (a prompt and 2-4 choices,
each leading to a segment, with a default taken when the time runs out), or an ``ending``.
Variables declared up front form the state: choices and segments ``set`` them, conditions
(``if``) show or hide a choice or pick the next segment. ``credits`` play after any ending.

Times in the file are seconds (numbers) in the video the segment plays from; here they are
integer milliseconds. The README's "Interactive titles" section is the format's documentation;
``story.schema.json`` its JSON Schema (kept in agreement with this parser by the tests). The
parser is hand-written rather than driven by the schema so that a person reads "segment
'cellar': choice 'lamp' leads to 'attic', and no segment has that id" instead of a validator's
generic message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

FORMAT: Final = "mediacenter-story"
VERSION: Final = 1
MIN_CHOICES: Final = 2
MAX_CHOICES: Final = 4

Value = bool | int | str
Severity = Literal["error", "warning"]
_OPS: Final = ("eq", "ne", "gt", "gte", "lt", "lte")
_ORDERED_OPS: Final = ("gt", "gte", "lt", "lte")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a story: where (a path into the file such as
    ``segments.cellar.choice.choices[1].goto``, or ``line 3, column 5``) and what."""

    where: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class Condition:
    """A test on the state, as written in the file (already checked by the parser):
    ``{"var": NAME}`` (true when the variable is true, non-zero or non-empty),
    ``{"var": NAME, OP: VALUE}`` with OP one of eq, ne, gt, gte, lt, lte, and
    ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}``."""

    tree: Mapping[str, Any]

    def holds(self, state: Mapping[str, Value]) -> bool:
        return _holds(self.tree, state)

    def variables(self) -> set[str]:
        return _cond_vars(self.tree)


def _holds(tree: Mapping[str, Any], state: Mapping[str, Value]) -> bool:
    if "all" in tree:
        return all(_holds(t, state) for t in tree["all"])
    if "any" in tree:
        return any(_holds(t, state) for t in tree["any"])
    if "not" in tree:
        return not _holds(tree["not"], state)
    value = state.get(tree["var"])
    for op in _OPS:
        if op in tree:
            want = tree[op]
            if op == "eq":
                return bool(value == want)
            if op == "ne":
                return bool(value != want)
            if not isinstance(value, int) or isinstance(value, bool):
                return False
            return {"gt": value > want, "gte": value >= want, "lt": value < want,
                    "lte": value <= want}[op]
    return bool(value)


def _cond_vars(tree: Mapping[str, Any]) -> set[str]:
    if "all" in tree or "any" in tree:
        return set().union(*(_cond_vars(t) for t in tree.get("all", tree.get("any", []))))
    if "not" in tree:
        return _cond_vars(tree["not"])
    return {tree["var"]}


@dataclass(frozen=True)
class Assignment:
    """``set`` of one variable: a new value, or ``{"add": N}`` to an integer."""

    variable: str
    value: Value | None = None
    add: int | None = None

    def apply(self, state: dict[str, Value]) -> None:
        if self.add is not None:
            current = state.get(self.variable, 0)
            state[self.variable] = (current if isinstance(current, int) else 0) + self.add
        elif self.value is not None:
            state[self.variable] = self.value


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    goto: str
    set: tuple[Assignment, ...] = ()
    when: Condition | None = None  # "if": shown only while it holds


@dataclass(frozen=True)
class ChoicePoint:
    """A prompt and 2-4 choices, on screen from ``opens_ms`` to ``closes_ms`` (positions in
    the segment's video); ``default`` (a choice id) is taken when the time runs out."""

    prompt: str
    opens_ms: int
    closes_ms: int | None  # None: when the segment ends
    default: str
    choices: tuple[Choice, ...]

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Branch:
    """One way on from a segment without a choice: taken when ``when`` holds (or always)."""

    goto: str
    when: Condition | None = None


@dataclass(frozen=True)
class Ending:
    name: str
    kind: str = "neutral"  # "good", "bad" or "neutral": how the end card words it


@dataclass(frozen=True)
class Segment:
    """A stretch of video: ``file`` (relative to the story file) or the main video when None,
    from ``start_ms`` to ``end_ms`` (None: to the end of that video)."""

    id: str
    file: str | None
    start_ms: int
    end_ms: int | None
    title: str = ""
    set: tuple[Assignment, ...] = ()
    choice: ChoicePoint | None = None
    next: tuple[Branch, ...] = ()
    ending: Ending | None = None

    def targets(self) -> list[str]:
        """Every segment id this one can lead to (conditions ignored)."""
        if self.choice is not None:
            return [c.goto for c in self.choice.choices]
        return [b.goto for b in self.next]


@dataclass(frozen=True)
class Clip:
    """The credits: a stretch of the main video or of a file, played after any ending."""

    file: str | None
    start_ms: int
    end_ms: int | None


@dataclass(frozen=True)
class Story:
    version: int
    start: str
    segments: Mapping[str, Segment]
    variables: Mapping[str, Value] = field(default_factory=dict)
    title: str = ""
    video: str | None = None  # the main video's file name, when the file names it
    credits: Clip | None = None

    def endings(self) -> dict[str, Ending]:
        return {sid: s.ending for sid, s in self.segments.items() if s.ending is not None}

    def files(self) -> set[str | None]:
        """The videos the story plays (None: the main video)."""
        out = {s.file for s in self.segments.values()}
        if self.credits is not None:
            out.add(self.credits.file)
        return out


@dataclass
class ParseResult:
    story: Story | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def loads(text: str) -> ParseResult:
    """Parse a story file's text. Malformed JSON is one problem with its line and column."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParseResult(None, [Problem(f"line {exc.lineno}, column {exc.colno}",
                                          f"this is not valid JSON ({exc.msg})")])
    except RecursionError:
        return ParseResult(None, [Problem("", "this is not valid JSON (nested too deeply)")])
    return parse(data)


def parse(data: Any) -> ParseResult:
    """Build a :class:`Story` from decoded JSON. ``story`` is None when an error makes it
    unusable; every problem found (errors and warnings) is listed either way."""
    r = _Reader()
    story = r.story(data)
    if any(p.severity == "error" for p in r.problems):
        story = None
    return ParseResult(story, r.problems)


class _Reader:
    """Walks the decoded JSON, noting each problem with its path and carrying on."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.variables: dict[str, Value] = {}

    def bad(self, where: str, message: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(where, message, severity))

    def unknown_keys(self, obj: Mapping[str, Any], where: str, allowed: tuple[str, ...]) -> None:
        for key in obj:
            if key not in allowed:
                self.bad(_join(where, key), f"unknown field (expected one of: "
                                            f"{', '.join(allowed)})")

    def text(self, obj: Mapping[str, Any], key: str, where: str, *,
             required: bool = False) -> str:
        value = obj.get(key)
        if value is None:
            if required:
                self.bad(_join(where, key), "missing (a text is needed here)")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.bad(_join(where, key), "should be a non-empty text")
            return ""
        return value

    def seconds(self, obj: Mapping[str, Any], key: str, where: str) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not math.isfinite(value) or value < 0:
            self.bad(_join(where, key), "should be a number of seconds, 0 or more")
            return None
        return round(value * 1000)

    def story(self, data: Any) -> Story | None:
        if not isinstance(data, dict):
            self.bad("", "a story file holds one JSON object ({ ... })")
            return None
        self.unknown_keys(data, "", ("$schema", "format", "version", "title", "video", "start",
                                     "variables", "segments", "credits"))
        if data.get("format") != FORMAT:
            self.bad("format", f'should be "{FORMAT}"')
        version = data.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
            self.bad("version", f"version {version} is newer than this mediacenter reads "
                                f"(up to {VERSION}); update mediacenter")
        elif version != VERSION:
            self.bad("version", f"should be {VERSION}")
        title = self.text(data, "title", "")
        video = self.text(data, "video", "") or None
        self.variables = self.read_variables(data.get("variables"))
        segments: dict[str, Segment] = {}
        raw_segments = data.get("segments")
        if not isinstance(raw_segments, dict) or not raw_segments:
            self.bad("segments", "should be an object naming at least one segment: "
                                 '{"intro": {...}, ...}')
        else:
            for sid, raw in raw_segments.items():
                seg = self.segment(sid, raw, f"segments.{sid}")
                if seg is not None:
                    segments[sid] = seg
        start = data.get("start")
        if not isinstance(start, str) or not start:
            self.bad("start", "missing: the id of the segment the story begins with")
            start = ""
        elif isinstance(raw_segments, dict) and start not in raw_segments:
            self.bad("start", f"no segment has the id '{start}'")
        credits = self.clip(data.get("credits"), "credits") if "credits" in data else None
        self.check_targets(segments)
        return Story(version=VERSION, start=start, segments=segments,
                     variables=dict(self.variables), title=title, video=video, credits=credits)

    def read_variables(self, raw: Any) -> dict[str, Value]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.bad("variables", 'should be an object: {"name": initial value, ...}')
            return {}
        out: dict[str, Value] = {}
        for name, value in raw.items():
            if not isinstance(value, (bool, int, str)):
                self.bad(f"variables.{name}", "the initial value should be true/false, a "
                                              "whole number or a text")
                continue
            out[name] = value
        return out

    def segment(self, sid: str, raw: Any, where: str) -> Segment | None:
        if not sid.strip():
            self.bad(where, "a segment id cannot be empty")
            return None
        if not isinstance(raw, dict):
            self.bad(where, "should be an object")
            return None
        self.unknown_keys(raw, where, ("title", "file", "start", "end", "set", "choice", "next",
                                       "ending"))
        file = self.text(raw, "file", where) or None
        start = self.seconds(raw, "start", where) or 0
        end = self.seconds(raw, "end", where)
        if end is not None and end <= start:
            self.bad(_join(where, "end"), f"should be after the start ({start / 1000:g} s)")
        ways = [k for k in ("choice", "next", "ending") if k in raw]
        if not ways:
            self.bad(where, "has no way on: give it a choice, a next segment or an ending")
        elif len(ways) > 1:
            self.bad(where, f"has {' and '.join(ways)}: give it only one of them")
        choice = self.choice_point(raw["choice"], _join(where, "choice"), start, end) \
            if "choice" in raw else None
        nxt = self.branches(raw["next"], _join(where, "next")) if "next" in raw else ()
        ending = self.ending(raw["ending"], _join(where, "ending")) if "ending" in raw else None
        return Segment(id=sid, file=file, start_ms=start, end_ms=end,
                       title=self.text(raw, "title", where),
                       set=self.assignments(raw.get("set"), _join(where, "set")),
                       choice=choice, next=nxt, ending=ending)

    def choice_point(self, raw: Any, where: str, seg_start: int,
                     seg_end: int | None) -> ChoicePoint | None:
        if not isinstance(raw, dict):
            self.bad(where, "should be an object with prompt, opens and choices")
            return None
        self.unknown_keys(raw, where, ("prompt", "opens", "closes", "default", "choices"))
        prompt = self.text(raw, "prompt", where, required=True)
        opens = self.seconds(raw, "opens", where)
        if opens is None and "opens" not in raw:
            self.bad(_join(where, "opens"), "missing: when the choice appears (seconds)")
        closes = self.seconds(raw, "closes", where)
        if opens is not None:
            if opens < seg_start or (seg_end is not None and opens >= seg_end):
                self.bad(_join(where, "opens"), "should be inside the segment "
                                                f"({_span(seg_start, seg_end)})")
            if closes is not None and closes <= opens:
                self.bad(_join(where, "closes"), "should be after opens")
        if closes is not None and seg_end is not None and closes > seg_end:
            self.bad(_join(where, "closes"), "should not be after the segment's end "
                                             f"({seg_end / 1000:g} s)")
        choices: list[Choice] = []
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, list):
            self.bad(_join(where, "choices"), "should be a list of 2 to 4 choices")
        else:
            if not MIN_CHOICES <= len(raw_choices) <= MAX_CHOICES:
                self.bad(_join(where, "choices"),
                         f"has {len(raw_choices)}: a choice point offers 2 to 4 choices")
            seen: set[str] = set()
            for i, rc in enumerate(raw_choices):
                c = self.choice(rc, f"{where}.choices[{i}]")
                if c is None:
                    continue
                if c.id in seen:
                    self.bad(f"{where}.choices[{i}].id", f"'{c.id}' is used twice here")
                seen.add(c.id)
                choices.append(c)
        default = raw.get("default")
        if default is None:
            default = choices[0].id if choices else ""
        elif not isinstance(default, str) or all(c.id != default for c in choices):
            self.bad(_join(where, "default"), f"'{default}' is not the id of one of the "
                                              "choices")
            default = choices[0].id if choices else ""
        return ChoicePoint(prompt=prompt, opens_ms=opens or 0, closes_ms=closes,
                           default=default, choices=tuple(choices))

    def choice(self, raw: Any, where: str) -> Choice | None:
        if not isinstance(raw, dict):
            self.bad(where, "should be an object with id, text and goto")
            return None
        self.unknown_keys(raw, where, ("id", "text", "goto", "set", "if"))
        cid = self.text(raw, "id", where, required=True)
        text = self.text(raw, "text", where, required=True)
        goto = self.text(raw, "goto", where, required=True)
        return Choice(id=cid, text=text, goto=goto,
                      set=self.assignments(raw.get("set"), _join(where, "set")),
                      when=self.condition(raw["if"], _join(where, "if")) if "if" in raw
                      else None)

    def branches(self, raw: Any, where: str) -> tuple[Branch, ...]:
        if isinstance(raw, str) and raw.strip():
            return (Branch(raw),)
        if not isinstance(raw, list) or not raw:
            self.bad(where, 'should be a segment id, or a list of {"if": ..., "goto": ...}')
            return ()
        out: list[Branch] = []
        for i, rb in enumerate(raw):
            w = f"{where}[{i}]"
            if not isinstance(rb, dict):
                self.bad(w, 'should be {"goto": ...} with an optional "if"')
                continue
            self.unknown_keys(rb, w, ("if", "goto"))
            goto = self.text(rb, "goto", w, required=True)
            when = self.condition(rb["if"], _join(w, "if")) if "if" in rb else None
            out.append(Branch(goto, when))
        if out and out[-1].when is not None:
            self.bad(where, "every branch has a condition: when none holds the story cannot "
                            "go on (make the last one unconditional)", "warning")
        return tuple(out)

    def ending(self, raw: Any, where: str) -> Ending | None:
        if raw is True:
            return Ending(name="The End")
        if not isinstance(raw, dict):
            self.bad(where, 'should be {"name": ...} (or true)')
            return None
        self.unknown_keys(raw, where, ("name", "kind"))
        kind = raw.get("kind", "neutral")
        if kind not in ("good", "bad", "neutral"):
            self.bad(_join(where, "kind"), 'should be "good", "bad" or "neutral"')
            kind = "neutral"
        return Ending(name=self.text(raw, "name", where) or "The End", kind=kind)

    def clip(self, raw: Any, where: str) -> Clip | None:
        if not isinstance(raw, dict):
            self.bad(where, "should be an object with file and/or start and end")
            return None
        self.unknown_keys(raw, where, ("file", "start", "end"))
        start = self.seconds(raw, "start", where) or 0
        end = self.seconds(raw, "end", where)
        if end is not None and end <= start:
            self.bad(_join(where, "end"), "should be after the start")
        return Clip(self.text(raw, "file", where) or None, start, end)

    def assignments(self, raw: Any, where: str) -> tuple[Assignment, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.bad(where, 'should be an object: {"variable": value or {"add": n}}')
            return ()
        out: list[Assignment] = []
        for name, value in raw.items():
            w = _join(where, name)
            declared = self.variables.get(name)
            if name not in self.variables:
                self.bad(w, f"'{name}' is not one of the variables the story declares")
                continue
            if isinstance(value, dict):
                add = value.get("add")
                if set(value) != {"add"} or isinstance(add, bool) or not isinstance(add, int):
                    self.bad(w, 'should be a value or {"add": a whole number}')
                elif isinstance(declared, bool) or not isinstance(declared, int):
                    self.bad(w, f"'{name}' is not a number: it cannot be added to")
                else:
                    out.append(Assignment(name, add=add))
            elif _same_type(value, declared):
                out.append(Assignment(name, value=value))
            else:
                self.bad(w, f"'{name}' holds {_type_name(declared)}, not {_type_name(value)}")
        return tuple(out)

    def condition(self, raw: Any, where: str) -> Condition | None:
        return Condition(raw) if self.check_condition(raw, where) else None

    def check_condition(self, raw: Any, where: str) -> bool:
        if not isinstance(raw, dict) or not raw:
            self.bad(where, 'should be a condition such as {"var": "has_key"} or '
                            '{"var": "visits", "gte": 2}')
            return False
        for combo in ("all", "any"):
            if combo in raw:
                items = raw[combo]
                if len(raw) != 1 or not isinstance(items, list) or not items:
                    self.bad(where, f'"{combo}" takes a non-empty list of conditions, alone')
                    return False
                return all([self.check_condition(t, f"{where}.{combo}[{i}]")
                            for i, t in enumerate(items)])
        if "not" in raw:
            if len(raw) != 1:
                self.bad(where, '"not" stands alone: {"not": {...}}')
                return False
            return self.check_condition(raw["not"], f"{where}.not")
        name = raw.get("var")
        if not isinstance(name, str):
            self.bad(where, 'a condition names a variable: {"var": "name", ...}')
            return False
        if name not in self.variables:
            self.bad(_join(where, "var"), f"'{name}' is not one of the variables the story "
                                          "declares")
            return False
        ops = [k for k in raw if k != "var"]
        if len(ops) > 1 or (ops and ops[0] not in _OPS):
            self.bad(where, f"compare with one of {', '.join(_OPS)}")
            return False
        if ops:
            op, want, declared = ops[0], raw[ops[0]], self.variables[name]
            if not _same_type(want, declared):
                self.bad(_join(where, op), f"'{name}' holds {_type_name(declared)}, not "
                                           f"{_type_name(want)}")
                return False
            if op in _ORDERED_OPS and (isinstance(want, bool) or not isinstance(want, int)):
                self.bad(_join(where, op), f"{op} compares numbers only")
                return False
        return True

    def check_targets(self, segments: Mapping[str, Segment]) -> None:
        for sid, seg in segments.items():
            if seg.choice is not None:
                for i, c in enumerate(seg.choice.choices):
                    if c.goto and c.goto not in segments:
                        self.bad(f"segments.{sid}.choice.choices[{i}].goto",
                                 f"no segment has the id '{c.goto}'")
            for i, b in enumerate(seg.next):
                if b.goto and b.goto not in segments:
                    where = f"segments.{sid}.next" + (f"[{i}]" if len(seg.next) > 1 or
                                                      b.when is not None else "")
                    self.bad(where, f"no segment has the id '{b.goto}'")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _span(start: int, end: int | None) -> str:
    return f"{start / 1000:g} s to " + (f"{end / 1000:g} s" if end is not None else "its end")


def _same_type(value: Any, declared: Any) -> bool:
    if isinstance(declared, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(declared, bool)
    return type(value) is type(declared)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, str):
        return "a text"
    return "something else"
