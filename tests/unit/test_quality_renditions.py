"""Manifests (HLS master/media, DASH), hostile ones, and a title's renditions from the catalog."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mediacenter.db import open_db
from mediacenter.playback.renditions import (
    ManifestError,
    fetch_text,
    manifest_kind,
    manifest_renditions,
    parse_dash,
    parse_hls_master,
    parse_hls_media,
    read_strm,
    resolve,
    title_renditions,
)

MASTER = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="iframes.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=3022800,AVERAGE-BANDWIDTH=2800000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=29.970
hd/index.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=305800,RESOLUTION=320x180,CODECS="avc1.64000c,mp4a.40.2"
http://cdn.example.com/low/index.m3u8?token=a,b
#EXT-X-STREAM-INF:BANDWIDTH=1020800,RESOLUTION=640x360
/abs/mid.m3u8
"""

MEDIA = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:7
#EXTINF:2.000,
seg0.ts
#EXTINF:2.0,title
seg1.ts
#EXTINF:1.5,
https://other.example/seg2.ts
#EXT-X-ENDLIST
"""

MPD = """<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT10S">
  <Period>
    <AdaptationSet contentType="video" mimeType="video/mp4" width="1920" height="1080"
                   frameRate="30000/1001">
      <Representation id="v1080" bandwidth="6000000" codecs="avc1.640028"/>
      <Representation id="v480" bandwidth="1200000" width="854" height="480"
                      codecs="avc1.64001e"/>
    </AdaptationSet>
    <AdaptationSet mimeType="audio/mp4">
      <Representation id="a1" bandwidth="128000" codecs="mp4a.40.2"/>
    </AdaptationSet>
  </Period>
</MPD>
"""


def test_hls_master_variants():
    vs = parse_hls_master(MASTER, "http://nas:8080/films/x/master.m3u8")
    assert [v.bandwidth for v in vs] == [3022800, 305800, 1020800]
    hd, low, mid = vs
    assert hd.uri == "http://nas:8080/films/x/hd/index.m3u8"
    assert (hd.width, hd.height, hd.average_bandwidth) == (1280, 720, 2800000)
    assert hd.codecs == "avc1.64001f,mp4a.40.2"  # the comma inside quotes is kept
    assert hd.frame_rate == pytest.approx(29.97)
    assert low.uri == "http://cdn.example.com/low/index.m3u8?token=a,b"
    assert mid.uri == "http://nas:8080/abs/mid.m3u8"
    assert mid.codecs is None


def test_hls_master_relative_to_a_local_file(tmp_path: Path):
    vs = parse_hls_master(MASTER, str(tmp_path / "master.m3u8"))
    assert vs[0].uri == str(tmp_path / "hd" / "index.m3u8")


def test_a_media_playlist_is_one_variant_of_unknown_bandwidth():
    vs = parse_hls_master(MEDIA, "http://h/x.m3u8")
    assert len(vs) == 1 and vs[0].uri == "http://h/x.m3u8" and vs[0].bandwidth == 0


@pytest.mark.parametrize(
    "text", ["", "hello", "<html>not found</html>", "#EXTM3U\n#EXT-X-VERSION:3\n"])
def test_hls_junk_is_a_clear_error(text: str):
    with pytest.raises(ManifestError):
        parse_hls_master(text, "x.m3u8")


def test_hls_bad_attributes_do_not_crash():
    text = ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=lots,RESOLUTION=big,FRAME-RATE=fast\n"
            "a.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=-5\nb.m3u8\n")
    a, b = parse_hls_master(text, "http://h/m.m3u8")
    assert a.bandwidth == 0 and a.width is None and a.frame_rate is None
    assert b.bandwidth == 0


def test_hls_media_segments():
    m = parse_hls_media(MEDIA, "http://h/v/index.m3u8")
    assert [s.uri for s in m.segments] == ["http://h/v/seg0.ts", "http://h/v/seg1.ts",
                                           "https://other.example/seg2.ts"]
    assert [s.start_s for s in m.segments] == [0.0, 2.0, 4.0]
    assert m.duration_s == pytest.approx(5.5)
    assert m.ended and m.media_sequence == 7 and m.target_duration_s == 2
    assert not (m.has_map or m.keys or m.byte_ranges)


def test_hls_media_notes_what_prevents_splicing():
    text = ("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\"\n"
            "#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXTINF:4,\n#EXT-X-BYTERANGE:100@0\na.m4s\n")
    m = parse_hls_media(text, "x.m3u8")
    assert m.has_map and m.keys and m.byte_ranges and not m.ended


@pytest.mark.parametrize("text", [
    "#EXTM3U\nseg.ts\n",  # a segment without duration
    "#EXTM3U\n#EXTINF:abc,\nseg.ts\n",
    "#EXTM3U\n#EXTINF:-1,\nseg.ts\n",
    "#EXTM3U\n#EXTINF:nan,\nseg.ts\n",
    "#EXTM3U\n#EXT-X-ENDLIST\n",
    MASTER,
])
def test_hls_media_junk_is_a_clear_error(text: str):
    with pytest.raises(ManifestError):
        parse_hls_media(text, "x.m3u8")


def test_dash_video_representations():
    vs = parse_dash(MPD, "http://h/a/manifest.mpd")
    assert [v.rep_id for v in vs] == ["v480", "v1080"]  # lowest first
    v480, v1080 = vs
    assert (v1080.width, v1080.height, v1080.bandwidth) == (1920, 1080, 6000000)
    assert (v480.width, v480.height) == (854, 480)
    assert v1080.frame_rate == pytest.approx(29.97, rel=1e-3)
    assert [v.index for v in vs] == [0, 1]


def test_dash_audio_only():
    text = MPD.replace('contentType="video" mimeType="video/mp4"', 'mimeType="audio/mp4"')
    text = text.replace(' width="1920" height="1080"', "").replace(
        ' width="854" height="480"', "")
    vs = parse_dash(text, "m.mpd")
    assert {v.rep_id for v in vs} == {"v1080", "v480", "a1"}


@pytest.mark.parametrize("text", [
    "not xml", "<html/>", "<MPD></MPD>",
    '<?xml version="1.0"?><!DOCTYPE MPD [<!ENTITY a "aaaa">]><MPD>&a;</MPD>',
    '<MPD><Period><AdaptationSet/></Period></MPD>',
])
def test_dash_junk_and_entity_tricks_are_refused(text: str):
    with pytest.raises(ManifestError):
        parse_dash(text, "m.mpd")


def test_fetch_text_refuses_missing_big_and_binary(tmp_path: Path):
    with pytest.raises(ManifestError, match="not found"):
        fetch_text(str(tmp_path / "nope.m3u8"))
    big = tmp_path / "big.m3u8"
    big.write_bytes(b"#EXTM3U\n" + b"#" * 2000)
    with pytest.raises(ManifestError, match="larger"):
        fetch_text(str(big), max_bytes=1000)
    binary = tmp_path / "bin.m3u8"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(ManifestError, match="binary"):
        fetch_text(str(binary))
    with pytest.raises(ManifestError, match="unsupported"):
        fetch_text("ftp://example.com/a.m3u8")
    assert fetch_text(big.as_uri()).startswith("#EXTM3U")  # file:// URLs work too


def test_manifest_kind():
    assert manifest_kind("a/b.M3U8") == "hls"
    assert manifest_kind("http://h/x.mpd?x=1") == "dash"
    assert manifest_kind("movie.mkv") is None
    assert manifest_kind("x", "#EXTM3U\n") == "hls"
    assert manifest_kind("x", '<?xml version="1.0"?><MPD/>') == "dash"


def test_resolve():
    assert resolve("http://h/a/b.m3u8", "c/d.ts") == "http://h/a/c/d.ts"
    assert resolve("http://h/a/b.m3u8", "/d.ts") == "http://h/d.ts"
    assert resolve("/srv/a/b.m3u8", "c%20d.ts") == "/srv/a/c d.ts"
    assert resolve("/srv/a/b.m3u8", "https://x/y.ts") == "https://x/y.ts"


def test_manifest_renditions_from_a_local_master(tmp_path: Path):
    master = tmp_path / "master.m3u8"
    master.write_text(MASTER)
    rends = manifest_renditions(str(master))
    assert [r.bitrate_bps for r in rends] == [305800, 1020800, 3022800]
    assert [r.key for r in rends] == ["variant:1", "variant:2", "variant:0"]
    assert all(r.kind == "variant" for r in rends)
    assert rends[-1].describe() == "720p · 3.0 Mbit/s"


def test_read_strm(tmp_path: Path):
    f = tmp_path / "a.strm"
    f.write_text("# comment\n\n  http://nas/x/master.m3u8  \n")
    assert read_strm(str(f)) == "http://nas/x/master.m3u8"
    f.write_text("# only a comment\n")
    with pytest.raises(ManifestError):
        read_strm(str(f))


def _catalog(tmp_path: Path):
    db = open_db(tmp_path / "c.sqlite3")
    now = time.time()
    c = db.conn
    c.execute("INSERT INTO roots (id, path, added_at) VALUES (1, ?, ?)", (str(tmp_path), now))
    c.execute("INSERT INTO titles (id, key, kind, title, sort_title, added_at, updated_at) "
              "VALUES (1, 'movie:x', 'movie', 'X', 'x', ?, ?)", (now, now))
    for vid, label in ((1, "4K"), (2, "1080p"), (3, "")):
        c.execute("INSERT INTO versions (id, title_id, key, label) VALUES (?, 1, ?, ?)",
                  (vid, f"k{vid}", label))

    def add_file(fid, name, vid, part=None, extra=None, w=None, h=None, bps=None, size=1000,
                 dur=None, kind="video"):
        (tmp_path / name).write_bytes(b"x")
        c.execute(
            "INSERT INTO files (id, root_id, path_key, path_display, dir_key, kind, size, "
            "mtime_ns, title_id, version_id, part, extra, width, height, bitrate_bps, "
            "duration_ms, added_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?)",
            (fid, os.fsencode(name), name, b"", kind, size, vid, part, extra, w, h, bps, dur,
             now, now))

    add_file(10, "x-4k.mkv", 1, w=3840, h=2160, bps=40_000_000)
    add_file(11, "x-1080-part1.mkv", 2, part=1, w=1920, h=1080, size=10_000_000, dur=10_000)
    add_file(12, "x-1080-part2.mkv", 2, part=2, w=1920, h=1080, bps=8_000_000)
    add_file(13, "x-trailer.mkv", 3, extra="trailer", w=1280, h=720, bps=1)
    add_file(14, "x.m3u8", None, kind="manifest")
    return db


def test_title_renditions_from_the_catalog(tmp_path: Path):
    db = _catalog(tmp_path)
    found = title_renditions(db, 1)
    assert [r.key for r in found.renditions] == ["file:11", "file:10"]
    low, high = found.renditions
    assert low.bitrate_bps == 8_000_000  # no probe bitrate: size * 8 / duration
    assert low.label == "1080p" and low.uri == str(tmp_path / "x-1080-part1.mkv")
    assert high.resolution == "4K" and high.source.startswith("mount:")
    assert [m.uri for m in found.manifests] == [str(tmp_path / "x.m3u8")]
    # The second part of each version, when asked for.
    assert [r.key for r in title_renditions(db, 1, part=2).renditions] == ["file:12", "file:10"]


def test_optimized_versions_are_renditions_when_done_and_present(tmp_path: Path):
    db = _catalog(tmp_path)
    made = tmp_path / "opt720.mp4"
    made.write_bytes(b"x")
    now = time.time()
    rows = [(1, str(made), "done"), (2, str(tmp_path / "gone.mp4"), "done"),
            (3, str(made), "running")]
    for oid, path, status in rows:
        db.conn.execute(
            "INSERT INTO optimized_versions (id, title_id, source_file_id, path, target_height,"
            " target_bitrate_bps, status, width, height, bitrate_bps, created_at) "
            "VALUES (?, 1, 10, ?, 720, 2500000, ?, 1280, 720, 2400000, ?)",
            (oid, path, status, now))
    rends = title_renditions(db, 1).renditions
    assert [r.key for r in rends] == ["opt:1", "file:11", "file:10"]
    assert rends[0].kind == "optimized" and rends[0].describe().startswith("Optimized — 720p")


def test_unknown_title_has_nothing(tmp_path: Path):
    db = _catalog(tmp_path)
    found = title_renditions(db, 999)
    assert found.renditions == [] and found.manifests == []
