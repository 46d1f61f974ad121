"""Adding and editing a profile: name, colour, avatar, kids limit, PIN, languages, delete.

Everything is one dialog with pages, so a remote never has to juggle stacked modal windows:
the grown-up's PIN (managing profiles needs one where the household has one:
:mod:`mediacenter.db.admin`), the form, and the "choose a new PIN" pad. Changes are saved
together with :func:`mediacenter.db.admin.edit_profile` (all or nothing), and every
``ValueError`` from the catalog is shown under the form as written there.
"""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db import admin
from mediacenter.db.admin import AdminGrant, NotAllowedError
from mediacenter.db.profiles import (
    MAX_NAME_LENGTH,
    LastProfileError,
    PinThrottle,
    ProfileNotFoundError,
    count_profiles,
    get_profile,
)
from mediacenter.tasks import TaskRunner
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.avatar import (
    ACCENT,
    FOCUS_RING,
    AvatarWidget,
    avatar_color,
    avatar_glyph,
    paint_avatar,
)
from mediacenter.ui.choices import (
    AVATAR_COLORS,
    AVATAR_SYMBOLS,
    DEFAULT_KIDS_RATING,
    LANGUAGES,
    RATING_SCALES,
)
from mediacenter.ui.controls import ChevronCombo, ConfirmDialog, ToggleSwitch
from mediacenter.ui.pin_pad import PinPad


class SwatchButton(QAbstractButton):
    """A round colour choice; a check mark when chosen, a white ring when focused."""

    def __init__(self, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = color
        self.setCheckable(True)
        self.setFixedSize(52, 52)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(f"Colour {color}")

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect())
        if self.hasFocus():
            p.setPen(QPen(FOCUS_RING, 3))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(r.adjusted(2, 2, -2, -2))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(self.color))
        p.drawEllipse(r.adjusted(8, 8, -8, -8))
        if self.isChecked():
            pen = QPen(QColor("#ffffff"), 3.5)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            c = r.center()
            p.drawPolyline([c + QRectF(-8, 0, 0, 0).topLeft(), c + QRectF(-2, 6, 0, 0).topLeft(),
                            c + QRectF(9, -6, 0, 0).topLeft()])
        p.end()


class GlyphButton(QAbstractButton):
    """An avatar choice drawn in the current colour; a red ring when chosen, white when focused."""

    def __init__(self, glyph: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.glyph = glyph
        self.shown = glyph
        self.color = QColor(AVATAR_COLORS[0])
        self.setCheckable(True)
        self.setFixedSize(60, 60)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(f"Avatar {glyph}" if glyph else "Avatar: first letter")

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect())
        paint_avatar(p, r.adjusted(7, 7, -7, -7), self.color, self.shown, radius=7)
        if self.isChecked():
            p.setPen(QPen(ACCENT, 3))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(4, 4, -4, -4), 9, 9)
        if self.hasFocus():
            p.setPen(QPen(FOCUS_RING, 3))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(1.5, 1.5, -1.5, -1.5), 11, 11)
        p.end()


def _field_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldLabel")
    return label


def language_combo(first: str) -> QComboBox:
    """A combobox of common languages after ``first`` (the '' choice: off / as the file says)."""
    combo = ChevronCombo()
    combo.addItem(first, "")
    for code, name in LANGUAGES:
        combo.addItem(f"{name} ({code})", code)
    return combo


def kids_rating_combo() -> QComboBox:
    """The kids limit: the film scale, then the TV scale, each under a heading that cannot be
    chosen (arrow keys step over it)."""
    combo = ChevronCombo()
    model = combo.model()
    assert isinstance(model, QStandardItemModel)  # a QComboBox's own model
    for heading, ratings in RATING_SCALES:
        if combo.count():
            combo.insertSeparator(combo.count())
        combo.addItem(heading)
        item = model.item(combo.count() - 1)
        item.setFlags(item.flags() & ~(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable))
        for value, text in ratings:
            combo.addItem("    " + text, value)
    return combo


def select_data(combo: QComboBox, value: str | None) -> None:
    """Select the item holding ``value``; an unlisted value (a code typed elsewhere, 'pt-BR')
    is added rather than silently replaced by the first item."""
    value = value or ""
    i = combo.findData(value)
    if i < 0:
        combo.addItem(value, value)
        i = combo.count() - 1
    combo.setCurrentIndex(i)


class ProfileDialog(QDialog):
    """Add (``profile_id=None``) or edit a profile. Open with :meth:`open`, never ``exec``.

    ``grant`` is the permission to manage (:func:`mediacenter.db.admin.unlock`); without a
    valid one the dialog first asks the PIN that lets ``actor_id`` (the profile watching, None
    on the "Who's watching?" screen) manage, and emits ``granted`` with what it unlocked.
    Raises NotAllowedError for a kids profile. Emits ``saved(profile_id)`` after a successful
    save (then accepts) and ``deleted(id)`` after a confirmed delete (then accepts). Esc goes
    back from the new-PIN page, otherwise cancels.
    """

    saved = Signal(int)
    deleted = Signal(int)
    granted = Signal(object)  # the AdminGrant unlocked on the PIN page

    def __init__(
        self,
        db: sqlite_utils.Database,
        profile_id: int | None,
        parent: QWidget | None = None,
        *,
        throttle: PinThrottle | None = None,
        grant: AdminGrant | None = None,
        actor_id: int | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("profileDialog")
        self.setModal(True)
        self.db = db
        self.profile_id = profile_id
        self.profile = get_profile(db, profile_id) if profile_id is not None else None
        if profile_id is not None and self.profile is None:
            raise ProfileNotFoundError(f"There is no profile with id {profile_id}")
        self.setWindowTitle("Edit profile" if self.profile else "Add profile")
        self._pin_change = "keep"  # keep | set | remove
        self._new_pin: str | None = None
        self.confirm: ConfirmDialog | None = None

        self.pages = QStackedWidget()
        self.form_page = self._build_form()
        self.pages.addWidget(self.form_page)
        self.unlock_pad: PinPad | None = None
        self.grant = self._usable(grant)
        if self.grant is None:
            rule = admin.access(db, actor_id)
            if not rule.allowed:
                raise NotAllowedError(rule.reason)
            if rule.pin_needed:
                self.unlock_pad = PinPad(db, actor_id, mode="admin", throttle=throttle,
                                         runner=runner)
                self.unlock_pad.unlocked.connect(self._unlocked)
                self.pages.addWidget(self.unlock_pad)
                self.pages.setCurrentWidget(self.unlock_pad)
            else:
                self.grant = admin.unlock(db, actor_id)
        self.new_pin_pad = PinPad(None, None, mode="new")
        self.new_pin_pad.pin_chosen.connect(self._pin_chosen)
        self.pages.addWidget(self.new_pin_pad)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.pages)
        self._load()

    # -- building ---------------------------------------------------------------------------------

    def _build_form(self) -> QWidget:
        page = QWidget()
        page.setObjectName("profileForm")
        heading = QLabel("Edit profile" if self.profile else "Add profile")
        heading.setObjectName("dialogTitle")
        self.preview = AvatarWidget(168)

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("nameEdit")
        self.name_edit.setMaxLength(MAX_NAME_LENGTH + 10)  # longer input gets the real message
        self.name_edit.setPlaceholderText("Name")
        self.name_edit.textChanged.connect(self._update_preview)

        self.color_group = QButtonGroup(self)
        self.swatches = [SwatchButton(c) for c in AVATAR_COLORS]
        swatch_row = self._swatch_row = QHBoxLayout()
        swatch_row.setSpacing(4)
        for b in self.swatches:
            self.color_group.addButton(b)
            swatch_row.addWidget(b)
        swatch_row.addStretch(1)
        self.color_group.buttonToggled.connect(self._update_preview)

        self.glyph_group = QButtonGroup(self)
        self.glyph_buttons = [GlyphButton(g) for g in AVATAR_SYMBOLS]
        glyph_row = QHBoxLayout()
        glyph_row.setSpacing(2)
        for g in self.glyph_buttons:
            self.glyph_group.addButton(g)
            glyph_row.addWidget(g)
        glyph_row.addStretch(1)
        self.glyph_group.buttonToggled.connect(self._update_preview)

        self.kids_toggle = ToggleSwitch("Kids profile", "Only titles rated up to the limit")
        self.kids_toggle.setObjectName("formToggle")
        self.rating_combo = kids_rating_combo()
        self.kids_toggle.toggled.connect(self.rating_combo.setEnabled)
        kids_row = QHBoxLayout()
        kids_row.addWidget(self.kids_toggle)
        kids_row.addSpacing(12)
        kids_row.addWidget(self.rating_combo)
        kids_row.addStretch(1)

        self.pin_status = QLabel()
        self.pin_status.setObjectName("pinStatus")
        self.pin_status.setWordWrap(True)  # two lines rather than clipped beside the buttons
        self.pin_set_button = QPushButton("Set PIN…")
        self.pin_set_button.setObjectName("secondaryButton")
        self.pin_set_button.setAutoDefault(False)
        self.pin_set_button.clicked.connect(self._ask_new_pin)
        self.pin_remove_button = QPushButton("Remove PIN")
        self.pin_remove_button.setObjectName("secondaryButton")
        self.pin_remove_button.setAutoDefault(False)
        self.pin_remove_button.clicked.connect(self._remove_pin)
        pin_row = QHBoxLayout()
        pin_row.addWidget(self.pin_status)
        pin_row.addSpacing(12)
        pin_row.addWidget(self.pin_set_button)
        pin_row.addSpacing(8)
        pin_row.addWidget(self.pin_remove_button)
        pin_row.addStretch(1)

        self.audio_combo = language_combo("As the file says")
        self.subtitle_combo = language_combo("Off")

        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.hide()

        self.delete_button = QPushButton("Delete profile")
        self.delete_button.setObjectName("dangerTextButton")
        self.delete_button.setAutoDefault(False)
        self.delete_button.clicked.connect(self._ask_delete)
        self.delete_button.setVisible(self.profile is not None)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("secondaryButton")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)

        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(14)
        rows: list[tuple[str, QWidget | QLayout]] = [
            ("Name", self.name_edit),
            ("Colour", swatch_row),
            ("Avatar", glyph_row),
            ("Kids", kids_row),
            ("PIN", pin_row),
            ("Audio language", self.audio_combo),
            ("Subtitles", self.subtitle_combo),
        ]
        for r, (label, field) in enumerate(rows):
            grid.addWidget(_field_label(label), r, 0, Qt.AlignmentFlag.AlignVCenter)
            if isinstance(field, QWidget):
                grid.addWidget(field, r, 1)
            else:
                grid.addLayout(field, r, 1)
        grid.setColumnStretch(1, 1)

        top = QHBoxLayout()
        top.setSpacing(40)
        left = QVBoxLayout()
        left.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        left.addStretch(1)
        top.addLayout(left)
        top.addLayout(grid, 1)

        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addSpacing(8)
        buttons.addWidget(self.save_button)

        lay = QVBoxLayout(page)
        lay.setContentsMargins(48, 36, 48, 32)
        lay.setSpacing(22)
        lay.addWidget(heading)
        lay.addLayout(top)
        lay.addWidget(self.error)
        lay.addStretch(1)
        lay.addLayout(buttons)

        self.nav = ArrowNavigator(self, lambda: [
            [self.name_edit],
            self.swatches,
            self.glyph_buttons,
            [self.kids_toggle, self.rating_combo],
            [self.pin_set_button, self.pin_remove_button],
            [self.audio_combo],
            [self.subtitle_combo],
            [self.delete_button, self.cancel_button, self.save_button],
        ])
        return page

    def sizeHint(self) -> QSize:
        return QSize(1080, 700)

    # -- state ------------------------------------------------------------------------------------

    def _load(self) -> None:
        p = self.profile
        if p is None:
            index = count_profiles(self.db) % len(AVATAR_COLORS)
            self.swatches[index].setChecked(True)
            self.glyph_buttons[0].setChecked(True)
            self.rating_combo.setCurrentIndex(self.rating_combo.findData(DEFAULT_KIDS_RATING))
            self.rating_combo.setEnabled(False)
            self._update_pin_row()
            self._update_preview()
            return
        self.name_edit.setText(p.name)
        color = avatar_color(p.id, p.color).name().lower()
        match = [b for b in self.swatches if b.color.lower() == color]
        if match:
            match[0].setChecked(True)
        else:  # a colour set elsewhere keeps working: offer it as a ninth swatch
            extra = SwatchButton(color)
            self.swatches.append(extra)
            self.color_group.addButton(extra)
            self._swatch_row.insertWidget(len(self.swatches) - 1, extra)
            extra.setChecked(True)
        glyphs = [b for b in self.glyph_buttons if b.glyph == (p.avatar or "")]
        (glyphs[0] if glyphs else self.glyph_buttons[0]).setChecked(True)
        self.kids_toggle.setChecked(p.is_kids)
        select_data(self.rating_combo, p.max_rating or DEFAULT_KIDS_RATING)
        self.rating_combo.setEnabled(p.is_kids)
        select_data(self.audio_combo, p.audio_language)
        select_data(self.subtitle_combo, p.subtitle_language)
        self._update_pin_row()
        self._update_preview()

    def chosen_color(self) -> str:
        b = self.color_group.checkedButton()
        return b.color if isinstance(b, SwatchButton) else AVATAR_COLORS[0]

    def chosen_glyph(self) -> str:
        b = self.glyph_group.checkedButton()
        return b.glyph if isinstance(b, GlyphButton) else ""

    def _update_preview(self, *_: object) -> None:
        color = QColor(self.chosen_color())
        initial = avatar_glyph(self.name_edit.text(), None)
        self.preview.set_avatar(color, avatar_glyph(self.name_edit.text(), self.chosen_glyph()))
        for b in self.glyph_buttons:
            b.color = color
            b.shown = b.glyph or initial
            b.update()

    def has_pin_after_save(self) -> bool:
        if self._pin_change == "set":
            return True
        if self._pin_change == "remove":
            return False
        return bool(self.profile and self.profile.has_pin)

    def _update_pin_row(self) -> None:
        if self._pin_change == "set":
            text = "New PIN chosen: saved with the profile"
        elif self.has_pin_after_save():
            text = "This profile is locked with a PIN"
        elif self._pin_change == "remove":
            text = "The PIN will be removed when you save"
        else:
            text = "No PIN: anyone can open this profile"
        self.pin_status.setText(text)
        self.pin_set_button.setText("Change PIN…" if self.has_pin_after_save() else "Set PIN…")
        self.pin_remove_button.setVisible(self.has_pin_after_save())

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    # -- pages ------------------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.pages.currentWidget() is self.unlock_pad and self.unlock_pad is not None:
            self.unlock_pad.focus_keypad()
        elif self.pages.currentWidget() is self.form_page:
            self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _usable(self, grant: AdminGrant | None) -> AdminGrant | None:
        try:
            admin.require(self.db, grant)
        except NotAllowedError:
            return None
        return grant

    def _unlocked(self) -> None:
        assert self.unlock_pad is not None
        self.grant = self.unlock_pad.grant
        self.granted.emit(self.grant)
        self._show_form()

    def _show_form(self) -> None:
        self.pages.setCurrentWidget(self.form_page)
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _ask_new_pin(self) -> None:
        self.pages.setCurrentWidget(self.new_pin_pad)
        self.new_pin_pad.focus_keypad()

    def _pin_chosen(self, pin: str) -> None:
        self._new_pin, self._pin_change = pin, "set"
        self._update_pin_row()
        self.pages.setCurrentWidget(self.form_page)
        self.pin_set_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _remove_pin(self) -> None:
        self._new_pin = None
        self._pin_change = "remove" if self.profile and self.profile.has_pin else "keep"
        self._update_pin_row()
        self.pin_set_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def reject(self) -> None:
        if self.pages.currentWidget() is self.new_pin_pad:
            # Esc on the new-PIN pad goes back to the form, not out of the dialog.
            self.pages.setCurrentWidget(self.form_page)
            self.pin_set_button.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().reject()

    # -- saving and deleting --------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        """The form as keyword arguments of create_profile / edit_profile (name and PIN aside)."""
        kids = self.kids_toggle.isChecked()
        return {
            "is_kids": kids,
            "max_rating": self.rating_combo.currentData() if kids else None,
            "audio_language": self.audio_combo.currentData() or None,
            "subtitle_language": self.subtitle_combo.currentData() or None,
            "avatar": self.chosen_glyph() or None,
            "color": self.chosen_color(),
        }

    def save(self) -> None:
        if self.pages.currentWidget() is not self.form_page:
            return
        values = self.values()
        try:
            if self.grant is None:
                raise NotAllowedError("Enter a grown-up's PIN first")
            if self.profile is None:
                profile = admin.create_profile(
                    self.db, self.grant, self.name_edit.text(),
                    pin=self._new_pin if self._pin_change == "set" else None, **values)
            else:
                if self._pin_change == "set":
                    values["pin"] = self._new_pin
                elif self._pin_change == "remove":
                    values["pin"] = None
                profile = admin.edit_profile(self.db, self.grant, self.profile.id,
                                             name=self.name_edit.text(), **values)
        except ValueError as exc:
            self.show_error(str(exc))
            self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.profile_id = profile.id
        self.show_error("")
        self.saved.emit(profile.id)
        self.accept()

    def _ask_delete(self) -> None:
        if self.profile is None:
            return
        name = self.profile.name
        if count_profiles(self.db) <= 1:
            self.show_error(f"{name} is the only profile and cannot be deleted; "
                            "add another profile first.")
            return
        self.confirm = ConfirmDialog(
            f"Delete {name} and everything {name} watched?",
            f"{name}'s watch history, Continue watching, ratings and settings are removed "
            "from this computer. This cannot be undone.",
            "Delete profile", parent=self,
        )
        self.confirm.accepted.connect(self._delete)
        self.confirm.open()

    def _delete(self) -> None:
        assert self.profile is not None
        try:
            if self.grant is None:
                raise NotAllowedError("Enter a grown-up's PIN first")
            admin.delete_profile(self.db, self.grant, self.profile.id)
        except (LastProfileError, NotAllowedError) as exc:
            self.show_error(str(exc))
            return
        except ProfileNotFoundError:
            pass  # deleted meanwhile (another window): the outcome the person asked for
        self.deleted.emit(self.profile.id)
        self.accept()
