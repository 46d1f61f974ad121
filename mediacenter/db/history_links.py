"""Linking watch history to its file again when the file comes back.

When a file's row is deleted (the file vanished, its library folder was removed), a trigger
(schema 3) keeps where the file was and what it held in ``detached_history``, and the sessions
lose their ``file_id`` and, with the version, their ``version_id``. :func:`relink_history`
gives them back once a file of the same title is found at the same place, or with the same
content (size and sampled fingerprint) anywhere.
"""

from __future__ import annotations

import sqlite_utils

# Same library folder and relative path, then the same content; always the same title, so a
# different film that took the old name is never credited with the history.
_MATCHES = (
    """
    SELECT d.session_id, f.id, f.version_id
    FROM detached_history d
    JOIN watch_sessions s ON s.id = d.session_id
    JOIN roots r ON r.path = d.root_path
    JOIN files f ON f.root_id = r.id AND f.path_key = d.path_key AND f.title_id = s.title_id
    WHERE s.file_id IS NULL
    """,
    """
    SELECT d.session_id, min(f.id), f.version_id
    FROM detached_history d
    JOIN watch_sessions s ON s.id = d.session_id
    JOIN files f ON f.size = d.size AND f.fingerprint = d.fingerprint AND f.title_id = s.title_id
    WHERE s.file_id IS NULL AND d.fingerprint IS NOT NULL
    GROUP BY d.session_id
    """,
)


def relink_history(db: sqlite_utils.Database) -> int:
    """Link detached sessions to their returned files; returns how many were linked.

    Call inside the caller's write transaction (the scanner's finishing one). Costs one
    indexed look-up when nothing is detached.
    """
    c = db.conn
    if c.execute("SELECT 1 FROM detached_history LIMIT 1").fetchone() is None:
        return 0
    linked = 0
    for sql in _MATCHES:
        rows = c.execute(sql).fetchall()
        if not rows:
            continue
        c.executemany(
            "UPDATE watch_sessions SET file_id = ?, version_id = coalesce(?, version_id) "
            "WHERE id = ? AND file_id IS NULL",
            [(fid, vid, sid) for sid, fid, vid in rows],
        )
        c.executemany("DELETE FROM detached_history WHERE session_id = ?",
                      [(sid,) for sid, _f, _v in rows])
        # The resume point's version went with the version row: the latest linked session's.
        c.executemany(
            "UPDATE watch_state SET version_id = (SELECT s.version_id FROM watch_sessions s "
            "WHERE s.profile_id = watch_state.profile_id AND s.title_id = watch_state.title_id "
            "AND s.version_id IS NOT NULL ORDER BY s.started_at DESC LIMIT 1) "
            "WHERE version_id IS NULL AND (profile_id, title_id) = "
            "(SELECT profile_id, title_id FROM watch_sessions WHERE id = ?)",
            [(sid,) for sid, _f, _v in rows],
        )
        linked += len(rows)
    # Sessions linked some other way meanwhile (a move the scanner followed) need no entry.
    c.execute("DELETE FROM detached_history WHERE session_id IN "
              "(SELECT id FROM watch_sessions WHERE file_id IS NOT NULL)")
    return linked
