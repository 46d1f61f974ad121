"""'Why this image?' on the details page speaks to a person (what is shown, why, from how many
images), never a raw dictionary; the same sentences as `artwork-why`. Real clip, real
artwork generation, the real window (pytest-qt)."""

from __future__ import annotations

import os
from pathlib import Path

from mediacenter import cli
from mediacenter.artwork.pipeline import generate_for_title
from mediacenter.artwork.select import explain_choice, why_text
from tests.gui.conftest import open_window

SHOTS = Path(os.environ.get("MEDIACENTER_SCREENSHOTS", "screenshots"))


def test_why_this_image_is_written_for_a_person(qtbot, themed, tmp_path, clip_factory, capsys):
    lib = tmp_path / "lib"
    clip_factory(lib / "Harbour Lights (2011).mp4", duration_s=8.0, size=(640, 360))
    for w in open_window(qtbot, lib, screen="home"):
        tid = w.db.conn.execute("SELECT id FROM titles WHERE kind = 'movie'").fetchone()[0]
        assert generate_for_title(w.db, w.paths.cache_dir, tid) > 1
        w.open_details(tid)
        d = w.details_view
        d.why_button.click()
        text = d.why.text()
        lines = why_text(explain_choice(w.db, w.current_profile_id(), tid))
        assert lines[0].startswith("Shown: a frame at ")
        assert any(line.startswith("Chosen from ") and "frames of the video" in line
                   for line in lines)
        assert text == "<br>".join(lines).replace("'", "&#x27;")
        for raw in ("{", "}", "candidate_id", "expected_ctr", "'summary'"):
            assert raw not in text, raw
        SHOTS.mkdir(exist_ok=True)
        w.grab().save(str(SHOTS / "details-why-this-image.png"))
        # The command says the same sentences first.
        assert cli.main(["artwork-why", str(tid)]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("Shown: a frame at ")
