"""The catalog schema as ordered migrations (``PRAGMA user_version`` is the version).

Never edit a released migration: add a new one. Each function receives a connection inside an
open transaction and must not commit.

Paths are stored twice: ``*_key`` as the exact bytes the OS gave us (``os.fsencode``), so names
that are not valid UTF-8 survive a round trip, and ``*_display`` as readable text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]

V1 = """
CREATE TABLE roots (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'mixed' CHECK (kind IN ('mixed', 'movies', 'shows', 'home')),
    name TEXT,
    added_at REAL NOT NULL,
    last_scan_at REAL,
    last_online_at REAL,
    online INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE titles (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('movie', 'show', 'season', 'episode', 'other')),
    parent_id INTEGER REFERENCES titles(id) ON DELETE CASCADE,
    show_id INTEGER REFERENCES titles(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    sort_title TEXT NOT NULL,
    original_title TEXT,
    year INTEGER,
    season_number INTEGER,
    episode_number INTEGER,
    episode_end INTEGER,
    air_date TEXT,
    plot TEXT,
    tagline TEXT,
    rating REAL,
    votes INTEGER,
    mpaa TEXT,
    runtime_min INTEGER,
    premiered TEXT,
    imdb_id TEXT,
    tmdb_id TEXT,
    tvdb_id TEXT,
    nfo_path TEXT,
    metadata_source TEXT NOT NULL DEFAULT 'name' CHECK (metadata_source IN ('name', 'nfo')),
    added_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    removed_at REAL
);
CREATE INDEX titles_kind ON titles(kind, removed_at);
CREATE INDEX titles_parent ON titles(parent_id);
CREATE INDEX titles_show ON titles(show_id);
CREATE INDEX titles_added ON titles(added_at);
CREATE INDEX titles_imdb ON titles(imdb_id) WHERE imdb_id IS NOT NULL;
CREATE INDEX titles_tmdb ON titles(tmdb_id) WHERE tmdb_id IS NOT NULL;

CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    UNIQUE (title_id, key)
);

CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    path_key BLOB NOT NULL,
    path_display TEXT NOT NULL,
    dir_key BLOB NOT NULL,
    kind TEXT NOT NULL DEFAULT 'video' CHECK (kind IN ('video', 'manifest', 'strm')),
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    fingerprint TEXT,
    title_id INTEGER REFERENCES titles(id) ON DELETE SET NULL,
    version_id INTEGER REFERENCES versions(id) ON DELETE SET NULL,
    part INTEGER,
    extra TEXT,
    parsed_json TEXT,
    probe_json TEXT,
    probe_size INTEGER,
    probe_mtime_ns INTEGER,
    probe_error TEXT,
    duration_ms INTEGER,
    width INTEGER,
    height INTEGER,
    video_codec TEXT,
    bitrate_bps INTEGER,
    added_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (root_id, path_key)
);
CREATE INDEX files_title ON files(title_id);
CREATE INDEX files_version ON files(version_id);
CREATE INDEX files_size ON files(size);
CREATE INDEX files_dir ON files(root_id, dir_key);

-- One row per folder: a signature of its videos and sidecar files (name, size, mtime) so an
-- unchanged folder is skipped whole on rescan, and an edited .nfo is still noticed.
CREATE TABLE dirs (
    root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    dir_key BLOB NOT NULL,
    sig TEXT NOT NULL,
    PRIMARY KEY (root_id, dir_key)
) WITHOUT ROWID;

CREATE TABLE artwork (
    id INTEGER PRIMARY KEY,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'sidecar',
    UNIQUE (title_id, kind, source)
);

CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE title_people (
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    character TEXT,
    ord INTEGER,
    PRIMARY KEY (title_id, person_id, role)
) WITHOUT ROWID;
CREATE INDEX title_people_person ON title_people(person_id);

CREATE TABLE genres (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
CREATE TABLE title_genres (
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    genre_id INTEGER NOT NULL REFERENCES genres(id) ON DELETE CASCADE,
    PRIMARY KEY (title_id, genre_id)
) WITHOUT ROWID;
CREATE INDEX title_genres_genre ON title_genres(genre_id);

CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
CREATE TABLE title_tags (
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (title_id, tag_id)
) WITHOUT ROWID;

CREATE VIRTUAL TABLE titles_fts USING fts5(
    title, original_title, plot, genres, people, tags,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    root_id INTEGER REFERENCES roots(id) ON DELETE CASCADE,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'done', 'cancelled', 'failed', 'offline', 'interrupted')),
    stats_json TEXT,
    -- Who runs it and when it last made progress: two scans of one folder must not overlap.
    pid INTEGER,
    heartbeat_at REAL
);
CREATE INDEX scans_root ON scans(root_id, status);

CREATE TABLE scan_problems (
    id INTEGER PRIMARY KEY,
    root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    scan_id INTEGER REFERENCES scans(id) ON DELETE SET NULL,
    path_key BLOB NOT NULL,
    path_display TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    at REAL NOT NULL,
    UNIQUE (root_id, path_key, reason)
);

-- Household profiles; the playback issue fills the history tables below.
CREATE TABLE profiles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    avatar TEXT,
    color TEXT,
    is_kids INTEGER NOT NULL DEFAULT 0,
    max_rating TEXT,
    pin_hash TEXT,
    audio_language TEXT,
    subtitle_language TEXT,
    created_at REAL NOT NULL
);

-- A viewing session: one continuous play of one file by one profile.
CREATE TABLE watch_sessions (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    version_id INTEGER REFERENCES versions(id) ON DELETE SET NULL,
    file_id INTEGER REFERENCES files(id) ON DELETE SET NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    start_position_ms INTEGER NOT NULL DEFAULT 0,
    last_position_ms INTEGER NOT NULL DEFAULT 0,
    max_position_ms INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER,
    watched_ms INTEGER NOT NULL DEFAULT 0,
    -- interrupted: closed on the next start after the player's process died.
    end_reason TEXT CHECK (end_reason IN ('stopped', 'finished', 'abandoned', 'error',
                                          'interrupted')),
    completed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX watch_sessions_profile ON watch_sessions(profile_id, title_id, started_at);
CREATE INDEX watch_sessions_title ON watch_sessions(title_id);
CREATE INDEX watch_sessions_open ON watch_sessions(id) WHERE ended_at IS NULL;

-- The fine-grained event log a session is made of (start, progress, pause, seek, stop, finish).
CREATE TABLE watch_events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES watch_sessions(id) ON DELETE CASCADE,
    at REAL NOT NULL,
    event TEXT NOT NULL
        CHECK (event IN ('start', 'progress', 'pause', 'resume', 'seek', 'stop', 'finish',
                         'error')),
    position_ms INTEGER NOT NULL,
    detail TEXT
);
CREATE INDEX watch_events_session ON watch_events(session_id, at);

-- Per profile and title: where to resume and whether it counts as watched.
CREATE TABLE watch_state (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    version_id INTEGER REFERENCES versions(id) ON DELETE SET NULL,
    resume_position_ms INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER,
    play_count INTEGER NOT NULL DEFAULT 0,
    watched INTEGER NOT NULL DEFAULT 0,
    last_played_at REAL,
    watched_at REAL,
    PRIMARY KEY (profile_id, title_id)
) WITHOUT ROWID;
CREATE INDEX watch_state_recent ON watch_state(profile_id, last_played_at);

-- Explicit feedback (-1 thumbs down, 1 up, 2 love) and imported ratings (value on 0.5-5).
CREATE TABLE ratings (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('explicit', 'import', 'not_interested')),
    value REAL NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (profile_id, title_id, source)
) WITHOUT ROWID;
"""


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(V1):
        conn.execute(statement)


# Schema 2: quality selection (issue 4), recommendations (issue 5), artwork (issue 6), settings.
V2 = """
-- Throughput learned per source (a volume, a share, an http host): the next start uses it.
CREATE TABLE throughput (
    source TEXT PRIMARY KEY,
    estimate_bps REAL NOT NULL,
    fast_bps REAL,
    slow_bps REAL,
    samples INTEGER NOT NULL DEFAULT 0,
    stalls INTEGER NOT NULL DEFAULT 0,
    detail_json TEXT,
    updated_at REAL NOT NULL
);

-- A quality chosen by hand, remembered per profile and title ('auto' or a rendition key).
CREATE TABLE quality_prefs (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    choice TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (profile_id, title_id)
) WITHOUT ROWID;

-- Versions the app made on request ("a 720p version for Wi-Fi"), stored beside the catalog.
CREATE TABLE optimized_versions (
    id INTEGER PRIMARY KEY,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    source_file_id INTEGER REFERENCES files(id) ON DELETE SET NULL,
    path TEXT NOT NULL,
    target_height INTEGER NOT NULL,
    target_bitrate_bps INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress REAL NOT NULL DEFAULT 0,
    error TEXT,
    width INTEGER,
    height INTEGER,
    bitrate_bps INTEGER,
    duration_ms INTEGER,
    created_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX optimized_versions_title ON optimized_versions(title_id, status);

-- Artwork candidates: frames taken from the video and sidecar images, scored.
CREATE TABLE artwork_candidates (
    id INTEGER PRIMARY KEY,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    file_id INTEGER REFERENCES files(id) ON DELETE SET NULL,
    source TEXT NOT NULL CHECK (source IN ('frame', 'sidecar')),
    time_s REAL,
    path TEXT NOT NULL,
    score REAL NOT NULL,
    phash TEXT,
    features_json TEXT NOT NULL DEFAULT '{}',
    -- the source file's size and mtime when extracted: a changed file is redone
    file_size INTEGER,
    file_mtime_ns INTEGER,
    created_at REAL NOT NULL
);
CREATE INDEX artwork_candidates_title ON artwork_candidates(title_id);

-- Every tile shown to a profile; a play or details-open soon after rewards it.
CREATE TABLE artwork_impressions (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    candidate_id INTEGER REFERENCES artwork_candidates(id) ON DELETE CASCADE,
    row TEXT,
    at REAL NOT NULL,
    reward REAL NOT NULL DEFAULT 0,
    rewarded_at REAL
);
CREATE INDEX artwork_impressions_profile ON artwork_impressions(profile_id, title_id, at);

-- The image a profile currently sees for a title (stable within a session).
CREATE TABLE artwork_choice (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    candidate_id INTEGER NOT NULL REFERENCES artwork_candidates(id) ON DELETE CASCADE,
    session TEXT,
    chosen_at REAL NOT NULL,
    PRIMARY KEY (profile_id, title_id)
) WITHOUT ROWID;

-- Rows and titles shown on a profile's home page, for "trending" and for measuring the rows.
CREATE TABLE rec_impressions (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    row TEXT NOT NULL,
    reason TEXT,
    at REAL NOT NULL
);
CREATE INDEX rec_impressions_profile ON rec_impressions(profile_id, at);

-- Small app-wide key/value settings that belong with the catalog (not per machine).
CREATE TABLE app_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""


def _v2(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(V2):
        conn.execute(statement)


# Schema 3: reliability (issue 19).
V3 = """
-- A file whose probe timed out (or crashed its worker): not tried again until retry_at, unless
-- it changed (size, mtime), so a few unreadable files do not cost every rescan the timeout.
CREATE TABLE probe_retries (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    retry_at REAL NOT NULL
);

-- Where a watch session's file was when the file's row went away (deleted, its library folder
-- removed): when a file comes back at that path, or with that content, the session is linked
-- to it (and its version) again. root_path is '' when the folder itself was removed (its row
-- is gone by the time the cascade deletes the files): then only the content can match.
CREATE TABLE detached_history (
    session_id INTEGER PRIMARY KEY REFERENCES watch_sessions(id) ON DELETE CASCADE,
    root_path TEXT NOT NULL,
    path_key BLOB NOT NULL,
    size INTEGER NOT NULL,
    fingerprint TEXT
);
CREATE INDEX detached_history_path ON detached_history(path_key);

CREATE INDEX watch_sessions_file ON watch_sessions(file_id);
"""

# One statement (its body holds ';'), so not split like the scripts.
V3_TRIGGER = """
CREATE TRIGGER files_detach_history BEFORE DELETE ON files
WHEN EXISTS (SELECT 1 FROM watch_sessions WHERE file_id = OLD.id)
BEGIN
    INSERT OR REPLACE INTO detached_history (session_id, root_path, path_key, size, fingerprint)
    SELECT s.id, coalesce((SELECT path FROM roots WHERE id = OLD.root_id), ''), OLD.path_key,
           OLD.size, OLD.fingerprint
    FROM watch_sessions s WHERE s.file_id = OLD.id;
END;
"""


def _v3(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(V3):
        conn.execute(statement)
    conn.execute(V3_TRIGGER)


# Schema 4: intros, recaps, credits (issue 16).
V4 = """
-- What the segment analyser (mediacenter/segments) learned from one file, valid while the file
-- keeps the size and mtime it was read at; a newer analyser (analyzer) reads it again. prints
-- holds the file's audio fingerprints (opening and end), so a season's new episode is matched
-- against the others without decoding them again; group_sig names the files the season was
-- matched with (a changed season is matched again from the stored prints).
CREATE TABLE segment_analysis (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    analyzer INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    error TEXT,
    duration_s REAL,
    prints BLOB,
    group_sig TEXT,
    analysed_at REAL NOT NULL
);

-- The segments found in a file (seconds from its start); what the player offers to skip.
CREATE TABLE segments (
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('intro', 'recap', 'credits', 'post_credits')),
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    confidence REAL NOT NULL,
    how TEXT NOT NULL,
    PRIMARY KEY (file_id, kind, start_s)
) WITHOUT ROWID;
"""


def _v4(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(V4):
        conn.execute(statement)


# Schema 5: "Your taste" (issue 15): what a profile told the recommender to set aside.
V5 = """
-- A profile's corrections to what the recommender believes about it, applied at once to its
-- pages (and to training): ignore_title (a title it played or rated no longer counts),
-- less_like (a feature: genre:Horror, person:..., decade:1980s, word:..., tag:... weighs less),
-- forget_before (signals given before before_at no longer count; one per profile).
CREATE TABLE taste_adjustments (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('ignore_title', 'less_like', 'forget_before')),
    title_id INTEGER REFERENCES titles(id) ON DELETE CASCADE,
    feature TEXT,
    before_at REAL,
    at REAL NOT NULL,
    CHECK ((kind = 'ignore_title') = (title_id IS NOT NULL)),
    CHECK ((kind = 'less_like') = (feature IS NOT NULL)),
    CHECK ((kind = 'forget_before') = (before_at IS NOT NULL))
);
CREATE UNIQUE INDEX taste_adjustments_one
    ON taste_adjustments(profile_id, kind, coalesce(title_id, 0), coalesce(feature, ''));
"""


def _v5(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(V5):
        conn.execute(statement)


# Schema 6: previews and descriptions chosen per profile (issue 13).
V6 = """
-- Preview candidates: a trailer beside the title, or a segment cut from its video, scored.
-- path is the rendered clip in the cache ('' until rendered; a trailer plays as it is).
CREATE TABLE preview_candidates (
    id INTEGER PRIMARY KEY,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    file_id INTEGER REFERENCES files(id) ON DELETE SET NULL,
    source TEXT NOT NULL CHECK (source IN ('trailer', 'segment')),
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    score REAL NOT NULL,
    features_json TEXT NOT NULL DEFAULT '{}',
    path TEXT NOT NULL DEFAULT '',
    -- the source file's size and mtime when analysed: a changed file is redone
    file_size INTEGER,
    file_mtime_ns INTEGER,
    created_at REAL NOT NULL
);
CREATE INDEX preview_candidates_title ON preview_candidates(title_id);

-- What a profile was shown: a preview (arm = candidate id) or a description (arm = its
-- style), with the features the bandit learns from; a play or details-open soon after
-- rewards it.
CREATE TABLE choice_impressions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('preview', 'description')),
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    arm TEXT NOT NULL,
    features_json TEXT NOT NULL DEFAULT '{}',
    at REAL NOT NULL,
    reward REAL NOT NULL DEFAULT 0,
    rewarded_at REAL
);
CREATE INDEX choice_impressions_profile ON choice_impressions(kind, profile_id, title_id, at);

-- The preview or description style a profile currently gets for a title (stable within a
-- session).
CREATE TABLE choice_current (
    kind TEXT NOT NULL CHECK (kind IN ('preview', 'description')),
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    arm TEXT NOT NULL,
    session TEXT,
    chosen_at REAL NOT NULL,
    PRIMARY KEY (kind, profile_id, title_id)
) WITHOUT ROWID;
"""


def _v6(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(V6):
        conn.execute(statement)
    # The .nfo's short outline, kept beside the plot: one of the description candidates.
    conn.execute("ALTER TABLE titles ADD COLUMN outline TEXT")


# Schema 7: interactive titles (issue 14).
V7 = """
-- A version that is an interactive title: a story file beside its video (segments are time
-- ranges of that video: layout 'video') or in a folder of segment videos (layout 'folder',
-- the files are the version's parts in name order, which is how a broken story still plays).
-- problems/problem: what the story check found at the last scan (0: it plays as a story).
CREATE TABLE stories (
    version_id INTEGER PRIMARY KEY REFERENCES versions(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    path_key BLOB NOT NULL,
    path_display TEXT NOT NULL,
    layout TEXT NOT NULL CHECK (layout IN ('video', 'folder')),
    problems INTEGER NOT NULL DEFAULT 0,
    problem TEXT,
    checked_at REAL NOT NULL
);
CREATE INDEX stories_title ON stories(title_id);

-- The paths a profile took through an interactive title, one row per playthrough. steps_json
-- lists the choice points passed: the choice taken (or the default at time-out) and the story
-- state before it, so resume returns to the last one with its state. ended_at and ending are
-- set when an ending is reached; the latest row without ended_at is the one resume continues.
-- story_hash: the story file's content hash when the path was taken (a changed story is
-- checked before an old path is followed).
CREATE TABLE story_paths (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    title_id INTEGER NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    story_hash TEXT NOT NULL,
    started_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    ended_at REAL,
    ending TEXT,
    steps_json TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX story_paths_latest ON story_paths(profile_id, title_id, updated_at);
"""


def _v7(conn: sqlite3.Connection) -> None:
    for statement in _split_sql(V7):
        conn.execute(statement)


def _split_sql(script: str) -> list[str]:
    """Split a DDL script on ';' ending a line (our DDL has no ';' inside literals)."""
    out, buf = [], []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buf.append(line)
        if line.rstrip().endswith(";"):
            stmt = "\n".join(buf).strip()
            if stmt.strip(";").strip():
                out.append(stmt)
            buf = []
    if "".join(buf).strip():
        out.append("\n".join(buf))
    return out


MIGRATIONS: list[tuple[int, Migration]] = [
    (1, _v1),
    (2, _v2),
    (3, _v3),
    (4, _v4),
    (5, _v5),
    (6, _v6),
    (7, _v7),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]
