"""A home page is an ordered list of rows; a row is a heading and ordered title ids with reasons.

This is the contract between row builders (the catalog rows here, the recommender's personal
rows in ``mediacenter.recommend``) and the GUI, which only renders what it is given. Plain data,
no Qt, no database handles: a page can be built on a worker thread and handed to the UI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlite_utils import Database

# Row kinds the GUI draws differently: "continue" tiles carry a progress bar and resume on Enter.
KIND_TITLES = "titles"
KIND_CONTINUE = "continue"


@dataclass(frozen=True)
class RowItem:
    title_id: int
    reason: str | None = None  # "Because you watched Alien"; shown on the tile and in details
    progress: float | None = None  # 0..1 for continue-watching items


@dataclass(frozen=True)
class Row:
    key: str  # stable across refreshes ("continue", "genre:Drama", "because:42"): keeps focus
    title: str  # the heading the viewer reads
    items: tuple[RowItem, ...]
    kind: str = KIND_TITLES
    reason: str | None = None  # why this row is here, when the heading alone does not say

    @property
    def title_ids(self) -> list[int]:
        return [item.title_id for item in self.items]


@dataclass(frozen=True)
class Page:
    rows: tuple[Row, ...]
    hero: RowItem | None = None  # the billboard's title; None -> the first item of the first row
    built_in_s: float = 0.0
    notes: tuple[str, ...] = field(default=())  # e.g. "model still training: catalog rows"


class PageBuilder(Protocol):
    """Anything that builds a profile's home page from the catalog."""

    def __call__(self, db: Database, profile_id: int, *, now: float | None = None) -> Page: ...


def dedupe_rows(rows: Sequence[Row], *, max_per_page: int = 2, min_items: int = 1,
                min_fresh: int = 0) -> list[Row]:
    """Rows that differ where the eye lands: no title twice in a row, at most ``max_per_page``
    times on a page, and never at the same place in two rows.

    In each row the titles no earlier row showed come first, in the row's order; titles shown
    already follow them, each only where no earlier row has it at the same position (a small
    library makes rows share titles; they must still not look like one list twice). Rows left
    with fewer than ``min_items`` titles, or fewer than ``min_fresh`` new ones, are dropped.
    """
    seen: dict[int, int] = {}
    places: dict[int, set[int]] = {}  # title -> positions it holds in earlier rows
    out: list[Row] = []
    for row in rows:
        unique: list[RowItem] = []
        for item in row.items:
            if all(item.title_id != u.title_id for u in unique):
                unique.append(item)
        fresh = [it for it in unique if seen.get(it.title_id, 0) == 0]
        pending = [it for it in unique if 0 < seen.get(it.title_id, 0) < max_per_page]
        items = list(fresh)
        while pending:
            at = len(items)
            pick = next((it for it in pending if at not in places.get(it.title_id, ())), None)
            if pick is None:
                break
            items.append(pick)
            pending.remove(pick)
        if len(items) < min_items or len(fresh) < min_fresh:
            continue
        for at, item in enumerate(items):
            seen[item.title_id] = seen.get(item.title_id, 0) + 1
            places.setdefault(item.title_id, set()).add(at)
        out.append(Row(row.key, row.title, tuple(items), row.kind, row.reason))
    return out
