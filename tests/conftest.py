"""Shared pytest fixtures: isolated app home, offscreen Qt, synthetic media clips."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clips import CONTAINER_BY_SUFFIX, broken_files, ffmpeg_available, make_clip

# Qt must never try to open a real display in tests (CI has none); set before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_mediacenter_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Every test gets its own empty MEDIACENTER_HOME, so nothing touches a real catalog.

    It lives outside the test's ``tmp_path`` so tests that list ``tmp_path`` see only their files.
    """
    home = tmp_path_factory.mktemp("mc-home")
    monkeypatch.setenv("MEDIACENTER_HOME", str(home))
    yield home


class ClipFactory:
    """Session cache of :func:`tests.clips.make_clip` outputs, keyed by the arguments.

    ``factory(dest, **make_clip_kwargs)`` encodes a clip once per session and *copies* it to
    ``dest`` (a copy, not a hardlink, so a test that rewrites its file cannot corrupt the cache;
    pass ``link=True`` to hardlink instead). ``factory(None, suffix=".mkv", **kw)`` returns the
    cached file itself: read-only use only (handy in module-scoped fixtures).
    """

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.encoded = 0  # how many clips were actually encoded (tests of the cache use it)

    def __call__(
        self,
        dest: str | os.PathLike[str] | None = None,
        /,
        *,
        suffix: str | None = None,
        link: bool = False,
        **kwargs: Any,
    ) -> Path:
        if not ffmpeg_available():
            pytest.skip("ffmpeg is not installed")
        dest_path = Path(dest) if dest is not None else None
        if suffix is None:
            suffix = dest_path.suffix.lower() if dest_path is not None else ".mp4"
        if kwargs.get("container") is None and suffix not in CONTAINER_BY_SUFFIX:
            raise ValueError(f"unknown clip suffix {suffix!r}; pass container=")
        key_src = json.dumps({"suffix": suffix, **kwargs}, sort_keys=True, default=list)
        key = hashlib.sha1(key_src.encode()).hexdigest()[:16]
        cached = self.cache_dir / f"{key}{suffix}"
        if not cached.exists():
            make_clip(cached, **kwargs)  # writes atomically (temp file + rename)
            self.encoded += 1
        if dest_path is None:
            return cached
        dest_path.parent.mkdir(parents=True, exist_ok=True)
        if link:
            dest_path.unlink(missing_ok=True)
            os.link(cached, dest_path)
        else:
            shutil.copyfile(cached, dest_path)
        return dest_path


@pytest.fixture(scope="session")
def clip_factory(tmp_path_factory: pytest.TempPathFactory) -> ClipFactory:
    """Synthetic clips (ffmpeg testsrc2 + sine), cached per session; see :class:`ClipFactory`."""
    return ClipFactory(tmp_path_factory.mktemp("clip-cache"))


@pytest.fixture
def broken_media(tmp_path: Path, clip_factory: ClipFactory) -> dict[str, Path]:
    """Hostile files in ``tmp_path / "broken"``: see :func:`tests.clips.broken_files`."""
    good = clip_factory(None, suffix=".mp4", duration_s=1.0, size=(160, 120))
    return broken_files(tmp_path / "broken", good_clip=good)
