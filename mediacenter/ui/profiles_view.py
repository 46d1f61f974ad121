"""The "Who's watching?" screen: a tile per profile, add and manage, a private session switch.

Keyboard first: arrows move a white focus ring over the tiles and the buttons under them, Enter
or Space chooses, and focus starts on the profile used last (``app_settings``). A profile with a
PIN opens :class:`~mediacenter.ui.pin_pad.PinDialog` before ``profile_chosen`` is emitted. The
shell listens to ``profile_chosen(profile_id, private)``; in a private session nothing is
recorded, not even which profile was used last.
"""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractButton,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db.app_settings import last_profile_id, set_last_profile_id
from mediacenter.db.profiles import (
    PinThrottle,
    Profile,
    ProfileNotFoundError,
    get_profile,
    list_profiles,
)
from mediacenter.tasks import TaskRunner
from mediacenter.ui.admin_gate import AdminGate
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.avatar import (
    FOCUS_RING,
    avatar_color,
    avatar_glyph,
    paint_avatar,
    paint_lock,
    paint_pencil,
)
from mediacenter.ui.controls import ToggleSwitch
from mediacenter.ui.pin_pad import PinDialog, shared_throttle
from mediacenter.ui.profile_dialog import ProfileDialog

TILES_PER_ROW = 6
_KEEP = object()  # no new focus target after a dialog: back to the tile it opened from
_AVATAR = 168
_TILE_W, _TILE_H = 212, 262


class ProfileTile(QAbstractButton):
    """One profile (or, with ``profile=None``, the "Add profile" tile), painted.

    The avatar grows a white ring and the name turns white when focused; a lock sits beside the
    name of a PIN-protected profile and a "KIDS" badge on a kids profile's avatar. In manage
    mode the avatar is dimmed under a pencil.
    """

    def __init__(self, profile: Profile | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self.edit_mode = False
        self.setObjectName("profileTile" if profile else "addProfileTile")
        self.setFixedSize(_TILE_W, _TILE_H)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setText(profile.name if profile else "Add profile")
        if profile is None:
            self.setAccessibleName("Add profile")
        else:
            extras = [w for w, on in (("kids", profile.is_kids), ("locked with a PIN",
                                                                 profile.has_pin)) if on]
            self.setAccessibleName(profile.name + (f" ({', '.join(extras)})" if extras else ""))

    @property
    def profile_id(self) -> int | None:
        return self.profile.id if self.profile else None

    def set_edit_mode(self, on: bool) -> None:
        self.edit_mode = on
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(_TILE_W, _TILE_H)

    def enterEvent(self, event) -> None:
        # The mouse and the arrows share one highlight: hovering moves the focus ring.
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().enterEvent(event)

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        focused = self.hasFocus()
        box = QRectF((self.width() - _AVATAR) / 2, 12, _AVATAR, _AVATAR)
        if self.profile is None:
            p.setPen(QPen(QColor("#d0d0d0" if focused else "#4a4a4a"), 2))
            p.setBrush(QColor("#262626" if focused else "#1c1c1c"))
            p.drawRoundedRect(box, 16, 16)
            pen = QPen(QColor("#ffffff" if focused else "#8c8c8c"), 8)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            c, arm = box.center(), _AVATAR * 0.2
            p.drawLine(QPointF(c.x() - arm, c.y()), QPointF(c.x() + arm, c.y()))
            p.drawLine(QPointF(c.x(), c.y() - arm), QPointF(c.x(), c.y() + arm))
        else:
            prof = self.profile
            paint_avatar(p, box, avatar_color(prof.id, prof.color),
                         avatar_glyph(prof.name, prof.avatar), radius=16, dim=self.edit_mode)
            if self.edit_mode:
                ring = QRectF(0, 0, 64, 64)
                ring.moveCenter(box.center())
                p.setPen(QPen(QColor("#ffffff"), 3))
                p.setBrush(QColor(0, 0, 0, 90))
                p.drawEllipse(ring)
                pencil = QRectF(0, 0, 32, 32)
                pencil.moveCenter(box.center())
                paint_pencil(p, pencil, QColor("#ffffff"))
            if prof.is_kids:
                self._paint_badge(p, box)
        if focused:
            p.setPen(QPen(FOCUS_RING, 4))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(box.adjusted(-7, -7, 7, 7), 21, 21)
        self._paint_name(p, box, focused)
        p.end()

    def _paint_badge(self, p: QPainter, box: QRectF) -> None:
        font = QFont(self.font())
        font.setPixelSize(14)
        font.setWeight(QFont.Weight.Black)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 1.5)
        fm = QFontMetrics(font)
        w, h = fm.horizontalAdvance("KIDS") + 22, 24
        pill = QRectF(box.center().x() - w / 2, box.bottom() - h - 10, w, h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#ffffff"))
        p.drawRoundedRect(pill, h / 2, h / 2)
        p.setFont(font)
        p.setPen(QColor("#141414"))
        p.drawText(pill, Qt.AlignmentFlag.AlignCenter, "KIDS")

    def _paint_name(self, p: QPainter, box: QRectF, focused: bool) -> None:
        font = QFont(self.font())
        font.setPixelSize(22)
        if focused:
            font.setWeight(QFont.Weight.DemiBold)
        fm = QFontMetrics(font)
        lock_w = 26 if self.profile is not None and self.profile.has_pin else 0
        room = self.width() - 8 - lock_w
        text = fm.elidedText(self.text(), Qt.TextElideMode.ElideRight, int(room))
        text_w = fm.horizontalAdvance(text)
        x = (self.width() - text_w - lock_w) / 2
        y = box.bottom() + 22
        p.setFont(font)
        p.setPen(QColor("#ffffff" if focused else "#a3a3a3"))
        p.drawText(QRectF(x, y, text_w + 2, fm.height()),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        if lock_w:
            lock = QRectF(x + text_w + 9, y + (fm.height() - 19) / 2, 16, 19)
            paint_lock(p, lock, QColor("#ffffff" if focused else "#a3a3a3"))


class ProfilesView(QWidget):
    """"Who's watching?": choose, add or manage profiles. See the module docstring."""

    profile_chosen = Signal(int, bool)  # profile id, private session

    def __init__(
        self, db: sqlite_utils.Database, parent: QWidget | None = None, *,
        throttle: PinThrottle | None = None, runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("profilesView")
        self.db = db
        self.runner = runner
        self.throttle = throttle or shared_throttle(db)
        # Nobody is chosen here: managing asks a grown-up's PIN where the household has one.
        self.gate = AdminGate(db, self, throttle=self.throttle)
        self.edit_mode = False
        self.tiles: list[ProfileTile] = []
        self.pin_dialog: PinDialog | None = None
        self.profile_dialog: ProfileDialog | None = None
        self._loaded = False
        self._refocus: object = _KEEP
        self._focus_target: int | None = None

        self.heading = QLabel("Who's watching?")
        self.heading.setObjectName("profilesHeading")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subheading = QLabel(" ")
        self.subheading.setObjectName("profilesSubheading")
        self.subheading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(28)
        self.grid.setVerticalSpacing(28)
        grid_box = QHBoxLayout()
        grid_box.addStretch(1)
        grid_box.addLayout(self.grid)
        grid_box.addStretch(1)

        self.manage_button = QPushButton("Manage profiles")
        self.manage_button.setObjectName("manageButton")
        self.manage_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.manage_button.clicked.connect(self.toggle_edit_mode)
        self.private_toggle = ToggleSwitch("Private session", "Nothing you watch is recorded")
        self.private_toggle.setObjectName("privateToggle")
        buttons = QHBoxLayout()
        buttons.setSpacing(40)
        buttons.addStretch(1)
        buttons.addWidget(self.manage_button)
        buttons.addWidget(self.private_toggle)
        buttons.addStretch(1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 40, 60, 40)
        lay.addStretch(3)
        lay.addWidget(self.heading)
        lay.addSpacing(8)
        lay.addWidget(self.subheading)
        lay.addSpacing(40)
        lay.addLayout(grid_box)
        lay.addSpacing(56)
        lay.addLayout(buttons)
        lay.addStretch(4)

        self.nav = ArrowNavigator(self, self._nav_rows)
        self.reload()

    # -- content ----------------------------------------------------------------------------------

    def _nav_rows(self) -> list[list[QWidget]]:
        rows: list[list[QWidget]] = [
            list(self.tiles[i:i + TILES_PER_ROW]) for i in range(0, len(self.tiles), TILES_PER_ROW)
        ]
        rows.append([self.manage_button, self.private_toggle])
        return rows

    def reload(self) -> None:
        """Rebuild the tiles from the catalog, keeping the focused profile if it still exists."""
        focused = next((t.profile_id for t in self.tiles if t.hasFocus()), None)
        had_focus = any(t.hasFocus() for t in self.tiles)
        for t in self.tiles:
            self.grid.removeWidget(t)
            t.hide()
            t.deleteLater()
        self.tiles = [ProfileTile(p) for p in list_profiles(self.db)]
        self.tiles.append(ProfileTile(None))
        for i, tile in enumerate(self.tiles):
            tile.set_edit_mode(self.edit_mode and tile.profile is not None)
            tile.clicked.connect(lambda _=False, t=tile: self._tile_activated(t))
            self.grid.addWidget(tile, i // TILES_PER_ROW, i % TILES_PER_ROW)
        self.nav.refresh()
        self.manage_button.setVisible(len(self.tiles) > 1)
        self._update_texts()
        self._loaded = True
        if had_focus:
            self.focus_profile(focused)

    def _update_texts(self) -> None:
        if self.edit_mode:
            self.heading.setText("Manage profiles")
            self.subheading.setText("Choose a profile to change it")
            self.manage_button.setText("Done")
        else:
            self.heading.setText("Who's watching?")
            self.subheading.setText(
                " " if len(self.tiles) > 1 else "Add a profile for each person who watches"
            )
            self.manage_button.setText("Manage profiles")

    def tile_for(self, profile_id: int | None) -> ProfileTile | None:
        """The tile of a profile (``None``: the "Add profile" tile)."""
        return next((t for t in self.tiles if t.profile_id == profile_id), None)

    def focus_profile(self, profile_id: int | None) -> None:
        """Focus that profile's tile (``None``: the Add tile), else the first tile."""
        tile = self.tile_for(profile_id) or (self.tiles[0] if self.tiles else None)
        if tile is not None:
            tile.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_default(self) -> None:
        """Focus the profile used last, or the first one."""
        last = last_profile_id(self.db)
        tile = (self.tile_for(last) if last is not None else None) or (
            self.tiles[0] if self.tiles else None)
        if tile is not None:
            tile.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.reload()
        # After the show has been processed, or the window's own focus handling wins.
        QTimer.singleShot(0, self.focus_default)

    # -- actions ----------------------------------------------------------------------------------

    def toggle_edit_mode(self) -> None:
        self.edit_mode = not self.edit_mode
        if not self.edit_mode:
            self.gate.forget()  # "Done": the next person to manage is asked again
        for t in self.tiles:
            t.set_edit_mode(self.edit_mode and t.profile is not None)
        self._update_texts()

    def _tile_activated(self, tile: ProfileTile) -> None:
        if tile.profile is None:
            self.open_profile_dialog(None)
        elif self.edit_mode:
            self.open_profile_dialog(tile.profile.id)
        else:
            self.choose(tile.profile.id)

    def choose(self, profile_id: int) -> None:
        """Choose a profile: straight away, or after its PIN."""
        profile = get_profile(self.db, profile_id)
        if profile is None:  # deleted from another window meanwhile
            self.reload()
            self.focus_default()
            return
        if not profile.has_pin:
            self._chosen(profile_id)
            return
        dialog = PinDialog(self.db, profile_id, throttle=self.throttle, runner=self.runner,
                           parent=self)
        dialog.accepted.connect(lambda: self._chosen(profile_id))
        dialog.finished.connect(lambda _=0: self._dialog_closed(dialog, profile_id))
        self.pin_dialog = dialog
        dialog.open()

    def _chosen(self, profile_id: int) -> None:
        self.gate.forget()
        private = self.private_toggle.isChecked()
        if not private:
            set_last_profile_id(self.db, profile_id)
        self.private_toggle.setChecked(False)  # it applies to this choice only
        self.profile_chosen.emit(profile_id, private)

    def open_profile_dialog(self, profile_id: int | None) -> ProfileDialog | None:
        """Open the add (``None``) or edit dialog; the tiles follow what it saved."""
        try:
            dialog = ProfileDialog(self.db, profile_id, self, throttle=self.throttle,
                                   grant=self.gate.current(), actor_id=None,
                                   runner=self.runner)
        except ProfileNotFoundError:  # deleted from another window meanwhile
            self.reload()
            self.focus_default()
            return None
        dialog.granted.connect(self.gate.remember)
        dialog.saved.connect(self._after_save)
        dialog.deleted.connect(lambda _id: self._after_delete())
        dialog.finished.connect(lambda _=0: self._dialog_closed(dialog, profile_id))
        self.profile_dialog = dialog
        dialog.resize(dialog.sizeHint())
        dialog.open()
        return dialog

    def _after_save(self, profile_id: int) -> None:
        self.reload()
        self._refocus = profile_id

    def _after_delete(self) -> None:
        self.reload()
        self._refocus = None if len(self.tiles) == 1 else self.tiles[0].profile_id
        if len(self.tiles) <= 2 and self.edit_mode:
            self.toggle_edit_mode()

    def _dialog_closed(self, dialog: QWidget, profile_id: int | None) -> None:
        if self.pin_dialog is dialog:
            self.pin_dialog = None
        if self.profile_dialog is dialog:
            self.profile_dialog = None
        dialog.deleteLater()
        # Back on this screen: the ring goes to what the dialog made (or left) of the tile,
        # once the dialog is gone (Qt hands focus back to the window after this signal).
        target = self._refocus if self._refocus is not _KEEP else profile_id
        self._refocus = _KEEP
        self._focus_target = target if isinstance(target, int) else None
        QTimer.singleShot(0, self._restore_focus)

    def _restore_focus(self) -> None:
        if not self.isVisible() or self.pin_dialog or self.profile_dialog:
            return
        # Some window systems (and Qt's offscreen one) leave no window active after a modal
        # dialog; a remote has no mouse to click the window back.
        self.activateWindow()
        self.focus_profile(self._focus_target)
