"""The library screen: every title as a searchable, filterable list with a details panel.

:class:`LibraryScreen` owns its widgets (search box, Add folder / Scan buttons, the lazy
table of :class:`~mediacenter.ui.catalog_model.CatalogModel`, the details panel and the empty
state). It refreshes itself on :class:`~mediacenter.ui.events.Changes` to titles (only when
shown: 10,000 rows cost time; otherwise it is marked stale), keeps the viewer's place across
refreshes, and asks the :class:`~mediacenter.ui.scanning.ScanController` for scans. It tells
the window what to play (``play_requested``) and what to say (``status_message``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape

import sqlite_utils
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db.catalog import title_details
from mediacenter.db.watch import offered_resume
from mediacenter.humanize import format_clock, format_duration, plural
from mediacenter.library.roots import root_ids
from mediacenter.ui import title_keys
from mediacenter.ui.artwork import ArtworkLoader
from mediacenter.ui.availability_note import availability_html, check_for_page
from mediacenter.ui.catalog_model import COL_TITLE, PAGE, THUMB, CatalogModel
from mediacenter.ui.events import CatalogEvents, Changes
from mediacenter.ui.library_filters import LibraryFilters
from mediacenter.ui.roles import IdRole
from mediacenter.ui.scanning import ScanController, ScanState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _ViewAnchor:
    """Where the list was before a refresh: the current title, and a title on screen (the
    current one when visible, else the top one) with its distance from the top of the view."""

    current_id: int | None
    anchor_id: int | None
    rows_above: int  # rows between the top of the view and the anchor
    offset_px: int  # the anchor's distance from the top of the view
    scroll: int



class LibraryScreen(QWidget):
    """Every title, searchable, with a details panel; Enter or a double click opens the
    details page, the Play key plays (:mod:`mediacenter.ui.title_keys`)."""

    play_requested = Signal(int)  # title id
    details_requested = Signal(int)  # title id
    leave_up = Signal()  # Up from the search box: the navigation bar
    add_folder_requested = Signal()
    status_message = Signal(str)

    def __init__(self, db: sqlite_utils.Database, events: CatalogEvents, scans: ScanController,
                 parent: QWidget | None = None, *, loader: ArtworkLoader | None = None) -> None:
        """``loader``: the window's artwork, for the picture beside each title."""
        super().__init__(parent)
        self.setObjectName("libraryPage")
        self.db = db
        self.scans = scans
        self._stale = True  # reloaded when the screen shows
        self._reloading = False

        self.search = QLineEdit(placeholderText="Search titles, people, genres…  ( / )")
        self.search.setClearButtonEnabled(True)
        self.add_button = QPushButton("Add folder…")
        self.scan_button = QPushButton("Scan library")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.scan_button)

        self.filters = LibraryFilters(self.db)
        self.filters.changed.connect(self._on_filters)
        self.filters.leave_up.connect(self.search.setFocus)
        self.filters.leave_down.connect(self._focus_list)

        self.model = CatalogModel(self.db, self, loader=loader)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.setIconSize(THUMB)
        self.view.verticalHeader().setDefaultSectionSize(THUMB.height() + 10)
        self.view.horizontalHeader().setSectionResizeMode(COL_TITLE,
                                                          QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.details = QLabel()
        self.details.setObjectName("details")
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setMinimumWidth(360)
        self.split = QSplitter()
        self.split.addWidget(self.view)
        self.split.addWidget(self.details)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        body = QVBoxLayout(self)
        body.addLayout(top)
        body.addWidget(self.filters)
        body.addWidget(self.split, 1)
        body.addWidget(self.empty, 1)
        body.setContentsMargins(40, 20, 40, 12)

        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._debounce.start)
        self.add_button.clicked.connect(self.add_folder_requested)
        self.scan_button.clicked.connect(self._on_scan_button)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_changed)
        # Return/Enter on the list, or a double click (Qt's "activated"): the details page.
        self.view.activated.connect(self._on_activated)
        self.view.installEventFilter(self)
        self.search.installEventFilter(self)
        self.model.modelReset.connect(self._on_model_reset)
        events.changed.connect(self._on_changes)
        scans.state_changed.connect(self._on_scan_state)

    # -- what others ask -------------------------------------------------------------------

    def set_allowed(self, allowed: set[int] | None) -> None:
        """Only these titles (a kids profile's); None: every title."""
        self.model.allowed = allowed
        self.refresh()

    def set_profile(self, profile_id: int | None) -> None:
        """Whose watched / in progress the Status column and the panel show."""
        self.model.profile_id = profile_id
        self.refresh()

    def on_shown(self) -> None:
        """The window switched to this screen: catch up on what changed meanwhile."""
        if self._stale:
            self.refresh()

    def show_current_details(self) -> None:
        """Fill the details panel again (the resume point changed after playback)."""
        self._on_current_changed(self.view.currentIndex(), None)

    def _is_current(self) -> bool:
        # A page of a QStackedWidget that is not the current one is hidden.
        window = self.window()
        return window is self or self.isVisibleTo(window)

    def _on_changes(self, changes: Changes) -> None:
        if changes.any("titles", "roots", "profiles", "history"):
            self.refresh()  # the Status column too (watched, in progress, offline)
            if changes.history and self._is_current():
                self.show_current_details()

    def _on_scan_state(self, state: ScanState) -> None:
        self.scan_button.setText("Cancel scan" if state.running else "Scan library")
        if not self.model.total():
            self._update_empty_state()

    def _on_scan_button(self) -> None:
        if self.scans.running:
            self.scans.cancel_scan()
        else:
            self.scans.start_scan(None)

    def _on_activated(self, index) -> None:
        tid = index.data(IdRole) if index.isValid() else None
        if tid is not None:
            self.details_requested.emit(int(tid))

    def eventFilter(self, obj, event) -> bool:
        if event.type() != event.Type.KeyPress:
            return False
        if obj is self.view and title_keys.plays(event):
            tid = self.view.currentIndex().data(IdRole)
            if tid is not None:
                self.play_requested.emit(int(tid))
            return True
        if obj is self.search and event.key() == Qt.Key.Key_Up:
            self.leave_up.emit()
            return True
        if obj is self.search and event.key() == Qt.Key.Key_Down:
            self.filters.kind.setFocus()
            return True
        if obj is self.view and event.key() == Qt.Key.Key_Up and \
                self.view.currentIndex().row() <= 0:
            self.filters.kind.setFocus()
            return True
        return False

    def _focus_list(self) -> None:
        if self.model.rowCount():
            self.view.setFocus()
            if not self.view.currentIndex().isValid():
                self.view.setCurrentIndex(self.model.index(0, 0))

    def _on_filters(self, f) -> None:
        self.model.filters = f
        self._reload(self.model.query, force_new=True)

    # -- the list -------------------------------------------------------------------------

    def refresh(self) -> None:
        self.filters.reload_genres()
        self._reload(None)

    def apply_search(self) -> None:
        self._reload(self.search.text())

    def _reload(self, query: str | None, *, force_new: bool = False) -> None:
        """Fetch the list again. A refresh (same query: during and after a scan) keeps the
        current title current and the list where it was scrolled, even when titles were added
        or removed above; a new query starts at its first hit. Off screen the list is only
        marked stale: it reloads when the library screen shows."""
        if not self._is_current():
            self._stale = True
            return
        self._stale = False
        same_query = not force_new and (query is None or query == self.model.query)
        anchor = self._view_anchor() if same_query else None
        self._reloading = True
        try:
            self.model.reload(query)
        finally:
            self._reloading = False
        if anchor is None:
            self._select_first()
        else:
            self._restore_view(anchor)
        self._update_empty_state()

    def _view_anchor(self) -> _ViewAnchor:
        view = self.view
        current = view.currentIndex()
        current_id = current.data(IdRole) if current.isValid() else None
        scroll = view.verticalScrollBar().value()
        top = view.rowAt(0)
        if top < 0:
            return _ViewAnchor(current_id, None, 0, 0, scroll)
        bottom = view.rowAt(view.viewport().height() - 1)
        if bottom < 0:
            bottom = self.model.rowCount() - 1
        row = current.row() if current.isValid() and top <= current.row() <= bottom else top
        return _ViewAnchor(current_id, self.model.index(row, 0).data(IdRole), row - top,
                           view.rowViewportPosition(row), scroll)

    def _restore_view(self, a: _ViewAnchor) -> None:
        view, model = self.view, self.model
        row = model.row_of(a.current_id) if a.current_id is not None else None
        if row is None:
            self._select_first()
        else:
            model.load_through(row)
            view.setCurrentIndex(model.index(row, 0))
        anchor_row = model.row_of(a.anchor_id) if a.anchor_id is not None else None
        if anchor_row is not None:
            model.load_through(anchor_row + PAGE)  # rows to scroll through below the anchor
        view.doItemsLayout()  # the scroll range follows the new rows now, not at the next paint
        bar = view.verticalScrollBar()
        if anchor_row is None:
            bar.setValue(a.scroll)
        elif view.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem:
            bar.setValue(anchor_row - a.rows_above)
        else:
            bar.setValue(bar.value() + view.rowViewportPosition(anchor_row) - a.offset_px)

    def _update_empty_state(self) -> None:
        n = self.model.total()
        has_rows = n > 0
        self.split.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        filtered = not self.model.filters.is_empty()
        # The filters stay while they hide everything (to take them off), else only over a list.
        self.filters.setVisible(has_rows or filtered)
        if not has_rows:
            if filtered:
                self.empty.setText("Nothing matches these filters.\n\nChoose “Clear filters” "
                                   "to see every title again.")
            elif self.model.query.strip():
                self.empty.setText(f"Nothing matches “{self.model.query}”.")
            elif not root_ids(self.db):
                self.empty.setText(
                    "Your library is empty.\n\nChoose “Add folder…” and pick the folder "
                    "where your movies, shows or home videos live."
                )
            elif self.scans.running:
                self.empty.setText("Importing your library…\n\nTitles appear here as they "
                                   "are found.")
            else:
                self.empty.setText("No videos found yet. Choose “Scan library” to import.")
        self.status_message.emit("" if not self.model.query and not filtered  # "": the count
                                 else plural(n, "match", "matches"))

    def _on_model_reset(self) -> None:
        if not self._reloading:  # _reload restores the selection itself
            self._select_first()

    def _select_first(self) -> None:
        if self.model.rowCount() and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0, 0))

    def _on_current_changed(self, current, _previous) -> None:
        tid = current.data(IdRole) if current.isValid() else None
        self.details.setText(self._details_html(tid) if tid is not None else "")

    def _details_html(self, title_id: int) -> str:
        d = title_details(self.db, title_id)
        if d is None:
            return ""
        r = d.row
        facts = [str(r.year)] if r.year else []
        if d.runtime_min:
            facts.append(f"{d.runtime_min} min")
        elif d.versions and d.versions[0].duration_ms:
            facts.append(format_duration(d.versions[0].duration_ms))
        if d.mpaa:
            facts.append(escape(d.mpaa))
        if d.rating:
            facts.append(f"★ {d.rating:.1f}")
        html = [f"<h2>{escape(r.title)}</h2>"]
        html.append(availability_html(
            check_for_page(self.db, title_id, r.kind, self.model.profile_id), r.title))
        if d.original_title:
            html.append(f"<p style='color:#999'><i>{escape(d.original_title)}</i></p>")
        if facts:
            html.append(f"<p style='color:#bbb'>{' · '.join(facts)}</p>")
        if d.genres:
            html.append(f"<p>{escape(', '.join(d.genres))}</p>")
        if r.plot:
            html.append(f"<p>{escape(r.plot)}</p>")
        directors = [n for n, role, _ in d.people if role == "director"]
        cast = [n for n, role, _ in d.people if role == "actor"][:6]
        if directors:
            html.append(f"<p style='color:#bbb'>Director: {escape(', '.join(directors))}</p>")
        if cast:
            html.append(f"<p style='color:#bbb'>Cast: {escape(', '.join(cast))}</p>")
        if r.kind == "show":
            html.append(f"<p style='color:#bbb'>{plural(d.children, 'season')}</p>")
        for v in d.versions:
            bits = [b for b in (v.name, (v.video_codec or "").upper()) if b]
            if v.bitrate_bps:
                bits.append(f"{v.bitrate_bps / 1e6:.1f} Mbit/s")
            if v.parts > 1:
                bits.append(f"{v.parts} parts")
            head = f"▶ {escape(' · '.join(dict.fromkeys(bits)))}<br>" if bits else ""
            html.append(f"<p style='color:#888'>{head}<small>{escape(v.path)}</small></p>")
        if d.extras:
            html.append(f"<p style='color:#888'>{plural(d.extras, 'extra')}</p>")
        profile = self.model.profile_id
        resume = offered_resume(self.db, profile, title_id) if profile is not None else None
        if resume:
            html.append(f"<p>▶ Resume from {format_clock(resume)}</p>")
        return "".join(html)

