"""Quality labels from the measured picture: a 960x540 file whose name says 1080p reads '540p'
on the details page, in its version list and in the player's quality menu text, never
'1080p · 480p'. Real clips probed by libVLC, the real window (pytest-qt)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mediacenter.db.catalog import title_details
from mediacenter.humanize import resolution_label, version_name, without_resolution_claim
from mediacenter.playback.optimize import offers_smaller_copy
from mediacenter.playback.quality import Rendition
from mediacenter.playback.renditions import title_renditions
from mediacenter.playback.vlc_env import libvlc_info
from tests.gui.conftest import open_window

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))


@pytest.mark.parametrize(("w", "h", "label"), [
    (960, 540, "540p"), (960, 544, "540p"), (1024, 576, "576p"), (854, 480, "480p"),
    (720, 576, "576p"), (1920, 1036, "1080p"), (960, 400, "540p"), (480, 270, "270p"),
    (2560, 1440, "1440p"), (3840, 1600, "4K")])
def test_standard_names_by_measured_height(w, h, label):
    assert resolution_label(w, h) == label


def test_a_versions_name_drops_what_the_file_name_claims_once_measured():
    assert version_name("1080p", 960, 540) == "540p"
    assert version_name("Extended 1080p", 960, 540) == "Extended · 540p"
    assert version_name("Director's Cut", 1920, 1080) == "Director's Cut · 1080p"
    assert version_name("1080p", None, None) == "1080p"  # not probed yet: the claim is all
    assert without_resolution_claim("4K HDR") == "HDR"
    big = Rendition("file:1", "a.mkv", 8_000_000, 960, 540, label="1080p")
    assert big.describe() == "540p · 8.0 Mbit/s"


def test_a_smaller_copy_is_offered_only_below_the_source():
    def r(key, h, kind="file"):
        return Rendition(key, "x", 1_000_000, h and h * 16 // 9, h, kind=kind)

    assert not offers_smaller_copy([r("file:1", 270)])
    assert not offers_smaller_copy([r("file:1", 720)])
    assert not offers_smaller_copy([r("file:1", None)])  # not measured: not known to shrink
    assert offers_smaller_copy([r("file:1", 1080), r("file:2", 540)])
    assert not offers_smaller_copy([r("file:1", 1080), r("opt:1", 720, "optimized")])


@pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing")
def test_the_details_page_names_versions_by_their_measured_picture(qtbot, themed, tmp_path,
                                                                   clip_factory):
    lib = tmp_path / "lib"
    clip_factory(lib / "Flower (2019)" / "Flower (2019) - 1080p.mp4", duration_s=1.0,
                 size=(960, 540))
    clip_factory(lib / "Flower (2019)" / "Flower (2019) - Extended.mp4", duration_s=1.0,
                 size=(1280, 720))
    for w in open_window(qtbot, lib, screen="home", probe=True):
        tid = w.db.conn.execute("SELECT id FROM titles WHERE kind = 'movie'").fetchone()[0]
        names = sorted(v.name for v in title_details(w.db, tid).versions)
        assert names == ["540p", "Extended · 720p"]
        w.open_details(tid)
        heads = re.findall(r"▣ ([^<]*)<br>", w.details_view.info.text())  # paths aside
        assert sorted(h.split(" · H264")[0] for h in heads) == names, heads
        assert not any("1080p" in h or "480p" in h for h in heads)
        box = w.details_view.version_box
        assert sorted(box.itemText(i) for i in range(box.count())) == names
        assert all("1080p" not in r.describe() for r in title_renditions(w.db, tid).renditions)
        SHOTS.mkdir(exist_ok=True)
        w.grab().save(str(SHOTS / "details-measured-versions.png"))
