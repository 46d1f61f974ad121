"""The pre-play probe for real: a timed file read and HTTP range requests on a throttled
loopback server; and the proxy relaying what it is asked for."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from mediacenter.playback.throughput import ProbeError, probe_read
from tests.throttled_http import ThrottledServer


@pytest.fixture(scope="module")
def blob(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("probe")
    f = d / "blob.bin"
    f.write_bytes(bytes(range(256)) * 8192)  # 2 MiB
    return f


def test_file_read_is_timed(blob: Path):
    r = probe_read(str(blob), max_bytes=512 * 1024)
    assert r.nbytes == 512 * 1024
    assert r.seconds > 0 and r.bps > 10e6  # a local disk (or its cache) is fast


def test_http_range_request_measures_the_link(blob: Path):
    with ThrottledServer(blob.parent, 4e6) as srv:
        r = probe_read(f"{srv.url}/blob.bin", max_s=0.6, offset=1000)
        assert r.bps == pytest.approx(4e6, rel=0.3)
        assert 0.5 <= r.seconds < 1.5
        deadline = time.monotonic() + 5
        while not srv.requests() and time.monotonic() < deadline:
            time.sleep(0.05)  # the server logs once it notices the client has gone
        (req,) = srv.requests()
        assert req.status == 206  # a range request: the file was not fetched whole


def test_http_probe_stops_at_max_bytes(blob: Path):
    with ThrottledServer(blob.parent, 50e6) as srv:
        r = probe_read(f"{srv.url}/blob.bin", max_bytes=64 * 1024, max_s=5)
        assert r.nbytes == 64 * 1024


@pytest.mark.parametrize("name", ["missing.bin"])
def test_errors_are_clear(blob: Path, tmp_path: Path, name: str):
    with pytest.raises(ProbeError, match="not found"):
        probe_read(str(tmp_path / name))
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    with pytest.raises(ProbeError, match="empty"):
        probe_read(str(empty))
    with ThrottledServer(blob.parent, 50e6) as srv, pytest.raises(ProbeError, match="404"):
        probe_read(f"{srv.url}/{name}")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ProbeError, match="Cannot measure"):
        probe_read(f"http://127.0.0.1:{port}/x", timeout_s=2)
    with pytest.raises(ProbeError, match="unsupported"):
        probe_read("ftp://example.com/x")
