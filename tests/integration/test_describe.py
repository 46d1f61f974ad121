"""Descriptions per profile on a real catalog scanned from clips and .nfo files: the facts are
the catalog's, the style is learned, spoilers can be hidden; ``mediacenter describe``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mediacenter.cli import main
from mediacenter.config import app_paths
from mediacenter.db import app_settings, open_db
from mediacenter.db.profiles import create_profile
from mediacenter.db.watch import set_watched
from mediacenter.describe.compose import FEATURES
from mediacenter.describe.select import (
    describe,
    explain_description,
    reached,
    record_description_shown,
)
from mediacenter.library.roots import add_root
from mediacenter.library.scanner import Scanner
from mediacenter.previews import feedback
from mediacenter.recommend.feedback import set_thumb

WEAVER = "Sigourney Weaver"
MOVIES = {
    "Alien (1979)": (["Science Fiction", "Horror"], [WEAVER, "Tom Skerritt"]),
    "Aliens (1986)": (["Science Fiction", "Action"], [WEAVER, "Michael Biehn"]),
    "Gorillas in the Mist (1988)": (["Drama"], [WEAVER]),
    "Galaxy Quest (1999)": (["Comedy", "Science Fiction"], [WEAVER, "Tim Allen"]),
    "Avatar (2009)": (["Science Fiction", "Horror"], ["Sam Worthington", WEAVER]),
}


def _movie_nfo(title: str, genres: list[str], cast: list[str]) -> str:
    g = "".join(f"<genre>{x}</genre>" for x in genres)
    a = "".join(f"<actor><name>{x}</name><order>{i}</order></actor>" for i, x in enumerate(cast))
    extra = ("<outline>A marine on an alien moon.</outline><tagline>Enter the world."
             "</tagline>" if title.startswith("Avatar") else "")
    return (f"<movie><title>{title.split(' (')[0]}</title><plot>The plot of {title}. It goes "
            f"on.</plot>{extra}{g}{a}<runtime>95</runtime></movie>")


@pytest.fixture
def catalog(tmp_path, clip_factory):
    lib = tmp_path / "lib"
    for name, (genres, cast) in MOVIES.items():
        clip_factory(lib / name / f"{name}.mp4", duration_s=1.0, size=(64, 48))
        (lib / name / f"{name}.nfo").write_text(_movie_nfo(name, genres, cast))
    show = lib / "Harbor"
    (show).mkdir(parents=True)
    (show / "tvshow.nfo").write_text("<tvshow><title>Harbor</title><genre>Drama</genre>"
                                     "</tvshow>")
    for e in (1, 2, 3):
        base = show / "Season 01" / f"Harbor - S01E0{e}"
        clip_factory(base.with_suffix(".mp4"), duration_s=1.0, size=(64, 48))
        base.with_suffix(".nfo").write_text(
            f"<episodedetails><title>Part {e}</title><season>1</season><episode>{e}</episode>"
            f"<plot>Secret of part {e}: the butler did it.</plot></episodedetails>")
    db = open_db(app_paths().ensure().db_path)
    Scanner(db).scan_root(add_root(db, lib).id)
    ids = {t: i for i, t in db.conn.execute("SELECT id, title FROM titles")}
    yield db, ids
    db.conn.close()


def _watch_weaver_films(db, pid: int, ids: dict[str, int]) -> None:
    for t in ("Alien", "Aliens", "Gorillas in the Mist", "Galaxy Quest"):
        set_watched(db, pid, ids[t], True)
    set_thumb(db, pid, ids["Alien"], 1)


def test_facts_connect_the_title_to_the_profile_and_can_be_checked(catalog):
    db, ids = catalog
    ann = create_profile(db, "Ann")
    _watch_weaver_films(db, ann.id, ids)
    d = describe(db, ann.id, ids["Avatar"], session="s1")
    styles = {c.style: c for c in d.candidates}
    assert {"plot", "tagline", "people", "likeness"} <= set(styles)
    people = styles["people"].parts[0]
    assert people["text"] == f"With {WEAVER}, whom you watched in 4 films."
    # Checkable: the titles named are exactly the profile's watched titles with her in them.
    watched = set(people["data"]["watched_titles"])
    assert watched == {ids[t] for t in ("Alien", "Aliens", "Gorillas in the Mist",
                                        "Galaxy Quest")}
    for tid in watched:
        assert db.conn.execute("SELECT 1 FROM title_people tp JOIN people p ON p.id = "
                               "tp.person_id WHERE tp.title_id = ? AND p.name = ?",
                               (tid, WEAVER)).fetchone()
    like = styles["likeness"].parts[0]
    assert like["text"] == "Horror and Science Fiction, like Alien, which you loved."
    # After a lead, the story is the .nfo's outline, not the whole plot.
    assert styles["people"].parts[1] == {"kind": "story", "text": "A marine on an alien moon.",
                                         "source": "nfo:outline"}
    assert styles["tagline"].text == "Enter the world. A marine on an alien moon."
    # With nothing learned, what matches the profile leads.
    assert d.style in ("people", "likeness") and d.text.startswith(("With", "Horror"))


def test_a_profile_without_history_reads_the_plot(catalog):
    db, ids = catalog
    bo = create_profile(db, "Bo")
    d = describe(db, bo.id, ids["Alien"], session="s", now=time.time() + 30 * 86400)
    assert d.style == "plot" and d.text == "The plot of Alien (1979). It goes on."


def test_the_style_that_gets_reactions_is_learned(catalog):
    db, ids = catalog
    ann = create_profile(db, "Ann")
    _watch_weaver_films(db, ann.id, ids)
    now = time.time()
    # Ann never reacts after a line about people, always after the plain plot.
    for i in range(60):
        for style, reward in (("people", None), ("plot", "play")):
            feats = {"match": 0.9 if style == "people" else 0.0,
                     "people": float(style == "people"), "likeness": 0.0, "context": 0.0,
                     "story": float(style == "plot")}
            feedback.record_impression(db, "description", ann.id, ids["Avatar"], style, feats,
                                       at=now - 3000 + i * 40)
            if reward:
                feedback.record_reward(db, ann.id, ids["Avatar"], reward,
                                       at=now - 3000 + i * 40 + 1)
    from mediacenter.previews import choose

    choose._models.clear()
    info = explain_description(db, ann.id, ids["Avatar"])
    exp = {o["arm"]: o["expected"] for o in info["options"]}
    assert exp["plot"] > exp["people"]
    assert info["weights"]["story"] > info["weights"]["people"]
    assert set(info["weights"]) == set(FEATURES)


def test_spoilers_of_episodes_not_reached_can_be_hidden(catalog):
    db, _ids = catalog
    cy = create_profile(db, "Cy")
    ep = {n: i for n, i in db.conn.execute(
        "SELECT episode_number, id FROM titles WHERE kind = 'episode'")}
    finale = describe(db, cy.id, ep[3], session="s")
    assert any(c.style == "finale" and c.parts[0]["text"] == "The season 1 finale."
               for c in finale.candidates)
    assert "butler" in finale.text  # shown: the setting is off by default
    app_settings.set_hides_spoilers(db, cy.id, True)
    assert reached(db, cy.id, ep[1]) and not reached(db, cy.id, ep[2])
    hidden = describe(db, cy.id, ep[3], session="s")
    assert hidden.hidden and "butler" not in hidden.text
    assert record_description_shown(db, cy.id, hidden) is None
    set_watched(db, cy.id, ep[1], True)
    assert reached(db, cy.id, ep[2]) and not describe(db, cy.id, ep[2], session="t").hidden


def test_describe_command_defaults_to_the_first_profile(catalog, capsys):
    db, ids = catalog
    ann = create_profile(db, "Ann")
    _watch_weaver_films(db, ann.id, ids)
    assert main(["describe", str(ids["Avatar"]), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["profile"] == "Ann" and data["text"] and data["parts"] and data["why"]
    assert main(["describe", str(ids["Avatar"]), "--profile", "nobody"]) == 2
    assert "no profile 'nobody'" in capsys.readouterr().err


def test_autoplay_previews_is_off_by_default_for_kids(catalog):
    db, _ids = catalog
    kid = create_profile(db, "Kid", is_kids=True)
    grown = create_profile(db, "Grown")
    assert not app_settings.autoplay_previews(db, kid.id)
    assert app_settings.autoplay_previews(db, grown.id)
    app_settings.set_autoplay_previews(db, grown.id, False)
    app_settings.set_autoplay_previews(db, kid.id, True)
    assert app_settings.autoplay_previews(db, kid.id)
    assert not app_settings.autoplay_previews(db, grown.id)
    app_settings.forget_profile_settings(db, grown.id)
    assert app_settings.autoplay_previews(db, grown.id)


def test_nothing_is_invented_when_a_title_has_no_words(catalog, tmp_path):
    db, ids = catalog
    pid = create_profile(db, "Dee").id
    d = describe(db, pid, ids["Harbor"], session="s", now=time.time() + 60 * 86400)
    assert d.text == "" or all(p["source"] != "invented" for p in d.parts)
    assert Path(app_paths().db_path).exists()
