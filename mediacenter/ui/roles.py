"""The item-data roles every list and table model of the app answers, defined once so a view,
a delegate and a test read the same numbers."""

from __future__ import annotations

from PySide6.QtCore import Qt

_USER = Qt.ItemDataRole.UserRole

IdRole = _USER + 1
"""The row's catalog id (a title, a profile, a library folder), an int."""
ReasonRole = _USER + 2
"""Why a title is in a row ("Because you watched Alien"), or a second line of text."""
ProgressRole = _USER + 3
"""How far the profile got (0.0-1.0), for a progress bar under a tile."""
SubtitleRole = _USER + 4
"""What a tile writes under its title (year, runtime, S1:E2)."""
SECOND_LINE_ROLE = _USER + 10
"""A smaller grey line under a table cell."""
AvailabilityRole = _USER + 5
"""Whether the title plays now: "ok", "folder_offline" or "file_missing"
(:mod:`mediacenter.library.availability`)."""
