"""``mediacenter throughput``, ``renditions`` and ``optimize``, in-process through cli.main,
against the isolated MEDIACENTER_HOME of conftest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediacenter.config import app_paths
from mediacenter.playback.vlc_env import libvlc_info
from tests.abr_media import catalog_with_versions
from tests.cli_run import run
from tests.throttled_http import ThrottledServer


def test_throughput_measures_and_remembers(capsys, tmp_path: Path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x01" * 1024 * 1024)
    rc, out, _ = run(capsys, "throughput")
    assert rc == 0 and "Nothing measured yet" in out
    with ThrottledServer(tmp_path, 6e6) as srv:
        rc, out, err = run(capsys, "throughput", f"{srv.url}/blob.bin", "--seconds", "0.4",
                           "--json")
    assert rc == 0, err
    got = json.loads(out)
    assert got["source"].startswith("http://127.0.0.1:")
    assert got["bps"] == pytest.approx(6e6, rel=0.35)
    rc, out, _ = run(capsys, "throughput", "--json")
    (row,) = json.loads(out)
    assert row["source"] == got["source"] and row["samples"] == 1
    rc, out, _ = run(capsys, "throughput")
    assert got["source"] in out and "Mbit/s" in out


def test_throughput_errors_are_one_line(capsys, tmp_path: Path):
    rc, _out, err = run(capsys, "throughput", str(tmp_path / "missing.mkv"))
    assert rc == 2 and err.startswith("mediacenter: File not found")
    assert "Traceback" not in err


def test_renditions_of_a_manifest_and_of_a_title(capsys, tmp_path: Path):
    master = tmp_path / "master.m3u8"
    master.write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n"
                      "lo.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080\n"
                      "hi.m3u8\n")
    rc, out, _ = run(capsys, "renditions", str(master), "--json")
    assert rc == 0
    assert [r["bitrate_bps"] for r in json.loads(out)["renditions"]] == [800000, 5000000]
    rc, out, _ = run(capsys, "renditions", str(master))
    assert out.splitlines()[0].startswith("variant:1    1080p · 5.0 Mbit/s")

    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "a.mkv").write_bytes(b"x")
    paths = app_paths().ensure()
    db = catalog_with_versions(paths.db_path, lib, [("a.mkv", 1280, 720, 3_000_000)])
    db.conn.close()
    rc, out, _ = run(capsys, "renditions", "1")
    assert rc == 0 and "file:1" in out and "720p · 3.0 Mbit/s" in out
    rc, _out, err = run(capsys, "renditions", "42")
    assert rc == 2 and "no title with id 42" in err
    bad = tmp_path / "bad.m3u8"
    bad.write_text("nonsense")
    rc, _out, err = run(capsys, "renditions", str(bad))
    assert rc == 2 and "neither an HLS playlist nor a DASH manifest" in err


@pytest.mark.skipif(not libvlc_info(try_instance=False)["loaded"], reason="libVLC missing")
def test_optimize_makes_a_copy(capsys, tmp_path: Path, clip_factory):
    lib = tmp_path / "lib"
    clip_factory(lib / "film.mp4", duration_s=2.0, size=(320, 240))
    paths = app_paths().ensure()
    db = catalog_with_versions(paths.db_path, lib, [("film.mp4", 320, 240, 1_000_000)])
    db.conn.close()
    rc, out, err = run(capsys, "optimize", "1", "--height", "120", "--json")
    assert rc == 0, err
    made = json.loads(out)
    assert made["height"] == 120 and Path(made["path"]).parent == paths.data_dir / "optimized"
    rc, _out, err = run(capsys, "optimize", "1", "--height", "120")
    assert rc == 2 and "already made" in err
    rc, _out, err = run(capsys, "optimize", "1", "--height", "1080")
    assert rc == 2 and "already 240p" in err
