"""Interactive titles during a scan: which videos have a story file, and what its check says.

The resolver asks :class:`StoryFinder` for each video (names from the walk; each story file is
read and checked once per scan). Probing comes after the import, so the first check cannot
know how long the videos are: :func:`recheck_stories` checks a folder's stories again with the
durations the probe measured (times past the end).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from mediacenter.db.stories import root_stories, set_story_check
from mediacenter.story.check import CheckReport, check_file
from mediacenter.story.files import Layout, folder_layout, folder_story, story_beside


@dataclass(frozen=True)
class StoryRef:
    """A video's story file (relative to the library folder) and what its check found."""

    rel: str
    layout: Layout
    problems: int  # errors: the title plays straight through while there are any
    problem: str | None  # the first one, as `story check` words it


def summary(report: CheckReport) -> tuple[int, str | None]:
    errors = report.errors
    return len(errors), (str(errors[0]) if errors else None)


class StoryFinder:
    """Story files for the videos of one scan, read once each."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._checked: dict[str, StoryRef] = {}

    def find(self, dir_rel: str, video_name: str, names: Collection[str],
             videos: list[str]) -> StoryRef | None:
        """The story of ``video_name`` in folder ``dir_rel`` (``names``: its listing,
        ``videos``: the folder's main videos), or None."""
        beside = story_beside(video_name, names)
        if beside is not None:
            return self._ref(dir_rel, beside, "video", videos)
        shared = folder_story(names)
        if shared is None:
            return None
        return self._ref(dir_rel, shared, folder_layout(shared, len(videos)), videos)

    def _ref(self, dir_rel: str, name: str, layout: Layout, videos: list[str]) -> StoryRef:
        rel = f"{dir_rel}/{name}" if dir_rel else name
        hit = self._checked.get(rel)
        if hit is None:
            report = check_file(os.path.join(self.root, rel), None, videos)
            hit = StoryRef(rel, layout, *summary(report))
            self._checked[rel] = hit
        return hit


def recheck_stories(db: sqlite_utils.Database, root: str, root_id: int) -> int:
    """Check the stories under ``root`` again with the durations probing measured (videos of
    the catalog only); returns how many changed verdict. Call inside a transaction."""
    changed = 0
    for version_id, key, _layout in root_stories(db, root_id):
        path = Path(root) / os.fsdecode(key)
        report = check_file(path, _catalog_durations(db, root, root_id))
        problems, problem = summary(report)
        old = db.conn.execute("SELECT problems, problem FROM stories WHERE version_id = ?",
                              (version_id,)).fetchone()
        if old is None or (old[0], old[1]) != (problems, problem):
            set_story_check(db, version_id, problems, problem)
            changed += 1
    return changed


def _catalog_durations(db: sqlite_utils.Database, root: str,
                       root_id: int) -> Callable[[Path], int | None]:
    from mediacenter.library.writer import path_key  # the writer imports the resolver

    def duration_of(path: Path) -> int | None:
        try:
            rel = os.path.relpath(path, root)
        except ValueError:
            return None
        row = db.conn.execute(
            "SELECT duration_ms FROM files WHERE root_id = ? AND path_key = ?",
            (root_id, path_key(rel.replace(os.sep, "/")))).fetchone()
        return int(row[0]) if row and row[0] else None

    return duration_of
