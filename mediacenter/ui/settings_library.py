"""Settings ▸ Library: the library folders, scanning, and the files a scan could not read.

This section only *asks*: adding, removing, rescanning and cancelling are signals the shell
acts on (it owns the scan task), and the shell reports scan progress back through
:meth:`LibrarySection.set_scan_state`. Folder reachability is checked on a worker thread, since
listing a folder on a sleeping NAS can take seconds.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mediacenter.config import videos_folder
from mediacenter.db.scan_problems import ScanProblem, count_problems, list_problems
from mediacenter.humanize import plural, relative_time
from mediacenter.library.availability import folder_problem
from mediacenter.library.roots import Root, list_roots
from mediacenter.tasks import Task, TaskContext, TaskRunner
from mediacenter.ui.admin_gate import AdminGate
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.controls import ConfirmDialog
from mediacenter.ui.list_delegates import TableRowDelegate
from mediacenter.ui.roles import SECOND_LINE_ROLE, IdRole

_Index = QModelIndex | QPersistentModelIndex
_KIND_TEXT = {
    "mixed": "Movies & shows", "movies": "Movies", "shows": "Shows", "home": "Home videos",
}


def _check_reachable(roots: list[tuple[int, str]]):
    def job(ctx: TaskContext) -> dict[int, str | None]:
        out: dict[int, str | None] = {}
        for rid, path in roots:
            if ctx.cancel.is_set():
                break
            out[rid] = folder_problem(path)  # the folder monitor's own test
        return out

    return job


class RootsModel(QAbstractTableModel):
    """The library folders as a table; reachability arrives later from a worker."""

    HEADERS = ("Folder", "Kind", "Videos", "Titles", "Status", "Last scan")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.roots: list[Root] = []
        self.problem: dict[int, str | None] = {}  # root id -> why unreachable (None: fine)

    def set_roots(self, roots: list[Root]) -> None:
        self.beginResetModel()
        self.roots = roots
        self.problem = {}
        self.endResetModel()

    def set_reachable(self, result: object) -> None:
        if not isinstance(result, dict):
            return
        self.problem.update({k: v for k, v in result.items() if v is None or isinstance(v, str)})
        if self.roots:
            self.dataChanged.emit(self.index(0, 4), self.index(len(self.roots) - 1, 4))

    def offline(self, root: Root) -> bool:
        """Unreachable as last looked at here, else as the catalog says."""
        if root.id in self.problem:
            return self.problem[root.id] is not None
        return not root.online

    def status(self, root: Root) -> str:
        if not self.offline(root):
            return "Online"
        why = self.problem.get(root.id)
        return f"Offline: {why}" if why else "Offline"

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.roots)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        root = self.roots[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                root.path,
                _KIND_TEXT.get(root.kind, root.kind),
                f"{root.files:,}",
                f"{root.titles:,}",
                self.status(root),
                relative_time(root.last_scan_at, never="Never scanned"),
            )[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 4:
            return QColor("#46d369" if self.status(root) == "Online" else "#ff6b6b")
        if role == Qt.ItemDataRole.ToolTipRole:
            return root.path
        if role == IdRole:
            return root.id
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ProblemsModel(QAbstractTableModel):
    """Files a scan could not import, newest scan first, fetched 200 at a time."""

    HEADERS = ("File", "Problem", "Library folder")
    PAGE = 200

    def __init__(self, db: sqlite_utils.Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.rows: list[ScanProblem] = []
        self.total = 0
        self._root_names: dict[str, str] = {}

    def _root_name(self, root_path: str) -> str:
        name = self._root_names.get(root_path)
        if name is None:
            name = self._root_names[root_path] = Path(root_path).name or root_path
        return name

    def reload(self) -> None:
        self.beginResetModel()
        self._root_names = {}
        self.total = count_problems(self.db)
        self.rows = list_problems(self.db, limit=self.PAGE)
        self.endResetModel()

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        more = list_problems(self.db, limit=self.PAGE, offset=len(self.rows))
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        p = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 2:
                return self._root_name(p.root_path)
            return p.path if index.column() == 0 else p.description
        if role == SECOND_LINE_ROLE and index.column() == 1:
            return p.short_detail
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{p.full_path}\n{p.description}\n{p.detail}".strip()
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            return QColor("#ffb4a8")
        return None


def _table(model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setObjectName("settingsTable")
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(46)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    view.setItemDelegate(TableRowDelegate(view))
    return view


def section_header(title: str, intro: str) -> QVBoxLayout:
    box = QVBoxLayout()
    box.setSpacing(6)
    t = QLabel(title)
    t.setObjectName("sectionTitle")
    i = QLabel(intro)
    i.setObjectName("sectionIntro")
    i.setWordWrap(True)
    box.addWidget(t)
    box.addWidget(i)
    return box


def group_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("groupTitle")
    return label


def button(text: str, name: str = "secondaryButton") -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setAutoDefault(False)
    b.setCursor(Qt.CursorShape.PointingHandCursor)
    return b


class LibrarySection(QWidget):
    """Folders, scan controls, scan progress and the problems list."""

    add_folder_requested = Signal(str)
    remove_folder_requested = Signal(int)
    rescan_requested = Signal(object)  # list of root ids, or None for all
    cancel_scan_requested = Signal()

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None, *,
                 gate: AdminGate | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sectionPage")
        self.db = db
        self.gate = gate or AdminGate(db, self)
        self.tasks = TaskRunner(self, max_threads=1)
        self._reach_task: Task | None = None
        self.confirm: ConfirmDialog | None = None
        self.scan_running = False

        self.roots_model = RootsModel(self)
        self.roots_view = _table(self.roots_model)
        header = self.roots_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, 6):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.roots_empty = QLabel("No folders yet. Add the folder where your movies or shows "
                                  "are, and they appear on the home screen.")
        self.roots_empty.setObjectName("settingsNote")
        self.roots_empty.setWordWrap(True)

        self.add_button = button("Add folder…", "primaryButton")
        self.rescan_button = button("Rescan")
        self.rescan_all_button = button("Rescan all")
        self.remove_button = button("Remove…")
        self.add_button.clicked.connect(self.pick_folder)
        self.rescan_button.clicked.connect(self._rescan_selected)
        self.rescan_all_button.clicked.connect(lambda: self.rescan_requested.emit(None))
        self.remove_button.clicked.connect(self._ask_remove)
        actions = QHBoxLayout()
        actions.setSpacing(12)
        for b in (self.add_button, self.rescan_button, self.rescan_all_button,
                  self.remove_button):
            actions.addWidget(b)
        actions.addStretch(1)

        self.scan_box = QFrame()
        self.scan_box.setObjectName("scanBox")
        self.scan_text = QLabel()
        self.scan_text.setObjectName("scanText")
        self.scan_text.setWordWrap(True)
        self.scan_bar = QProgressBar()
        self.scan_bar.setObjectName("scanProgress")
        self.scan_bar.setTextVisible(False)
        self.cancel_button = button("Cancel scan")
        self.cancel_button.clicked.connect(self.cancel_scan_requested.emit)
        scan_lay = QHBoxLayout(self.scan_box)
        scan_lay.setContentsMargins(20, 14, 14, 14)
        scan_lay.setSpacing(18)
        text_col = QVBoxLayout()
        text_col.setSpacing(10)
        text_col.addWidget(self.scan_text)
        text_col.addWidget(self.scan_bar)
        scan_lay.addLayout(text_col, 1)
        scan_lay.addWidget(self.cancel_button)
        self.scan_box.hide()

        self.problems_title = group_title("Problems")
        self.problems_intro = QLabel("Files the scans could not import. Fix or remove them, "
                                     "then rescan.")
        self.problems_intro.setObjectName("settingsNote")
        self.problems_model = ProblemsModel(db, self)
        self.problems_view = _table(self.problems_model)
        ph = self.problems_view.horizontalHeader()
        # No ResizeToContents here: it measures every loaded row on each page fetched.
        ph.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        ph.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        ph.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.problems_view.setColumnWidth(2, 180)
        self.problems_view.verticalHeader().setDefaultSectionSize(66)
        self.problems_view.setMinimumHeight(230)
        self.problems_empty = QLabel("No problems: every file found was read.")
        self.problems_empty.setObjectName("statusOk")
        # Stays up while a folder is offline, whatever else happens (a rescan included).
        self.offline_note = QLabel()
        self.offline_note.setObjectName("formError")
        self.offline_note.setWordWrap(True)
        self.offline_note.setTextFormat(Qt.TextFormat.RichText)
        self.offline_note.hide()
        self.roots_model.dataChanged.connect(lambda *_: self._update_offline_note())

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(16)
        lay.addLayout(section_header(
            "Library", "The folders that hold your videos. Changes on disk are picked up while "
            "the app runs; Rescan reads a folder again now."))
        lay.addSpacing(6)
        lay.addWidget(group_title("Folders"))
        lay.addWidget(self.roots_view)
        lay.addWidget(self.roots_empty)
        lay.addLayout(actions)
        lay.addWidget(self.offline_note)
        lay.addWidget(self.scan_box)
        lay.addSpacing(10)
        lay.addWidget(self.problems_title)
        lay.addWidget(self.problems_intro)
        lay.addWidget(self.problems_view, 1)
        lay.addWidget(self.problems_empty)

        self.nav = ArrowNavigator(self, [
            [self.roots_view],
            [self.add_button, self.rescan_button, self.rescan_all_button, self.remove_button],
            [self.cancel_button],
            [self.problems_view],
        ])

    # -- content ----------------------------------------------------------------------------------

    def reload(self) -> None:
        self.reload_roots()
        self.reload_problems()
        self._update_offline_note()

    def reload_roots(self) -> None:
        """The folders table and the offline note (not the problems: a scan may be writing
        them)."""
        selected = self.selected_root_id()
        roots = list_roots(self.db)
        self.roots_model.set_roots(roots)
        rows = max(1, min(len(roots), 6))
        self.roots_view.setFixedHeight(
            self.roots_view.horizontalHeader().sizeHint().height() + rows * 46 + 8)
        self.roots_view.setVisible(bool(roots))
        self.roots_empty.setVisible(not roots)
        ids = [r.id for r in roots]
        row = ids.index(selected) if selected in ids else 0
        if roots:
            self.roots_view.setCurrentIndex(self.roots_model.index(row, 0))
        self._update_buttons()
        self._check_reachability(roots)
        self._update_offline_note()

    def reload_problems(self) -> None:
        self.problems_model.reload()
        n = self.problems_model.total
        self.problems_title.setText(f"Problems ({n:,})" if n else "Problems")
        self.problems_view.setVisible(n > 0)
        self.problems_intro.setVisible(n > 0)
        self.problems_empty.setVisible(n == 0 and not self.offline_roots())
        if n:
            self.problems_view.setCurrentIndex(self.problems_model.index(0, 0))

    def offline_roots(self) -> list[Root]:
        return [r for r in self.roots_model.roots if self.roots_model.offline(r)]

    def _update_offline_note(self) -> None:
        """Say plainly which folders cannot be reached and what to do, for as long as they
        cannot (the problems list then never claims that everything was read)."""
        offline = self.offline_roots()
        self.offline_note.setVisible(bool(offline))
        no_problems = self.problems_model.total == 0
        self.problems_empty.setVisible(no_problems and not offline)
        if not offline:
            return
        lines = []
        for r in offline:
            why = self.roots_model.problem.get(r.id) or "not reachable"
            lines.append(
                f"<b>“{escape(r.name or r.path)}” can’t be reached</b> ({escape(why)}): "
                f"{escape(r.path)}<br>Its {plural(r.titles, 'title')} stay in the library, "
                "marked offline, and play again as soon as it is back. Connect the drive or "
                "share; if you renamed or moved the folder, add it again and remove this one.")
        self.offline_note.setText("<br><br>".join(lines))

    def _check_reachability(self, roots: list[Root]) -> None:
        if self._reach_task is not None:
            self._reach_task.cancel()
        if not roots:
            return
        task = Task(_check_reachable([(r.id, r.path) for r in roots]), "reachability")
        task.signals.finished.connect(self.roots_model.set_reachable)
        self._reach_task = self.tasks.start(task)

    def selected_root_id(self) -> int | None:
        index = self.roots_view.currentIndex()
        if not index.isValid() or not self.roots_model.roots:
            return None
        value = self.roots_model.index(index.row(), 0).data(IdRole)
        return int(value) if value is not None else None

    def _update_buttons(self) -> None:
        has_roots = bool(self.roots_model.roots)
        self.rescan_button.setEnabled(has_roots)
        self.rescan_all_button.setEnabled(has_roots)
        self.remove_button.setEnabled(has_roots)

    def focus_first(self) -> None:
        if self.roots_model.roots:
            self.roots_view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- actions ----------------------------------------------------------------------------------

    def set_can_manage(self, allowed: bool) -> None:
        """A kids profile sees the folders and may rescan, but never adds or removes one."""
        self.add_button.setVisible(allowed)
        self.remove_button.setVisible(allowed)

    def pick_folder(self) -> None:
        """A grown-up's PIN where needed, then the system's folder picker; the shell adds and
        scans the folder."""
        self.gate.run(self, lambda _grant: self._pick_folder())

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, "Choose a folder with videos", str(videos_folder()),
            QFileDialog.Option.ShowDirsOnly,
        )
        if path:
            self.add_folder_requested.emit(path)

    def _rescan_selected(self) -> None:
        rid = self.selected_root_id()
        if rid is not None:
            self.rescan_requested.emit([rid])

    def _ask_remove(self) -> None:
        rid = self.selected_root_id()
        root = next((r for r in self.roots_model.roots if r.id == rid), None)
        if root is not None:
            self.gate.run(self, lambda _grant: self._confirm_remove(root))

    def _confirm_remove(self, root: Root) -> None:
        name = root.name or root.path
        self.confirm = ConfirmDialog(
            f"Remove “{name}” from the library?",
            f"{root.path}\n\nThe files stay on the disk; only the catalog forgets them. "
            "Watch history comes back if you add the folder again.",
            "Remove folder", parent=self,
        )
        self.confirm.accepted.connect(lambda rid=root.id: self.remove_folder_requested.emit(rid))
        self.confirm.open()

    def set_scan_state(self, running: bool, text: str, done: int, total: int) -> None:
        """Show the shell's scan: a bar (busy when the total is unknown) and Cancel."""
        self.scan_running = running
        self.scan_box.setVisible(running or bool(text))
        self.scan_text.setText(text or ("Scanning…" if running else ""))
        self.scan_bar.setVisible(running)
        if total > 0:
            self.scan_bar.setRange(0, total)
            self.scan_bar.setValue(max(0, min(done, total)))
        else:
            self.scan_bar.setRange(0, 0)  # busy indicator
        self.cancel_button.setVisible(running)
        had_focus = self.cancel_button.hasFocus()
        if not running and had_focus:
            self.rescan_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def summary(self) -> str:
        """One line for the section list ("2 folders · 3 problems")."""
        n = len(self.roots_model.roots)
        text = plural(n, "folder")
        if self.problems_model.total:
            text += f" · {plural(self.problems_model.total, 'problem')}"
        return text
