"""Fixtures shared by integration test modules."""

from __future__ import annotations

import pytest


@pytest.fixture
def fresh_page_caches():
    """The recommender's per-process caches emptied before and after a test."""
    from mediacenter.recommend import page

    page.clear_caches()
    yield
    page.clear_caches()


@pytest.fixture
def catalog_db(tmp_path):
    """An empty catalog of the test's own."""
    from mediacenter.db import open_db

    db = open_db(tmp_path / "c.sqlite3")
    yield db
    db.conn.close()
