"""The library screen: every title as a searchable list with a details panel.

A mixin of :class:`~mediacenter.ui.main_window.MainWindow` (it uses the window's widgets and
connection); split out to keep each part of the window readable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape

from PySide6.QtWidgets import (
    QAbstractItemView,
)

from mediacenter.db.catalog import (
    count_titles,
    title_details,
)
from mediacenter.db.profiles import first_profile_id
from mediacenter.db.watch import offered_resume
from mediacenter.humanize import format_clock, format_duration, plural
from mediacenter.library.roots import list_roots
from mediacenter.ui.catalog_model import PAGE
from mediacenter.ui.roles import IdRole

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



class LibraryPageMixin:
    """Refreshing the list without losing the viewer's place; the details panel."""

    # -- catalog ----------------------------------------------------------------------------

    _library_stale = True  # reloaded when the library screen shows: 10,000 rows cost time

    def refresh(self) -> None:
        self._reload(None)

    def _apply_search(self) -> None:
        self._reload(self.search.text())

    def _reload(self, query: str | None) -> None:
        """Fetch the list again. A refresh (same query: during and after a scan) keeps the
        current title current and the list where it was scrolled, even when titles were added
        or removed above; a new query starts at its first hit. Off screen the list is only
        marked stale: it reloads when the library screen shows."""
        if self.pages.currentWidget() is not self.catalog_page:
            self._library_stale = True
            if self._scan is None:  # the count is news on any screen; scan progress wins
                self._show_status(self.titles_status())
            return
        self._library_stale = False
        same_query = query is None or query == self.model.query
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
        if not has_rows:
            if self.model.query.strip():
                self.empty.setText(f"Nothing matches “{self.model.query}”.")
            elif not list_roots(self.db):
                self.empty.setText(
                    "Your library is empty.\n\nChoose “Add folder…” and pick the folder "
                    "where your movies, shows or home videos live."
                )
            elif self._scan is not None:
                self.empty.setText("Importing your library…\n\nTitles appear here as they "
                                   "are found.")
            else:
                self.empty.setText("No videos found yet. Choose “Scan library” to import.")
        self._show_status(self.titles_status() if not self.model.query else
                          plural(n, "match", "matches"))

    def titles_status(self) -> str:
        """'22 titles': the library's one count (db.catalog.count_titles), what this profile
        may see, whether or not the Library screen was opened yet."""
        return plural(count_titles(self.db, allowed=self.allowed), "title")

    def _show_status(self, text: str) -> None:
        if not self._cancelling:  # until the scan stops, "Cancelling…" is the news
            self.status.setText(text)

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
        if not r.available:
            facts.append("<span style='color:#e50914'>offline</span>")
        html = [f"<h2>{escape(r.title)}</h2>"]
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
        profile = first_profile_id(self.db)
        resume = offered_resume(self.db, profile, title_id) if profile is not None else None
        if resume:
            html.append(f"<p>▶ Resume from {format_clock(resume)}</p>")
        return "".join(html)

