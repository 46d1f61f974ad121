"""Settings ▸ Playback: the current profile's languages, intro skipping, previews and spoilers,
and the app-wide playback choices.

Changes are saved the moment they are made (no Save button to forget): languages on the profile
(:func:`~mediacenter.db.admin.set_languages`: the profile's own, no grown-up needed), intro
skipping, previews and spoilers in the profile's ``app_settings``; the choices every profile
shares (resume, the next episode, Up Next) through
:func:`~mediacenter.db.admin.set_household_playback`, which needs a grown-up (the window's
:class:`~mediacenter.ui.admin_gate.AdminGate`, its PIN where the household has one): a kids
profile sees them, greyed, with who can change them.
"""

from __future__ import annotations

import sqlite_utils
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db import app_settings
from mediacenter.db.admin import AdminGrant, NotAllowedError, set_household_playback, set_languages
from mediacenter.db.profiles import get_profile
from mediacenter.ui.admin_gate import AdminGate
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.choices import RESUME_CHOICES, UPNEXT_CHOICES
from mediacenter.ui.controls import ChevronCombo, ToggleSwitch
from mediacenter.ui.profile_dialog import language_combo, select_data
from mediacenter.ui.settings_library import group_title, section_header


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldLabel")
    return label


class PlaybackSection(QWidget):
    """Per-profile audio/subtitle languages and intro skipping; resume, autoplay and Up Next
    for everyone."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None, *,
                 gate: AdminGate | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sectionPage")
        self.db = db
        self.gate = gate or AdminGate(db, self)
        self.profile_id: int | None = None
        self._loading = False

        self.profile_title = group_title("Languages")
        self.profile_note = QLabel()
        self.profile_note.setObjectName("settingsNote")
        self.profile_note.setWordWrap(True)
        self.audio_combo = language_combo("As the file says")
        self.subtitle_combo = language_combo("Off")
        self.skip_intros_toggle = ToggleSwitch(
            "Skip intros automatically", "Recaps too, where they were found")
        self.skip_intros_toggle.setObjectName("formToggle")
        self.skip_intros_toggle.toggled.connect(self._save_skip_intros)
        self.previews_toggle = ToggleSwitch(
            "Play previews on the home screen", "Silent; M turns the sound on")
        self.spoilers_toggle = ToggleSwitch(
            "Hide descriptions of episodes you haven't reached", "No spoilers")
        for t in (self.previews_toggle, self.spoilers_toggle):
            t.setObjectName("formToggle")
            t.toggled.connect(self._save_previews)
        self.audio_combo.currentIndexChanged.connect(self._save_languages)
        self.subtitle_combo.currentIndexChanged.connect(self._save_languages)

        self.resume_combo = ChevronCombo()
        for value, text in RESUME_CHOICES:
            self.resume_combo.addItem(text, value)
        self.resume_combo.currentIndexChanged.connect(self._save_app)
        self.autoplay_toggle = ToggleSwitch(
            "Play the next episode automatically", "After the Up Next countdown")
        self.autoplay_toggle.setObjectName("formToggle")
        self.autoplay_toggle.toggled.connect(self._save_app)
        self.upnext_combo = ChevronCombo()
        for seconds in UPNEXT_CHOICES:
            self.upnext_combo.addItem(
                "Start at once" if seconds == 0 else f"{seconds} seconds", seconds)
        self.upnext_combo.currentIndexChanged.connect(self._save_app)
        self.household_note = QLabel("Only a grown-up's profile can change these.")
        self.household_note.setObjectName("settingsNote")
        self.household_note.setWordWrap(True)
        self.household_note.hide()
        self.error = QLabel()
        self.error.setObjectName("statusError")
        self.error.setWordWrap(True)
        self.error.hide()

        # One grid for both groups, so every field starts at the same x: the fields' column is
        # as wide as its widest field (and no narrower than 420 px), every combo fills it, and
        # combos are indented like the switch's track (its focus ring needs that room).
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(14)
        grid.setColumnMinimumWidth(1, 420 + ToggleSwitch.TRACK_INSET)
        for combo in (self.audio_combo, self.subtitle_combo, self.resume_combo,
                      self.upnext_combo):
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        def field(w: QWidget) -> QHBoxLayout:
            box = QHBoxLayout()
            box.setContentsMargins(
                0 if isinstance(w, ToggleSwitch) else ToggleSwitch.TRACK_INSET, 0, 0, 0)
            box.addWidget(w)
            return box

        grid.addWidget(self.profile_title, 0, 0, 1, 3)
        grid.addWidget(self.profile_note, 1, 0, 1, 3)
        grid.addWidget(_label("Audio language"), 2, 0)
        grid.addLayout(field(self.audio_combo), 2, 1)
        grid.addWidget(_label("Subtitles"), 3, 0)
        grid.addLayout(field(self.subtitle_combo), 3, 1)
        grid.addWidget(_label("Intros"), 4, 0)
        grid.addLayout(field(self.skip_intros_toggle), 4, 1)
        grid.addWidget(_label("Previews"), 5, 0)
        grid.addLayout(field(self.previews_toggle), 5, 1)
        grid.addWidget(_label("Spoilers"), 6, 0)
        grid.addLayout(field(self.spoilers_toggle), 6, 1)
        grid.setRowMinimumHeight(7, 30)
        grid.addWidget(group_title("For everyone on this computer"), 8, 0, 1, 3)
        grid.addWidget(self.household_note, 9, 0, 1, 3)
        grid.addWidget(_label("Resume"), 10, 0)
        grid.addLayout(field(self.resume_combo), 10, 1)
        grid.addWidget(_label("Next episode"), 11, 0)
        grid.addLayout(field(self.autoplay_toggle), 11, 1)
        grid.addWidget(_label("Up Next countdown"), 12, 0)
        grid.addLayout(field(self.upnext_combo), 12, 1)
        grid.setColumnStretch(2, 1)  # the room to the right, not the fields

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(16)
        lay.addLayout(section_header(
            "Playback", "How videos start and which languages they play in. Changes are saved "
            "as you make them."))
        lay.addSpacing(10)
        lay.addLayout(grid)
        lay.addWidget(self.error)
        lay.addStretch(1)

        self.nav = ArrowNavigator(self, [
            [self.audio_combo], [self.subtitle_combo], [self.skip_intros_toggle],
            [self.previews_toggle], [self.spoilers_toggle], [self.resume_combo],
            [self.autoplay_toggle], [self.upnext_combo],
        ])

    def set_profile(self, profile_id: int | None) -> None:
        self.profile_id = profile_id
        self.gate.set_actor(profile_id)  # the window's gate already knows: no grant lost
        self.reload()

    def reload(self) -> None:
        self._loading = True
        try:
            profile = get_profile(self.db, self.profile_id) if self.profile_id else None
            has = profile is not None
            self.audio_combo.setEnabled(has)
            self.subtitle_combo.setEnabled(has)
            self.skip_intros_toggle.setEnabled(has)
            self.skip_intros_toggle.setChecked(
                has and app_settings.skips_intros(self.db, self.profile_id or 0))
            for t in (self.previews_toggle, self.spoilers_toggle):
                t.setEnabled(has)
            self.previews_toggle.setChecked(
                has and app_settings.autoplay_previews(self.db, self.profile_id or 0))
            self.spoilers_toggle.setChecked(
                has and app_settings.hides_spoilers(self.db, self.profile_id or 0))
            if profile is None:
                self.profile_title.setText("Languages")
                self.profile_note.setText("Choose a profile to set its languages.")
                select_data(self.audio_combo, None)
                select_data(self.subtitle_combo, None)
            else:
                self.profile_title.setText(f"For {profile.name}")
                self.profile_note.setText(
                    "Languages are used when a video has several audio or subtitle tracks.")
                select_data(self.audio_combo, profile.audio_language)
                select_data(self.subtitle_combo, profile.subtitle_language)
            select_data(self.resume_combo, app_settings.resume_mode(self.db))
            autoplay = app_settings.autoplay_next(self.db)
            self.autoplay_toggle.setChecked(autoplay)
            seconds = app_settings.upnext_seconds(self.db)
            i = self.upnext_combo.findData(seconds)
            if i < 0:
                self.upnext_combo.addItem(f"{seconds} seconds", seconds)
                i = self.upnext_combo.count() - 1
            self.upnext_combo.setCurrentIndex(i)
            grownup = self.gate.allowed()
            self.household_note.setVisible(not grownup)
            self.resume_combo.setEnabled(grownup)
            self.autoplay_toggle.setEnabled(grownup)
            self.upnext_combo.setEnabled(grownup and autoplay)
        finally:
            self._loading = False

    def focus_first(self) -> None:
        self.nav.focus_first()

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _save_languages(self) -> None:
        if self._loading or self.profile_id is None:
            return
        try:
            set_languages(self.db, self.profile_id,
                          audio=self.audio_combo.currentData() or None,
                          subtitles=self.subtitle_combo.currentData() or None)
        except ValueError as exc:  # deleted meanwhile, or an odd stored code
            self._show_error(str(exc))
            return
        self._show_error("")

    def _save_previews(self) -> None:
        if self._loading or self.profile_id is None:
            return
        app_settings.set_autoplay_previews(self.db, self.profile_id,
                                           self.previews_toggle.isChecked())
        app_settings.set_hides_spoilers(self.db, self.profile_id,
                                        self.spoilers_toggle.isChecked())

    def _save_skip_intros(self, enabled: bool) -> None:
        if self._loading or self.profile_id is None:
            return
        app_settings.set_skips_intros(self.db, self.profile_id, enabled)

    def _save_app(self) -> None:
        if self._loading:
            return
        resume = self.resume_combo.currentData()
        autoplay = self.autoplay_toggle.isChecked()
        seconds = int(self.upnext_combo.currentData())
        done = False

        def save(grant: AdminGrant) -> None:
            nonlocal done
            done = True
            try:
                set_household_playback(self.db, grant, resume=resume, autoplay_next=autoplay,
                                       upnext_seconds=seconds)
            except (NotAllowedError, ValueError) as exc:
                self._show_error(str(exc))
            else:
                self._show_error("")
            self.reload()

        # Saved at once with a grown-up's permission, after the PIN pad where one is asked;
        # refused (a kids profile) or given up (Esc on the pad): the stored choices come back.
        self.gate.run(self, save)
        dialog = self.gate.dialog
        if done:
            return
        if dialog is not None:
            dialog.rejected.connect(self.reload)
        else:
            self.reload()
