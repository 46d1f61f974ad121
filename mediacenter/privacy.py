"""Erasing a profile for good: its rows in the catalog and what was learned from them.

:func:`mediacenter.db.admin.erase_history` removes every row that refers to the profile (a
grown-up's permission checked there). What was learned from those rows lives outside them: the
recommender's model file (item factors fitted on everyone's signals) and, in this process, the
artwork and preview bandits' fitted models. :func:`erase_profile` does both; the model is
deleted rather than kept until the next training, so from that moment no score of any profile
carries the erased profile's contribution (pages fall back to content and popularity until the
background job trains again on what is left - which the caller asks for by announcing the
change).
"""

from __future__ import annotations

import contextlib

import sqlite_utils

from mediacenter.db import admin
from mediacenter.db.admin import AdminGrant


def forget_learned(db: sqlite_utils.Database) -> list[str]:
    """Delete the model file beside the catalog and drop this process's fitted bandits;
    returns what was removed (for the message)."""
    from mediacenter.artwork import select as artwork_select
    from mediacenter.previews import choose as preview_choose
    from mediacenter.recommend.train import model_path_for_db

    removed: list[str] = []
    path = model_path_for_db(db)
    if path is not None and path.exists():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append("recommendation model")
    artwork_select.forget_cached_models()
    preview_choose.forget_cached_models()
    return removed


def erase_profile(db: sqlite_utils.Database, grant: AdminGrant, profile_id: int
                  ) -> dict[str, int]:
    """Every row that refers to the profile, then what was learned from it (see the module
    doc). Returns the rows removed per table. Raises NotAllowedError, ProfileNotFoundError."""
    removed = admin.erase_history(db, grant, profile_id)
    forget_learned(db)
    return removed
