"""What changed in the catalog, told to every screen that cares (Anki's ``OpChanges``).

After a write, whoever made it (a screen, the scan controller, the background jobs) calls
:meth:`CatalogEvents.notify` with a :class:`Changes`; every screen subscribes to
:attr:`CatalogEvents.changed` once and decides for itself whether to refresh (the home page
rebuilds on history, feedback, titles or a new model; the library list on titles; Settings on
folders and profiles). Nobody calls another screen's refresh by hand. UI thread only.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import QObject, Signal


@dataclass(frozen=True)
class Changes:
    """Kinds of data a write touched. ``source`` is the object that wrote (a screen may
    ignore its own change); ``profile_id`` whose history or feedback changed, None for all."""

    titles: bool = False  # titles, files, versions, availability (scans, folders)
    history: bool = False  # watch state: played, marked watched, erased
    feedback: bool = False  # thumbs, "not interested", imported ratings
    profiles: bool = False  # profiles added, edited, deleted, kids limits
    roots: bool = False  # library folders added, removed, reachable again
    settings: bool = False  # app settings (playback preferences)
    artwork: bool = False  # new artwork generated
    segments: bool = False  # intros, credits or seek thumbnails found for some files
    model: bool = False  # the recommender's model retrained
    backup: bool = False  # a backup of the catalog was taken
    profile_id: int | None = None
    source: object | None = None

    def any(self, *kinds: str) -> bool:
        """Whether any of ``kinds`` (field names) changed."""
        return any(getattr(self, k) for k in kinds)

    def __str__(self) -> str:
        kinds = [f.name for f in fields(self) if f.type == "bool" and getattr(self, f.name)]
        return "Changes(" + ", ".join(kinds) + ")"


class CatalogEvents(QObject):
    """The window's one channel of change events; screens connect to :attr:`changed`."""

    changed = Signal(object)  # Changes

    def notify(self, changes: Changes) -> None:
        self.changed.emit(changes)
