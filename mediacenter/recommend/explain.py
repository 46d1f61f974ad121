"""Readable, truthful reasons for a recommendation, read off the scores that produced it.

A title's score is a weighted sum of parts (:class:`~mediacenter.recommend.scoring.Scores`):
collaborative (itself a sum over the profile's own titles, via the fold-in), content (a sum
over shared features), popularity and context. The reason names the part that contributed most
and, within it, the largest term: the title of the profile's that pulled it up ("Because you
watched Alien"), the shared feature ("Matches your taste for Sci-Fi", "With Sigourney Weaver,
as in Alien"), the household ("Popular in your household": never who), the hour ("You often
watch Comedy on weekday evenings"). Nothing is claimed that the numbers do not show: with no
positive part, the reason falls back to plain facts about the title (its rating, when it was
added).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mediacenter.recommend.content import CatalogIndex
from mediacenter.recommend.scoring import Scores
from mediacenter.recommend.signals import Signal

LOVE_SHARE = 0.3  # a genre this large a share of what a profile liked is one it "loves"
LOVE_MIN_TITLES = 3
HIGHLY_RATED = 7.0  # an NFO rating (0-10) worth quoting as "highly rated"


def because_phrase(signal: Signal | None, title: str) -> str:
    """ "Because you watched X" worded after the signal: loved, liked, rated, watched."""
    if signal is None:
        return f"Because you watched {title}"
    if signal.source == "explicit":
        verb = "loved" if signal.strength >= 1.0 else "liked"
        return f"Because you {verb} {title}"
    if signal.source == "import" and signal.detail.startswith("rated "):
        return f"Because you rated {title} {signal.detail.removeprefix('rated ')}"
    return f"Because you watched {title}"


def _pretty_feature(name: str) -> tuple[str, str]:
    kind, _, value = name.partition(":")
    return kind, value


def genre_shares(index: CatalogIndex, liked: Sequence[tuple[int, float]]
                 ) -> tuple[dict[str, float], dict[str, int]]:
    """Share of each genre in what a profile liked (weighted) and how many titles it covers.

    ``liked``: (index row, weight) of the profile's positive signals. A title with three genres
    gives each a third of its weight, so shares sum to 1.
    """
    share: dict[str, float] = {}
    count: dict[str, int] = {}
    total = 0.0
    for row, w in liked:
        names = index.genre_names_of(row)
        if not names or w <= 0:
            continue
        total += w
        for g in names:
            share[g] = share.get(g, 0.0) + w / len(names)
            count[g] = count.get(g, 0) + 1
    if total > 0:
        share = {g: v / total for g, v in share.items()}
    return share, count


@dataclass
class Explainer:
    """Everything a reason may quote, for one profile's page."""

    index: CatalogIndex
    scores: Scores
    history_signals: Mapping[int, Signal]  # index row -> the profile's signal
    genre_share: Mapping[str, float] = field(default_factory=dict)
    genre_count: Mapping[str, int] = field(default_factory=dict)
    others_played: Collection[int] = frozenset()  # rows another profile played (never who)
    context: np.ndarray | None = None
    context_reason: Callable[[int], str | None] | None = None  # row -> phrase
    now: float = field(default_factory=time.time)
    _similar_to: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def title_of(self, row: int) -> str:
        return self.index.items[row].title or "a title"

    def loves(self, genre: str) -> bool:
        return (self.genre_share.get(genre, 0.0) >= LOVE_SHARE
                and self.genre_count.get(genre, 0) >= LOVE_MIN_TITLES)

    # -- the parts ---------------------------------------------------------------------------

    def _cf_reason(self, row: int) -> tuple[float, str] | None:
        contributions = self.scores.cf_contributions(row)
        if not contributions:
            return None
        hist_row, value = contributions[0]
        if value <= 0:
            return None
        signal = self.history_signals.get(hist_row)
        if signal is not None and not signal.liked:
            return None
        return value, because_phrase(signal, self.title_of(hist_row))

    def _liked(self) -> list[tuple[int, Signal]]:
        return [(r, s) for r, s in self.history_signals.items() if s.liked]

    def _closest_liked(self, row: int) -> str | None:
        """ "Because you watched X (both Sci-Fi, with Y)": the liked title ``row`` is most
        like, and what they share; None when it shares nothing telling with any."""
        best, best_sim = None, 0.0
        for hist_row, signal in self._liked():
            if hist_row not in self._similar_to:
                self._similar_to[hist_row] = self.index.similar(hist_row)
            sim = float(self._similar_to[hist_row][row])
            if sim > best_sim:
                best, best_sim = (hist_row, signal), sim
        if best is None:
            return None
        title = self.title_of(best[0])
        shared = self.shared_features(row, best[0])
        if shared:
            return f"{because_phrase(best[1], title)} ({', '.join(shared)})"
        # Only what much of the library shares (a decade, a common genre): still true, and
        # said of the one title, never of "much of what you watch".
        common = self.shared_features(row, best[0], telling_only=False)
        if not common:
            return None
        what = common[0]
        if what.startswith("both "):
            return f"Also {what.removeprefix('both ')}, like {title}"
        return f"{what[0].upper()}{what[1:]}, as in {title}"

    def _content_reason(self, row: int) -> str | None:
        if len(self._liked()) < LOVE_MIN_TITLES:
            # A taste of one or two titles is those titles: name the one this is like.
            return self._closest_liked(row)
        feats = self.index.feature_contributions(row, self.scores.taste, top=3)
        if not feats:
            return None
        kind, value = _pretty_feature(feats[0][0])
        if kind == "genre":
            genres = [v for k, v in (_pretty_feature(f) for f, _ in feats) if k == "genre"]
            if len(genres) >= 2 and not self.loves(genres[0]):
                return f"Matches your taste for {genres[0]} and {genres[1]}"
            if self.loves(genres[0]):
                return f"You love {genres[0]}"
            return f"Matches your taste for {genres[0]}"
        example = self._history_with(feats[0][0])
        like = f", as in {example}" if example else ""
        if kind == "person":
            return f"With {value}{like}"
        if kind == "tag":
            return f"Tagged “{value}”{like}"
        if kind == "decade":
            if self._liked_share(feats[0][0]) >= LOVE_SHARE:
                return f"From the {value}, like much of what you watch"
            return f"From the {value}, like {example}" if example else None
        if kind == "word" and example:
            return f"A story like {example}'s"
        return None

    def _liked_share(self, feature: str) -> float:
        """The share of the profile's liked titles that have ``feature`` (0 under
        :data:`LOVE_MIN_TITLES` of them: too few to say "much of what you watch")."""
        col = self.index.feature_col.get(feature)
        liked = self._liked()
        if col is None or not liked:
            return 0.0
        having = sum(1 for r, _s in liked if col in self.index.row_features(r)[0])
        return having / len(liked) if having >= LOVE_MIN_TITLES else 0.0

    def taste_match(self, row: int) -> str | None:
        """The content reason, when the title's content part is above the catalog's mean."""
        if self.scores.content[row] <= 0:
            return None
        return self._content_reason(row)

    def _history_with(self, feature: str) -> str | None:
        """The title of the profile's best-liked title that has ``feature``."""
        col = self.index.feature_col.get(feature)
        if col is None:
            return None
        best, best_w = None, 0.0
        for hist_row, signal in self.history_signals.items():
            if signal.liked and signal.strength > best_w and \
                    col in self.index.row_features(hist_row)[0]:
                best, best_w = hist_row, signal.strength
        return self.title_of(best) if best is not None else None

    def _pop_reason(self, row: int) -> str | None:
        if row in self.others_played:
            return "Popular in your household"
        item = self.index.items[row]
        if item.rating is not None and item.rating >= HIGHLY_RATED:
            return f"Highly rated: {item.rating:.1f}/10"
        return None

    def fact(self, row: int) -> str:
        """A plain, true statement about the title when no score part speaks for it."""
        item = self.index.items[row]
        if item.rating is not None:
            return f"Rated {item.rating:.1f}/10"
        if item.added_at:
            days = int(max(0.0, self.now - item.added_at) // 86400)
            if days == 0:
                return "Added today"
            if days < 60:
                return f"Added {days} day{'s' if days != 1 else ''} ago"
        genres = self.index.genre_names_of(row)
        if genres:
            return f"{genres[0]} you haven't watched yet"
        return "Something you haven't watched yet"

    def reason(self, row: int) -> str:
        """The reason for recommending the title in ``row`` to this profile."""
        s = self.scores
        w_cf, w_ct, w_pop = s.weights
        parts: list[tuple[float, str]] = []
        cf_part = w_cf * float(s.cf[row])
        if cf_part > 0:
            r = self._cf_reason(row)
            if r is not None:
                parts.append((cf_part, r[1]))
        ct_part = w_ct * float(s.content[row])
        if ct_part > 0:
            r2 = self._content_reason(row)
            if r2 is not None:
                parts.append((ct_part, r2))
        pop_part = w_pop * float(s.pop[row])
        if pop_part > 0:
            r3 = self._pop_reason(row)
            if r3 is not None:
                parts.append((pop_part, r3))
        if self.context is not None and self.context[row] > 0 and self.context_reason:
            phrase = self.context_reason(row)
            if phrase:
                parts.append((float(self.context[row]), phrase))
        if not parts:
            return self.fact(row)
        return max(parts, key=lambda p: p[0])[1]

    def similar_reason(self, row: int, seed_row: int, seed_phrase: str) -> str:
        """For a "Because you watched X" row: X and, when there are any, what they share."""
        shared = (self.shared_features(row, seed_row)
                  or self.shared_features(row, seed_row, telling_only=False))
        return f"{seed_phrase} ({', '.join(shared)})" if shared else seed_phrase

    def shared_features(self, row: int, other: int, top: int = 2, *,
                        telling_only: bool = True) -> list[str]:
        """Readable features two titles share, most telling first (with ``telling_only``
        False, also those most of the catalog shares)."""
        cols_a, vals_a = self.index.row_features(row)
        cols_b, vals_b = self.index.row_features(other)
        common, ia, ib = np.intersect1d(cols_a, cols_b, assume_unique=True,
                                        return_indices=True)
        if len(common) == 0:
            return []
        weight = vals_a[ia] * vals_b[ib]
        out: list[str] = []
        genres: list[str] = []
        for j in np.argsort(-weight, kind="stable")[: top + 2]:
            if telling_only and not self.index.telling(int(common[j])):
                continue  # "both tagged 'demo'" when every title is
            kind, value = _pretty_feature(self.index.feature_names[common[j]])
            if kind == "genre":
                genres.append(value)
            elif kind == "person":
                out.append(f"with {value}")
            elif kind == "tag":
                out.append(f"“{value}”")
            elif kind == "decade":
                out.append(f"both from the {value}")
            elif kind == "word":
                out.append(f"both about “{value}”")
        if genres:
            out.insert(0, "both " + " and ".join(genres[:2]))
        return out[:top]
