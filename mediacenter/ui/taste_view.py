"""Insights ▸ Your taste: what the recommender believes about the profile, and the controls
that change it at once.

Each belief (genres, people, decades, keywords) shows how much it weighs and the titles that
made it (:func:`mediacenter.insights.taste.profile_taste`, read in the page process where the
content index is warm), with "Less like this"; the titles it learned most from each have
"Don't count this title"; "Forget my taste from before" a date; what was set aside can be
taken back one by one or all at once ("Reset"). A control writes
(:mod:`mediacenter.db.taste_adjustments`) and announces ``Changes(feedback=True)``: the home
page is rebuilt from the adjusted signals. Up/Down move between rows, Left/Right within one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import sqlite_utils
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mediacenter import offload
from mediacenter.db import taste_adjustments as adjust
from mediacenter.humanize import relative_time
from mediacenter.insights.taste import Belief, Taste
from mediacenter.tasks import TaskRunner
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.controls import ChevronCombo, show_status
from mediacenter.ui.events import CatalogEvents, Changes
from mediacenter.ui.sectioned import ProfileSection
from mediacenter.ui.settings_library import button, group_title

DAY = 86400.0
FORGET_CHOICES = (("a month ago", 30), ("3 months ago", 91), ("6 months ago", 182),
                  ("a year ago", 365), ("2 years ago", 730))

# (db path, profile id) -> Taste; the page process by default, tests may read in-process.
ReadTaste = Callable[[Path, int], Taste]


def read_in_page_process(db_path: Path, profile_id: int) -> Taste:
    return offload.page_process_call("mediacenter.insights.taste.profile_taste", db_path,
                                     profile_id)


def _date(ts: float) -> str:
    return time.strftime("%d %B %Y", time.localtime(ts)).lstrip("0")


class TasteSection(ProfileSection):
    """The "Your taste" section of the Insights screen."""

    stale_on = ("history", "feedback", "profiles", "titles", "model")

    def __init__(self, db: sqlite_utils.Database, db_path: Path, runner: TaskRunner,
                 events: CatalogEvents | None = None, *,
                 read: ReadTaste = read_in_page_process, parent: QWidget | None = None) -> None:
        super().__init__("Your taste", "Reading what the recommender believes…", parent)
        self.db = db
        self.db_path = db_path
        self.runner = runner
        self.events = events
        self.read = read
        self.taste: Taste | None = None
        self._rows: list[list[QWidget]] = []
        self.body = QWidget(self)
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        self.body_layout.setSpacing(14)
        # The controls that stay: forget before a date, reset.
        self.forget_combo = ChevronCombo(self)
        for label, _days in FORGET_CHOICES:
            self.forget_combo.addItem(label)
        self.forget_button = button("Forget")
        self.reset_button = button("Reset my taste")
        self.forget_button.clicked.connect(self._forget)
        self.reset_button.clicked.connect(self._reset)
        controls = QHBoxLayout()
        controls.setSpacing(12)
        forget_label = QLabel("Forget my taste from before")
        forget_label.setObjectName("settingsNote")
        controls.addWidget(forget_label)
        controls.addWidget(self.forget_combo)
        controls.addWidget(self.forget_button)
        controls.addStretch(1)
        resets = QHBoxLayout()
        resets.setSpacing(12)
        reset_note = QLabel("Takes back everything you set aside below")
        reset_note.setObjectName("settingsNote")
        resets.addWidget(self.reset_button)
        resets.addWidget(reset_note)
        resets.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        lay.addWidget(self.heading)
        lay.addWidget(self.intro)
        lay.addLayout(controls)
        lay.addLayout(resets)
        lay.addWidget(self.status)
        lay.addWidget(self.body)
        lay.addStretch(1)
        self.nav = ArrowNavigator(self, lambda: [
            [self.forget_combo, self.forget_button], [self.reset_button], *self._rows])

    # -- reading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        generation, pid = self.begin_reading()
        if pid is None:
            self.intro.setText("Choose a profile to see what the recommender believes.")
            return
        read, db_path = self.read, self.db_path

        def done(taste: Taste) -> None:
            if self.is_current(generation):
                self.show_taste(taste)

        def failed(message: str, _tb: str) -> None:
            if self.is_current(generation):
                self.intro.setText(f"What the recommender believes could not be read: "
                                   f"{message}")

        self.runner.run(lambda _ctx: read(db_path, pid), name="taste", lane="work",
                        on_done=done, on_failed=failed)

    # -- drawing ---------------------------------------------------------------------------------

    def _clear(self) -> None:
        while self.body_layout.count():
            item = self.body_layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        self._rows = []

    def show_taste(self, taste: Taste) -> None:
        self.taste = taste
        self._clear()
        self.heading.setText(f"What the recommender believes about {taste.name}")
        aside = f"; {taste.set_aside} set aside by you" if taste.set_aside else ""
        if taste.counted == 0:
            self.intro.setText(
                "Nothing yet: this fills in as you watch and rate. Until then your rows are "
                "what the household watches and what is highly rated" +
                (f" ({taste.set_aside} titles set aside by you)." if taste.set_aside else "."))
        else:
            self.intro.setText(
                f"Read off the same numbers that choose your rows and write their reasons: "
                f"{taste.counted} titles you watched or rated count{aside}. “Less like this” "
                "and “Don't count this title” change your Home at once.")
        for group, beliefs in taste.groups:
            if beliefs:
                self._belief_group(group, beliefs)
        if taste.against:
            self._belief_group("Weighs against", taste.against)
        if taste.learned_from:
            self._learned(taste)
        if taste.adjustments:
            self._set_aside(taste)
        self.forget_button.setEnabled(taste.counted > 0)
        self.reset_button.setEnabled(bool(taste.adjustments))
        self.nav.refresh()

    def _belief_group(self, name: str, beliefs: tuple[Belief, ...]) -> None:
        self.body_layout.addWidget(group_title(name))
        grid_host = QWidget(self.body)
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(8)
        for i, b in enumerate(beliefs):
            label = QLabel(b.label)
            label.setObjectName("settingsValue")
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setValue(round(100 * min(1.0, b.strength)))
            bar.setTextVisible(False)
            bar.setFixedSize(140, 10)
            if b.avoided:
                why = "You asked for less of this"
            elif b.causes:
                verb = "because of" if b.weight > 0 else "from"
                why = f"{verb} " + ", ".join(c.title for c in b.causes)
            else:
                why = ""
            causes = QLabel(why)
            causes.setObjectName("settingsNote")
            causes.setWordWrap(True)
            grid.addWidget(label, i, 0)
            grid.addWidget(bar, i, 1)
            grid.addWidget(causes, i, 2)
            if b.avoided:
                act = button("Undo")
                adj = next((a for a in (self.taste.adjustments if self.taste else ())
                            if a.feature == b.feature), None)
                if adj is not None:
                    act.clicked.connect(lambda _c=False, a=adj.id: self._undo(a))
                else:
                    act.setEnabled(False)
            elif b.weight > 0:
                act = button("Less like this")
                act.setAccessibleName(f"Less like {b.label}")
                act.clicked.connect(lambda _c=False, f=b.feature: self._less_like(f))
            else:
                continue
            grid.addWidget(act, i, 3)
            self._rows.append([act])
        grid.setColumnStretch(2, 1)
        self.body_layout.addWidget(grid_host)

    def _learned(self, taste: Taste) -> None:
        self.body_layout.addWidget(group_title("Learned most from"))
        host = QWidget(self.body)
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(8)
        for i, c in enumerate(taste.learned_from):
            name = QLabel(c.title)
            name.setObjectName("settingsValue")
            when = f" · {relative_time(c.at)}" if c.at else ""
            detail = QLabel(f"{c.detail}{when}")
            detail.setObjectName("settingsNote")
            act = button("Don't count this title")
            act.setAccessibleName(f"Don't count {c.title}")
            act.clicked.connect(lambda _c=False, t=c.title_id: self._ignore(t))
            grid.addWidget(name, i, 0)
            grid.addWidget(detail, i, 1)
            grid.addWidget(act, i, 2)
            self._rows.append([act])
        grid.setColumnStretch(1, 1)
        self.body_layout.addWidget(host)

    def _set_aside(self, taste: Taste) -> None:
        self.body_layout.addWidget(group_title("Set aside by you"))
        for a in taste.adjustments:
            if a.kind == "ignore_title":
                text = f"Not counted: {a.title or 'a title no longer in the library'}"
            elif a.kind == "less_like":
                text = f"Less like this: {(a.feature or '').partition(':')[2]}"
            else:
                text = f"Forgotten: everything before {_date(a.before_at or 0)}"
            row = QHBoxLayout()
            label = QLabel(text)
            label.setObjectName("settingsValue")
            undo = button("Undo")
            undo.clicked.connect(lambda _c=False, i=a.id: self._undo(i))
            row.addWidget(label, 1)
            row.addWidget(undo)
            host = QWidget(self.body)
            host.setLayout(row)
            self.body_layout.addWidget(host)
            self._rows.append([undo])

    # -- the controls ----------------------------------------------------------------------------

    def _changed(self, message: str) -> None:
        self.show_status(message)
        if self.events is not None:
            self.events.notify(Changes(feedback=True, profile_id=self.profile_id, source=self))
        self.reload()

    def _guard(self, fn: Callable[[], object]) -> bool:
        try:
            fn()
        except ValueError as exc:  # an unknown profile is a ValueError too
            self.show_status(str(exc), error=True)
            return False
        return True

    def _less_like(self, feature: str) -> None:
        pid = self.profile_id
        if pid is not None and self._guard(lambda: adjust.less_like(self.db, pid, feature)):
            self._changed(f"Less like {feature.partition(':')[2]}: your Home follows.")

    def _ignore(self, title_id: int) -> None:
        pid = self.profile_id
        if pid is not None and self._guard(lambda: adjust.ignore_title(self.db, pid, title_id)):
            self._changed("That title no longer counts toward your taste.")

    def _forget(self) -> None:
        pid = self.profile_id
        days = FORGET_CHOICES[max(0, self.forget_combo.currentIndex())][1]
        before = time.time() - days * DAY
        if pid is not None and self._guard(lambda: adjust.forget_before(self.db, pid, before)):
            self._changed(f"Forgotten: what you watched and rated before {_date(before)}.")

    def _reset(self) -> None:
        pid = self.profile_id
        if pid is not None:
            n = adjust.reset(self.db, pid)
            self._changed(f"Reset: {n} change{'s' if n != 1 else ''} taken back.")

    def _undo(self, adjustment_id: int) -> None:
        pid = self.profile_id
        if pid is not None and adjust.undo(self.db, pid, adjustment_id):
            self._changed("Taken back.")

    def show_status(self, message: str, *, error: bool = False) -> None:
        show_status(self.status, message, error=error)

    def buttons(self) -> list[QPushButton]:
        """Every action button, in reading order (tests and the keys)."""
        return [w for row in self._rows for w in row if isinstance(w, QPushButton)]

    def focus_first(self) -> None:
        if not self.nav.focus_first():
            self.setFocus(Qt.FocusReason.OtherFocusReason)
