"""Where throughput is remembered: source names and the ``throughput`` table."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mediacenter.db import open_db
from mediacenter.playback.throughput import ThroughputStore, source_key


def test_source_key_of_urls():
    assert source_key("http://NAS.local:8080/a/b.mkv") == "http://nas.local:8080"
    assert source_key("http://nas/a.m3u8") == "http://nas:80"
    assert source_key("https://cdn.example.com/x") == "https://cdn.example.com:443"
    assert source_key("smb://nas/share/film.mkv") == "smb://nas"


def test_source_key_of_paths_is_their_mount_point(tmp_path: Path):
    f = tmp_path / "film.mkv"
    f.write_bytes(b"x")
    key = source_key(str(f))
    assert key.startswith("mount:")
    mount = key.split(":", 1)[1]
    assert os.path.ismount(mount) and str(f).startswith(mount)
    assert source_key(f.as_uri()) == key
    # Files of one disk share one source; a path that is gone still gets one.
    assert source_key(str(tmp_path / "other.mkv")) == key
    assert source_key(str(tmp_path / "gone" / "deeper" / "x.mkv")) == key


@pytest.fixture
def store(tmp_path: Path) -> ThroughputStore:
    now = [1000.0]
    s = ThroughputStore(open_db(tmp_path / "c.sqlite3"), clock=lambda: now[0])
    s.now = now  # type: ignore[attr-defined]
    return s


def test_save_get_and_accumulate(store: ThroughputStore):
    assert store.get("http://nas:80") is None
    store.save("http://nas:80", 4e6, fast_bps=5e6, slow_bps=4e6, samples=10, stalls=1,
               detail={"rendition": "variant:0"})
    store.now[0] += 60
    store.save("http://nas:80", 3e6, samples=5, stalls=2)
    s = store.get("http://nas:80")
    assert s is not None
    assert s.estimate_bps == 3e6 and s.samples == 15 and s.stalls == 3
    assert s.updated_at == 1060.0
    assert [x.source for x in store.all()] == ["http://nas:80"]


def test_recent_only_when_fresh(store: ThroughputStore):
    store.save("mount:/mnt/nas", 80e6, samples=1)
    assert store.recent("mount:/mnt/nas", max_age_s=600) is not None
    store.now[0] += 601
    assert store.recent("mount:/mnt/nas", max_age_s=600) is None
    assert store.get("mount:/mnt/nas") is not None  # still known, only not recent


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_nonsense_is_not_stored(store: ThroughputStore, bad: float):
    store.save("x", bad)
    assert store.get("x") is None


def test_damaged_rows_are_survived(store: ThroughputStore):
    store.save("x", 2e6)
    store.db.conn.execute("UPDATE throughput SET detail_json = 'not json{' WHERE source = 'x'")
    assert store.get("x").detail == {}
    store.db.conn.execute("UPDATE throughput SET detail_json = '[1, 2]' WHERE source = 'x'")
    assert store.get("x").detail == {}
    store.db.conn.execute("UPDATE throughput SET estimate_bps = -5 WHERE source = 'x'")
    assert store.get("x") is None
