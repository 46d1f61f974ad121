"""``mediacenter profiles ...`` and the library commands under the household's permission rule
(a kids profile never manages; a grown-up's PIN where one exists), in-process on a real
catalog."""

from __future__ import annotations

import io
import json

import pytest

from mediacenter.config import app_paths
from mediacenter.db import open_db
from mediacenter.db.app_settings import trend_opt_outs
from mediacenter.db.profiles import check_pin, create_profile, get_profile, list_profiles
from tests.cli_run import run as run_cli


def run(capsys, monkeypatch, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    """``mediacenter ARGV`` in-process with ``stdin`` (not a terminal): (status, out, err)."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin or ""))
    return run_cli(capsys, *argv)


def refused(rc: int, err: str, needle: str) -> None:
    assert rc == 2 and err.startswith("mediacenter: ") and needle in err, (rc, err)
    assert "Traceback" not in err


@pytest.fixture
def db():
    paths = app_paths().ensure()
    db = open_db(paths.db_path)
    yield db
    db.conn.close()


@pytest.fixture
def family(db):
    mum = create_profile(db, "Mum", pin="1357")
    dad = create_profile(db, "Dad")
    kim = create_profile(db, "Kim", is_kids=True, max_rating="PG")
    return mum, dad, kim


def test_a_new_household_is_managed_without_a_pin(capsys, monkeypatch, db, tmp_path):
    rc, out, _ = run(capsys, monkeypatch, "profiles", "add", "Alex")
    assert rc == 0 and "Added profile" in out
    rc, out, _ = run(capsys, monkeypatch, "profiles", "add", "Robin", "--kids",
                     "--max-rating", "PG")
    assert rc == 0 and "(kids)" in out
    rc, out, _ = run(capsys, monkeypatch, "profiles", "list", "--json")
    listed = {p["name"]: p for p in json.loads(out)}
    assert listed["Robin"]["kids"] and listed["Robin"]["max_rating"] == "PG"
    assert not listed["Alex"]["kids"] and listed["Alex"]["household_trends"]
    folder = tmp_path / "films"
    folder.mkdir()
    rc, out, err = run(capsys, monkeypatch, "library", "add", str(folder))
    assert rc == 0, err


def test_a_kids_profile_cannot_lift_its_limit_or_delete_a_grownup(capsys, monkeypatch, db,
                                                                    family):
    mum, _dad, kim = family
    rc, _, err = run(capsys, monkeypatch, "profiles", "edit", "Kim", "--grown-up",
                     "--as", "Kim", "--pin-stdin", stdin="1357\n")
    refused(rc, err, "kids profile")
    rc, _, err = run(capsys, monkeypatch, "profiles", "delete", "Mum", "--as", "kim")
    refused(rc, err, "kids profile")
    rc, _, err = run(capsys, monkeypatch, "profiles", "erase-history", "Kim", "--as", "Kim")
    refused(rc, err, "kids profile")
    assert get_profile(db, kim.id).is_kids and get_profile(db, mum.id) is not None


def test_a_grownups_pin_is_asked_for_every_managing_command(capsys, monkeypatch, db, family,
                                                           tmp_path):
    mum, dad, kim = family
    folder = tmp_path / "films"
    folder.mkdir()
    # Not a terminal and no --pin-stdin: told how to give it, nothing done.
    rc, _, err = run(capsys, monkeypatch, "library", "add", str(folder))
    refused(rc, err, "--pin-stdin")
    rc, _, err = run(capsys, monkeypatch, "library", "add", str(folder), "--as", "Dad",
                     "--pin-stdin", stdin="0000\n")
    refused(rc, err, "Wrong PIN")
    rc, _, err = run(capsys, monkeypatch, "profiles", "add", "Zed", "--pin-stdin")
    refused(rc, err, "no line left")
    assert [p.name for p in list_profiles(db)] == ["Dad", "Kim", "Mum"]
    rc, out, err = run(capsys, monkeypatch, "library", "add", str(folder), "--as", "Dad",
                       "--pin-stdin", stdin="1357\n")
    assert rc == 0, err
    rc, out, err = run(capsys, monkeypatch, "library", "remove", "films", "--pin-stdin",
                       stdin="1357\n")
    assert rc == 0 and "Removed" in out, err
    # Mum has her own PIN: as Mum, only hers.
    prof_pin = "2468"
    rc, _, err = run(capsys, monkeypatch, "profiles", "edit", "Kim", "--set-pin", "--as",
                     "Mum", "--pin-stdin", stdin=f"{prof_pin}\n{prof_pin}\n")
    refused(rc, err, "Wrong PIN")
    rc, out, err = run(capsys, monkeypatch, "profiles", "edit", "Kim", "--set-pin",
                       "--max-rating", "PG-13", "--household-trends", "off", "--as", "Mum",
                       "--pin-stdin", stdin=f"1357\n{prof_pin}\n")
    assert rc == 0, err
    after = get_profile(db, kim.id)
    assert after.max_rating == "PG-13" and check_pin(db, kim.id, prof_pin)
    assert trend_opt_outs(db) == {kim.id}
    # The last grown-up's profile stays while a kids profile needs it.
    rc, _, err = run(capsys, monkeypatch, "profiles", "delete", "Dad", "--pin-stdin",
                     stdin="1357\n")
    assert rc == 0, err
    rc, _, err = run(capsys, monkeypatch, "profiles", "delete", "Mum", "--pin-stdin",
                     stdin="1357\n")
    refused(rc, err, "only grown-up")
    assert get_profile(db, mum.id) is not None and get_profile(db, dad.id) is None


def test_the_demo_command_is_managing_too(capsys, monkeypatch, db, family):
    rc, _, err = run(capsys, monkeypatch, "demo", "--no-scan", "--as", "Kim")
    refused(rc, err, "kids profile")


def test_wrong_pins_from_the_command_line_are_throttled_like_the_keypad(capsys, monkeypatch,
                                                                         family):
    # Five wrong PINs, one command each: the sixth try is refused before any PIN is read,
    # even the right one, and the count is the one the app's PIN pad keeps.
    for _ in range(5):
        rc, _out, err = run(capsys, monkeypatch, "profiles", "add", "Eve", "--as", "Mum",
                            "--pin-stdin", stdin="0000\n")
        refused(rc, err, "Wrong PIN")
    rc, _out, err = run(capsys, monkeypatch, "profiles", "add", "Eve", "--as", "Mum",
                        "--pin-stdin", stdin="1357\n")
    refused(rc, err, "Too many wrong PINs")
    from mediacenter.db.profiles import PinThrottle

    db = open_db(app_paths().db_path)
    try:
        assert PinThrottle(db=db).seconds_left(family[0].id) > 0
    finally:
        db.conn.close()
