"""What profiles were shown (a preview, a description) and what they did next, for the bandit.

One table for both kinds (``choice_impressions``): the *arm* is a preview candidate's id or a
description's style, stored with the features the bandit learns from, so a candidate that is
regenerated or gone still teaches. The reward rule is the artwork's
(:data:`mediacenter.artwork.impressions.REWARDS`): a play soon after counts 1, opening the
details 0.5, a play after a details-open raises the reward, never lowers it. The current arm
per profile and title (``choice_current``) keeps a preview or a description stable within a
session. Writes are single short statements, safe from any thread with its own connection.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping, Sequence

import numpy as np

from mediacenter.artwork.bandit import Observation, art_vector
from mediacenter.artwork.impressions import REWARDS, profile_taste
from mediacenter.db.catalog import title_and_parents

KINDS = ("preview", "description")
REWARD_WINDOW_S = 10 * 60  # "soon after": a preview or a line of text works now or not at all
MAX_OBSERVATIONS = 20_000


def _check(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (expected one of {KINDS})")
    return kind


def record_impression(db, kind: str, profile_id: int, title_id: int, arm: str,
                      features: Mapping[str, float], *, at: float | None = None) -> int:
    """Log that ``profile_id`` was shown ``arm`` of ``title_id``."""
    cur = db.conn.execute(
        "INSERT INTO choice_impressions (kind, profile_id, title_id, arm, features_json, at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (_check(kind), profile_id, title_id, str(arm),
         json.dumps({k: round(float(v), 4) for k, v in features.items()}),
         time.time() if at is None else at))
    return int(cur.lastrowid or 0)


def record_reward(db, profile_id: int, title_id: int, event: str, *,
                  at: float | None = None, window_s: float = REWARD_WINDOW_S) -> list[int]:
    """Reward the latest preview and the latest description impression of the title (or of
    its season or show, for an episode's play) within ``window_s``; the ids rewarded."""
    if event not in REWARDS:
        raise ValueError(f"unknown reward event {event!r} (expected one of {sorted(REWARDS)})")
    now = time.time() if at is None else at
    value = REWARDS[event]
    ids = title_and_parents(db, title_id)
    done: list[int] = []
    for kind in KINDS:
        for tid in ids:
            r = db.conn.execute(
                "SELECT id, reward FROM choice_impressions WHERE kind = ? AND profile_id = ? "
                "AND title_id = ? AND at >= ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
                (kind, profile_id, tid, now - window_s, now + 1.0)).fetchone()
            if r is None:
                continue
            if value > (r[1] or 0.0):
                db.conn.execute("UPDATE choice_impressions SET reward = ?, rewarded_at = ? "
                                "WHERE id = ?", (value, now, r[0]))
            done.append(int(r[0]))
            break
    return done


def observations(db, kind: str, names: Sequence[str], *, limit: int = MAX_OBSERVATIONS
                 ) -> list[Observation]:
    """The most recent impressions of ``kind`` as bandit observations (feature ``names``)."""
    rows = db.conn.execute(
        "SELECT profile_id, arm, reward, features_json FROM choice_impressions WHERE kind = ? "
        "ORDER BY id DESC LIMIT ?", (_check(kind), limit)).fetchall()
    tastes: dict[int, np.ndarray] = {}
    arm_ids: dict[str, int] = {}
    out = []
    for pid, arm, reward, fj in rows:
        if pid not in tastes:
            tastes[pid] = profile_taste(db, pid)
        try:
            feats = json.loads(fj or "{}")
        except ValueError:
            feats = {}
        arm_id = arm_ids.setdefault(arm, arm_key(arm))
        out.append(Observation(pid, art_vector(feats if isinstance(feats, dict) else {}, names),
                               tastes[pid], float(reward), arm_id))
    return out


def arm_key(arm: str) -> int:
    """A stable integer for an arm (the bandit's per-arm effect is keyed on ints)."""
    if arm.isdigit():
        return int(arm)
    return int.from_bytes(arm.encode("utf-8")[:7].ljust(7, b"\0"), "little") + (1 << 60)


def current(db, kind: str, profile_id: int, title_id: int) -> tuple[str, str | None] | None:
    """(arm, session) the profile got for the title last, or None."""
    r = db.conn.execute("SELECT arm, session FROM choice_current WHERE kind = ? AND "
                        "profile_id = ? AND title_id = ?",
                        (_check(kind), profile_id, title_id)).fetchone()
    return (str(r[0]), r[1]) if r else None


def set_current(db, kind: str, profile_id: int, title_id: int, arm: str, session: str) -> bool:
    """Remember the arm for this session; False when it could not be stored (a profile
    deleted meanwhile, the catalog busy): the caller shows it anyway."""
    try:
        db.conn.execute(
            "INSERT INTO choice_current (kind, profile_id, title_id, arm, session, chosen_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, profile_id, title_id) DO UPDATE SET "
            "arm = excluded.arm, session = excluded.session, chosen_at = excluded.chosen_at",
            (_check(kind), profile_id, title_id, str(arm), session, time.time()))
    except sqlite3.Error:
        return False
    return True


def shows_of(db, kind: str, profile_id: int, title_id: int, arm: str) -> int:
    return int(db.conn.execute(
        "SELECT count(*) FROM choice_impressions WHERE kind = ? AND profile_id = ? AND "
        "title_id = ? AND arm = ?", (_check(kind), profile_id, title_id, str(arm))).fetchone()[0])


def stats_by_arm(db, kind: str, profile_id: int, title_id: int | None = None
                 ) -> dict[str, tuple[int, float]]:
    """{arm: (impressions, summed reward)} of one profile (on one title, or on all)."""
    sql = ("SELECT arm, count(*), sum(reward) FROM choice_impressions WHERE kind = ? AND "
           "profile_id = ?")
    args: tuple = (_check(kind), profile_id)
    if title_id is not None:
        sql += " AND title_id = ?"
        args += (title_id,)
    return {str(a): (int(n), float(r or 0.0))
            for a, n, r in db.conn.execute(sql + " GROUP BY arm", args)}


def latest_id(db, kind: str) -> int:
    r = db.conn.execute("SELECT max(id) FROM choice_impressions WHERE kind = ?",
                        (_check(kind),)).fetchone()
    return int(r[0] or 0)
