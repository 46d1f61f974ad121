"""Tiles: the list model of a row of titles, the delegate that paints a tile, and the row view.

Models hold title ids (and the row's reasons and progress); the little a tile shows (title,
year, kind) is read in one query per row when the row is filled, and artwork comes from the
:class:`~mediacenter.ui.artwork.ArtworkLoader` without blocking the paint.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db.catalog import OK, availability, tile_facts
from mediacenter.home.rows import KIND_CONTINUE, Row, RowItem
from mediacenter.humanize import format_runtime, plural
from mediacenter.library.availability import short_label
from mediacenter.ui import title_keys
from mediacenter.ui.artwork import ArtworkLoader, paint_placeholder, rounded_pixmap
from mediacenter.ui.controls import named
from mediacenter.ui.roles import (
    AvailabilityRole,
    IdRole,
    ProgressRole,
    ReasonRole,
    SubtitleRole,
)

TILE_W, TILE_H = 288, 162  # 16:9 art
TEXT_H = 46
GAP = 14
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class TileInfo:
    title_id: int
    label: str
    subtitle: str


def load_tile_infos(db, ids: Sequence[int]) -> dict[int, TileInfo]:
    """What a tile writes under its art, for many titles at once."""
    out: dict[int, TileInfo] = {}
    for f in tile_facts(db, list(dict.fromkeys(int(i) for i in ids))).values():
        if f.kind == "episode":
            season = f.season_number or 0
            code = f"S{season}:E{f.episode_number}" if f.episode_number is not None \
                else f"S{season}"
            label, sub = f.show or f.title, f"{code} · {f.title}"
        else:
            label = f.title
            bits = [str(f.year)] if f.year else []
            if f.kind == "show":
                bits.append(plural(f.children, "season"))
            elif f.kind == "other":
                bits.append("Home video")
            elif f.runtime_min:
                bits.append(format_runtime(f.runtime_min))
            sub = " · ".join(bits)
        out[f.id] = TileInfo(f.id, label, sub)
    return out


class TitleListModel(QAbstractListModel):
    """A row (or a grid) of titles: ids with their reasons and progress."""

    def __init__(self, db, parent=None) -> None:
        super().__init__(parent)
        self.db = db
        self.items: list[RowItem] = []
        self.infos: dict[int, TileInfo] = {}
        self.states: dict[int, str] = {}  # availability per title (stored state)
        self.row_key: str | None = None

    def set_items(self, items: Sequence[RowItem], row_key: str | None = None) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.row_key = row_key
        self.infos = load_tile_infos(self.db, [i.title_id for i in self.items])
        self.items = [i for i in self.items if i.title_id in self.infos]  # removed meanwhile
        self.states = availability(self.db, [i.title_id for i in self.items])
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        info = self.infos.get(item.title_id)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return info.label if info else ""
        if role == IdRole:
            return item.title_id
        if role == ReasonRole:
            return item.reason
        if role == ProgressRole:
            return item.progress
        if role == SubtitleRole:
            return info.subtitle if info else ""
        if role == AvailabilityRole:
            return self.states.get(item.title_id, OK)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(x for x in (info.label if info else "", item.reason or "") if x)
        return None

    def index_of(self, title_id: int) -> QModelIndex:
        for row, item in enumerate(self.items):
            if item.title_id == title_id:
                return self.index(row, 0)
        return QModelIndex()


def art_rect(cell, art: QSize = QSize(TILE_W, TILE_H)) -> QRectF:  # noqa: B008
    """Where a tile's art lies in its cell (the focus ring is drawn just outside it, the text
    below): also where a preview's native video goes, which nothing can be drawn over."""
    return QRectF(cell.x() + GAP / 2 + 3, cell.y() + 5, art.width() - 6, art.height() - 6)


class TileDelegate(QStyledItemDelegate):
    """Art (or a placeholder) with rounded corners, a progress bar, the title and a subtitle
    (the reason, when the row gives one) under it, a white ring around the focused tile."""

    def __init__(self, loader: ArtworkLoader | None, row_name: str | None = None,
                 parent=None, size: QSize = QSize(TILE_W, TILE_H)) -> None:  # noqa: B008
        super().__init__(parent)
        self.loader = loader
        self.row_name = row_name
        self.art = size
        # Finished tile art (image or placeholder, rounded) per title: a repaint of a row is
        # then one drawPixmap per tile, not a gradient, a text layout and a clip path.
        self._tiles: OrderedDict[tuple[int, int], QPixmap] = OrderedDict()

    def _tile(self, tid: int | None, title: str, art: QRectF, pm: QPixmap | None) -> QPixmap:
        key = (tid or 0, pm.cacheKey() if pm is not None else 0)
        hit = self._tiles.get(key)
        if hit is not None:
            self._tiles.move_to_end(key)
            return hit
        parent = self.parent()
        ratio = 2.0 if isinstance(parent, QWidget) and parent.devicePixelRatioF() > 1.5 else 1.0
        out = QPixmap(int(art.width() * ratio), int(art.height() * ratio))
        out.setDevicePixelRatio(ratio)
        out.fill(Qt.GlobalColor.transparent)
        p = QPainter(out)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        local = QRectF(0, 0, art.width(), art.height())
        if pm is not None:
            rounded_pixmap(p, local, pm, 8)
        else:
            paint_placeholder(p, local, title)
        p.end()
        self._tiles[key] = out
        if pm is not None:
            self._tiles.pop((tid or 0, 0), None)  # the placeholder is not needed any more
        while len(self._tiles) > 400:
            self._tiles.popitem(last=False)
        return out

    def sizeHint(self, option, index) -> QSize:
        return QSize(self.art.width() + GAP, self.art.height() + TEXT_H + 10)

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        art = art_rect(option.rect, self.art)
        title = index.data(Qt.ItemDataRole.DisplayRole) or ""
        tid = index.data(IdRole)
        focused = bool(option.state & QStyle.StateFlag.State_Selected) and bool(
            option.state & QStyle.StateFlag.State_HasFocus)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        pm = None
        if self.loader is not None and tid is not None:
            size = QSize(int(art.width()), int(art.height()))
            pm = self.loader.pixmap(int(tid), "tile", size)
            self.loader.shown(int(tid), "tile", self.row_name)
        p.drawPixmap(art.topLeft(), self._tile(tid, title, art, pm))
        state = index.data(AvailabilityRole)
        if state and state != OK:
            paint_unavailable(p, art, short_label(state))
        progress = index.data(ProgressRole)
        if progress is not None:
            bar = QRectF(art.left() + 10, art.bottom() - 12, art.width() - 20, 5)
            p.fillRect(bar, QColor(255, 255, 255, 70))
            p.fillRect(QRectF(bar.left(), bar.top(), bar.width() * float(progress), 5),
                       QColor("#e50914"))
        if focused or selected:
            ring = QPainterPath()
            ring.addRoundedRect(art.adjusted(-2, -2, 2, 2), 10, 10)
            p.setPen(QPen(QColor("white") if focused else QColor(255, 255, 255, 120),
                          4 if focused else 2))
            p.drawPath(ring)
        # text under the art
        text = QRectF(art.left(), art.bottom() + 6, art.width(), TEXT_H)
        font = QFont(option.font)
        font.setPixelSize(16)
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("white") if focused else QColor("#e0e0e0"))
        fm = QFontMetrics(font)
        p.drawText(text.adjusted(0, 0, 0, -TEXT_H / 2), int(Qt.AlignmentFlag.AlignLeft),
                   fm.elidedText(title, Qt.TextElideMode.ElideRight, int(text.width())))
        sub = index.data(ReasonRole) or index.data(SubtitleRole) or ""
        font.setBold(False)
        font.setPixelSize(13)
        p.setFont(font)
        p.setPen(QColor("#b0b0b0"))
        fm = QFontMetrics(font)
        p.drawText(text.adjusted(0, TEXT_H / 2, 0, 0), int(Qt.AlignmentFlag.AlignLeft),
                   fm.elidedText(sub, Qt.TextElideMode.ElideRight, int(text.width())))
        p.restore()


def paint_unavailable(p: QPainter, art: QRectF, label: str) -> None:
    """Dim a tile's art and write on it why it cannot play ("Folder offline", "File
    missing"), so an unplugged drive shows on Home before anyone presses Play."""
    shade = QPainterPath()
    shade.addRoundedRect(art, 8, 8)
    p.fillPath(shade, QColor(0, 0, 0, 150))
    font = QFont(p.font())
    font.setPixelSize(14)
    font.setBold(True)
    p.setFont(font)
    fm = QFontMetrics(font)
    text = f"⚠  {label}"
    badge = QRectF(art.left() + 10, art.top() + 10, fm.horizontalAdvance(text) + 20,
                   fm.height() + 10)
    pill = QPainterPath()
    pill.addRoundedRect(badge, badge.height() / 2, badge.height() / 2)
    p.fillPath(pill, QColor("#b00710"))
    p.setPen(QColor("white"))
    p.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)


class RowView(QListView):
    """A horizontal strip of tiles. Left/Right move within it (Qt); Up/Down ask the page to
    move to the neighbouring row at the same place on screen; Enter opens, the Play key plays
    (:mod:`mediacenter.ui.title_keys`)."""

    leave_up = Signal(int)  # x of the current tile in viewport coordinates
    leave_down = Signal(int)
    chosen = Signal(int)  # title id (Enter, click): its details
    play = Signal(int)  # title id (the Play key)
    focus_in = Signal()
    past_end = Signal()  # Right on the last tile: the row's "See all"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setFixedHeight(TILE_H + TEXT_H + 16)
        self.setObjectName("rowView")
        self.clicked.connect(self._on_click)

    def _on_click(self, index: QModelIndex) -> None:
        tid = index.data(IdRole)
        if tid is not None:
            self.chosen.emit(int(tid))

    def current_x(self) -> int:
        idx = self.currentIndex()
        return self.visualRect(idx).center().x() if idx.isValid() else 0

    def select_near_x(self, x: int) -> None:
        """Focus the tile under ``x`` (keeps the column when moving between rows)."""
        model = self.model()
        if model is None or model.rowCount() == 0:
            return
        # Uniform tiles: the column is arithmetic (indexAt needs a laid-out viewport).
        first = self.visualRect(model.index(0, 0))
        width = max(1, first.width())
        row = max(0, min(model.rowCount() - 1, (int(x) - first.x()) // width))
        self.setCurrentIndex(model.index(row, 0))

    def focusInEvent(self, event) -> None:
        if not self.currentIndex().isValid() and self.model() and self.model().rowCount():
            self.setCurrentIndex(self.model().index(0, 0))
        super().focusInEvent(event)
        self.focus_in.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Up:
            self.leave_up.emit(self.current_x())
        elif key == Qt.Key.Key_Down:
            self.leave_down.emit(self.current_x())
        elif title_keys.opens(event) or title_keys.plays(event):
            tid = self.currentIndex().data(IdRole)
            if tid is not None:
                (self.chosen if title_keys.opens(event) else self.play).emit(int(tid))
        elif key == Qt.Key.Key_Right and self.model() is not None and \
                self.currentIndex().row() == self.model().rowCount() - 1:
            self.past_end.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End,
                     Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            super().keyPressEvent(event)
        else:
            event.ignore()  # Esc, "/", letters: for the window
            return
        event.accept()

    def wheelEvent(self, event) -> None:
        # A vertical wheel scrolls the page, a horizontal one (or Shift+wheel) the row.
        if abs(event.angleDelta().x()) > abs(event.angleDelta().y()):
            super().wheelEvent(event)
        else:
            event.ignore()


class RowWidget(QWidget):
    """A heading (with the row's "See all") over a :class:`RowView`."""

    see_all_requested = Signal(object)  # the Row, to be seen in full

    def __init__(self, db, row: Row, loader: ArtworkLoader | None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("homeRow")
        self.row = row
        self.heading = named(QLabel(row.title), "rowHeading")
        # Right past the last tile, or a click: the whole row as a grid (ui/row_screen.py).
        self.see_all = named(QPushButton(f"See all {len(row.items)}  ›"), "seeAllButton")
        self.see_all.setAccessibleName(f"See all of {row.title}")
        self.see_all.clicked.connect(lambda: self.see_all_requested.emit(self.row))
        self.see_all.installEventFilter(self)
        if row.reason:
            self.heading.setToolTip(row.reason)
        self.model = TitleListModel(db, self)
        self.model.set_items(row.items, row.key)
        self.view = RowView(self)
        self.view.setModel(self.model)
        self.delegate = TileDelegate(loader, row.key, self.view)
        self.view.setItemDelegate(self.delegate)
        self.is_continue = row.kind == KIND_CONTINUE
        self.view.past_end.connect(
            lambda: self.see_all.setFocus() if self.see_all.isVisible() else None)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 6, 0, 0)
        lay.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(self.heading)
        top.addWidget(self.see_all)
        top.addStretch(1)
        lay.addLayout(top)
        lay.addWidget(self.view)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_see_all()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._update_see_all()

    def _update_see_all(self) -> None:
        """"See all" only where the row holds more than the screen shows at once."""
        n = self.model.rowCount()
        first = self.view.visualRect(self.model.index(0, 0)) if n else None
        step = first.width() if first is not None and first.width() > 0 else TILE_W
        fits = max(1, self.view.viewport().width() // max(1, step))
        more = n > fits
        self.see_all.setVisible(more)
        if not more and self.see_all.hasFocus():
            self.view.setFocus()

    def eventFilter(self, obj, event) -> bool:
        """Keys on "See all": Left back to the last tile, Up/Down to the next rows, Enter."""
        if obj is not self.see_all or event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()
        if key == Qt.Key.Key_Left:
            self.view.setFocus()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            x = self.view.current_x()
            (self.view.leave_up if key == Qt.Key.Key_Up else self.view.leave_down).emit(x)
        elif key in title_keys.OPEN_KEYS or key == Qt.Key.Key_Space:
            self.see_all_requested.emit(self.row)
        else:
            return False
        return True
