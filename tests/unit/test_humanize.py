"""Times in words for the settings screen."""

from __future__ import annotations

import pytest

from mediacenter.humanize import plural, relative_time

NOW = 1_700_000_000.0


@pytest.mark.parametrize(("ago", "text"), [
    (0, "just now"), (59, "just now"), (60, "1 minute ago"), (119, "1 minute ago"),
    (5 * 60, "5 minutes ago"), (3600, "1 hour ago"), (2 * 3600 + 59, "2 hours ago"),
    (23 * 3600, "23 hours ago"), (86400, "yesterday"), (3 * 86400, "3 days ago"),
    (-30, "just now"),
])
def test_relative_time(ago, text):
    assert relative_time(NOW - ago, NOW) == text


def test_old_times_are_dates_and_none_is_never():
    assert relative_time(NOW - 90 * 86400, NOW).endswith("2023")
    assert relative_time(None) == "never"
    assert relative_time(None, never="Never scanned") == "Never scanned"
    assert plural(1, "video") == "1 video" and plural(1200, "video") == "1,200 videos"
    assert plural(2, "viewing") == "2 viewings"
