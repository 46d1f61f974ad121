"""Previews: short silent clips cut from a title (or its trailer), chosen per profile.

analyse (what the video looks and sounds like over time) -> segments (candidates, scored,
near-duplicates dropped) -> render (480p H.264 clips, PyAV) -> cache (LRU folder) -> store
(rows) -> pipeline (a title, the library) -> select (the bandit's pick per profile, "Why this
preview?"). No Qt here; the UI's preview player lives in ``mediacenter.ui.previews``.
"""
