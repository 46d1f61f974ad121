"""Descriptions chosen for each viewer: the .nfo's words and plain templates over catalog
facts that connect a title to a profile (facts -> compose -> select). No Qt."""
