"""``mediacenter story check``: everything that can be wrong with a story file, each problem
with where it is, never a crash.

Beyond what the parser finds (malformed JSON, wrong fields, unknown segment ids, unknown
variables), the whole story is checked: segments never reached from the start, loops no
ending can be reached from ("cycles with no way out"), missing videos, and times past the end
of a video (when ``duration_of`` can tell how long a video is: the command probes with
libVLC, the scanner asks the catalog). A story with errors is not played as a story: the
title plays straight through instead.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from mediacenter.library.sidecars import VIDEO_EXTENSIONS
from mediacenter.story.files import Layout, folder_layout, main_video
from mediacenter.story.model import Problem, Segment, Story, loads

MAX_STORY_BYTES: Final = 4 * 1024 * 1024
"""A story file larger than this is refused (a real one is a few KB; Bandersnatch's ~300 KB)."""
END_TOLERANCE_MS: Final = 500
"""An end this close past a video's measured duration is rounding, not a mistake."""

DurationOf = Callable[[Path], "int | None"]


@dataclass
class CheckReport:
    """The outcome of checking one story file."""

    path: Path
    story: Story | None  # None when it cannot be played as a story at all
    problems: list[Problem] = field(default_factory=list)
    layout: Layout = "video"
    main_video: Path | None = None
    digest: str = ""  # sha256 of the file's bytes ("" when unreadable)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def playable(self) -> bool:
        """Whether the title plays as a story (else it plays straight through)."""
        return self.story is not None and not self.errors

    def video_path(self, segment_file: str | None) -> Path | None:
        """Where a segment's video is (None: the main video, when there is one)."""
        if segment_file is None:
            return self.main_video
        return self.path.parent / segment_file


def videos_in(folder: Path) -> list[str]:
    """The names of the video files in ``folder`` (empty when it cannot be listed)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(n for n in names if os.path.splitext(n)[1].lower() in VIDEO_EXTENSIONS
                  and not n.startswith("._"))


def check_file(path: str | os.PathLike[str], duration_of: DurationOf | None = None,
               videos: Iterable[str] | None = None) -> CheckReport:
    """Read and check the story file at ``path``. ``duration_of(video path)`` gives a video's
    length in ms (None when unknown); ``videos`` the folder's video names (listed when None).
    Never raises for anything about the file."""
    p = Path(path)
    report = CheckReport(path=p, story=None)
    try:
        size = p.stat().st_size
        if size > MAX_STORY_BYTES:
            report.problems.append(Problem("", f"the file is {size // 1024} KB: a story file "
                                               f"may be {MAX_STORY_BYTES // 1024} KB at most"))
            return report
        raw = p.read_bytes()
    except OSError as exc:
        report.problems.append(Problem("", f"cannot read the file: {exc.strerror or exc}"))
        return report
    report.digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.problems.append(Problem(f"byte {exc.start}", "the file is not UTF-8 text"))
        return report
    parsed = loads(text)
    report.problems.extend(parsed.problems)
    names = sorted(videos) if videos is not None else videos_in(p.parent)
    report.layout = folder_layout(p.name, len(names))
    story = parsed.story
    if story is None:
        return report
    report.main_video = main_video(p, story.video, names)
    report.problems.extend(check_story(story, p, report.main_video, duration_of))
    if report.layout == "folder":
        used = {s.file.lower() for s in story.segments.values() if s.file}
        if story.credits is not None and story.credits.file:
            used.add(story.credits.file.lower())
        for n in names:
            if n.lower() not in used and (report.main_video is None or
                                          n != report.main_video.name):
                report.problems.append(Problem(
                    "", f"the video '{n}' in this folder is no segment of the story",
                    "warning"))
    report.story = story
    return report


def check_story(story: Story, path: Path, main: Path | None,
                duration_of: DurationOf | None = None) -> list[Problem]:
    """The checks that need the whole story: the graph, the files and the times."""
    problems = graph_problems(story)
    problems += file_problems(story, path, main, duration_of)
    return problems


def graph_problems(story: Story) -> list[Problem]:
    segs = story.segments
    edges = {sid: [t for t in s.targets() if t in segs] for sid, s in segs.items()}
    problems: list[Problem] = []
    reached = _reachable([story.start] if story.start in segs else [], edges)
    for sid in segs:
        if sid not in reached:
            problems.append(Problem(f"segments.{sid}", "never reached from the start "
                                                       f"('{story.start}')", "warning"))
    reverse: dict[str, list[str]] = {sid: [] for sid in segs}
    for sid, targets in edges.items():
        for t in targets:
            reverse[t].append(sid)
    ends = [sid for sid, s in segs.items() if s.ending is not None]
    can_end = _reachable(ends, reverse)
    trapped = {sid for sid in segs if sid not in can_end}
    for component in _cycles(trapped, edges):
        first = component[0]
        loop = " → ".join([*component, first])
        problems.append(Problem(f"segments.{first}", f"the segments {loop} loop with no way "
                                                     "out: no ending can be reached from them"))
    if not ends:
        problems.append(Problem("segments", "no segment is an ending: the story never ends"))
    return problems


def _reachable(starts: Iterable[str], edges: Mapping[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        sid = todo.pop()
        if sid in seen:
            continue
        seen.add(sid)
        todo.extend(edges.get(sid, ()))
    return seen


def _cycles(nodes: set[str], edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Strongly connected components within ``nodes`` that hold a cycle (Tarjan, iterative),
    each as a loop in walking order starting from its first id in file order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    order = [n for n in edges if n in nodes]
    for root in order:
        if root in index:
            continue
        work = [(root, iter([t for t in edges[root] if t in nodes]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter([t for t in edges[child] if t in nodes])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp: list[str] = []
                while True:
                    n = stack.pop()
                    on_stack.discard(n)
                    comp.append(n)
                    if n == node:
                        break
                if len(comp) > 1 or node in edges[node]:
                    out.append(_walk_loop(comp, edges, order))
    return out


def _walk_loop(component: list[str], edges: Mapping[str, list[str]],
               order: list[str]) -> list[str]:
    members = set(component)
    first = min(component, key=order.index)
    path = [first]
    while True:
        nxt = next((t for t in edges[path[-1]] if t in members and t not in path), None)
        if nxt is None:
            return path
        path.append(nxt)


def file_problems(story: Story, path: Path, main: Path | None,
                  duration_of: DurationOf | None) -> list[Problem]:
    problems: list[Problem] = []
    durations: dict[Path, int | None] = {}
    missing: set[Path | None] = set()

    def video(where: str, file: str | None) -> Path | None:
        if file is None:
            if main is None:
                if None in missing:
                    return None
                missing.add(None)
                problems.append(Problem(where, "plays the main video, but there is none: name "
                                               'it with "video", name the story file after it, '
                                               'or give this segment a "file"'))
                return None
            target = main
        else:
            if os.path.isabs(file):
                problems.append(Problem(f"{where}.file", "should be a name relative to the "
                                                         "story file's folder"))
                return None
            target = path.parent / file
        if target in missing:
            return None
        if not target.is_file():
            missing.add(target)
            what = f"'{file}'" if file else f"the main video '{target.name}'"
            problems.append(Problem(f"{where}.file" if file else ("video" if story.video
                                                                   else where),
                                    f"{what} is missing (looked in {target.parent})"))
            return None
        if target not in durations:
            durations[target] = duration_of(target) if duration_of is not None else None
        return target

    for sid, seg in story.segments.items():
        where = f"segments.{sid}"
        target = video(where, seg.file)
        if target is not None:
            problems += _time_problems(where, seg, target, durations[target])
    if story.credits is not None:
        target = video("credits", story.credits.file)
        if target is not None:
            dur = durations[target]
            if dur and story.credits.start_ms >= dur:
                problems.append(Problem("credits.start", _past(story.credits.start_ms, target,
                                                               dur)))
            elif dur and story.credits.end_ms is not None and \
                    story.credits.end_ms > dur + END_TOLERANCE_MS:
                problems.append(Problem("credits.end", _past(story.credits.end_ms, target,
                                                             dur)))
    return problems


def _time_problems(where: str, seg: Segment, target: Path, dur: int | None) -> list[Problem]:
    if not dur:
        return []
    out: list[Problem] = []
    if seg.start_ms >= dur:
        out.append(Problem(f"{where}.start", _past(seg.start_ms, target, dur)))
        return out
    if seg.end_ms is not None and seg.end_ms > dur + END_TOLERANCE_MS:
        out.append(Problem(f"{where}.end", _past(seg.end_ms, target, dur)))
    end = min(seg.end_ms if seg.end_ms is not None else dur, dur)
    cp = seg.choice
    if cp is not None:
        if cp.opens_ms >= end:
            out.append(Problem(f"{where}.choice.opens", _past(cp.opens_ms, target, end,
                                                              "the segment's end")))
        elif cp.closes_ms is not None and cp.closes_ms > end + END_TOLERANCE_MS:
            out.append(Problem(f"{where}.choice.closes", _past(cp.closes_ms, target, end,
                                                               "the segment's end")))
    return out


def _past(ms: int, target: Path, end_ms: int, what: str = "") -> str:
    if what:
        return f"{ms / 1000:g} s is past {what} ({end_ms / 1000:.1f} s)"
    return f"{ms / 1000:g} s is past the end of '{target.name}' ({end_ms / 1000:.1f} s)"
