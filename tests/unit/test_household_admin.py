"""Who may manage the household (db/admin.py), on a real catalog: kids never, grown-ups with
the household's PIN where there is one, and the managing functions check it every time."""

from __future__ import annotations

import ast
import dataclasses
import time
from pathlib import Path

import pytest

from mediacenter.db import admin, app_settings, open_db
from mediacenter.db import profiles as prof
from mediacenter.db.app_settings import set_shares_household_trends, trend_opt_outs
from mediacenter.library.roots import add_library_folder, list_roots, remove_library_folder

PKG = Path(__file__).resolve().parents[2] / "mediacenter"


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "h.sqlite3")
    yield db
    db.conn.close()


@pytest.fixture
def household(db):
    """Mum (PIN 1357), Dad (no PIN) and Kim (kids, PG, her own PIN 2468)."""
    mum = prof.create_profile(db, "Mum", pin="1357")
    dad = prof.create_profile(db, "Dad")
    kim = prof.create_profile(db, "Kim", is_kids=True, max_rating="PG", pin="2468")
    return mum, dad, kim


def test_a_kids_profile_can_never_manage_not_even_itself(db, household):
    mum, _dad, kim = household
    rule = admin.access(db, kim.id)
    assert not rule.allowed and "kids profile" in rule.reason
    for pin in (None, "2468", "1357"):  # its own PIN, even a grown-up's: not as Kim
        with pytest.raises(admin.NotAllowedError, match="kids profile"):
            admin.unlock(db, kim.id, pin)
    # A grant made up by hand (a screen that skipped unlock) is refused by every writer.
    forged = admin.AdminGrant(kim.id, time.monotonic())
    with pytest.raises(admin.NotAllowedError):
        admin.edit_profile(db, forged, kim.id, is_kids=False)
    with pytest.raises(admin.NotAllowedError):
        admin.delete_profile(db, forged, mum.id)
    with pytest.raises(admin.NotAllowedError):
        admin.create_profile(db, forged, "Zed")
    with pytest.raises(admin.NotAllowedError):
        admin.erase_history(db, forged, kim.id)
    # A real grant of Mum's, with Kim's id written in: still refused (Kim is a kid).
    grant = admin.unlock(db, mum.id, "1357")
    with pytest.raises(admin.NotAllowedError):
        admin.edit_profile(db, dataclasses.replace(grant, actor_id=kim.id), kim.id,
                           is_kids=False)
    after = prof.get_profile(db, kim.id)
    assert after.is_kids and after.max_rating == "PG" and prof.get_profile(db, mum.id)


def test_where_a_grownup_has_a_pin_managing_needs_it(db, household):
    mum, dad, kim = household
    # Mum has her own PIN: only hers unlocks.
    assert admin.access(db, mum.id).own_pin
    with pytest.raises(admin.NotAllowedError, match="Enter the PIN for Mum"):
        admin.unlock(db, mum.id)
    with pytest.raises(admin.NotAllowedError, match="Wrong PIN"):
        admin.unlock(db, mum.id, "2468")  # Kim's PIN is no grown-up's
    assert admin.unlock(db, mum.id, "1357").actor_id == mum.id
    # Dad has none, but the household has one: a grown-up's PIN is asked of him too.
    rule = admin.access(db, dad.id)
    assert rule.pin_needed and not rule.own_pin and rule.throttle_key == dad.id
    with pytest.raises(admin.NotAllowedError, match="grown-up's PIN"):
        admin.unlock(db, dad.id)
    assert admin.unlock(db, dad.id, "1357").actor_id == dad.id
    # Nobody chosen (the profiles screen, a command without --as): the same.
    with pytest.raises(admin.NotAllowedError):
        admin.unlock(db, None, "0000")
    assert admin.unlock(db, None, "1357").actor_id is None
    # Kim's own PIN does not make the household "locked": without Mum's PIN it would be open.
    prof.set_pin(db, mum.id, None)
    assert not admin.access(db, dad.id).pin_needed and not admin.access(db, None).pin_needed
    assert admin.unlock(db, dad.id).actor_id == dad.id
    assert not admin.access(db, kim.id).allowed


def test_a_grant_ends_when_it_runs_out_or_its_profile_becomes_a_kids_one(db, household):
    mum, dad, _kim = household
    grant = admin.unlock(db, dad.id, "1357")
    admin.require(db, grant)
    assert grant.expired(now=grant.issued_at + admin.GRANT_TTL_S + 1)
    old = dataclasses.replace(grant, issued_at=grant.issued_at - admin.GRANT_TTL_S - 1)
    with pytest.raises(admin.NotAllowedError, match="run out"):
        admin.require(db, old)
    prof.update_profile(db, dad.id, is_kids=True)
    with pytest.raises(admin.NotAllowedError, match="grown-up"):
        admin.require(db, grant)
    prof.update_profile(db, dad.id, is_kids=False)
    prof.delete_profile(db, dad.id)
    with pytest.raises(admin.NotAllowedError):
        admin.require(db, grant)
    assert prof.get_profile(db, mum.id) is not None


def test_grownups_manage_everything_with_a_grant(db, household, tmp_path):
    mum, dad, kim = household
    grant = admin.unlock(db, mum.id, "1357")
    lou = admin.create_profile(db, grant, "Lou", is_kids=True, max_rating="G")
    edited = admin.edit_profile(db, grant, kim.id, max_rating="PG-13", pin=None)
    assert edited.max_rating == "PG-13" and not edited.has_pin
    admin.delete_profile(db, grant, lou.id)
    assert prof.get_profile(db, lou.id) is None
    folder = tmp_path / "films"
    folder.mkdir()
    root = add_library_folder(db, grant, folder)
    assert [r.path for r in list_roots(db)] == [str(folder.resolve())]
    with pytest.raises(admin.NotAllowedError):
        remove_library_folder(db, admin.AdminGrant(kim.id, time.monotonic()), root)
    assert remove_library_folder(db, grant, root) == 0 and list_roots(db) == []
    assert admin.erase_history(db, grant, dad.id)["watch_sessions"] == 0


def test_the_last_grownup_stays_while_kids_need_one(db, household):
    mum, dad, kim = household
    grant = admin.unlock(db, mum.id, "1357")
    admin.delete_profile(db, grant, dad.id)  # Mum remains
    with pytest.raises(admin.NotAllowedError, match="only grown-up"):
        admin.delete_profile(db, grant, mum.id)
    with pytest.raises(admin.NotAllowedError, match="only grown-up"):
        admin.edit_profile(db, grant, mum.id, is_kids=True, max_rating="PG")
    assert not prof.get_profile(db, mum.id).is_kids
    admin.delete_profile(db, grant, kim.id)
    # Alone, Mum may become what she likes; the last profile is still never deleted.
    assert admin.edit_profile(db, grant, mum.id, name="Mama").name == "Mama"
    with pytest.raises(prof.LastProfileError):
        admin.delete_profile(db, grant, mum.id)


def test_a_fresh_catalog_is_open_and_gets_a_grownup_first(db):
    assert admin.access(db, None).allowed and not admin.access(db, None).pin_needed
    me = admin.ensure_first_profile(db)
    assert admin.ensure_first_profile(db) == me
    assert [(p.name, p.is_kids) for p in prof.list_profiles(db)] == [("Me", False)]


def test_languages_are_a_profiles_own_and_need_no_grownup(db, household):
    kim = household[2]
    after = admin.set_languages(db, kim.id, audio="fr", subtitles="EN")
    assert (after.audio_language, after.subtitle_language, after.is_kids) == ("fr", "en", True)


def test_deleting_a_profile_forgets_its_trends_choice(db, household):
    mum, dad, _kim = household
    set_shares_household_trends(db, dad.id, False)
    assert trend_opt_outs(db) == {dad.id}
    admin.delete_profile(db, admin.unlock(db, mum.id, "1357"), dad.id)
    assert trend_opt_outs(db) == set()


def test_the_playback_choices_everyone_shares_need_a_grownup(db, household):
    _mum, dad, kim = household
    kids_try = admin.AdminGrant(kim.id, time.monotonic())  # not made by unlock: no seal
    with pytest.raises(admin.NotAllowedError):
        admin.set_household_playback(db, kids_try, resume="never", autoplay_next=False,
                                     upnext_seconds=0)
    with pytest.raises(admin.NotAllowedError, match="kids profile"):
        admin.unlock(db, kim.id, "2468")  # the kid's own PIN opens nothing
    assert (app_settings.resume_mode(db), app_settings.autoplay_next(db),
            app_settings.upnext_seconds(db)) == ("always", True, 10)
    grant = admin.unlock(db, dad.id, "1357")  # Dad has none: a grown-up's PIN
    admin.set_household_playback(db, grant, resume="ask", autoplay_next=False,
                                 upnext_seconds=30)
    assert (app_settings.resume_mode(db), app_settings.autoplay_next(db),
            app_settings.upnext_seconds(db)) == ("ask", False, 30)
    with pytest.raises(ValueError):  # all or nothing: a bad value changes none of them
        admin.set_household_playback(db, grant, resume="always", autoplay_next=True,
                                     upnext_seconds=999)
    assert (app_settings.resume_mode(db), app_settings.autoplay_next(db)) == ("ask", False)


# The unchecked writers: for tests, data generators and the catalog's own code only.
RAW_WRITERS = {
    "mediacenter.db.profiles": {"create_profile", "edit_profile", "update_profile", "set_pin",
                                "rename_profile", "delete_profile",
                                "delete_profile_keeping_one"},
    "mediacenter.db.profile_data": {"erase_history"},
    "mediacenter.library.roots": {"add_root", "remove_root"},
    # the playback choices every profile shares: admin.set_household_playback
    "mediacenter.db.app_settings": {"set_resume_mode", "set_autoplay_next",
                                    "set_upnext_seconds"},
}


def _raw_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in RAW_WRITERS:
            out += [f"{node.module}.{a.name}" for a in node.names
                    if a.name in RAW_WRITERS[node.module]]
        elif isinstance(node, ast.Attribute) and node.attr in {
                n for names in RAW_WRITERS.values() for n in names} and \
                isinstance(node.value, ast.Name) and \
                node.value.id in ("prof", "profiles", "app_settings"):
            out.append(node.attr)
    return out


def test_the_gui_and_the_cli_only_manage_through_the_permission_check():
    screens = [p for p in (PKG / "ui").rglob("*.py")]
    commands = [p for p in PKG.rglob("*cli*.py")]
    offenders = {str(p.relative_to(PKG)): _raw_imports(p) for p in screens + commands}
    assert {k: v for k, v in offenders.items() if v} == {}

