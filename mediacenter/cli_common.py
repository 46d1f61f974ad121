"""What every ``mediacenter`` subcommand shares, wherever it is defined.

The main command line (:mod:`mediacenter.cli`) and the packages that add their own commands
(``artwork``, ``recommend``, ``playback``) import this module; none of them imports
:mod:`mediacenter.cli`, so the command line depends on the packages and never the reverse.
"""

from __future__ import annotations

from typing import Final

import sqlite_utils

from mediacenter.config import Paths

EXIT_USER_ERROR: Final = 2


class UserError(Exception):
    """Printed as ``mediacenter: <message>`` with exit status 2."""


def open_catalog(paths: Paths) -> sqlite_utils.Database:
    """The catalog for a command: folders created, checked (SQLite's quick check, before
    anything is written), migrated. Raises DatabaseError."""
    from mediacenter.db import open_db
    from mediacenter.db.backups import hold_in_use

    paths.ensure()
    db = open_db(paths.db_path, backup_dir=paths.backup_dir, check_integrity=True)
    hold_in_use(paths.db_path)  # 'mediacenter restore' waits for this process to end
    return db
