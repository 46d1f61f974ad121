"""The bar across the top: the app's name, the main screens, and who is watching."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from mediacenter.ui.avatar import avatar_color, avatar_glyph, avatar_pixmap
from mediacenter.ui.controls import named

AVATAR_PX = 30

SCREENS = (("home", "Home"), ("search", "Search"), ("library", "Library"),
           ("insights", "Insights"), ("settings", "Settings"))


class NavBar(QFrame):
    """Left/Right move between the entries, Enter opens one, Down returns to the page."""

    navigate = Signal(str)  # a key of SCREENS, or "profiles"
    leave_down = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("navBar")
        self.brand = named(QLabel("mediacenter"), "brand")
        self.buttons: dict[str, QPushButton] = {}
        lay = QHBoxLayout(self)
        lay.setContentsMargins(40, 10, 28, 10)
        lay.setSpacing(6)
        lay.addWidget(self.brand)
        lay.addSpacing(28)
        for key, label in SCREENS:
            b = named(QPushButton(label), "navButton")
            b.setCheckable(True)
            b.setProperty("screen", key)
            b.clicked.connect(lambda _c=False, k=key: self.navigate.emit(k))
            b.installEventFilter(self)
            self.buttons[key] = b
            lay.addWidget(b)
        lay.addStretch(1)
        self.private = named(QLabel("Private session"), "privateBadge")
        self.private.setToolTip("Nothing you watch now is recorded")
        self.private.hide()
        self.profile = named(QPushButton(), "profileButton")
        self.profile.setToolTip("Switch profile")
        self.profile.clicked.connect(lambda: self.navigate.emit("profiles"))
        self.profile.installEventFilter(self)
        lay.addWidget(self.private)
        lay.addWidget(self.profile)

    def entries(self) -> list[QPushButton]:
        return [*self.buttons.values(), self.profile]

    def set_current(self, key: str | None) -> None:
        for k, b in self.buttons.items():
            b.setChecked(k == key)

    def set_profile(self, name: str, color: str | None, private: bool, *,
                    avatar: str | None = None, profile_id: int | None = None) -> None:
        """Who is watching: the profile's avatar (its colour and letter or symbol, painted
        whole inside the button) and name."""
        ratio = self.devicePixelRatioF()
        pm = avatar_pixmap(AVATAR_PX, avatar_color(profile_id, color),
                           avatar_glyph(name, avatar), device_ratio=max(1.0, ratio))
        self.profile.setIcon(QIcon(pm))
        self.profile.setIconSize(QSize(AVATAR_PX, AVATAR_PX))
        self.profile.setText(f"  {name}")
        self.private.setVisible(private)

    def focus_current(self) -> None:
        for b in self.buttons.values():
            if b.isChecked():
                b.setFocus()
                return
        self.buttons["home"].setFocus()

    def eventFilter(self, obj, event) -> bool:
        if event.type() != event.Type.KeyPress:
            return False
        entries = self.entries()
        if obj not in entries:
            return False
        i = entries.index(obj)
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            j = i + (1 if key == Qt.Key.Key_Right else -1)
            if 0 <= j < len(entries):
                entries[j].setFocus()
            return True
        if key == Qt.Key.Key_Down:
            self.leave_down.emit()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            obj.click()
            return True
        return False
