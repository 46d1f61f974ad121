"""The catalog as a lazy Qt table model: holds ids, fetches rows in pages, caches them.

UI thread only. The model reads through the main window's connection (``MainWindow.db``), which
belongs to the UI thread; scans write through their own connections on worker threads, and WAL
lets this one read meanwhile.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPainterPath, QPixmap

from mediacenter.db.catalog import (
    FILE_MISSING,
    FOLDER_OFFLINE,
    OK,
    TitleRow,
    availability,
    browse_ids,
    get_titles,
    search,
)
from mediacenter.db.library_filter import LibraryFilter, filter_ids
from mediacenter.db.watch import IN_PROGRESS, WATCHED, watch_status
from mediacenter.library.availability import short_label
from mediacenter.ui.artwork import ArtworkLoader, placeholder_colors, rounded_pixmap
from mediacenter.ui.roles import IdRole

COL_TITLE, COL_YEAR, COL_KIND, COL_STATUS = range(4)
HEADERS = ("Title", "Year", "Kind", "Status")
PAGE = 200
STATUS_TEXT = {WATCHED: "✓ Watched", IN_PROGRESS: "In progress"}
_UNAVAILABLE = {short_label(FOLDER_OFFLINE), short_label(FILE_MISSING)}
KIND_LABELS = {"movie": "Movie", "show": "Show", "other": "Home video", "episode": "Episode"}
THUMB = QSize(96, 54)  # the title's 16:9 tile art, beside its name
THUMBS_KEPT = 400  # pictures kept ready: a few screens' worth (~8 MB)

Index = QModelIndex | QPersistentModelIndex


class CatalogModel(QAbstractTableModel):
    """Rows are title ids in browse order (or search order); details load a page at a time."""

    def __init__(self, db, parent=None, *, loader: ArtworkLoader | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.loader = loader
        self.filters = LibraryFilter()
        # The rounded pictures of the titles scrolled past most recently (a 10,000-title list
        # paged to its end must not keep them all), and one placeholder per colour pair.
        self._thumbs: OrderedDict[int, QPixmap] = OrderedDict()
        self._blanks: dict[tuple[int, int], QPixmap] = {}
        if loader is not None:
            loader.ready.connect(self._art_ready)
        self._ids: list[int] = []
        self._loaded = 0
        self._rows: dict[int, TitleRow] = {}
        self.query = ""
        self.allowed: set[int] | None = None  # a kids profile's titles; None: all
        self.profile_id: int | None = None  # whose watched / in progress the Status shows
        self._status: dict[int, str] = {}

    # -- data source --------------------------------------------------------------------

    def _fetch_ids(self) -> list[int]:
        if self.query.strip():
            ids = [h.row.id for h in search(self.db, self.query, limit=500)]
        else:
            ids = browse_ids(self.db)
        if self.allowed is not None:
            ids = [i for i in ids if i in self.allowed]
        return filter_ids(self.db, ids, self.filters, self.profile_id)

    def reload(self, query: str | None = None) -> None:
        """Fetch the ids again. With the same query (a refresh, e.g. after a scan) at least as
        many rows stay loaded as before, so the view can keep its scroll position."""
        same_query = query is None or query == self.query
        if query is not None:
            self.query = query
        previous = self._loaded if same_query else 0
        self.beginResetModel()
        self._ids = self._fetch_ids()
        self._rows.clear()
        self._status.clear()
        self._thumbs.clear()
        self._loaded = min(max(PAGE, previous), len(self._ids))
        self.endResetModel()

    def total(self) -> int:
        return len(self._ids)

    def row_of(self, title_id: int) -> int | None:
        """The row of ``title_id`` (loaded or not), or None when it is not listed."""
        try:
            return self._ids.index(title_id)
        except ValueError:
            return None

    def load_through(self, row: int) -> None:
        """Make rows up to ``row`` part of the model (fetching pages as scrolling would)."""
        last = min(row + 1, len(self._ids))
        if last > self._loaded:
            self.beginInsertRows(QModelIndex(), self._loaded, last - 1)
            self._loaded = last
            self.endInsertRows()

    def _row(self, row: int) -> TitleRow | None:
        tid = self._ids[row]
        hit = self._rows.get(tid)
        if hit is None:
            # one query for the page around the row: scrolling asks for rows one by one
            start = row - row % PAGE
            page = [t for t in self._ids[start:start + PAGE] if t not in self._rows]
            self._rows.update(get_titles(self.db, page))
            self._status.update(self._statuses(page))
            hit = self._rows.get(tid)
        return hit

    def _statuses(self, ids: list[int]) -> dict[int, str]:
        """The Status column for a page: why it cannot play, else watched / in progress."""
        out = {tid: STATUS_TEXT[w] for tid, w in
               watch_status(self.db, self.profile_id, ids).items()}
        for tid, state in availability(self.db, ids).items():
            if state != OK:
                out[tid] = short_label(state)
        return out

    def status(self, row: int) -> str:
        r = self._row(row)
        return self._status.get(r.id, "") if r is not None else ""

    # -- Qt model API ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._loaded

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._loaded < len(self._ids)

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid():
            return
        n = min(PAGE, len(self._ids) - self._loaded)
        if n <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._loaded, self._loaded + n - 1)
        self._loaded += n
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    _ROLES = (IdRole, Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
              Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.DecorationRole)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in self._ROLES:
            return None
        r = self._row(index.row())
        if r is None:
            return None
        if role == IdRole:
            return r.id
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == COL_TITLE:
                return r.title
            if col == COL_YEAR:
                return str(r.year) if r.year else ""
            if col == COL_KIND:
                return KIND_LABELS.get(r.kind, r.kind)
            if col == COL_STATUS:
                return self._status.get(r.id, "")
        if role == Qt.ItemDataRole.ForegroundRole:
            if index.column() != COL_STATUS:
                return None
            text = self._status.get(r.id, "")
            return QColor("#ff6b6b") if text in _UNAVAILABLE else \
                QColor("#46d369") if text == STATUS_TEXT[WATCHED] else None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumb(r) if index.column() == COL_TITLE else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.plot or r.label
        return None

    # -- pictures -------------------------------------------------------------------------

    def _thumb(self, r: TitleRow) -> QPixmap:
        """The title's tile art, small and rounded; its placeholder colours until loaded."""
        hit = self._thumbs.get(r.id)
        if hit is not None:
            self._thumbs.move_to_end(r.id)
            return hit
        art = self.loader.pixmap(r.id, "tile", THUMB) if self.loader is not None else None
        top, bottom = placeholder_colors(r.title)
        if art is None and (top.rgb(), bottom.rgb()) in self._blanks:
            return self._blanks[(top.rgb(), bottom.rgb())]
        pm = QPixmap(THUMB)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(0, 0, THUMB.width(), THUMB.height())
        if art is not None:
            rounded_pixmap(p, rect, art, 4)
        else:
            grad = QLinearGradient(rect.topLeft(), rect.bottomRight())
            grad.setColorAt(0, top)
            grad.setColorAt(1, bottom)
            path = QPainterPath()
            path.addRoundedRect(rect, 4, 4)
            p.fillPath(path, grad)
        p.end()
        if art is None:
            self._blanks[(top.rgb(), bottom.rgb())] = pm
        else:
            self._thumbs[r.id] = pm
            while len(self._thumbs) > THUMBS_KEPT:
                self._thumbs.popitem(last=False)
        return pm

    def _art_ready(self, title_id: int, shape: str) -> None:
        if shape != "tile" or not self._loaded:
            return
        if title_id >= 0:
            row = self.row_of(title_id)
            if row is None or row >= self._loaded:
                return
            first = last = row
        else:  # everything may have art now
            self._thumbs.clear()
            first, last = 0, self._loaded - 1
        self.dataChanged.emit(self.index(first, COL_TITLE), self.index(last, COL_TITLE),
                              [Qt.ItemDataRole.DecorationRole])
