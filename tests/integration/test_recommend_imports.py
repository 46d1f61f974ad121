"""Importing ratings exports (Letterboxd, IMDb, MovieLens) into a real catalog: what matches,
what does not and why, and files that are not exports at all."""

from __future__ import annotations

import pytest

from mediacenter.db import open_db, transaction
from mediacenter.db.profiles import create_profile
from mediacenter.recommend import imports
from mediacenter.recommend.imports import (
    RatingsImportError,
    import_ratings,
    normalize_title,
    parse_ratings_file,
)
from mediacenter.recommend.signals import profile_signals
from mediacenter.recommend.synthetic import add_title


@pytest.fixture
def lib(tmp_path):
    db = open_db(tmp_path / "c.sqlite3")
    with transaction(db):
        ids = {
            "alien": add_title(db, "Alien", year=1979, imdb_id="tt0078748", tmdb_id="348"),
            "blade": add_title(db, "Blade Runner", year=1982),
            "matrix": add_title(db, "The Matrix", year=1999),
            "amelie": add_title(db, "Amélie", year=2001,
                                original_title="Le Fabuleux Destin d'Amélie Poulain"),
            "sol72": add_title(db, "Solaris", year=1972),
            "sol02": add_title(db, "Solaris", year=2002),
            "heat": add_title(db, "Heat", year=1995),
            "show": add_title(db, "The Office", kind="show", year=2005),
            "gone": add_title(db, "Gone Film", year=2000, removed_at=1.0),
        }
    pid = create_profile(db, "Ann").id
    yield db, pid, ids, tmp_path
    db.conn.close()


def _stored(db, pid):
    return dict(db.conn.execute(
        "SELECT title_id, value FROM ratings WHERE profile_id = ? AND source = 'import'",
        (pid,)))


LETTERBOXD = """Date,Name,Year,Letterboxd URI,Rating
2020-01-02,Alien,1979,https://boxd.it/a,4.5
2020-01-03,Blade Runner,1983,https://boxd.it/b,4
2020-01-04,"Matrix, The",1999,https://boxd.it/c,5
2020-01-05,Amelie,2001,https://boxd.it/d,3.5
2020-01-06,Solaris,,https://boxd.it/e,3
2020-01-07,Not In The Library,2010,https://boxd.it/f,2
2020-01-08,Heat,1995,https://boxd.it/g,
2020-01-09,Heat,1995,https://boxd.it/h,great
2020-01-10,Solaris,1990,https://boxd.it/i,1
2020-01-11,Gone Film,2000,https://boxd.it/j,4
2020-01-12,The Office,2005,https://boxd.it/k,4
"""


def test_letterboxd_rows_match_by_title_and_year(lib):
    db, pid, ids, tmp = lib
    f = tmp / "ratings.csv"
    f.write_text(LETTERBOXD, encoding="utf-8")
    report = import_ratings(db, pid, f)
    assert report.format == "letterboxd" and report.rows == 11
    assert report.matched == 5 and report.by == {"title+year": 5}
    stored = _stored(db, pid)
    assert stored == {ids["alien"]: 4.5, ids["blade"]: 4.0, ids["matrix"]: 5.0,
                      ids["amelie"]: 3.5, ids["show"]: 4.0}
    unmatched = {p.line: p.reason for p in report.unmatched}
    assert unmatched[6] == "2 titles in the library match; the row has no year"
    assert unmatched[7] == "not in the library"
    assert unmatched[10].startswith("in the library only as Solaris (1972), Solaris (2002)")
    assert unmatched[11] == "not in the library"  # removed titles do not count
    skipped = {p.line: p.reason for p in report.skipped}
    assert skipped[8] == "no rating"
    assert "not a number" in skipped[9]
    # they are signals now, dated by the export
    sig = profile_signals(db, pid)
    assert sig[ids["matrix"]].source == "import" and sig[ids["matrix"]].detail == "rated 5/5"
    assert sig[ids["matrix"]].at == pytest.approx(1578096000.0)
    # importing again replaces, never duplicates
    import_ratings(db, pid, f)
    assert _stored(db, pid) == stored
    assert db.conn.execute("SELECT count(*) FROM ratings").fetchone()[0] == 5


def test_imdb_export_matches_by_id_first(lib):
    db, pid, ids, tmp = lib
    f = tmp / "imdb.csv"
    f.write_text(
        "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,"
        "Genres,Num Votes,Release Date,Directors\n"
        "tt0078748,9,2019-05-04,Alien (a wrong title),https://imdb.com/t,movie,8.5,117,1979,"
        "Horror,900000,1979-05-25,Ridley Scott\n"
        "tt9999999,7,2019-05-05,Heat,https://imdb.com/t,movie,8.3,170,1995,Crime,600000,"
        "1995-12-15,Michael Mann\n"
        "tt0000001,11,2019-05-06,Broken,https://imdb.com/t,movie,5,90,2000,Drama,10,,\n",
        encoding="cp1252")
    report = import_ratings(db, pid, f)
    assert report.format == "imdb"
    assert report.by == {"imdb": 1, "title+year": 1}
    assert _stored(db, pid) == {ids["alien"]: 4.5, ids["heat"]: 3.5}
    assert report.skipped[0].reason.startswith("rating 11 is outside")


def test_movielens_website_export(lib):
    db, pid, ids, tmp = lib
    f = tmp / "movielens-ratings.csv"
    f.write_text("movie_id,imdb_id,tmdb_id,rating,average_rating,title\n"
                 "1,,348,4.5,4.1,Alien (1979)\n"
                 "2,,,3.0,3.5,Solaris (2002)\n"
                 "3,,,2.5,3.5,Unknown Film (1999)\n", encoding="utf-8")
    report = import_ratings(db, pid, f, "movielens")
    assert report.by == {"tmdb": 1, "title+year": 1}
    assert _stored(db, pid) == {ids["alien"]: 4.5, ids["sol02"]: 3.0}
    assert [p.title for p in report.unmatched] == ["Unknown Film"]


def test_movielens_research_format_needs_links_beside_it(lib):
    db, pid, ids, tmp = lib
    folder = tmp / "ml"
    folder.mkdir()
    f = folder / "ratings.csv"
    f.write_text("userId,movieId,rating,timestamp\n7,1,4.0,964982703\n7,2,5.0,964982704\n",
                 encoding="utf-8")
    report = import_ratings(db, pid, f)
    assert report.matched == 0 and len(report.skipped) == 2
    assert "links.csv" in report.skipped[0].reason
    (folder / "links.csv").write_text("movieId,imdbId,tmdbId\n1,0078748,348\n2,,\n")
    (folder / "movies.csv").write_text("movieId,title,genres\n1,Alien (1979),Horror\n"
                                       "2,\"Matrix, The (1999)\",Sci-Fi\n")
    report = import_ratings(db, pid, f)
    assert report.by == {"imdb": 1, "title+year": 1}
    assert _stored(db, pid) == {ids["alien"]: 4.0, ids["matrix"]: 5.0}
    f.write_text("userId,movieId,rating,timestamp\n7,1,4.0,1\n8,2,5.0,2\n", encoding="utf-8")
    with pytest.raises(RatingsImportError, match="several users"):
        import_ratings(db, pid, f)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"\x00\x01\x02PK\x03\x04binary", "not a text file"),
    (b"title,stars\nAlien,5\n", "not a MovieLens, Letterboxd or IMDb"),
    (b'Date,Name,Year,Letterboxd URI,Rating\n2020-01-01,"' + b"x" * 200_000 + b'",1979,u,4\n',
     "field larger than field limit"),
])
def test_files_that_are_not_exports_get_a_clear_message(lib, content, message):
    db, pid, _ids, tmp = lib
    f = tmp / "bad.csv"
    f.write_bytes(content)
    with pytest.raises(RatingsImportError, match=message):
        import_ratings(db, pid, f)
    assert _stored(db, pid) == {}


def test_missing_forced_and_oversized_files(lib, monkeypatch):
    db, pid, _ids, tmp = lib
    with pytest.raises(RatingsImportError, match="No such file"):
        import_ratings(db, pid, tmp / "nope.csv")
    with pytest.raises(RatingsImportError, match="not a file"):
        import_ratings(db, pid, tmp)
    f = tmp / "ratings.csv"
    f.write_text(LETTERBOXD, encoding="utf-8")
    with pytest.raises(RatingsImportError, match="does not look like a imdb export"):
        import_ratings(db, pid, f, "imdb")
    with pytest.raises(RatingsImportError, match="Unknown format"):
        parse_ratings_file(f, "netflix")
    with pytest.raises(RatingsImportError, match="no profile"):
        import_ratings(db, 999, f)
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(RatingsImportError, match="far smaller"):
        import_ratings(db, pid, f)


def test_title_normalisation():
    assert normalize_title("Matrix, The") == normalize_title("The Matrix") == "the matrix"
    assert normalize_title("Amélie") == "amelie"
    assert normalize_title("Fast & Furious") == normalize_title("Fast and Furious")
    assert normalize_title("  Alien:  Covenant ") == "alien covenant"
