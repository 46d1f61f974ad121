"""Content similarity from metadata: genres, tags, people, decade and plot keywords.

Collaborative data is thin in a household of one or two profiles, and a title nobody has
played has none at all; what the catalog knows about a title is then the only evidence. Each
title becomes a sparse, L2-normalised vector of weighted features (``genre:Drama``,
``person:Ridley Scott``, ``tag:heist``, ``decade:1980s``, ``word:alien``), each feature also
weighted by its inverse document frequency so that "Drama" counts for less than "Film-Noir".
Similarity is the cosine of two vectors; a profile's taste is the signed, weighted sum of the
vectors of what it played, and a title's score against it decomposes feature by feature, which
is where the explanations come from ("you love Sci-Fi", "with Sigourney Weaver").

The same :class:`CatalogIndex` is built from the live catalog (:func:`load_catalog_items`) and
from a MovieLens ``movies.csv`` (``mediacenter.recommend.evaluate``), so the evaluation measures
the code the app runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import sqlite_utils

# Feature weights before IDF: how much a shared feature says about shared taste.
W_GENRE = 1.0
W_TAG = 0.6
W_DIRECTOR = 0.8
W_WRITER = 0.5
W_ACTOR = 0.6
W_DECADE = 0.35
W_WORD = 0.3
MAX_ACTORS = 5  # billing order: the sixth name on a cast list says little about a film
MAX_WORDS = 8  # plot keywords kept per title (highest IDF first)
RECOMMENDABLE_KINDS = ("movie", "show")

_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_STOP = frozenset("""
about above after again against along also among another around away back became become
becomes been before begin begins being below between both brings called came cannot comes
could does doing down during each even ever every find finds first from gets getting give
given goes going gone have having help here himself herself into itself just know known last
later life like live lives long look made make makes many more most much must never next
only other others over part people place same sees seems sets show should since some soon
still story such take takes than that their them themselves then there these they thing
things this those though three through time together turn turns under until upon very want
wants well were what when where which while whom whose will with within without world would
year years young your after finds film movie series season episode
""".split())


@dataclass(frozen=True)
class ItemMeta:
    """What the recommender knows about one recommendable title (a movie or a show)."""

    id: int
    key: str  # stable identity (titles.key; "ml:<movieId>" for MovieLens items)
    kind: str = "movie"
    title: str = ""
    year: int | None = None
    added_at: float = 0.0
    rating: float | None = None  # NFO community rating, 0-10
    votes: int | None = None
    mpaa: str | None = None
    genres: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    people: tuple[tuple[str, str, int | None], ...] = ()  # (name, role, billing order)
    plot: str | None = None


@dataclass
class CatalogIndex:
    """Recommendable titles in a fixed order with their content vectors.

    Row ``r`` of every array describes the title ``ids[r]``; ``pos`` maps a title id to its row.
    """

    items: list[ItemMeta]
    ids: np.ndarray  # int64
    pos: dict[int, int]
    features: sp.csr_matrix  # n_items x n_features, rows L2-normalised
    feature_names: list[str]
    genres: sp.csr_matrix  # n_items x n_genres, 0/1
    genre_names: list[str]
    added_at: np.ndarray  # float64
    quality: np.ndarray  # float64 0..1: the NFO rating shrunk toward the mean by its votes
    signature: tuple = field(default=())  # what it was built from (the cache's key)
    feature_df: np.ndarray | None = None  # titles per feature
    _feature_col: dict[str, int] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def keys(self) -> list[str]:
        return [it.key for it in self.items]

    def row_features(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """(feature columns, weights) of one title, columns sorted."""
        f = self.features
        start, end = f.indptr[row], f.indptr[row + 1]
        return f.indices[start:end], f.data[start:end]

    @property
    def feature_col(self) -> dict[str, int]:
        if self._feature_col is None:
            self._feature_col = {k: j for j, k in enumerate(self.feature_names)}
        return self._feature_col

    def telling(self, col: int) -> bool:
        """Whether a feature says something: not shared by most of the catalog."""
        return self.feature_df is None or self.feature_df[col] * 2 <= len(self.items)

    def rows(self, title_ids: Iterable[int]) -> np.ndarray:
        """Row numbers of the given ids that are in the index (others are skipped)."""
        return np.array([self.pos[t] for t in title_ids if t in self.pos], dtype=np.int64)

    def similar(self, row: int) -> np.ndarray:
        """Cosine similarity of every title to the title in ``row`` (0..1)."""
        cols, vals = self.row_features(row)
        vec = np.zeros(self.features.shape[1])
        vec[cols] = vals
        return self.features @ vec

    def taste(self, rows: Sequence[int] | np.ndarray, weights: Sequence[float] | np.ndarray
              ) -> np.ndarray:
        """A taste vector over features: the weighted sum of the titles' vectors.

        Negative weights (a thumbs down, "not interested") subtract what those titles share.
        """
        if len(rows) == 0:
            return np.zeros(self.features.shape[1])
        w = sp.csr_matrix(
            (np.asarray(weights, dtype=np.float64), (np.zeros(len(rows)), np.asarray(rows))),
            shape=(1, len(self.items)),
        )
        vec = np.asarray((w @ self.features).todense()).ravel()
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def feature_contributions(self, row: int, taste: np.ndarray, top: int = 3
                              ) -> list[tuple[str, float]]:
        """The telling features that make ``row`` match ``taste``, largest contribution
        first (a feature most of the catalog shares explains nothing)."""
        start, end = self.features.indptr[row], self.features.indptr[row + 1]
        cols = self.features.indices[start:end]
        contrib = self.features.data[start:end] * taste[cols]
        order = np.argsort(-contrib, kind="stable")
        return [(self.feature_names[cols[j]], float(contrib[j])) for j in order
                if contrib[j] > 0 and self.telling(int(cols[j]))][:top]

    def genre_names_of(self, row: int) -> list[str]:
        start, end = self.genres.indptr[row], self.genres.indptr[row + 1]
        return [self.genre_names[c] for c in self.genres.indices[start:end]]


def _norm(text: str) -> str:
    return " ".join(text.split())


def plot_words(plot: str | None) -> list[str]:
    """Candidate keywords of a plot: lower-cased words of 4+ letters, stop words out."""
    if not plot:
        return []
    return [w for w in dict.fromkeys(m.lower() for m in _WORD.findall(plot[:4000]))
            if w not in _STOP]


def _quality(items: Sequence[ItemMeta]) -> np.ndarray:
    """A 0..1 prior from NFO ratings: a Bayesian average, so 9.5 from 3 votes counts little."""
    ratings = np.array([it.rating if it.rating is not None and 0 <= it.rating <= 10 else np.nan
                        for it in items], dtype=np.float64)
    if not np.isfinite(ratings).any():
        return np.zeros(len(items))
    mean = float(np.nanmean(ratings))
    votes = np.array([float(it.votes) if it.votes and it.votes > 0 else 0.0 for it in items])
    has_votes = votes > 0
    # Without vote counts every rating is trusted the same, halfway.
    prior_weight = np.where(has_votes, 1000.0, 1.0)
    weight = np.where(has_votes, votes, 1.0)
    filled = np.where(np.isfinite(ratings), ratings, mean)
    shrunk = np.where(np.isfinite(ratings),
                      (filled * weight + mean * prior_weight) / (weight + prior_weight), mean)
    return np.clip(shrunk / 10.0, 0.0, 1.0)


def _item_features(it: ItemMeta) -> dict[str, float]:
    """Raw (pre-IDF) features of one title, plot words aside."""
    f: dict[str, float] = {}
    for g in it.genres:
        f["genre:" + _norm(g)] = W_GENRE
    for t in it.tags:
        f["tag:" + _norm(t).lower()] = W_TAG
    for name, role, order in it.people:
        if role == "director":
            weight = W_DIRECTOR
        elif role == "writer":
            weight = W_WRITER
        elif role == "actor" and (order is None or order < MAX_ACTORS):
            weight = W_ACTOR
        else:
            continue
        key = "person:" + _norm(name)
        if weight > f.get(key, 0.0):
            f[key] = weight
    if it.year:
        f[f"decade:{it.year // 10 * 10}s"] = W_DECADE
    return f


def build_index(items: Sequence[ItemMeta], *, signature: tuple = ()) -> CatalogIndex:
    """Content vectors for ``items`` (order kept). Pure: no database."""
    items = list(items)
    n = len(items)
    words_per_item = [plot_words(it.plot) for it in items]
    word_df: dict[str, int] = {}
    for words in words_per_item:
        for w in words:
            word_df[w] = word_df.get(w, 0) + 1
    # (row, feature id, weight) triplets; feature ids numbered as they appear
    fid: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, (it, words) in enumerate(zip(items, words_per_item, strict=True)):
        f = _item_features(it)
        # Words shared by 2+ titles only, rarest first: a word of one plot matches nothing.
        shared = sorted((w for w in words if word_df[w] > 1), key=lambda w: (word_df[w], w))
        for w in shared[:MAX_WORDS]:
            f["word:" + w] = W_WORD
        for k, v in f.items():
            j = fid.get(k)
            if j is None:
                j = fid[k] = len(fid)
            rows.append(r)
            cols.append(j)
            vals.append(v)
    r_arr = np.array(rows, dtype=np.int64)
    c_arr = np.array(cols, dtype=np.int64)
    v_arr = np.array(vals, dtype=np.float64)
    df = np.bincount(c_arr, minlength=len(fid))
    # A feature of a single title cannot make two titles similar, and one of every title
    # cannot tell them apart: leave both out.
    keep_feature = (df > 1) & (df < n)
    all_names = np.array(list(fid), dtype=object)
    order = np.argsort(all_names[keep_feature].astype(str), kind="stable")
    kept_ids = np.flatnonzero(keep_feature)[order]
    new_col = np.full(len(fid), -1, dtype=np.int64)
    new_col[kept_ids] = np.arange(len(kept_ids))
    names = [str(x) for x in all_names[kept_ids]]
    idf = np.log((1 + n) / (1 + df[kept_ids]))
    m = new_col[c_arr] >= 0
    cc = new_col[c_arr[m]]
    feats = sp.csr_matrix((v_arr[m] * idf[cc], (r_arr[m], cc)), shape=(n, len(names)))
    feats.sort_indices()
    norms = np.sqrt(np.asarray(feats.multiply(feats).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    feats = sp.csr_matrix(sp.diags(1.0 / norms) @ feats)
    feats.sort_indices()

    genre_names = sorted({_norm(g) for it in items for g in it.genres}, key=str.casefold)
    gcol = {g: j for j, g in enumerate(genre_names)}
    g_rows, g_cols = [], []
    for r, it in enumerate(items):
        for g in dict.fromkeys(_norm(g) for g in it.genres):
            g_rows.append(r)
            g_cols.append(gcol[g])
    genres = sp.csr_matrix((np.ones(len(g_rows)), (g_rows, g_cols)),
                           shape=(n, len(genre_names)))
    genres.sort_indices()
    ids = np.array([it.id for it in items], dtype=np.int64)
    return CatalogIndex(
        items=items, ids=ids, pos={int(t): r for r, t in enumerate(ids)}, features=feats,
        feature_names=names, genres=genres, genre_names=genre_names,
        added_at=np.array([it.added_at or 0.0 for it in items], dtype=np.float64),
        quality=_quality(items), signature=signature, feature_df=df[kept_ids],
    )


# -- the catalog -----------------------------------------------------------------------------


def catalog_signature(db: sqlite_utils.Database) -> tuple:
    """Cheap fingerprint of the recommendable titles: changes when a scan changed them."""
    # The library writer bumps updated_at whenever it rewrites a title's genres, tags or
    # people, so the titles table alone tells whether the index is stale.
    row = db.conn.execute(
        "SELECT count(*), max(id), max(updated_at), max(removed_at), total(removed_at IS NULL) "
        "FROM titles WHERE kind IN ('movie', 'show')"
    ).fetchone()
    return tuple(row)


def load_catalog_items(db: sqlite_utils.Database) -> list[ItemMeta]:
    """Every recommendable title of the catalog (movies and shows, not removed)."""
    c = db.conn
    genres: dict[int, list[str]] = {}
    for tid, name in c.execute(
        "SELECT tg.title_id, g.name FROM title_genres tg JOIN genres g ON g.id = tg.genre_id "
        "JOIN titles t ON t.id = tg.title_id "
        "WHERE t.kind IN ('movie', 'show') AND t.removed_at IS NULL ORDER BY g.name"
    ):
        genres.setdefault(tid, []).append(name)
    tags: dict[int, list[str]] = {}
    for tid, name in c.execute(
        "SELECT tt.title_id, tg.name FROM title_tags tt JOIN tags tg ON tg.id = tt.tag_id "
        "JOIN titles t ON t.id = tt.title_id "
        "WHERE t.kind IN ('movie', 'show') AND t.removed_at IS NULL"
    ):
        tags.setdefault(tid, []).append(name)
    people: dict[int, list[tuple[str, str, int | None]]] = {}
    for tid, name, role, order in c.execute(
        "SELECT tp.title_id, p.name, tp.role, tp.ord FROM title_people tp "
        "JOIN people p ON p.id = tp.person_id JOIN titles t ON t.id = tp.title_id "
        "WHERE t.kind IN ('movie', 'show') AND t.removed_at IS NULL "
        "AND tp.role IN ('actor', 'director', 'writer')"
    ):
        people.setdefault(tid, []).append((name, role, order))
    out = []
    for tid, key, kind, title, year, added, rating, votes, mpaa, plot in c.execute(
        "SELECT id, key, kind, title, year, added_at, rating, votes, mpaa, plot FROM titles "
        "WHERE kind IN ('movie', 'show') AND removed_at IS NULL ORDER BY id"
    ):
        out.append(ItemMeta(
            id=int(tid), key=str(key), kind=kind, title=title or "", year=year,
            added_at=float(added or 0.0),
            rating=float(rating) if rating is not None else None,
            votes=int(votes) if votes is not None else None, mpaa=mpaa,
            genres=tuple(genres.get(tid, ())), tags=tuple(tags.get(tid, ())),
            people=tuple(people.get(tid, ())), plot=plot,
        ))
    return out


def load_catalog_index(db: sqlite_utils.Database) -> CatalogIndex:
    """The content index of the live catalog (see :mod:`mediacenter.recommend.page` for the
    per-process cache)."""
    signature = catalog_signature(db)
    return build_index(load_catalog_items(db), signature=signature)
