"""Entering a 4-digit PIN from a keyboard or a remote: four boxes, a keypad, a shake when wrong.

:class:`PinPad` is a widget so it can live inside another dialog (the profile dialog asks for the
PIN before editing, and uses a pad to choose a new one); :class:`PinDialog` is the stand-alone
"Enter PIN for Sam" dialog of the profiles screen. PINs are checked with
:func:`mediacenter.db.profiles.check_pin` (scrypt) and wrong tries are slowed down by a shared
:class:`~mediacenter.db.profiles.PinThrottle`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import sqlite_utils
from PySide6.QtCore import QEasingCurve, QRectF, QSize, Qt, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db.admin import AdminGrant, NotAllowedError, access, unlocker
from mediacenter.db.profiles import (
    PIN_LENGTH,
    PinThrottle,
    ProfileNotFoundError,
    get_profile,
    pin_checker,
)
from mediacenter.tasks import TaskRunner
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.avatar import AvatarWidget, avatar_color, avatar_glyph
from mediacenter.ui.controls import restyle

_SHARED_THROTTLE = PinThrottle()
def shared_throttle(db: sqlite_utils.Database | None = None) -> PinThrottle:
    """The throttle every PIN pad uses unless given its own, so closing the dialog and opening
    it again (or editing the profile instead) does not reset the count. With the catalog the
    count lives there, and restarting the app does not reset it either."""
    return _SHARED_THROTTLE if db is None else PinThrottle(db=db)


_BOX_W, _BOX_H, _BOX_GAP = 68, 84, 18
_ERROR = QColor("#ff4d4f")


class PinDots(QWidget):
    """Four boxes showing how many digits were typed (never which), with a shake on error."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filled = 0
        self.error = False
        self._offset = 0.0
        self._shake = QVariantAnimation(self)
        self._shake.setDuration(420)
        self._shake.setStartValue(0.0)
        self._shake.setEndValue(1.0)
        self._shake.setEasingCurve(QEasingCurve.Type.Linear)
        self._shake.valueChanged.connect(self._on_shake)
        self.shake_finished = self._shake.finished
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFixedSize(self.sizeHint())

    def sizeHint(self) -> QSize:
        return QSize(PIN_LENGTH * _BOX_W + (PIN_LENGTH - 1) * _BOX_GAP + 48, _BOX_H + 8)

    def set_state(self, filled: int, *, error: bool = False) -> None:
        self.filled, self.error = filled, error
        self.update()

    def shake(self) -> None:
        self._shake.stop()
        self._shake.start()

    @property
    def shaking(self) -> bool:
        return self._shake.state() == QVariantAnimation.State.Running

    def _on_shake(self, t: float) -> None:
        # A damped sine: three swings that settle, like a head shaking "no".
        self._offset = 18.0 * math.sin(t * math.pi * 6) * (1.0 - t)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        total = PIN_LENGTH * _BOX_W + (PIN_LENGTH - 1) * _BOX_GAP
        x0 = (self.width() - total) / 2 + self._offset
        for i in range(PIN_LENGTH):
            box = QRectF(x0 + i * (_BOX_W + _BOX_GAP), 4, _BOX_W, _BOX_H)
            current = i == self.filled and not self.error
            if self.error:
                pen = QPen(_ERROR, 3)
            elif current:
                pen = QPen(QColor("#ffffff"), 3)
            else:
                pen = QPen(QColor("#5a5a5a"), 2)
            p.setPen(pen)
            p.setBrush(QColor("#262626"))
            p.drawRoundedRect(box, 10, 10)
            if i < self.filled:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(_ERROR if self.error else QColor("#ffffff"))
                p.drawEllipse(box.center(), 11, 11)
        p.end()


class PinPad(QWidget):
    """Title, avatar, four boxes, a message line and a 3×4 keypad.

    ``mode="check"`` unlocks ``profile_id``: emits ``unlocked`` for the right PIN, shakes and
    says "Wrong PIN" otherwise, and after :attr:`PinThrottle.max_failures` wrong tries refuses
    input for the lock-out, counting down. ``mode="admin"`` asks the PIN that lets
    ``profile_id`` (None: nobody chosen yet) manage the household
    (:func:`mediacenter.db.admin.unlocker`) and keeps the grant in :attr:`grant`.
    ``mode="new"`` asks for a PIN twice and emits ``pin_chosen`` with it when both match.
    Digits come from the keyboard (top row or keypad) or the on-screen keys; Backspace removes
    one. Esc is left to the dialog holding the pad.
    """

    unlocked = Signal()
    pin_chosen = Signal(str)

    def __init__(
        self,
        db: sqlite_utils.Database | None,
        profile_id: int | None,
        *,
        mode: str = "check",
        throttle: PinThrottle | None = None,
        title: str | None = None,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``runner`` checks PINs off the UI thread (its ``quick`` lane: the window's, kept
        warm; without one the pad makes its own)."""
        super().__init__(parent)
        if mode not in ("check", "new", "admin"):
            raise ValueError(f"unknown PIN pad mode {mode!r}")
        if mode == "check" and (db is None or profile_id is None):
            raise ValueError("checking a PIN needs the catalog and the profile")
        if mode == "admin" and db is None:
            raise ValueError("checking a PIN needs the catalog")
        self.setObjectName("pinPad")
        self.db, self.profile_id, self.mode = db, profile_id, mode
        self.grant: AdminGrant | None = None
        self._throttle_key = profile_id
        if mode == "admin":
            assert db is not None
            rule = access(db, profile_id)
            self._throttle_key = rule.throttle_key
            title = title or rule.reason
            if not rule.own_pin:
                profile_id = None  # any grown-up's PIN: no one's avatar
        self.throttle = throttle or shared_throttle(db)
        self.runner = runner
        self.digits = ""
        self._first: str | None = None  # "new" mode: the PIN typed the first time
        self._clear_after_shake = False
        self.checking = False  # a check runs on a worker; keys wait for its answer

        self.avatar = AvatarWidget(96)
        profile = get_profile(db, profile_id) if db is not None and profile_id else None
        if profile is not None:
            self.avatar.set_avatar(avatar_color(profile.id, profile.color),
                                   avatar_glyph(profile.name, profile.avatar))
        else:
            self.avatar.hide()
        self.title = QLabel(title or self._default_title(profile.name if profile else None))
        self.title.setObjectName("pinTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.dots = PinDots()
        self.dots.shake_finished.connect(self._after_shake)
        self.message = QLabel(" ")
        self.message.setObjectName("pinMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(14)
        layout_keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "clear"]
        labels = {"back": "⌫", "clear": "Clear"}
        for i, key in enumerate(layout_keys):
            b = QPushButton(labels.get(key, key))
            b.setObjectName("keypadButton")
            b.setProperty("small", key == "clear")  # "Clear" in 30 px would not fit
            b.setFixedSize(78, 78)
            b.setAutoDefault(False)
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            b.setAccessibleName({"back": "Delete last digit", "clear": "Clear"}.get(key, key))
            b.clicked.connect(lambda _=False, k=key: self._press(k))
            self.keys[key] = b
            grid.addWidget(b, i // 3, i % 3)
        keypad = QWidget()
        keypad.setObjectName("keypad")
        keypad.setLayout(grid)
        rows = [[self.keys[k] for k in layout_keys[r * 3:r * 3 + 3]] for r in range(4)]
        self.nav = ArrowNavigator(self, rows)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 24, 24, 24)
        lay.setSpacing(16)
        lay.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.title)
        lay.addSpacing(6)
        lay.addWidget(self.dots, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.message)
        lay.addWidget(keypad, 0, Qt.AlignmentFlag.AlignHCenter)

        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._tick()  # a profile still locked from an earlier try shows it at once

    def _default_title(self, name: str | None) -> str:
        if self.mode == "new":
            return "Choose a 4-digit PIN"
        if self.mode == "admin":
            return "Enter a grown-up's PIN"
        return f"Enter the PIN for {name}" if name else "Enter the PIN"

    def focus_keypad(self) -> None:
        """Focus the "5" key: the middle of the pad, one step from most digits."""
        self.keys["5"].setFocus(Qt.FocusReason.OtherFocusReason)

    # -- input ----------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if len(text) == 1 and text.isascii() and text.isdigit():
            self._press(text)
            return
        if event.key() == Qt.Key.Key_Backspace:
            self._press("back")
            return
        if event.key() == Qt.Key.Key_Delete:
            self._press("clear")
            return
        super().keyPressEvent(event)

    def locked_seconds(self) -> int:
        """Whole seconds left of a lock-out (check mode), 0 when PINs can be tried."""
        if self.mode == "new" or self._throttle_key is None:
            return 0
        return math.ceil(self.throttle.seconds_left(self._throttle_key))

    def _press(self, key: str) -> None:
        if self.checking:
            return
        if self.locked_seconds() > 0:
            self._tick()
            return
        if self.dots.error:  # typing again after a wrong PIN starts over at once
            self.dots.set_state(0)
            self.digits = ""
            self._clear_after_shake = False
        if key == "back":
            self.digits = self.digits[:-1]
        elif key == "clear":
            self.digits = ""
        elif len(self.digits) < PIN_LENGTH:
            self.digits += key
        self.dots.set_state(len(self.digits))
        if len(self.digits) == PIN_LENGTH:
            self._complete()

    def _complete(self) -> None:
        pin, self.digits = self.digits, ""
        if self.mode == "new":
            self._complete_new(pin)
            return
        assert self.db is not None
        check: Callable[[str], object]
        try:
            if self.mode == "admin":
                check = unlocker(self.db, self.profile_id)
            else:
                assert self.profile_id is not None
                check = pin_checker(self.db, self.profile_id)
        except ProfileNotFoundError:
            self._wrong("This profile no longer exists.")
            return
        except NotAllowedError as exc:
            self._wrong(str(exc))
            return
        # scrypt takes about 0.1 s: off the UI thread, so the screen never stalls on it.
        self.checking = True
        if self.runner is None:
            self.runner = TaskRunner(self)
        self.runner.run(lambda _ctx: check(pin), name="pin check", lane="quick",
                        on_done=self._checked, on_failed=self._check_failed)

    def _check_failed(self, message: str, _traceback: str) -> None:
        self.checking = False
        self._wrong(f"The PIN could not be checked: {message}")

    def _checked(self, ok: object) -> None:
        self.checking = False
        if isinstance(ok, AdminGrant):
            self.grant, ok = ok, True
        if ok is True:
            if self._throttle_key is not None:
                self.throttle.record_success(self._throttle_key)
            self.message.setText(" ")
            self.dots.set_state(0)
            self.unlocked.emit()
            return
        lockout = (self.throttle.record_failure(self._throttle_key)
                   if self._throttle_key is not None else 0.0)
        self._wrong("Wrong PIN. Try again." if not lockout else "")
        if lockout:
            self._tick()

    def _complete_new(self, pin: str) -> None:
        if self._first is None:
            self._first = pin
            self.dots.set_state(0)
            self.title.setText("Enter the same PIN again")
            self.message.setText(" ")
            return
        first, self._first = self._first, None
        if pin == first:
            self.dots.set_state(0)
            self.pin_chosen.emit(pin)
            return
        self.title.setText(self._default_title(None))
        self._wrong("The two PINs were different. Choose a PIN again.")

    def _wrong(self, text: str) -> None:
        self.message.setProperty("error", True)
        self.message.setText(text or " ")
        restyle(self.message)
        self.dots.set_state(PIN_LENGTH, error=True)
        self._clear_after_shake = True
        self.dots.shake()

    def _after_shake(self) -> None:
        if self._clear_after_shake and self.dots.error:
            self.dots.set_state(0)
        self._clear_after_shake = False

    def _tick(self) -> None:
        left = self.locked_seconds()
        if left > 0:
            self.message.setProperty("error", True)
            self.message.setText(
                f"Too many wrong PINs. Wait {left} second{'s' if left != 1 else ''}, "
                "then try again."
            )
            restyle(self.message)
            if not self._countdown.isActive():
                self._countdown.start()
        elif self._countdown.isActive():
            self._countdown.stop()
            self.message.setProperty("error", False)
            self.message.setText("You can try again now.")
            restyle(self.message)



class PinDialog(QDialog):
    """"Enter the PIN for Sam": a :class:`PinPad` in a dialog; accepted when unlocked.

    ``mode="admin"`` asks the PIN to manage the household instead (the grant is then
    ``dialog.pad.grant``). Open it with :meth:`open`; Esc cancels (rejected).
    """

    def __init__(
        self, db: sqlite_utils.Database, profile_id: int | None, *,
        throttle: PinThrottle | None = None, parent: QWidget | None = None,
        mode: str = "check", runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pinDialog")
        self.setWindowTitle("Profile lock" if mode == "check" else "Grown-ups only")
        self.setModal(True)
        self.pad = PinPad(db, profile_id, throttle=throttle, mode=mode, runner=runner)
        self.pad.unlocked.connect(self.accept)
        hint = QLabel("Type the digits, or use the arrows and OK. Esc to go back.")
        hint.setObjectName("pinHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 32, 48, 32)
        lay.addWidget(self.pad)
        lay.addWidget(hint)
        self.setMinimumWidth(520)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.pad.focus_keypad()
