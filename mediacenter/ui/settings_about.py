"""Settings ▸ About: versions, where the catalog is, the privacy promise, and the current
profile's own data (export as JSON; erase the watch history, which needs a grown-up; whether
its viewing counts in household trends)."""

from __future__ import annotations

import platform
import re
from pathlib import Path

import sqlite_utils
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, Signal, qVersion
from PySide6.QtWidgets import QFileDialog, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from mediacenter import __version__
from mediacenter.config import Paths
from mediacenter.db.admin import AdminGrant, NotAllowedError
from mediacenter.db.app_settings import set_shares_household_trends, shares_household_trends
from mediacenter.db.backups import list_backups
from mediacenter.db.profile_data import history_counts, write_profile_export_folder
from mediacenter.db.profiles import ProfileNotFoundError, get_profile
from mediacenter.humanize import format_size, plural, relative_time
from mediacenter.privacy import erase_profile
from mediacenter.ui.admin_gate import AdminGate
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.controls import ConfirmDialog, ToggleSwitch, show_status
from mediacenter.ui.settings_library import button, group_title

PRIVACY_LINE = "Everything stays on this computer: no account, no network."


def describe_backups(backup_dir: Path) -> str:
    """"Last backup 2 hours ago (daily, 1.2 MB); 3 kept in <folder>", or how they come."""
    found = list_backups(backup_dir)
    if not found:
        return ("None yet: the catalog is backed up by itself once a day while it changes "
                f"(into {backup_dir}).")
    last = found[0]
    kinds = sorted(b.kind for b in found if b.taken_at == last.taken_at)  # one copy, two names
    return (f"Last backup {relative_time(last.taken_at.timestamp())} ({', '.join(kinds)}, "
            f"{format_size(last.size)}); {plural(len(found), 'backup')} kept in {backup_dir}")


def _safe_file_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-") or "profile"


class AboutSection(QWidget):
    """Versions and paths, the privacy note, Export my data / Erase my history."""

    history_erased = Signal(int)  # profile id: the shell refreshes Continue watching

    def __init__(self, db: sqlite_utils.Database, paths: Paths,
                 parent: QWidget | None = None, *, gate: AdminGate | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sectionPage")
        self.db = db
        self.paths = paths
        self.gate = gate or AdminGate(db, self)
        self.profile_id: int | None = None
        self.confirm: ConfirmDialog | None = None
        self._vlc_text: str | None = None

        name = QLabel("mediacenter")
        name.setObjectName("aboutName")
        self.version = QLabel(f"Version {__version__}")
        self.version.setObjectName("sectionIntro")
        self.facts = QGridLayout()
        self.facts.setHorizontalSpacing(28)
        self.facts.setVerticalSpacing(10)
        self.fact_labels: dict[str, QLabel] = {}
        for row, key in enumerate(("Catalog", "Backups", "Settings", "libVLC", "Qt", "Python")):
            k = QLabel(key)
            k.setObjectName("fieldLabel")
            v = QLabel()
            v.setObjectName("settingsValue")
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            v.setWordWrap(True)
            self.facts.addWidget(k, row, 0, Qt.AlignmentFlag.AlignTop)
            self.facts.addWidget(v, row, 1)
            self.fact_labels[key] = v
        self.facts.setColumnStretch(1, 1)

        privacy = QLabel(PRIVACY_LINE + " Your library, your profiles and what you watch are "
                         "kept in the catalog file above and nowhere else.")
        privacy.setObjectName("privacyNote")
        privacy.setWordWrap(True)

        self.data_title = group_title("Your data")
        self.data_note = QLabel()
        self.data_note.setObjectName("settingsNote")
        self.data_note.setWordWrap(True)
        self.export_button = button("Export my data…")
        self.erase_button = button("Erase my history…")
        self.export_button.clicked.connect(self.pick_export_file)
        self.erase_button.clicked.connect(self._ask_erase)
        self.trends_toggle = ToggleSwitch(
            "Count what I watch in household trends",
            "The others' Trending row never names who watched; off keeps your viewing out of it")
        self.trends_toggle.setObjectName("formToggle")
        self.trends_toggle.toggled.connect(self._save_trends)
        actions = QHBoxLayout()
        actions.setSpacing(12)
        actions.addWidget(self.export_button)
        actions.addWidget(self.erase_button)
        actions.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("statusOk")
        self.status.setWordWrap(True)
        self.status.hide()

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(14)
        lay.addWidget(name)
        lay.addWidget(self.version)
        lay.addSpacing(10)
        lay.addLayout(self.facts)
        lay.addSpacing(12)
        lay.addWidget(privacy)
        lay.addSpacing(12)
        lay.addWidget(self.data_title)
        lay.addWidget(self.data_note)
        lay.addLayout(actions)
        lay.addWidget(self.trends_toggle)
        lay.addWidget(self.status)
        lay.addStretch(1)

        self.nav = ArrowNavigator(self, [[self.export_button, self.erase_button],
                                         [self.trends_toggle]])

    def set_profile(self, profile_id: int | None) -> None:
        self.profile_id = profile_id
        self.show_status("")
        self.reload()

    def _vlc_version(self) -> str:
        if self._vlc_text is None:
            from mediacenter.playback.vlc_env import libvlc_info

            # try_instance=False: a version question must not start a player (tens of ms).
            info = libvlc_info(try_instance=False)
            if info["loaded"]:
                self._vlc_text = f"{info['version']} (python-vlc {info['python_vlc_version']})"
            else:
                self._vlc_text = f"Not available: {info['error']}"
        return self._vlc_text

    def reload(self) -> None:
        self.fact_labels["Catalog"].setText(str(self.paths.db_path))
        self.fact_labels["Backups"].setText(describe_backups(self.paths.backup_dir))
        self.fact_labels["Settings"].setText(str(self.paths.settings_path))
        self.fact_labels["Qt"].setText(f"{qVersion()} (PySide6 {pyside_version})")
        self.fact_labels["Python"].setText(
            f"{platform.python_version()} on {platform.system()} {platform.machine()}")
        if self.isVisible():
            self.fact_labels["libVLC"].setText(self._vlc_version())
        profile = get_profile(self.db, self.profile_id) if self.profile_id else None
        self.export_button.setEnabled(profile is not None)
        self.erase_button.setEnabled(profile is not None)
        can_manage = self.gate.allowed()
        self.erase_button.setVisible(can_manage)  # never offered to a kids profile
        self.trends_toggle.setEnabled(profile is not None)
        self.trends_toggle.blockSignals(True)
        self.trends_toggle.setChecked(profile is None or shares_household_trends(self.db,
                                                                                 profile.id))
        self.trends_toggle.blockSignals(False)
        if profile is None:
            self.data_title.setText("Your data")
            self.data_note.setText("Choose a profile to export or erase its data.")
            return
        counts = history_counts(self.db, profile.id)
        self.data_title.setText(f"{profile.name}'s data")
        rows, tables = sum(counts.values()), sum(1 for n in counts.values() if n)
        history = (f"{plural(counts.get('watch_sessions', 0), 'viewing')}, "
                   f"{plural(rows, 'record')} in {plural(tables, 'table')}")
        copy = (f"Take a copy of everything stored about {profile.name} (a folder: every "
                "table as JSON and CSV, with a manifest)")
        if can_manage:
            self.data_note.setText(
                f"{copy}, or erase it all: history, ratings, choices and what the "
                f"recommender learned from them ({history}).")
        else:
            self.data_note.setText(f"{copy} ({history}). A grown-up can erase it.")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.fact_labels["libVLC"].setText(self._vlc_version())

    def focus_first(self) -> None:
        if not self.nav.focus_first():
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_status(self, message: str, *, error: bool = False) -> None:
        show_status(self.status, message, error=error)

    # -- export and erase -------------------------------------------------------------------------

    def pick_export_file(self) -> None:
        profile = get_profile(self.db, self.profile_id) if self.profile_id else None
        if profile is None:
            return
        path = QFileDialog.getExistingDirectory(
            self, "Export my data into a folder", str(Path.home()))
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> bool:
        """Export the current profile's data into a new folder inside ``path``; the outcome
        is shown under the buttons."""
        if self.profile_id is None:
            return False
        try:
            written = write_profile_export_folder(self.db, self.profile_id, path)
        except ProfileNotFoundError as exc:
            self.show_status(str(exc), error=True)
            return False
        except OSError as exc:
            self.show_status(f"Could not write {path}: {exc.strerror or exc}", error=True)
            return False
        self.show_status(f"Saved to {written}")
        return True

    def _ask_erase(self) -> None:
        profile = get_profile(self.db, self.profile_id) if self.profile_id else None
        if profile is None:
            return
        self.gate.run(self, lambda grant: self._confirm_erase(profile.id, profile.name, grant))

    def _confirm_erase(self, profile_id: int, name: str, grant: AdminGrant) -> None:
        self.confirm = ConfirmDialog(
            f"Erase everything stored about {name}?",
            f"Continue watching, resume points, the record of everything {name} watched, "
            "ratings, \u201cnot interested\u201d, quality and artwork choices, taste "
            "settings, and what the recommender learned from them are removed; "
            "recommendations start afresh. The profile itself stays. This cannot be undone.",
            "Erase everything", parent=self,
        )
        self.confirm.accepted.connect(lambda: self.erase(profile_id, grant))
        self.confirm.open()

    def _save_trends(self, shared: bool) -> None:
        if self.profile_id is not None:
            set_shares_household_trends(self.db, self.profile_id, shared)

    def erase(self, profile_id: int, grant: AdminGrant) -> None:
        try:
            removed = erase_profile(self.db, grant, profile_id)
        except (ProfileNotFoundError, NotAllowedError) as exc:
            self.show_status(str(exc), error=True)
            return
        self.reload()
        self.show_status(
            f"Erased: {plural(removed.get('watch_sessions', 0), 'viewing')} and "
            f"{plural(sum(removed.values()), 'record')} in all removed.")
        self.erase_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.history_erased.emit(profile_id)
