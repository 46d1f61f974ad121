"""Where mediacenter keeps its files, and its typed settings.

Paths come from platformdirs (per-user, per-platform). ``MEDIACENTER_HOME`` (or the CLI's
``--home``) puts everything under one folder instead, so tests and benchmarks never touch a
user's real catalog.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs

from mediacenter.private_files import make_private_dir, secure_dirs

APP_NAME = "mediacenter"
HOME_ENV = "MEDIACENTER_HOME"
SETTINGS_VERSION = 1


@dataclass(frozen=True)
class Paths:
    """The folders the app writes to. Created on first use by :func:`ensure`."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @property
    def db_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def settings_path(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def demo_dir(self) -> Path:
        return self.data_dir / "demo-library"

    def ensure(self) -> Paths:
        """Create the folders, readable by the user alone (see :mod:`mediacenter.private_files`;
        what older versions left open to others is closed the first time)."""
        dirs = (self.config_dir, self.data_dir, self.cache_dir, self.backup_dir)
        for d in dirs:
            make_private_dir(d)
        secure_dirs(dirs)
        return self


def videos_folder() -> Path:
    """Where a folder picker starts: the user's Videos folder (XDG, Windows, macOS), else
    their home folder."""
    try:
        videos = Path(platformdirs.user_videos_dir())
    except Exception:  # an odd platform setup: the home folder is a fine start
        videos = Path.home()
    return videos if videos.is_dir() else Path.home()


def app_paths(home: str | os.PathLike[str] | None = None) -> Paths:
    """The app's folders: explicit ``home``, else ``$MEDIACENTER_HOME``, else platformdirs."""
    home = home or os.environ.get(HOME_ENV) or None
    if home:
        root = Path(home).expanduser().resolve()
        return Paths(root / "config", root / "data", root / "cache")
    return Paths(
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )


@dataclass
class Settings:
    """User settings persisted as JSON; unknown keys from a newer version are kept, not lost."""

    version: int = SETTINGS_VERSION
    probe_workers: int = 2
    probe_timeout_s: float = 10.0
    watch_library: bool = True
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError):
            # A damaged settings file must not stop the app; defaults are safe.
            return cls()
        if not isinstance(raw, dict):
            return cls()
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        kwargs = {k: v for k, v in raw.items() if k in known}
        extra = {k: v for k, v in raw.items() if k not in known}
        try:
            return cls(**kwargs, extra=extra)
        except TypeError:
            return cls()

    def save(self, path: Path) -> None:
        data = asdict(self)
        extra = data.pop("extra")
        data.update(extra)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
