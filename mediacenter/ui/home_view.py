"""The home screen: a billboard over horizontal rows of tiles, all reachable with the arrows.

The page (rows of title ids with reasons) is built elsewhere, off the UI thread, and handed to
:meth:`HomeView.set_page`; this module only lays it out. Focus moves Left/Right within a row
and Up/Down between rows at the same place on screen; the page scrolls to keep the focused
row in view; Up from the first row reaches the billboard's buttons.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db.catalog import OK, availability, title_details
from mediacenter.home.rows import Page, RowItem
from mediacenter.humanize import format_duration, format_runtime, plural
from mediacenter.library.availability import short_label
from mediacenter.ui.artwork import ArtworkLoader, paint_placeholder
from mediacenter.ui.controls import named
from mediacenter.ui.roles import IdRole
from mediacenter.ui.tiles import RowWidget

HERO_H = 440


def meta_line(db, title_id: int) -> tuple[str, str, str]:
    """(title, "2019 · 1 h 52 min · PG-13 · ★ 7.1 · Drama, Sci-Fi", plot) for the billboard
    and the details page (the one place either shows the rating)."""
    d = title_details(db, title_id)
    if d is None:
        return "", "", ""
    r = d.row
    bits = [str(r.year)] if r.year else []
    measured = d.versions[0].duration_ms if d.versions else None
    if r.kind == "show":
        bits.append(plural(d.children, "season"))
    elif d.runtime_min:
        bits.append(format_runtime(d.runtime_min))
    elif measured:  # the file's own length: a short clip as its seconds
        bits.append(format_duration(measured))
    if d.mpaa:
        bits.append(d.mpaa.replace("Rated ", ""))
    if d.rating:
        bits.append(f"★ {d.rating:.1f}")
    if d.genres:
        bits.append(", ".join(d.genres[:3]))
    title = r.show if r.kind == "episode" and r.show else r.title
    return title, "  ·  ".join(bits), r.plot or ""


class HeroBanner(QWidget):
    """Wide artwork with the title, facts, plot, and Play / More info."""

    play = Signal(int)
    more = Signal(int)
    leave_down = Signal()
    leave_up = Signal()
    item_changed = Signal(int)  # the title shown (its description is asked for)

    def __init__(self, db, loader: ArtworkLoader | None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("hero")
        self.db = db
        self.loader = loader
        self.item: RowItem | None = None
        self.setFixedHeight(HERO_H)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.title = named(QLabel(), "heroTitle")
        self.title.setWordWrap(True)
        self.meta = named(QLabel(), "heroMeta")
        self.reason = named(QLabel(), "heroReason")
        self.warning = named(QLabel(), "heroWarning")  # why it cannot play, when it cannot
        self.warning.hide()
        self.warns = True  # the details page says it in full instead
        self.plot = named(QLabel(), "heroPlot")
        self.plot.setWordWrap(True)
        self.plot.setMaximumWidth(720)
        self.plot.setMaximumHeight(84)
        self.play_button = named(QPushButton("▶  Play"), "heroPlay")
        self.more_button = named(QPushButton("More info"), "heroMore")
        for label in (self.title, self.meta, self.reason, self.warning, self.plot):
            label.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
            # One text column: a preview's native video plays right of it (video_rect).
            label.setMaximumWidth(self.plot.maximumWidth())
        buttons = QHBoxLayout()
        buttons.setSpacing(14)
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.more_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 40, 48, 28)
        lay.setSpacing(10)
        lay.addStretch(1)
        lay.addWidget(self.title)
        lay.addWidget(self.meta)
        lay.addWidget(self.reason)
        lay.addWidget(self.warning)
        lay.addWidget(self.plot)
        lay.addSpacing(8)
        lay.addLayout(buttons)
        self.play_button.clicked.connect(lambda: self.item and self.play.emit(self.item.title_id))
        self.more_button.clicked.connect(lambda: self.item and self.more.emit(self.item.title_id))
        for b in (self.play_button, self.more_button):
            b.installEventFilter(self)
        if loader is not None:
            loader.ready.connect(self._on_art)

    def set_item(self, item: RowItem | None) -> None:
        self.item = item
        if item is None:
            self.hide()
            return
        title, meta, plot = meta_line(self.db, item.title_id)
        self.title.setText(title)
        self.meta.setText(meta)
        self.reason.setText(item.reason or "")
        self.reason.setVisible(bool(item.reason))
        state = availability(self.db, [item.title_id]).get(item.title_id, OK) \
            if self.warns else OK
        self.warning.setText(f"⚠  {short_label(state)} — More info says what to do"
                             if state != OK else "")
        self.warning.setVisible(state != OK)
        self.plot.setText(plot)
        self.play_button.setText("▶  Resume" if item.progress else "▶  Play")
        self.show()
        self.update()
        self.item_changed.emit(item.title_id)

    def set_description(self, title_id: int, text: str) -> None:
        """The words chosen for the profile (:mod:`mediacenter.describe`) replace the plot."""
        if self.item is not None and self.item.title_id == title_id and text:
            self.plot.setText(text)

    def video_rect(self) -> QRect:
        """Where a preview plays: right of the words, inset, 16:9 (native video cannot sit
        under the text or the gradient that keeps it readable)."""
        margin = 24
        h = self.height() - 2 * margin
        w = round(h * 16 / 9)
        text_right = 48 + self.plot.maximumWidth() + 24
        if self.width() - margin - w < text_right:
            w = max(160, self.width() - margin - text_right)
            h = round(w * 9 / 16)
        return QRect(self.width() - margin - w, (self.height() - h) // 2, w, h)

    def _on_art(self, title_id: int, shape: str) -> None:
        if self.item is not None and title_id in (-1, self.item.title_id) and shape == "hero":
            self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = QRectF(self.rect())
        pm = None
        if self.loader is not None and self.item is not None:
            pm = self.loader.pixmap(self.item.title_id, "hero",
                                    QSize(self.width(), self.height()))
            self.loader.shown(self.item.title_id, "hero", "hero")
        if pm is not None:
            p.drawPixmap(self.rect(), pm)
        else:
            paint_placeholder(p, rect, "", radius=0, big=True)
        # Readable text over any image: dark on the left and at the bottom.
        side = QLinearGradient(rect.topLeft(), rect.topRight())
        side.setColorAt(0.0, QColor(10, 10, 10, 235))
        side.setColorAt(0.45, QColor(10, 10, 10, 150))
        side.setColorAt(1.0, QColor(10, 10, 10, 0))
        p.fillRect(rect, side)
        bottom = QLinearGradient(rect.bottomLeft(), rect.topLeft())
        bottom.setColorAt(0.0, QColor("#141414"))
        bottom.setColorAt(0.3, QColor(20, 20, 20, 0))
        p.fillRect(rect, bottom)
        p.end()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == event.Type.KeyPress:
            key = event.key()
            if key == Qt.Key.Key_Down:
                self.leave_down.emit()
                return True
            if key == Qt.Key.Key_Up:
                self.leave_up.emit()
                return True
            if key == Qt.Key.Key_Right and obj is self.play_button:
                self.more_button.setFocus()
                return True
            if key == Qt.Key.Key_Left and obj is self.more_button:
                self.play_button.setFocus()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                obj.click()
                return True
        return False


class HomeView(QWidget):
    """Billboard and rows in one vertically scrolling page."""

    play_requested = Signal(int)
    details_requested = Signal(int)
    row_requested = Signal(object)  # a Row's "See all": the whole row
    add_folder_requested = Signal()  # the empty library's buttons
    demo_requested = Signal()
    leave_up = Signal()  # Up from the billboard: the navigation bar

    def __init__(self, db, loader: ArtworkLoader | None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("homeView")
        self.db = db
        self.loader = loader
        self.page: Page | None = None
        self.can_manage = True  # False for a kids profile: no "Add folder" on an empty library
        self.rows: list[RowWidget] = []
        self.hero = HeroBanner(db, loader)
        self.hero.play.connect(self.play_requested)
        self.hero.more.connect(self.details_requested)
        self.hero.leave_down.connect(lambda: self.focus_row(0, 0))
        self.hero.leave_up.connect(self.leave_up)
        self.empty_panel = named(QWidget(), "homeEmpty")
        self.empty = named(QLabel(alignment=Qt.AlignmentFlag.AlignCenter), "emptyState")
        self.empty.setWordWrap(True)
        self.empty_button = named(QPushButton("Add folder…"), "heroPlay")
        self.empty_button.clicked.connect(self.add_folder_requested)
        self.demo_button = named(QPushButton("Try a demo library"), "heroMore")
        self.demo_button.setToolTip("A few dozen short generated clips: movies, a show, "
                                    "home videos")
        self.demo_button.clicked.connect(self.demo_requested)
        for b in (self.empty_button, self.demo_button):
            b.installEventFilter(self)
        empty_lay = QVBoxLayout(self.empty_panel)
        empty_lay.setContentsMargins(80, 120, 80, 40)
        empty_lay.setSpacing(24)
        empty_lay.addWidget(self.empty)
        empty_buttons = QHBoxLayout()
        empty_buttons.addStretch(1)
        empty_buttons.addWidget(self.empty_button)
        empty_buttons.addWidget(self.demo_button)
        empty_buttons.addStretch(1)
        empty_lay.addLayout(empty_buttons)
        self.empty_panel.hide()

        self.content = named(QWidget(), "homeContent")
        self.column = QVBoxLayout(self.content)
        self.column.setContentsMargins(0, 0, 0, 40)
        self.column.setSpacing(18)
        self.column.addWidget(self.hero)
        self.column.addWidget(self.empty_panel)
        self.column.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidget(self.content)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroller)
        if loader is not None:
            loader.ready.connect(self._on_art)
        self._repaint = QTimer(self, singleShot=True, interval=30)
        self._repaint.timeout.connect(self._repaint_rows)

    # -- content ----------------------------------------------------------------------------

    def set_page(self, page: Page, empty_text: str = "") -> None:
        """Show ``page``; the focused tile stays focused when its row and title remain (else
        the same title elsewhere, else the same row position): a refresh never loses focus."""
        keep = self.focused_tile()
        keep_row = self.current_row()
        for w in self.rows:
            self.column.removeWidget(w)
            w.deleteLater()
        self.rows = []
        self.page = page
        hero = page.hero
        if hero is None:
            for row in page.rows:
                if row.items:
                    hero = row.items[0]
                    break
        self.hero.set_item(hero)
        at = self.column.indexOf(self.empty_panel)
        for row in page.rows:
            if not row.items:
                continue
            w = RowWidget(self.db, row, self.loader)
            i = len(self.rows)
            w.view.leave_up.connect(lambda x, i=i: self.focus_row(i - 1, x))
            w.view.leave_down.connect(lambda x, i=i: self.focus_row(i + 1, x))
            w.view.chosen.connect(self.details_requested)  # one rule: ui/title_keys.py
            w.view.play.connect(self.play_requested)
            w.see_all_requested.connect(self.row_requested)
            w.view.focus_in.connect(lambda w=w: self._keep_visible(w))
            w.view.setAccessibleName(row.title)
            self.column.insertWidget(at + i, w)
            self.rows.append(w)
        self.empty_panel.setVisible(not self.rows)
        if not self.rows:
            self.empty.setText(empty_text or "Nothing to show yet.")
            if not self.can_manage and "Add folder" in self.empty.text():
                self.empty.setText("Your library is empty.\n\nAsk a grown-up to add the folder "
                                   "where your movies, shows or home videos live.")
            self.empty_button.setVisible("Add folder" in self.empty.text())
            self.demo_button.setVisible(self.empty_button.isVisible())
        if keep is not None and not self.focus_tile(*keep):
            for w in self.rows:
                if w.model.index_of(keep[1]).isValid():
                    self.focus_tile(w.row.key, keep[1])
                    break
            else:
                self.focus_row(min(keep_row, len(self.rows) - 1), 0)

    def focused_tile(self) -> tuple[str, int] | None:
        for w in self.rows:
            if w.view.hasFocus():
                tid = w.view.currentIndex().data(IdRole)
                return (w.row.key, int(tid)) if tid is not None else None
        return None

    def focus_tile(self, row_key: str, title_id: int) -> bool:
        for w in self.rows:
            if w.row.key == row_key:
                idx = w.model.index_of(title_id)
                if not idx.isValid():
                    return False
                w.view.setFocus()
                w.view.setCurrentIndex(idx)
                self._keep_visible(w)
                return True
        return False

    # -- focus ------------------------------------------------------------------------------

    def focus_first(self) -> None:
        if self.rows:
            self.focus_row(0, 0)
        elif self.empty_panel.isVisible() and self.empty_button.isVisible():
            self.empty_button.setFocus()
        elif self.hero.isVisible():
            self.hero.play_button.setFocus()

    def focus_row(self, i: int, x: int) -> None:
        if i < 0:
            if self.hero.isVisible():
                self.hero.play_button.setFocus()
                self.scroller.verticalScrollBar().setValue(0)
            else:
                self.leave_up.emit()
            return
        if i >= len(self.rows):
            return
        view = self.rows[i].view
        view.setFocus(Qt.FocusReason.OtherFocusReason)
        if x:
            view.select_near_x(x)
        elif not view.currentIndex().isValid():
            view.setCurrentIndex(view.model().index(0, 0))
        self._keep_visible(self.rows[i])

    def _keep_visible(self, w: QWidget) -> None:
        self.scroller.ensureWidgetVisible(w, 0, 60)

    def current_row(self) -> int:
        for i, w in enumerate(self.rows):
            if w.view.hasFocus():
                return i
        return -1

    def eventFilter(self, obj, event) -> bool:
        if obj in (self.empty_button, self.demo_button) and \
                event.type() == event.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                (self.demo_button if key == Qt.Key.Key_Right else self.empty_button).setFocus()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                obj.click()
                return True
            if key == Qt.Key.Key_Up:
                self.leave_up.emit()
                return True
        return False

    def _on_art(self, _title_id: int, shape: str) -> None:
        if shape == "tile":
            self._repaint.start()  # many images arrive together: one repaint

    def _repaint_rows(self) -> None:
        for w in self.rows:
            w.view.viewport().update()
