"""The loopback proxy for real: splicing HLS variants segment by segment, pinning one variant,
counting what passes, rewriting absolute addresses; against a throttled loopback server."""

from __future__ import annotations

import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mediacenter.playback.proxy import LoopbackProxy, open_upstream
from mediacenter.playback.renditions import ManifestError
from tests.abr_media import make_hls_ladder
from tests.clips import ffmpeg_available
from tests.throttled_http import ThrottledServer

pytestmark = pytest.mark.skipif(not ffmpeg_available(), reason="ffmpeg is not installed")


@pytest.fixture(scope="module")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_hls_ladder(tmp_path_factory.mktemp("ladder"), duration_s=4.0)


@pytest.fixture
def server(ladder: Path):
    with ThrottledServer(ladder, 200e6) as srv:
        yield srv


@pytest.fixture
def proxy():
    p = LoopbackProxy()
    yield p
    p.close()


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def samples_of(proxy: LoopbackProxy, nbytes: int) -> list:
    """The proxy's samples once they add up to ``nbytes`` (it counts after the last byte is
    out, so a client may be a moment ahead of it)."""
    out: list = []
    deadline = time.monotonic() + 5
    while sum(s.nbytes for s in out) < nbytes and time.monotonic() < deadline:
        out += proxy.take_samples()
        time.sleep(0.01)
    return out


def test_aligned_variants_are_spliced(ladder: Path, server: ThrottledServer,
                                      proxy: LoopbackProxy):
    stream = proxy.open_hls(f"{server.url}/master.m3u8")
    assert stream.mode == "splice", stream.why_not_splice
    assert [v.bandwidth > 0 for v in stream.variants] == [True, True, True]
    playlist = get(stream.url()).decode()
    segs = [ln for ln in playlist.splitlines() if ln and not ln.startswith("#")]
    assert segs == [f"seg/{i}.ts" for i in range(4)]
    assert "#EXT-X-ENDLIST" in playlist
    base = stream.url().rsplit("/", 1)[0]
    stream.select(2)
    assert get(f"{base}/seg/0.ts") == (ladder / "v2" / "seg000.ts").read_bytes()
    stream.select(0)
    assert get(f"{base}/seg/1.ts") == (ladder / "v0" / "seg001.ts").read_bytes()
    deadline = time.monotonic() + 5
    while len(stream.fetches()) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # logged once the last byte is out: the client may be ahead
    assert [(f.index, f.variant) for f in stream.fetches()] == [(0, 2), (1, 0)]
    assert stream.variant_at(0.5) == 2 and stream.variant_at(1.5) == 0
    assert stream.variant_at(2.5) is None
    assert stream.buffered_until_s(0.2) == pytest.approx(2.0)
    total = (ladder / "v2" / "seg000.ts").stat().st_size + \
        (ladder / "v0" / "seg001.ts").stat().st_size
    samples = samples_of(proxy, total)
    assert samples and {s.stream for s in samples} == {stream.token}
    assert sum(s.nbytes for s in samples) == total
    assert proxy.take_samples() == []  # handed over once
    with pytest.raises(IndexError):
        stream.select(3)


def test_a_master_with_audio_groups_is_pinned(ladder: Path, tmp_path: Path,
                                              proxy: LoopbackProxy):
    site = tmp_path / "site"
    shutil.copytree(ladder, site)
    text = (site / "master.m3u8").read_text().replace(
        "#EXT-X-VERSION:3",
        '#EXT-X-VERSION:3\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="v2/index.m3u8"')
    (site / "master.m3u8").write_text(text)
    with ThrottledServer(site, 200e6) as srv:
        stream = proxy.open_hls(f"{srv.url}/master.m3u8")
        assert stream.mode == "pin" and "audio" in stream.why_not_splice
        pinned = get(stream.url(1)).decode()
        assert pinned.count("#EXT-X-STREAM-INF") == 1
        assert "#EXT-X-MEDIA:TYPE=AUDIO" in pinned
        uri = next(ln for ln in pinned.splitlines() if ln and not ln.startswith("#"))
        media_url = stream.url(1).rsplit("/", 1)[0] + "/" + uri
        media = get(media_url).decode()
        seg = next(ln for ln in media.splitlines() if ln and not ln.startswith("#"))
        body = get(media_url.rsplit("/", 1)[0] + "/" + seg)
        assert body == (site / "v1" / "seg000.ts").read_bytes()
        assert sum(s.nbytes for s in samples_of(proxy, len(body))) >= len(body)


def test_absolute_addresses_go_through_the_proxy(ladder: Path, tmp_path: Path,
                                                 proxy: LoopbackProxy, server: ThrottledServer):
    site = tmp_path / "abs"
    site.mkdir()
    lines = (ladder / "master.m3u8").read_text().splitlines()
    lines = [f"{server.url}/{ln}" if ln.endswith(".m3u8") else ln for ln in lines]
    # Subtitles as a separate rendition: not spliceable, so the master is pinned.
    lines.insert(2, f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",NAME="en",'
                    f'URI="{server.url}/v2/index.m3u8"')
    (site / "master.m3u8").write_text("\n".join(lines) + "\n")
    stream = proxy.open_hls(str(site / "master.m3u8"))
    assert not stream.spliced
    pinned = get(stream.url(0)).decode()
    assert f'URI="/a/{stream.token}/' in pinned
    uri = next(ln for ln in pinned.splitlines() if ln and not ln.startswith("#"))
    assert uri.startswith(f"/a/{stream.token}/")
    media = get(proxy.base_url + uri).decode()
    seg = next(ln for ln in media.splitlines() if ln and not ln.startswith("#"))
    assert not seg.startswith("http")
    seg_url = proxy.base_url + uri.rsplit("/", 1)[0] + "/" + seg
    assert get(seg_url) == (ladder / "v0" / "seg000.ts").read_bytes()


def test_local_master_is_spliced_too(ladder: Path, proxy: LoopbackProxy):
    stream = proxy.open_hls(str(ladder / "master.m3u8"))
    assert stream.spliced
    stream.select(1)
    base = stream.url().rsplit("/", 1)[0]
    assert get(f"{base}/seg/3.ts") == (ladder / "v1" / "seg003.ts").read_bytes()


def test_unknown_paths_and_broken_upstreams(ladder: Path, proxy: LoopbackProxy,
                                            server: ThrottledServer):
    stream = proxy.open_hls(f"{server.url}/master.m3u8")
    for bad in ("/h/0123456789abcdef/splice.m3u8", "/nothing", f"/h/{stream.token}/seg/99.ts",
                f"/a/{stream.token}/!!!/x"):
        with pytest.raises(urllib.error.HTTPError) as e:
            get(proxy.base_url + bad)
        e.value.close()  # an HTTP error holds its response (and socket) open
        assert e.value.code in (400, 404)
    proxy.forget(stream)
    with pytest.raises(urllib.error.HTTPError) as gone:
        get(stream.url())
    gone.value.close()
    with pytest.raises(ManifestError):
        proxy.open_hls(f"{server.url}/missing.m3u8")
    (ladder / "not-a-playlist.m3u8").write_text("<html>hello</html>")
    with pytest.raises(ManifestError):
        proxy.open_hls(f"{server.url}/not-a-playlist.m3u8")


def test_open_upstream_honours_ranges_on_local_files(ladder: Path):
    f = ladder / "v0" / "seg000.ts"
    data = f.read_bytes()
    up = open_upstream(str(f), "bytes=10-19")
    try:
        assert up.status == 206 and up.read(100) == data[10:20]
        assert up.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    finally:
        up.close()
    up = open_upstream(str(f), "bytes=-5")
    try:
        assert up.read(100) == data[-5:]
    finally:
        up.close()


MPD = """<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S"
     minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">
  <Period>
    <AdaptationSet contentType="video" mimeType="video/mp4">
      <Representation id="hi" bandwidth="3000000" width="1280" height="720">
        <BaseURL>hi.mp4</BaseURL></Representation>
      <Representation id="lo" bandwidth="300000" width="320" height="180">
        <BaseURL>lo.mp4</BaseURL></Representation>
    </AdaptationSet>
    <AdaptationSet contentType="audio" mimeType="audio/mp4">
      <Representation id="aud" bandwidth="64000"><BaseURL>a.mp4</BaseURL></Representation>
    </AdaptationSet>
  </Period>
</MPD>
"""


def test_dash_is_pinned_to_one_representation(tmp_path: Path, proxy: LoopbackProxy):
    (tmp_path / "m.mpd").write_text(MPD)
    (tmp_path / "lo.mp4").write_bytes(b"low bytes")
    stream = proxy.open_dash(str(tmp_path / "m.mpd"))
    assert [v.rep_id for v in stream.variants] == ["lo", "hi"]
    pinned = get(stream.url(0)).decode()
    assert 'id="lo"' in pinned and 'id="hi"' not in pinned
    assert 'id="aud"' in pinned  # audio is not a quality of the picture: kept
    assert "ns0:" not in pinned
    assert get(stream.url(0).rsplit("/", 1)[0] + "/lo.mp4") == b"low bytes"
