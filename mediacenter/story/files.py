"""Which files make an interactive title: story file names, and the videos a story plays.

Two layouts (names only here; nothing is read):

* ``<stem>.story.json`` beside ``<stem>.<video>``, or ``story.json`` in a folder holding one
  video: the story plays time ranges of that video (layout ``video``);
* ``story.json`` in a folder holding several videos: they are the story's segments (layout
  ``folder``); the title is named after the folder, and its files are the parts of one version
  in name order, which is also how the title plays when its story is broken.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Final, Literal

STORY_SUFFIX: Final = ".story.json"
FOLDER_STORY: Final = "story.json"
Layout = Literal["video", "folder"]


def is_story_name(name: str) -> bool:
    """Whether a file name is a story file's (``story.json`` or ``*.story.json``)."""
    low = name.lower()
    return low == FOLDER_STORY or (low.endswith(STORY_SUFFIX) and len(low) > len(STORY_SUFFIX))


def _by_lower(names: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for n in sorted(names):  # stable choice when a case-sensitive file system holds both
        out.setdefault(n.lower(), n)
    return out


def story_beside(video_name: str, names_in_dir: Collection[str]) -> str | None:
    """``<stem>.story.json`` for ``video_name`` in the folder's names (any case), else None."""
    stem = video_name.rsplit(".", 1)[0] if "." in video_name[1:] else video_name
    want = stem + STORY_SUFFIX
    return want if want in names_in_dir else _by_lower(names_in_dir).get(want.lower())


def folder_story(names_in_dir: Collection[str]) -> str | None:
    """The folder's ``story.json`` (any case), else None."""
    return FOLDER_STORY if FOLDER_STORY in names_in_dir else \
        _by_lower(names_in_dir).get(FOLDER_STORY)


def folder_layout(story_name: str, video_count: int) -> Layout:
    """``folder`` for a folder's ``story.json`` among several videos, else ``video``."""
    return "folder" if story_name.lower() == FOLDER_STORY and video_count > 1 else "video"


def main_video(story_path: Path, named: str | None,
               videos_in_dir: Collection[str]) -> Path | None:
    """The video whose time ranges the story plays: the one the file ``named`` (``"video"``),
    else the video the story file is named after, else the folder's only video."""
    folder = story_path.parent
    if named:
        return folder / named
    name = story_path.name
    if name.lower().endswith(STORY_SUFFIX) and name.lower() != FOLDER_STORY:
        stem = name[: -len(STORY_SUFFIX)].lower()
        for v in sorted(videos_in_dir):
            if os.path.splitext(v)[0].lower() == stem:
                return folder / v
        return None
    return folder / next(iter(videos_in_dir)) if len(videos_in_dir) == 1 else None
