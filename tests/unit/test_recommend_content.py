"""Content vectors: shared genres, people and tags make titles similar; explanations read
the features that matched."""

from __future__ import annotations

import numpy as np
import pytest

from mediacenter.recommend.content import ItemMeta, build_index, plot_words


def _items():
    return [
        ItemMeta(1, "k1", title="Alien", year=1979, genres=("Sci-Fi", "Horror"),
                 people=(("Ridley Scott", "director", None), ("Sigourney Weaver", "actor", 0)),
                 plot="A crew aboard a spaceship meets a deadly alien creature."),
        ItemMeta(2, "k2", title="Aliens", year=1986, genres=("Sci-Fi", "Action"),
                 people=(("James Cameron", "director", None), ("Sigourney Weaver", "actor", 0)),
                 plot="Marines fight the alien creature on a distant colony."),
        ItemMeta(3, "k3", title="Blade Runner", year=1982, genres=("Sci-Fi", "Thriller"),
                 people=(("Ridley Scott", "director", None), ("Harrison Ford", "actor", 0))),
        ItemMeta(4, "k4", title="Notting Hill", year=1999, genres=("Romance", "Comedy"),
                 people=(("Hugh Grant", "actor", 0),), tags=("london",)),
        ItemMeta(5, "k5", title="Love Actually", year=2003, genres=("Romance", "Comedy"),
                 people=(("Hugh Grant", "actor", 0),), tags=("london",)),
        ItemMeta(6, "k6", title="Heat", genres=("Crime",),
                 people=(("Unique Person", "actor", 0),)),
    ]


def test_similarity_follows_shared_metadata():
    index = build_index(_items())
    sim_alien = index.similar(index.pos[1])
    assert sim_alien[index.pos[1]] == pytest.approx(1.0)
    # Aliens (genre + star) and Blade Runner (genre + director) before the romances
    assert sim_alien[index.pos[2]] > sim_alien[index.pos[4]]
    assert sim_alien[index.pos[3]] > sim_alien[index.pos[5]]
    sim_notting = index.similar(index.pos[4])
    assert sim_notting[index.pos[5]] > 0.9  # same genres, star and tag
    assert sim_notting[index.pos[6]] == 0.0


def test_features_of_every_title_are_dropped():
    items = [ItemMeta(k, f"k{k}", genres=("Drama", "Noir" if k < 2 else "Comedy"),
                      tags=("demo",)) for k in range(4)]
    index = build_index(items)
    assert "tag:demo" not in index.feature_names and "genre:Drama" not in index.feature_names
    assert index.similar(0)[1] > 0.99 and index.similar(0)[2] == 0.0


def test_features_of_a_single_title_are_dropped():
    index = build_index(_items())
    assert "person:Unique Person" not in index.feature_names
    assert "person:Sigourney Weaver" in index.feature_names
    # Heat shares nothing (its genre and actor are its own): an all-zero vector
    assert index.features[index.pos[6]].nnz == 0


def test_rare_features_weigh_more_than_common_ones():
    items = [ItemMeta(1, "a", genres=("Drama", "Film-Noir")),
             ItemMeta(2, "b", genres=("Drama", "Film-Noir")),
             ItemMeta(3, "c", genres=("Drama",)), ItemMeta(4, "d", genres=("Drama",)),
             ItemMeta(5, "e", genres=("Comedy",))]
    index = build_index(items)
    cols, vals = index.row_features(0)
    by_name = {index.feature_names[c]: v for c, v in zip(cols, vals, strict=True)}
    assert by_name["genre:Film-Noir"] > by_name["genre:Drama"]


def test_taste_vector_and_contributions_name_the_matching_features():
    index = build_index(_items())
    taste = index.taste(index.rows([1, 3]), [1.0, 1.0])
    scores = index.features @ taste
    assert scores[index.pos[2]] > scores[index.pos[4]]
    top = index.feature_contributions(index.pos[2], taste)
    names = [n for n, _ in top]
    assert "genre:Sci-Fi" in names
    assert all(v > 0 for _, v in top)


def test_a_negative_signal_pushes_similar_titles_down():
    index = build_index(_items())
    liked_only = index.features @ index.taste(index.rows([1]), [1.0])
    with_dislike = index.features @ index.taste(index.rows([1, 4]), [1.0, -1.0])
    assert with_dislike[index.pos[5]] < liked_only[index.pos[5]]
    assert with_dislike[index.pos[5]] < 0


def test_genre_matrix_and_names():
    index = build_index(_items())
    assert index.genre_names_of(index.pos[1]) == ["Horror", "Sci-Fi"]
    assert index.genres.shape == (6, len(index.genre_names))
    assert np.asarray(index.genres.sum(axis=0)).ravel()[index.genre_names.index("Sci-Fi")] == 3


def test_quality_prior_shrinks_ratings_with_few_votes():
    items = [ItemMeta(1, "a", rating=9.5, votes=3), ItemMeta(2, "b", rating=8.0, votes=90_000),
             ItemMeta(3, "c", rating=5.0, votes=90_000), ItemMeta(4, "d")]
    q = build_index(items).quality
    assert q[1] > q[0] > q[2]  # 9.5 from three votes says less than 8.0 from 90,000
    assert q.min() >= 0.0 and q.max() <= 1.0


def test_plot_words_keep_content_words():
    words = plot_words("A crew aboard a spaceship meets the deadly Alien; they find the ALIEN.")
    assert "alien" in words and "spaceship" in words and "deadly" in words
    assert words.count("alien") == 1
    assert "they" not in words and "find" not in words  # stop words
    assert plot_words(None) == []


def test_empty_catalog_builds():
    index = build_index([])
    assert len(index) == 0
    assert index.features.shape[0] == 0
