"""Insights ▸ Recommendation audit: the numbers of ``mediacenter audit`` for the profile
watching, beside most-popular, in words a person can read, and the "Calibrated / more diverse"
option.

The audit runs in the page process (:func:`mediacenter.audit.profile.audit_profile` through
``offload.page_process_call``: it builds the page the app would show); a kids profile also
sees the result of its check (no title above its rating in rows, search, artwork, previews or
anything stored). Up/Down move between the option and the numbers' table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlite_utils
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from mediacenter import offload
from mediacenter.audit.profile import Audit
from mediacenter.db.app_settings import calibrated_recs, set_calibrated_recs
from mediacenter.tasks import TaskRunner
from mediacenter.ui.arrow_nav import ArrowNavigator
from mediacenter.ui.controls import ToggleSwitch
from mediacenter.ui.events import CatalogEvents, Changes
from mediacenter.ui.sectioned import ProfileSection

# (key, label, format, what it means; lower or higher is "better" is not claimed: the words say)
MEASURES = (
    ("long_tail_share", "From the long tail", "{:.0%}",
     "share of titles outside the most popular ones (those holding 80 % of the votes)"),
    ("calibration_kl_top", "Calibration of Top picks", "{:.2f}",
     "how far Top picks' genre mix is from what you watch (KL divergence; 0 is the same)"),
    ("calibration_kl", "Calibration of the page", "{:.2f}",
     "the same for every recommendation row"),
    ("intra_list_diversity", "Diversity", "{:.2f}",
     "how unlike each other the titles are (0: all alike, 1: nothing in common)"),
    ("novelty", "Novelty", "{:.1f} bits", "how much rarer than the most popular title"),
    ("coverage", "Catalog coverage", "{:.1%}", "share of what you could be shown that is shown"),
    ("gini_exposure", "Gini of exposure", "{:.3f}",
     "how unequally attention is spread over the catalog (1: all on a few titles)"),
)

ReadAudit = Callable[[Path, int], Audit]


def read_in_page_process(db_path: Path, profile_id: int) -> Audit:
    return offload.page_process_call("mediacenter.audit.profile.audit_profile", db_path,
                                     profile_id)


class AuditSection(ProfileSection):
    """The "Recommendation audit" section of the Insights screen."""

    stale_on = ("history", "feedback", "profiles", "titles", "model", "settings")

    def __init__(self, db: sqlite_utils.Database, db_path: Path, runner: TaskRunner,
                 events: CatalogEvents | None = None, *, read: ReadAudit = read_in_page_process,
                 parent: QWidget | None = None) -> None:
        super().__init__("Recommendation audit", "Measuring your recommendations…", parent)
        self.db, self.db_path, self.runner, self.events, self.read = (
            db, db_path, runner, events, read)
        self.audit: Audit | None = None
        self.option = ToggleSwitch(
            "Calibrated / more diverse Top picks",
            "Holds Top picks closer to the mix of genres you watch. Measured on MovieLens it "
            "gives up a little accuracy for it (benchmarks/recs.py)")
        self.option.setObjectName("formToggle")
        self.option.toggled.connect(self._save_option)
        self.table_host = QWidget(self)
        self.table = QGridLayout(self.table_host)
        self.table.setContentsMargins(0, 0, 0, 0)
        self.table.setHorizontalSpacing(24)
        self.table.setVerticalSpacing(10)
        self.kids = QLabel()
        self.kids.setObjectName("privacyNote")
        self.kids.setWordWrap(True)
        self.kids.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(14)
        lay.addWidget(self.heading)
        lay.addWidget(self.intro)
        lay.addWidget(self.option)
        lay.addWidget(self.kids)
        lay.addWidget(self.table_host)
        lay.addStretch(1)
        self.nav = ArrowNavigator(self, [[self.option]])

    def reload(self) -> None:
        generation, pid = self.begin_reading()
        if pid is None:
            return
        self.option.blockSignals(True)
        self.option.setChecked(calibrated_recs(self.db, pid))
        self.option.blockSignals(False)
        read, db_path = self.read, self.db_path

        def done(audit: Audit) -> None:
            if self.is_current(generation):
                self.show_audit(audit)

        def failed(message: str, _tb: str) -> None:
            if self.is_current(generation):
                self.intro.setText(f"The audit could not be made: {message}")

        self.runner.run(lambda _ctx: read(db_path, pid), name="audit", lane="work",
                        on_done=done, on_failed=failed)

    def show_audit(self, audit: Audit) -> None:
        self.audit = audit
        self.heading.setText(f"Recommendation audit: {audit.profile}")
        source = ("the votes in your .nfo files" if audit.popularity_source == "votes"
                  else "what your household played")
        # Nothing recommended means nothing to measure: a table of zeros would read as a
        # verdict on the recommender.
        self.table_host.setVisible(audit.app.titles > 0)
        if audit.candidates == 0:
            self.intro.setText(
                f"Nothing to audit yet: {audit.profile} has watched or turned down every title "
                "the recommender may offer, so the home page holds no recommendations to "
                "measure. Add titles to the library and the audit fills in.")
        elif audit.app.titles == 0:
            self.intro.setText(
                f"Nothing to audit yet: {audit.candidates} titles could be recommended to "
                f"{audit.profile}, but the home page shows none of them (the recommender has "
                "not learned from this household's viewing yet).")
        else:
            self.intro.setText(
                f"Your home page shows {audit.app.titles} titles out of {audit.candidates} "
                "you could be shown. Beside each number: the same for the most popular titles, "
                f"as many, for comparison. Of the {audit.history_titles} titles you liked, "
                f"{audit.history_long_tail_share:.0%} are from the long tail. Popularity here "
                f"is {source}.")
        while self.table.count():
            item = self.table.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        for col, text in enumerate(("", "Your page", "Most popular", "")):
            h = QLabel(text)
            h.setObjectName("fieldLabel")
            self.table.addWidget(h, 0, col)
        for r, (key, label, fmt, means) in enumerate(MEASURES, start=1):
            name = QLabel(label)
            name.setObjectName("settingsValue")
            mine = QLabel(fmt.format(getattr(audit.app, key)))
            mine.setObjectName("settingsValue")
            ref = QLabel(fmt.format(getattr(audit.most_popular, key)))
            ref.setObjectName("settingsNote")
            note = QLabel(means)
            note.setObjectName("settingsNote")
            note.setWordWrap(True)
            for c, w in enumerate((name, mine, ref, note)):
                self.table.addWidget(w, r, c, alignment=Qt.AlignmentFlag.AlignTop)
        self.table.setColumnStretch(3, 1)
        if audit.kids_check is not None:
            k = audit.kids_check
            places = ", ".join(f"{n} {place.replace('_', ' ')}"
                               for place, n in k.checked.items())
            if k.violations == 0:
                self.kids.setText(f"Checked for a kids profile (up to "
                                  f"{k.max_rating or 'all ages'}): no title above it anywhere "
                                  f"({places}).")
            else:
                where = ", ".join(f"{place.replace('_', ' ')}: {len(ids)}"
                                  for place, ids in k.above.items() if ids)
                self.kids.setText(f"{k.violations} titles above {k.max_rating or 'all ages'}"
                                  f" were found ({where}). Tell a grown-up.")
            self.kids.show()
        else:
            self.kids.hide()

    def _save_option(self, on: bool) -> None:
        if self.profile_id is None:
            return
        set_calibrated_recs(self.db, self.profile_id, on)
        if self.events is not None:
            self.events.notify(Changes(settings=True, profile_id=self.profile_id, source=self))
        self.reload()

    def focus_first(self) -> None:
        if not self.nav.focus_first():
            self.setFocus(Qt.FocusReason.OtherFocusReason)
