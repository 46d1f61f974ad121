"""Short explicit write transactions.

Connections are opened in autocommit mode so that nothing holds a write lock by accident;
writers group their statements with :func:`transaction`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception (re-raised)."""
    conn = db.conn
    if conn.in_transaction:
        # Nested use joins the outer transaction: the outer block decides commit or rollback.
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (a full disk, damage)
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def inserted_id(cur: sqlite3.Cursor) -> int:
    """The rowid an ``INSERT`` just made (SQLite always has one after an insert)."""
    rowid = cur.lastrowid
    if rowid is None:
        raise sqlite3.InterfaceError("no row was inserted")
    return int(rowid)
