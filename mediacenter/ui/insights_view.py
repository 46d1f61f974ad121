"""The Insights screen: your viewing as pictures, your household's, what the recommender
believes about you, and an honest audit of what it shows you.

A list of sections on the left (like Settings), the chosen section on the right. The viewing
sections read history on the runner's ``work`` lane (:func:`mediacenter.insights.viewing.
compute_insights`, a connection of their own) and add one chart per turn of the event loop, so
the window never stalls while they appear. Sections are built when first shown and read again
when shown after a change (history, feedback, profiles, titles).

Keys: Up/Down choose a section, Right or Enter goes into it, Up/Down move between charts, Left
from a section's left edge comes back. Esc and Backspace are the shell's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db import open_db
from mediacenter.insights.export import write_chart_csv
from mediacenter.insights.viewing import Insights, compute_insights
from mediacenter.tasks import TaskRunner
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.charts import ChartCard
from mediacenter.ui.controls import show_status
from mediacenter.ui.events import CatalogEvents, Changes
from mediacenter.ui.sectioned import ProfileSection, SectionedScreen
from mediacenter.ui.settings_library import button

log = logging.getLogger(__name__)

# What the viewing charts are made of: history, titles (genres), profiles and who shares
# with the household (a setting).
_STALE_ON = ("history", "profiles", "titles", "settings")

# (parent, caption, suggested path, filter) -> chosen path or "" (tests answer it themselves)
AskPath = Callable[[QWidget, str, str, str], str]


def ask_save_path(parent: QWidget, caption: str, suggested: str, filters: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, caption, suggested, filters)
    return path


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name).strip("-") or "x"


class InsightsCache(QObject):
    """The charts' data per (profile, household?), read on the runner and kept until history
    changes; after a change the views already looked at are read again a moment later (a
    playback's end first rebuilds Home), so opening the screen draws at once instead of
    reading years of history first. Always on the ``work`` lane: a niced thread that holds the
    GIL while the machine is busy would hold the UI thread with it (measured: seconds)."""

    ready = Signal(int, bool, object)  # profile id, household, Insights
    failed = Signal(int, bool, str)

    PREFETCH_DELAY_MS = 1500

    def __init__(self, db_path: Path, runner: TaskRunner, parent: QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.runner = runner
        self._fresh: dict[tuple[int, bool], Insights] = {}
        self._wanted: set[tuple[int, bool]] = set()  # views looked at: kept fresh
        self._reading: dict[tuple[int, bool], int] = {}  # key -> generation being read
        self._generation = 0
        self._prefetch = QTimer(self)
        self._prefetch.setSingleShot(True)
        self._prefetch.timeout.connect(self._read_wanted)

    def get(self, profile_id: int, household: bool) -> Insights | None:
        return self._fresh.get((profile_id, household))

    def read(self, profile_id: int, household: bool) -> None:
        """Read one view (unless that reading is already on its way); ``ready`` follows."""
        key = (profile_id, household)
        self._wanted.add(key)
        if self._reading.get(key) == self._generation:
            return
        generation = self._reading[key] = self._generation
        db_path = self.db_path

        def work(_ctx) -> Insights:
            db = open_db(db_path, migrate_schema=False)
            try:
                return compute_insights(db, profile_id, household=household)
            finally:
                db.conn.close()

        def done(insights: Insights) -> None:
            if not shiboken6.isValid(self):
                return  # the window closed while it was read
            if self._reading.get(key) == generation:
                del self._reading[key]
            if generation == self._generation:
                self._fresh[key] = insights
                self.ready.emit(profile_id, household, insights)

        def failed(message: str, _tb: str) -> None:
            if not shiboken6.isValid(self):
                return
            if self._reading.get(key) == generation:
                del self._reading[key]
            self.failed.emit(profile_id, household, message)

        self.runner.run(work, name="insights", lane="work", on_done=done, on_failed=failed)

    def want(self, profile_id: int, household: bool = False, *, delay_ms: int = 4000) -> None:
        """Keep this view fresh from now on, reading it a while from now (the profile just
        chosen: its Home comes first)."""
        key = (profile_id, household)
        if key not in self._wanted:
            self._wanted.add(key)
            if not self._prefetch.isActive():
                self._prefetch.start(delay_ms)

    def invalidate(self) -> None:
        """History changed: forget every view, read the ones looked at again shortly."""
        self._generation += 1
        self._fresh.clear()
        self._reading.clear()
        if self._wanted:
            self._prefetch.start(self.PREFETCH_DELAY_MS)

    def _read_wanted(self) -> None:
        for pid, household in sorted(self._wanted):
            if (pid, household) not in self._fresh:
                self.read(pid, household)


class ViewingSection(ProfileSection):
    """A profile's (or the household's) charts; one card per chart."""

    stale_on = _STALE_ON

    charts_shown = Signal()  # every chart of the latest reading is drawn

    def __init__(self, cache: InsightsCache, *, household: bool,
                 ask_path: AskPath = ask_save_path, parent: QWidget | None = None) -> None:
        super().__init__("Your household" if household else "Your viewing",
                         "Reading your history…", parent)
        self.cache = cache
        self.household = household
        self.ask_path = ask_path
        self.insights: Insights | None = None
        self.cards: list[ChartCard] = []
        self.cards_box = QVBoxLayout()
        self.cards_box.setSpacing(18)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        lay.addWidget(self.heading)
        lay.addWidget(self.intro)
        lay.addWidget(self.status)
        lay.addLayout(self.cards_box)
        lay.addStretch(1)
        self.nav = ArrowNavigator(self, self._rows)

    # -- data --------------------------------------------------------------------------------

    def reload(self) -> None:
        """Show the profile's charts: at once when the cache holds them, else when read."""
        generation, pid = self.begin_reading()
        if pid is None:
            self._set_intro("Choose a profile to see its viewing.")
            return
        have = self.cache.get(pid, self.household)
        if have is not None:
            self._on_read(generation, have)
            return
        self._set_intro("Reading your history…" if not self.cards else self.intro.text())
        self.cache.read(pid, self.household)

    def on_ready(self, profile_id: int, household: bool, insights: Insights) -> None:
        """The cache read a view; this section shows it if it is this section's."""
        if profile_id == self.profile_id and household == self.household and \
                self.insights is not insights and not self.stale and self.isVisible():
            self._on_read(self._generation, insights)

    def on_failed(self, profile_id: int, household: bool, message: str) -> None:
        if profile_id == self.profile_id and household == self.household:
            self._set_intro(f"Your history could not be read: {message}")

    def _set_intro(self, text: str) -> None:
        self.intro.setText(text)

    def _on_read(self, generation: int, insights: Insights) -> None:
        if generation != self._generation:
            return  # a newer reading is on its way
        self.insights = insights
        if insights.viewings:
            since = time.strftime("%B %Y", time.localtime(insights.first_at or 0))
            who = "the household" if self.household else insights.name
            text = (f"{insights.viewings:,} viewings by {who} since {since}. Use ← → on a chart "
                    "to read its values.")
        else:
            text = ("Nothing watched yet. These pictures fill in as you watch: when, what, "
                    "how much you finish, your binges and how your taste moves.")
        self._set_intro(text)
        self.heading.setText("Your household" if self.household else f"{insights.name}'s viewing")
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        # Every card's frame at once (one layout), then the pictures one per turn of the
        # event loop, those in view first.
        for chart in insights.charts:
            card = ChartCard(chart, self, make_button=button)
            card.export_png.connect(self._save_png)
            card.export_csv.connect(self._save_csv)
            self.cards_box.addWidget(card)
            self.cards.append(card)
        self.nav.refresh()
        QTimer.singleShot(0, self, lambda g=generation: self._draw_next(g))

    def _draw_next(self, generation: int) -> None:
        if generation != self._generation:
            return
        waiting = [c for c in self.cards if not c.realized]
        if not waiting:
            self.charts_shown.emit()
            return
        waiting[0].realize()
        self.nav.refresh()
        QTimer.singleShot(0, self, lambda: self._draw_next(generation))

    # -- keys ----------------------------------------------------------------------------------

    def _rows(self) -> list[list[QWidget]]:
        rows: list[list[QWidget]] = []
        for card in self.cards:
            if card.view is not None:
                rows.append([card.view])
            rows.append([card.png_button, card.csv_button])
        return rows

    def focus_first(self) -> None:
        if not self.nav.focus_first():
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- export ----------------------------------------------------------------------------------

    def _suggest(self, card: ChartCard, ext: str) -> str:
        who = "household" if self.household else (self.insights.name if self.insights else "")
        return str(Path.home() / f"{_safe(who)}-{card.data.key}.{ext}")

    def _save_png(self, card: ChartCard) -> None:
        path = self.ask_path(self, f"Save “{card.data.title}” as a picture",
                             self._suggest(card, "png"), "PNG images (*.png)")
        if path:
            ok = card.save_png(path)
            self.show_status(f"Saved to {path}" if ok else f"Could not write {path}",
                             error=not ok)

    def _save_csv(self, card: ChartCard) -> None:
        path = self.ask_path(self, f"Save “{card.data.title}” as a table",
                             self._suggest(card, "csv"), "CSV files (*.csv)")
        if not path:
            return
        try:
            written = write_chart_csv(card.data, path)
        except (OSError, ValueError) as exc:
            self.show_status(f"Could not write {path}: {getattr(exc, 'strerror', None) or exc}",
                             error=True)
            return
        self.show_status(f"Saved to {written}")

    def show_status(self, message: str, *, error: bool = False) -> None:
        show_status(self.status, message, error=error)


class InsightsScreen(SectionedScreen):
    """The screen; sections are built when first shown (see the module docstring)."""

    def __init__(self, db_path: Path, runner: TaskRunner, events: CatalogEvents | None = None,
                 *, sections: dict[str, Callable[[QWidget], QWidget]] | None = None,
                 ask_path: AskPath = ask_save_path, parent: QWidget | None = None) -> None:
        """``sections``: name -> factory of the extra sections (Your taste, the audit), after
        the two viewing sections."""
        self.db_path = db_path
        self.runner = runner
        self.ask_path = ask_path
        self.profile_id: int | None = None
        self._factories: dict[str, Callable[[QWidget], QWidget]] = {
            "Your viewing": lambda parent: self._viewing(parent, household=False),
            "Household": lambda parent: self._viewing(parent, household=True),
            **(sections or {}),
        }
        super().__init__("Insights", list(self._factories), parent, margins=(56, 44, 56, 40),
                         scroll_bar_always_on=True)
        self.setObjectName("insightsView")
        self.cache = InsightsCache(db_path, runner, self)
        if events is not None:
            events.changed.connect(self._on_changes)

    # -- sections ------------------------------------------------------------------------------

    def _viewing(self, parent: QWidget, *, household: bool) -> ViewingSection:
        section = ViewingSection(self.cache, household=household, ask_path=self.ask_path,
                                 parent=parent)
        self.cache.ready.connect(section.on_ready)
        self.cache.failed.connect(section.on_failed)
        return section

    def build_section(self, name: str, holder: QWidget) -> QWidget:
        return self._factories[name](holder)

    def section_built(self, name: str, section: QWidget) -> None:
        section.set_profile(self.profile_id)  # type: ignore[attr-defined]

    def section_shown(self, name: str, section: QWidget) -> None:
        if section.stale and self.isVisible():  # type: ignore[attr-defined]
            section.reload()  # type: ignore[attr-defined]

    # -- the shell's interface -----------------------------------------------------------------

    def set_profile(self, profile_id: int | None) -> None:
        self.profile_id = profile_id
        if profile_id is not None:
            self.cache.want(profile_id)
        for section in self.sections.values():
            section.set_profile(profile_id)  # type: ignore[attr-defined]

    def open(self) -> None:
        """Shown by the shell: the current section (the first one the first time), read again
        when its data changed."""
        if self.nav_list.currentRow() < 0:
            self.nav_list.setCurrentRow(0)  # builds and reads it
        section = self.section(self.current_section())
        if section.stale:  # type: ignore[attr-defined]
            section.reload()  # type: ignore[attr-defined]

    def _on_changes(self, changes: Changes) -> None:
        if changes.any(*_STALE_ON):
            self.cache.invalidate()
        for name, section in self.sections.items():
            if section is changes.source or \
                    not changes.any(*section.stale_on):  # type: ignore[attr-defined]
                continue
            section.stale = True  # type: ignore[attr-defined]
            if self.isVisible() and name == self.current_section():
                section.reload()  # type: ignore[attr-defined]
