"""The details page: artwork, facts, Play/Resume, versions, episodes, feedback.

Everything is reachable with the keyboard: the buttons sit in one row (Left/Right), Down goes
to the season selector and the episode list, Enter plays, Esc/Backspace go back (the window
handles those). Feedback (thumbs, "Not interested") is per profile and goes to the
recommender's tables through ``mediacenter.recommend.feedback``.
"""

from __future__ import annotations

import logging
import re
from html import escape
from pathlib import PurePath

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mediacenter.db.app_settings import resume_mode
from mediacenter.db.catalog import (
    episode_code,
    episode_entries,
    episodes_by_season,
    show_of,
    title_details,
    version_audio,
)
from mediacenter.db.stories import interactive_note, title_story
from mediacenter.db.watch import (
    is_watched,
    next_episode,
    offered_resume,
    set_watched,
)
from mediacenter.humanize import format_clock
from mediacenter.recommend import feedback
from mediacenter.ui.artwork import ArtworkLoader
from mediacenter.ui.availability_note import availability_html, check_for_page
from mediacenter.ui.controls import named
from mediacenter.ui.events import CatalogEvents, Changes
from mediacenter.ui.home_view import HeroBanner
from mediacenter.ui.roles import IdRole

log = logging.getLogger(__name__)

# A reason that only states the score ("Rated 6.7/10"): the header's facts show it already.
_RATING_FACT = re.compile(r"^(?:Highly rated: |Rated )\d+(?:\.\d+)?/10$")


def without_rating(reason: str | None) -> str | None:
    """``reason`` without the parts that only repeat the rating: the page shows it once."""
    if not reason:
        return reason
    parts = [p for p in reason.split(" · ") if not _RATING_FACT.match(p.strip())]
    return " · ".join(parts) or None

# Text and glyphs every platform font has (no colour-emoji font on many Linux desktops).
THUMBS = ((-1, "✗  Not for me", "Not for me"), (1, "✓  I like it", "I like this"),
          (2, "♥  Love it", "Love this!"))


class DetailsView(QWidget):
    """One title. Signals carry what to play: (title id, version id or 0, start over)."""

    play_requested = Signal(int, int, bool)

    def __init__(self, db, loader: ArtworkLoader | None, events: CatalogEvents | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.events = events
        if events is not None:
            events.changed.connect(self._on_changes)
        self.setObjectName("detailsView")
        self.db = db
        self.loader = loader
        self.profile_id: int | None = None
        self.title_id: int | None = None
        self.kind = ""
        self.reason: str | None = None

        self.header = HeroBanner(db, loader)
        self.header.setObjectName("detailsHeader")
        self.header.play_button.hide()
        self.header.more_button.hide()
        self.header.warns = False  # the page says it in full, with what to do
        self.header.setFixedHeight(400)

        self.play_button = named(QPushButton("▶  Play"), "heroPlay")
        self.restart_button = named(QPushButton("↺  Start over"), "detailsButton")
        self.version_box = named(QComboBox(), "versionBox")
        self.watched_button = named(QPushButton("✓  Mark watched"), "detailsButton")
        self.thumb_buttons: dict[int, QPushButton] = {}
        for value, glyph, tip in THUMBS:
            b = named(QPushButton(glyph), "detailsButton")  # one style: checked = chosen
            b.setCheckable(True)
            b.setToolTip(tip)
            b.setAccessibleName(tip)
            b.clicked.connect(lambda _c=False, v=value: self.set_thumb(v))
            self.thumb_buttons[value] = b
        self.not_interested = named(QPushButton("Not interested"), "detailsButton")
        self.why_button = named(QPushButton("Why this image?"), "detailsButton")
        self.why_preview_button = named(QPushButton("Why this preview?"), "detailsButton")
        self.buttons = [self.play_button, self.restart_button, self.version_box,
                        self.watched_button, *self.thumb_buttons.values(),
                        self.not_interested, self.why_button, self.why_preview_button]
        # Two rows: what to do with the title, then what you think of it.
        self.primary = [self.play_button, self.restart_button, self.version_box,
                        self.watched_button]
        self.secondary = [*self.thumb_buttons.values(), self.not_interested, self.why_button,
                          self.why_preview_button]
        bar = QVBoxLayout()
        bar.setSpacing(12)
        for group in (self.primary, self.secondary):
            line = QHBoxLayout()
            line.setSpacing(12)
            for button in group:
                line.addWidget(button)
                button.installEventFilter(self)
            line.addStretch(1)
            bar.addLayout(line)

        self.info = named(QLabel(), "detailsInfo")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.why = named(QLabel(), "detailsWhy")
        self.why.setWordWrap(True)
        self.why.hide()

        self.season_box = named(QComboBox(), "seasonBox")
        self.episodes = named(QListWidget(), "episodeList")
        self.episodes.setIconSize(QSize(0, 0))
        self.episodes.setMinimumHeight(260)
        self.season_box.installEventFilter(self)
        self.episodes.installEventFilter(self)
        self.episode_area = QWidget()
        ep_lay = QVBoxLayout(self.episode_area)
        ep_lay.setContentsMargins(0, 8, 0, 0)
        heading = named(QLabel("Episodes"), "rowHeading")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.season_box)
        ep_lay.addLayout(top)
        ep_lay.addWidget(self.episodes)

        body = named(QWidget(), "detailsBody")
        col = QVBoxLayout(body)
        col.setContentsMargins(48, 0, 48, 40)
        col.setSpacing(16)
        col.addLayout(bar)
        col.addWidget(self.why)
        col.addWidget(self.info)
        col.addWidget(self.episode_area)
        col.addStretch(1)
        page = QWidget()
        page_lay = QVBoxLayout(page)
        page_lay.setContentsMargins(0, 0, 0, 0)
        page_lay.setSpacing(0)
        page_lay.addWidget(self.header)
        page_lay.addWidget(body, 1)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setWidget(page)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroller)

        self.play_button.clicked.connect(lambda: self._play(start_over=False))
        self.restart_button.clicked.connect(lambda: self._play(start_over=True))
        self.watched_button.clicked.connect(self.toggle_watched)
        self.not_interested.clicked.connect(self.mark_not_interested)
        self.why_button.clicked.connect(self.toggle_why)
        self.why_preview_button.clicked.connect(self.toggle_why_preview)
        self.season_box.currentIndexChanged.connect(self._fill_episodes)
        self.episodes.itemActivated.connect(self._play_episode)
        self._seasons: list[tuple[int, list[int]]] = []

    # -- content ----------------------------------------------------------------------------

    def show_title(self, title_id: int, profile_id: int | None, reason: str | None = None) -> bool:
        """Fill the page for ``title_id`` (an episode opens its show at that episode)."""
        d = title_details(self.db, title_id)
        if d is None:
            return False
        focus_episode = None
        if d.row.kind in ("episode", "season"):
            show = show_of(self.db, title_id)
            if show is not None:
                focus_episode = title_id if d.row.kind == "episode" else None
                title_id = show
                d = title_details(self.db, title_id) or d
        self.title_id = title_id
        self.profile_id = profile_id
        self.kind = d.row.kind
        self.reason = reason
        from mediacenter.home.rows import RowItem

        self.header.set_item(RowItem(title_id, without_rating(reason)))
        self.why.hide()
        self._fill_info(d)
        self._fill_versions(d)
        self._fill_seasons(focus_episode)
        self._refresh_state()
        self.scroller.verticalScrollBar().setValue(0)
        self.play_button.setFocus()
        if self.loader is not None:
            self.loader.reward(title_id, "details")
        return True

    def _fill_info(self, d) -> None:
        html = []
        if d.original_title and d.original_title != d.row.title:
            html.append(f"<p style='color:#999'><i>{escape(d.original_title)}</i></p>")
        self.availability = check_for_page(self.db, d.row.id, d.row.kind, self.profile_id)
        html.append(availability_html(self.availability, d.row.title))
        story = interactive_note(self.db, d.row.id, self.profile_id)
        if story:
            html.append(f"<p style='color:#e5e5e5'>◆ {escape(story)}</p>")
        directors = [n for n, role, _ in d.people if role == "director"]
        cast = [n for n, role, _ in d.people if role == "actor"][:8]
        if cast:
            html.append(f"<p><span style='color:#888'>Cast:</span> {escape(', '.join(cast))}</p>")
        if directors:
            html.append(f"<p><span style='color:#888'>Director:</span> "
                        f"{escape(', '.join(directors))}</p>")
        if d.genres:
            html.append(f"<p><span style='color:#888'>Genres:</span> "
                        f"{escape(', '.join(d.genres))}</p>")
        for v in d.versions:
            bits = [b for b in (v.name, (v.video_codec or "").upper()) if b]
            if v.bitrate_bps:
                bits.append(f"{v.bitrate_bps / 1e6:.1f} Mbit/s")
            audio = version_audio(self.db, v.id)
            if audio:
                bits.append("Audio: " + ", ".join(audio))
            where = v.path
            if v.parts > 1 and story:
                # An interactive film's files are the story's segments, not parts played in
                # a row: name them so, and where they are (the folder), not the first file.
                bits.append(f"{v.parts} story segments")
                where = str(PurePath(v.path).parent)
            elif v.parts > 1:
                bits.append(f"{v.parts} parts")
            head = (f"▣ {escape(' · '.join(dict.fromkeys(bits)))}<br>" if bits else "")
            html.append(f"<p style='color:#aaa'>{head}"
                        f"<small style='color:#777'>{escape(where)}</small></p>")
        if d.extras:
            html.append(f"<p style='color:#888'>{d.extras} extra(s)</p>")
        self.info.setText("".join(html))

    def _fill_versions(self, d) -> None:
        self.version_box.blockSignals(True)
        self.version_box.clear()
        for v in d.versions:
            label = v.name or f"Version {v.id}"
            self.version_box.addItem(label, v.id)
        self.version_box.setVisible(len(d.versions) > 1)
        self.version_box.blockSignals(False)

    def _fill_seasons(self, focus_episode: int | None) -> None:
        tid = self.title_id
        self._seasons = episodes_by_season(self.db, tid) if tid and self.kind == "show" else []
        self.episode_area.setVisible(bool(self._seasons))
        if not self._seasons:
            return
        target = focus_episode
        if target is None and self.profile_id is not None and tid is not None:
            target = next_episode(self.db, self.profile_id, tid)
        self.season_box.blockSignals(True)
        self.season_box.clear()
        pick = 0
        for i, (season, ids) in enumerate(self._seasons):
            self.season_box.addItem("Specials" if season == 0 else f"Season {season}", season)
            if target in ids:
                pick = i
        self.season_box.setCurrentIndex(pick)
        self.season_box.blockSignals(False)
        self._fill_episodes(pick, focus=target)

    def _fill_episodes(self, index: int, focus: int | None = None) -> None:
        self.episodes.clear()
        if not 0 <= index < len(self._seasons):
            return
        ids = self._seasons[index][1]
        never = resume_mode(self.db) == "never"  # then no episode is offered as resumable
        for e in episode_entries(self.db, ids, self.profile_id):
            tid = e.id
            bits = [f"{e.number}." if e.number is not None else "•", e.title]
            tail = []
            if e.length_ms:
                tail.append(f"{round(e.length_ms / 60000)} min" if e.length_ms >= 60000
                            else format_clock(e.length_ms))
            if e.watched:
                tail.append("✓ watched")
            elif e.resume_ms and not never:
                tail.append(f"resume at {format_clock(e.resume_ms)}")
            text = f"{'  '.join(bits)}    {'  ·  '.join(tail)}"
            if e.plot:
                text += f"\n{e.plot[:160]}{'…' if len(e.plot) > 160 else ''}"
            item = QListWidgetItem(text)
            item.setData(IdRole, tid)
            self.episodes.addItem(item)
            if tid == focus:
                self.episodes.setCurrentItem(item)
        if self.episodes.currentRow() < 0 and self.episodes.count():
            self.episodes.setCurrentRow(0)

    def _refresh_state(self) -> None:
        pid, tid = self.profile_id, self.title_id
        if tid is None:
            return
        target = tid
        if self.kind == "show" and pid is not None:
            target = next_episode(self.db, pid, tid) or tid
        resume = offered_resume(self.db, pid, target) if pid is not None else None
        if self.kind == "show" and target != tid:
            code = episode_code(self.db, target)
            verb = "Resume" if resume else "Play"
            self.play_button.setText(f"▶  {verb} {code}".rstrip())
        elif resume and title_story(self.db, tid) is not None:
            self.play_button.setText("▶  Resume from your last choice")
        else:
            self.play_button.setText(f"▶  Resume from {format_clock(resume)}" if resume
                                     else "▶  Play")
        self.restart_button.setVisible(bool(resume))
        watched = pid is not None and is_watched(self.db, pid, tid)
        self.watched_button.setText("↩  Mark unwatched" if watched else "✓  Mark watched")
        thumb = feedback.get_thumb(self.db, pid, tid) if pid is not None else None
        for value, b in self.thumb_buttons.items():
            b.setChecked(thumb == value)
        for b in (*self.thumb_buttons.values(), self.not_interested):
            b.setVisible(pid is not None)
        self.why_button.setVisible(self.loader is not None)
        from mediacenter.previews.select import has_preview  # numpy: not at start-up

        self.why_preview_button.setVisible(has_preview(self.db, tid))

    # -- actions ----------------------------------------------------------------------------

    def _play(self, start_over: bool) -> None:
        if self.title_id is None:
            return
        # The first entry is the best version: only another choice is the viewer's own.
        version = (self.version_box.currentData()
                   if self.version_box.isVisible() and self.version_box.currentIndex() > 0
                   else 0)
        self.play_requested.emit(self.title_id, int(version or 0), start_over)

    def _play_episode(self, item: QListWidgetItem) -> None:
        tid = item.data(IdRole)
        if tid is not None:
            self.play_requested.emit(int(tid), 0, False)

    def set_thumb(self, value: int) -> None:
        if self.profile_id is None or self.title_id is None:
            return
        current = feedback.get_thumb(self.db, self.profile_id, self.title_id)
        feedback.set_thumb(self.db, self.profile_id, self.title_id,
                           None if current == value else value)
        self._refresh_state()
        self._tell(Changes(feedback=True, profile_id=self.profile_id, source=self))

    def mark_not_interested(self) -> None:
        if self.profile_id is None or self.title_id is None:
            return
        feedback.mark_not_interested(self.db, self.profile_id, self.title_id)
        self.not_interested.setText("Hidden from your rows")
        self._tell(Changes(feedback=True, profile_id=self.profile_id, source=self))

    def toggle_watched(self) -> None:
        if self.profile_id is None or self.title_id is None:
            return
        now = is_watched(self.db, self.profile_id, self.title_id)
        set_watched(self.db, self.profile_id, self.title_id, not now)
        self._refresh_state()
        self._fill_seasons(None)
        self._tell(Changes(history=True, profile_id=self.profile_id, source=self))

    def _tell(self, changes: Changes) -> None:
        if self.events is not None:
            self.events.notify(changes)

    def _on_changes(self, changes: Changes) -> None:
        # Playback or another screen changed what this page shows (resume point, watched).
        if changes.source is not self and self.title_id is not None and \
                changes.any("history", "feedback", "titles"):
            self.show_title(self.title_id, self.profile_id, self.reason)

    def toggle_why_preview(self) -> None:
        """"Why this preview?": which clip, why it was cut there, why this profile gets it."""
        if self.why.isVisible():
            self.why.hide()
            return
        try:
            from mediacenter.previews.select import explain_preview

            assert self.title_id is not None  # the button shows only on a title's page
            lines = explain_preview(self.db, self.profile_id, self.title_id)["summary"]
        except Exception:  # transparency view: never fail the page
            log.exception("explain_preview failed")
            lines = ["No preview for this title yet."]
        self.why.setText("<br>".join(escape(line) for line in lines))
        self.why.show()

    def toggle_why(self) -> None:
        if self.why.isVisible():
            self.why.hide()
            return
        text = "No personal image for this title yet: it shows the first image available."
        try:
            from mediacenter.artwork.select import explain_choice, why_text

            assert self.title_id is not None  # the button shows only on a title's page
            lines = why_text(explain_choice(self.db, self.profile_id, self.title_id))
        except Exception:  # transparency view: never fail the page
            log.exception("explain_choice failed")
            lines = []
        if lines:
            text = "<br>".join(escape(line) for line in lines)
        self.why.setText(text)
        self.why.show()

    # -- keyboard ---------------------------------------------------------------------------

    def _visible_buttons(self) -> list[QWidget]:
        return [b for b in self.buttons if b.isVisible()]

    def eventFilter(self, obj, event) -> bool:
        if event.type() != event.Type.KeyPress:
            return False
        key = event.key()
        buttons = self._visible_buttons()
        if obj in buttons:
            row = [b for b in (self.primary if obj in self.primary else self.secondary)
                   if b.isVisible()]
            other = [b for b in (self.secondary if obj in self.primary else self.primary)
                     if b.isVisible()]
            i = row.index(obj)
            if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                j = i + (1 if key == Qt.Key.Key_Right else -1)
                if 0 <= j < len(row):
                    row[j].setFocus()
                return True
            if key == Qt.Key.Key_Down:
                if obj in self.primary and other:
                    other[min(i, len(other) - 1)].setFocus()
                elif self.episode_area.isVisible():
                    self.episodes.setFocus()
                    self.scroller.ensureWidgetVisible(self.episodes, 0, 80)
                return True
            if key == Qt.Key.Key_Up:
                if obj in self.secondary and other:
                    other[min(i, len(other) - 1)].setFocus()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and isinstance(obj, QPushButton):
                obj.click()
                return True
        elif obj is self.episodes:
            if key == Qt.Key.Key_Up and self.episodes.currentRow() <= 0:
                self.season_box.setFocus()
                return True
            if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                step = 1 if key == Qt.Key.Key_Right else -1
                n = self.season_box.currentIndex() + step
                if 0 <= n < self.season_box.count():
                    self.season_box.setCurrentIndex(n)
                return True
        elif obj is self.season_box:
            if key == Qt.Key.Key_Up:
                self.play_button.setFocus()
                self.scroller.verticalScrollBar().setValue(0)
                return True
            if key == Qt.Key.Key_Down:
                self.episodes.setFocus()
                return True
        return False
