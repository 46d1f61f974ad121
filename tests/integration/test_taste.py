"""'Your taste': the beliefs read off the scores, and the controls acting on the next page."""

from __future__ import annotations

import pytest

from mediacenter.db import taste_adjustments as ta
from mediacenter.db.profiles import ProfileNotFoundError, create_profile
from mediacenter.insights.taste import profile_taste
from mediacenter.recommend.page import build_page, score_titles
from mediacenter.recommend.signals import profile_signals, recency_weight
from mediacenter.recommend.synthetic import add_title, record_watch

NOW = 1_700_000_000.0
DAY = 86400.0


@pytest.fixture
def lib(catalog_db, fresh_page_caches):
    """Sci-Fi by Ada Vance, Horror, Comedy; Sam watched Sci-Fi lately and Horror long ago."""
    db = catalog_db
    ids: dict[str, int] = {}
    for k in range(12):
        ids[f"sf{k}"] = add_title(db, f"Star {k}", year=1985, genres=("Sci-Fi",),
                                  people=[("Ada Vance", "director", None)],
                                  plot="A crew on a ship near a distant planet.", rating=7.0)
        ids[f"ho{k}"] = add_title(db, f"Fear {k}", year=2005, genres=("Horror",),
                                  plot="A ghost haunts the house.", rating=7.0)
        ids[f"co{k}"] = add_title(db, f"Laugh {k}", year=2015, genres=("Comedy",),
                                  plot="A wedding goes wrong.", rating=7.0)
    sam = create_profile(db, "Sam").id
    for k in range(4):
        record_watch(db, sam, ids[f"sf{k}"], at=NOW - (k + 1) * DAY)
    for k in range(3):
        record_watch(db, sam, ids[f"ho{k}"], at=NOW - 400 * DAY - k * DAY)
    return db, sam, ids


def _titles(page) -> list[int]:
    return [it.title_id for row in page.rows for it in row.items]


def test_beliefs_come_with_the_titles_that_made_them(lib):
    db, sam, _ids = lib
    taste = profile_taste(db, sam, now=NOW)
    assert taste.name == "Sam" and taste.counted == 7 and taste.set_aside == 0
    genres = dict(taste.groups)["Genres"]
    assert [b.label for b in genres][:2] == ["Sci-Fi", "Horror"]  # recent counts more
    sci = genres[0]
    assert sci.strength == pytest.approx(1.0) or sci.strength <= 1.0
    assert {c.title for c in sci.causes} <= {f"Star {k}" for k in range(4)}
    assert len(sci.causes) == 3 and all(c.detail == "watched" for c in sci.causes)
    # The parts are the decomposition of the weight: each of the four films by Ada Vance gives
    # its recency-weighted share, the three largest are named.
    people = dict(taste.groups)["People"]
    assert people[0].label == "Ada Vance" and people[0].feature == "person:Ada Vance"
    w = [recency_weight(NOW - (k + 1) * DAY, NOW) for k in range(4)]
    assert [c.part for c in people[0].causes] == pytest.approx([x / sum(w) for x in w[:3]])
    decades = [b.label for b in dict(taste.groups)["Decades"]]
    assert decades[0] == "1980s"
    keywords = [b.label for b in dict(taste.groups)["Keywords"]]
    assert "“planet”" in keywords or "“crew”" in keywords
    assert taste.learned_from[0].title.startswith("Star ")
    with pytest.raises(ProfileNotFoundError):
        profile_taste(db, 999, now=NOW)


def test_dont_count_this_title_acts_on_the_next_page(lib):
    db, sam, ids = lib
    seed = ids["sf0"]  # the latest: the first "Because you watched" row
    before = build_page(db, sam, now=NOW)
    assert f"because:{seed}" in [r.key for r in before.rows]
    ta.ignore_title(db, sam, seed, now=NOW)
    after = build_page(db, sam, now=NOW)
    assert f"because:{seed}" not in [r.key for r in after.rows]
    assert all("Star 0" not in (it.reason or "") for r in after.rows for it in r.items)
    assert seed not in _titles(after)  # still seen: never recommended back
    assert seed not in profile_signals(db, sam, NOW)
    taste = profile_taste(db, sam, now=NOW)
    assert taste.set_aside == 1
    assert all(c.title_id != seed for _g, beliefs in taste.groups for b in beliefs
               for c in b.causes)
    assert [a.kind for a in taste.adjustments] == ["ignore_title"]
    assert taste.adjustments[0].title == "Star 0"


def test_less_like_this_pushes_a_feature_out_of_the_rows(lib):
    db, sam, ids = lib
    scifi = {ids[f"sf{k}"] for k in range(12)}
    scores = score_titles(db, sam, now=NOW)
    assert set(sorted(scores, key=lambda t: -scores[t])[:6]) <= scifi  # what Sam watches
    ta.less_like(db, sam, "genre:Sci-Fi", now=NOW)
    scores = score_titles(db, sam, now=NOW)
    ranked = sorted(scores, key=lambda t: -scores[t])
    # Every unwatched title without Sci-Fi now ranks above every Sci-Fi title.
    n_other = sum(1 for t in scores if t not in scifi)
    assert not scifi & set(ranked[:n_other])
    page = build_page(db, sam, now=NOW)
    top = next(r for r in page.rows if r.key == "top")
    assert not scifi & {it.title_id for it in top.items}
    taste = profile_taste(db, sam, now=NOW)
    assert any(b.feature == "genre:Sci-Fi" and b.avoided for b in taste.against)
    assert "Sci-Fi" not in [b.label for b in dict(taste.groups)["Genres"]]
    with pytest.raises(ValueError, match="kinds are"):
        ta.less_like(db, sam, "mood:Gloomy")


def test_forget_before_a_date_and_reset(lib):
    db, sam, ids = lib
    page0 = build_page(db, sam, now=NOW)
    ta.forget_before(db, sam, NOW - 200 * DAY, now=NOW)
    taste = profile_taste(db, sam, now=NOW)
    assert taste.counted == 4 and taste.set_aside == 3
    assert "Horror" not in [b.label for b in dict(taste.groups)["Genres"]]
    assert all(c.title.startswith("Star ") for c in taste.learned_from)
    # Old viewings stay seen: never recommended again.
    assert not {ids[f"ho{k}"] for k in range(3)} & set(_titles(build_page(db, sam, now=NOW)))
    with pytest.raises(ValueError, match="in the past"):
        ta.forget_before(db, sam, NOW + 10 * DAY, now=NOW)
    ta.ignore_title(db, sam, ids["sf1"], now=NOW)
    ta.less_like(db, sam, "person:Ada Vance", now=NOW)
    assert ta.reset(db, sam) == 3
    assert not ta.adjustments(db, sam).any
    assert [r.key for r in build_page(db, sam, now=NOW).rows] == [r.key for r in page0.rows]


def test_training_leaves_out_what_was_set_aside(lib, tmp_path):
    from mediacenter.recommend.signals import household_signals

    db, sam, ids = lib
    ta.ignore_title(db, sam, ids["sf2"], now=NOW)
    assert ids["sf2"] not in household_signals(db, NOW)[sam]


def test_undo_one_adjustment(lib):
    db, sam, ids = lib
    ta.less_like(db, sam, "genre:Comedy", now=NOW)
    ta.ignore_title(db, sam, ids["sf0"], now=NOW + 1)
    rows = ta.list_adjustments(db, sam)
    assert [r.kind for r in rows] == ["ignore_title", "less_like"]
    assert ta.undo(db, sam, rows[0].id) and not ta.undo(db, sam, rows[0].id)
    assert ta.adjustments(db, sam) == ta.Adjustments(frozenset(), frozenset({"genre:Comedy"}))
