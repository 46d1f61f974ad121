"""Settings ▸ Profiles: everyone in the household, with add, edit and delete.

Add and edit reuse :class:`~mediacenter.ui.profile_dialog.ProfileDialog`. Every change needs a
grown-up's permission (:class:`~mediacenter.ui.admin_gate.AdminGate`: the PIN where the
household has one); a kids profile is never shown this section. The profile watching now
cannot be deleted from here: the shell would be left showing a profile that no longer exists.
"""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db import admin
from mediacenter.db.admin import AdminGrant, NotAllowedError
from mediacenter.db.profiles import (
    LastProfileError,
    Profile,
    ProfileNotFoundError,
    count_profiles,
    get_profile,
    list_profiles,
)
from mediacenter.tasks import TaskRunner
from mediacenter.ui.admin_gate import AdminGate
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.avatar import avatar_color, avatar_glyph, avatar_pixmap
from mediacenter.ui.choices import language_name
from mediacenter.ui.controls import ConfirmDialog
from mediacenter.ui.list_delegates import ProfileRowDelegate
from mediacenter.ui.pin_pad import shared_throttle
from mediacenter.ui.profile_dialog import ProfileDialog
from mediacenter.ui.roles import IdRole
from mediacenter.ui.settings_library import button, section_header


def describe_profile(p) -> str:
    """'Kids · up to PG · PIN · Audio French' — what sets a profile apart, in one line."""
    parts = []
    if p.is_kids:
        parts.append(f"Kids, up to {p.max_rating}" if p.max_rating else "Kids")
    if p.has_pin:
        parts.append("PIN")
    if p.audio_language:
        parts.append(f"Audio {language_name(p.audio_language)}")
    if p.subtitle_language:
        parts.append(f"Subtitles {language_name(p.subtitle_language)}")
    return " · ".join(parts)


class ProfilesSection(QWidget):
    """The household's profiles; ``profiles_changed`` after any add, edit or delete."""

    profiles_changed = Signal()

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None, *,
                 gate: AdminGate | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sectionPage")
        self.db = db
        self.runner = runner
        self.gate = gate or AdminGate(db, self)
        self.gate.denied.connect(self.show_status)
        self.current_profile_id: int | None = None
        self.dialog: ProfileDialog | None = None
        self.confirm: ConfirmDialog | None = None

        self.model = QStandardItemModel(self)
        self.view = QListView()
        self.view.setObjectName("settingsList")
        self.view.setModel(self.model)
        self.view.setIconSize(QSize(48, 48))
        self.view.setItemDelegate(ProfileRowDelegate(self.view))
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        self.view.activated.connect(lambda _i: self.edit_selected())

        self.add_button = button("Add profile", "primaryButton")
        self.edit_button = button("Edit…")
        self.delete_button = button("Delete…")
        self.add_button.clicked.connect(lambda: self.open_dialog(None))
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self._ask_delete)
        actions = QHBoxLayout()
        actions.setSpacing(12)
        for b in (self.add_button, self.edit_button, self.delete_button):
            actions.addWidget(b)
        actions.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("statusError")
        self.status.setWordWrap(True)
        self.status.hide()

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(16)
        lay.addLayout(section_header(
            "Profiles", "One profile per person: each has its own Continue watching, "
                        "recommendations and languages. Kids profiles only see titles rated "
                        "for them."))
        lay.addSpacing(6)
        lay.addWidget(self.view)
        lay.addLayout(actions)
        lay.addWidget(self.status)
        lay.addStretch(1)

        self.nav = ArrowNavigator(self, [
            [self.view], [self.add_button, self.edit_button, self.delete_button],
        ])

    def set_profile(self, profile_id: int | None) -> None:
        self.current_profile_id = profile_id

    def reload(self, select_id: int | None = None) -> None:
        if select_id is None:
            select_id = self.selected_id() or self.current_profile_id
        self.model.clear()
        for p in list_profiles(self.db):
            extra = describe_profile(p)
            if p.id == self.current_profile_id:
                extra = "Watching now" + (f" · {extra}" if extra else "")
            item = QStandardItem(p.name)
            item.setData(extra, ProfileRowDelegate.SUBTITLE_ROLE)
            item.setIcon(QIcon(avatar_pixmap(48, avatar_color(p.id, p.color),
                                             avatar_glyph(p.name, p.avatar),
                                             device_ratio=self.devicePixelRatioF())))
            item.setData(p.id, IdRole)
            self.model.appendRow(item)
        rows = max(1, min(self.model.rowCount(), 7))
        self.view.setFixedHeight(rows * ProfileRowDelegate.HEIGHT + 16)
        row = next((r for r in range(self.model.rowCount())
                    if self.model.item(r).data(IdRole) == select_id), 0)
        if self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(row, 0))
        has = self.model.rowCount() > 0
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def selected_id(self) -> int | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        value = index.data(IdRole)
        return int(value) if value is not None else None

    def focus_first(self) -> None:
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_status(self, message: str) -> None:
        self.status.setText(message)
        self.status.setVisible(bool(message))

    # -- actions ----------------------------------------------------------------------------------

    def edit_selected(self) -> None:
        pid = self.selected_id()
        if pid is not None:
            self.open_dialog(pid)

    def open_dialog(self, profile_id: int | None) -> ProfileDialog | None:
        try:
            dialog = ProfileDialog(self.db, profile_id, self, throttle=shared_throttle(self.db),
                                   grant=self.gate.current(), actor_id=self.gate.actor_id,
                                   runner=self.runner)
        except ProfileNotFoundError:
            self.reload()
            return None
        except NotAllowedError as exc:
            self.show_status(str(exc))
            return None
        dialog.granted.connect(self.gate.remember)
        dialog.saved.connect(self._after_change)
        dialog.deleted.connect(lambda _pid: self._after_change(None))
        dialog.finished.connect(lambda _r=0: self._closed(dialog))
        self.dialog = dialog
        self.show_status("")
        dialog.resize(dialog.sizeHint())
        dialog.open()
        return dialog

    def _closed(self, dialog: ProfileDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        QTimer.singleShot(0, self._refocus)

    def _refocus(self) -> None:
        # After the dialog, back to the list, in an active window (see ConfirmDialog).
        if self.isVisible():
            self.window().activateWindow()
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _after_change(self, profile_id: int | None) -> None:
        self.reload(select_id=profile_id)
        self.profiles_changed.emit()

    def _ask_delete(self) -> None:
        pid = self.selected_id()
        profile = get_profile(self.db, pid) if pid is not None else None
        if profile is None:
            return
        if count_profiles(self.db) <= 1:
            self.show_status(f"{profile.name} is the only profile and cannot be deleted; "
                             "add another profile first.")
            return
        if profile.id == self.current_profile_id:
            self.show_status(f"{profile.name} is watching now. To delete {profile.name}, "
                             "switch to another profile first.")
            return
        self.show_status("")
        self.gate.run(self, lambda grant: self._confirm_delete(profile, grant))

    def _confirm_delete(self, profile: Profile, grant: AdminGrant) -> None:
        name = profile.name
        self.confirm = ConfirmDialog(
            f"Delete {name} and everything {name} watched?",
            f"{name}'s watch history, Continue watching, ratings and settings are removed "
            "from this computer. This cannot be undone.",
            "Delete profile", parent=self,
        )
        self.confirm.accepted.connect(lambda pid=profile.id: self._delete(pid, grant))
        self.confirm.open()

    def _delete(self, profile_id: int, grant: AdminGrant) -> None:
        try:
            admin.delete_profile(self.db, grant, profile_id)
        except (LastProfileError, NotAllowedError) as exc:
            self.show_status(str(exc))
            return
        except ProfileNotFoundError:
            pass
        self._after_change(None)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
