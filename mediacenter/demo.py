"""A generated demo library, so a first run shows a full catalog within seconds.

Short clips are encoded with ffmpeg from its built-in test sources (each title looks
different), laid out the way Kodi/Jellyfin users name things, with .nfo files carrying
genres, plots and people. Everything is invented here; nothing is downloaded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from mediacenter.config import Paths

if TYPE_CHECKING:
    from mediacenter.db.admin import AdminGrant

DEMO_VERSION = "4"  # 3: the interactive title; 4: no timecode picture
"""Bumped when the clips change: a library made by an older version is encoded again."""


@dataclass(frozen=True)
class DemoMovie:
    title: str
    year: int
    genres: tuple[str, ...]
    plot: str
    director: str
    cast: tuple[str, ...]
    mpaa: str = "PG-13"
    rating: float = 7.0


MOVIES: tuple[DemoMovie, ...] = (
    DemoMovie("The Lighthouse Keeper", 2011, ("Drama", "Mystery"), "A retired sailor takes a "
              "job on a remote island and finds letters that should not exist.", "Ada Marsh",
              ("Tomas Reyes", "Ingrid Volk")),
    DemoMovie("Orbit of Glass", 2019, ("Science Fiction", "Thriller"), "Six engineers on a "
              "failing space station must decide who returns to Earth.", "Kenji Ito",
              ("Lena Ford", "Omar Haddad", "Pia Lund"), rating=7.8),
    DemoMovie("Paper Crowns", 2004, ("Comedy", "Family"), "Twin sisters swap places at a "
              "royal summer camp and nobody notices for far too long.", "Bea Collins",
              ("Maya Chen", "Rosa Chen"), mpaa="PG"),
    DemoMovie("Night Train to Tallinn", 1998, ("Thriller", "Crime"), "A courier with a "
              "locked briefcase realises every passenger knows her name.", "Viktor Saar",
              ("Anna Kask", "Jon Meri"), mpaa="R", rating=7.4),
    DemoMovie("Amélie's Garden", 2008, ("Romance", "Comedy"), "A shy botanist in Lyon grows "
              "a flower that only blooms when someone tells the truth.", "Claire Dubois",
              ("Julie Martin", "Hugo Bernard"), mpaa="PG"),
    DemoMovie("Iron Valley", 2015, ("Western", "Action"), "A sheriff with one bullet left "
              "protects a mining town from the company that built it.", "Sam Carver",
              ("Wade Hollis", "June Parker"), mpaa="R", rating=6.9),
    DemoMovie("The Quiet Ocean", 2021, ("Documentary",), "Hydrophones dropped across the "
              "Pacific record a year of whale song and ship noise.", "Noor Rahman",
              ("Noor Rahman",), mpaa="G", rating=8.1),
    DemoMovie("Ghosts of Harbor Street", 2013, ("Horror", "Mystery"), "A family moves into "
              "a house whose previous owners never actually left.", "Ellis Grey",
              ("Rita Moss", "Ben Okafor"), mpaa="R", rating=6.5),
    DemoMovie("Dragon Kite", 2017, ("Animation", "Family", "Adventure"), "A paper kite "
              "carries a girl over the mountains to find her grandfather.", "Mei Tanaka",
              ("Aiko Sato", "Ken Mori"), mpaa="G", rating=7.9),
    DemoMovie("Winter Circuit", 2009, ("Action", "Drama"), "A rally driver returns to the "
              "frozen race that ended her career.", "Lars Berg",
              ("Freya Nilsen", "Jonas Eide"), rating=6.8),
    DemoMovie("The Last Library", 2023, ("Science Fiction", "Drama"), "In a city without "
              "books, a librarian hides the last one in plain sight.", "Ada Marsh",
              ("Ingrid Volk", "Leo Brandt"), rating=7.6),
    DemoMovie("Salt and Smoke", 2016, ("Documentary", "Food"), "A year in the kitchen of a "
              "tiny barbecue shack on the Texas coast.", "Noor Rahman",
              ("Buddy Lane",), mpaa="PG", rating=7.2),
    DemoMovie("Hidden Edge", 2012, ("Thriller", "Action"), "A climber witnesses a crime on "
              "a cliff face and has to finish the route to survive.", "Kenji Ito",
              ("Omar Haddad", "Sara Lind"), mpaa="R", rating=7.0),
    DemoMovie("Moonlight Sonata for Robots", 2020, ("Animation", "Science Fiction"), "Two "
              "service robots start a band in an abandoned concert hall.", "Mei Tanaka",
              ("Ken Mori", "Aiko Sato"), mpaa="PG", rating=8.0),
    DemoMovie("Red Garden", 2005, ("Drama", "Romance"), "Letters between two gardeners in "
              "wartime, read aloud sixty years later.", "Claire Dubois",
              ("Hugo Bernard", "Julie Martin"), rating=7.3),
    DemoMovie("The Storm Chasers", 2014, ("Adventure", "Documentary"), "Meteorologists "
              "follow a season of supercells across the plains.", "Sam Carver",
              ("June Parker",), mpaa="PG", rating=7.1),
    DemoMovie("Golden Hour", 2018, ("Comedy", "Romance"), "A wedding photographer keeps "
              "shooting the same couple's weddings, to different people.", "Bea Collins",
              ("Maya Chen", "Leo Brandt"), rating=6.7),
    DemoMovie("Empire of Sand", 2010, ("Adventure", "History"), "A cartographer maps a "
              "desert kingdom that appears on no other map.", "Viktor Saar",
              ("Omar Haddad", "Anna Kask"), rating=7.5),
)

SHOW_TITLE = "Harbor Lights"
SHOW_PLOT = ("The staff of a small-town radio station solve the mysteries their listeners "
             "call in about.")
SHOW_EPISODES = {
    1: ("Pilot", "Static on the Line", "The Missing Ferry", "Open Mic"),
    2: ("New Frequency", "Lighthouse Signals", "Dead Air", "Finale"),
}
HOME_VIDEOS = ("VID_20230704_181502.mp4", "VID_20231224_093011.mp4", "PXL_20240512_140233.mp4")

# ffmpeg's built-in sources: a different look per title, no files needed.
# Calm, colourful generated pictures (the artwork made from them is the first thing a new user
# sees): gradients and fractals. No test pattern: ffmpeg's testsrc draws a running timecode,
# which ends up burned into the billboard.
_SOURCES = (
    "gradients=size={w}x{h}:rate={fps}:speed=0.03:seed=3",
    "mandelbrot=size={w}x{h}:rate={fps}:start_scale=1.5:end_scale=0.5",
    "gradients=size={w}x{h}:rate={fps}:speed=0.03:seed=11:nb_colors=3",
    "mandelbrot=size={w}x{h}:rate={fps}:start_x=-0.1011:start_y=0.9563:start_scale=0.1:"
    "end_scale=0.02",
    "mandelbrot=size={w}x{h}:rate={fps}:start_x=-0.743643887:start_y=0.131825904:"
    "start_scale=0.02:end_scale=0.002",
    "gradients=size={w}x{h}:rate={fps}:speed=0.05:seed=29:nb_colors=4",
    "gradients=size={w}x{h}:rate={fps}:speed=0.02:seed=17:nb_colors=2",
    "gradients=size={w}x{h}:rate={fps}:speed=0.04:seed=5:nb_colors=5",
)


# An interactive title (README: "Interactive titles"): a folder of segment videos and its
# story.json. Four choice points, a lamp that changes two later choices, three endings.
STORY_TITLE = "The Keeper's Choice"
STORY_YEAR = 2024
STORY_PLOT = ("You arrive at a lighthouse the night its lamp goes out. What you take, and "
              "where you go, decides how the night ends. An interactive film: you choose.")
# (file, seconds, source index, hue)
_STORY_CLIPS = (
    ("01 Arrival.mp4", 8.0, 1, 200), ("02 Stairs.mp4", 8.0, 3, 40),
    ("03 Tower.mp4", 8.0, 4, 120), ("04 Cellar.mp4", 8.0, 0, 300),
    ("05 The light returns.mp4", 6.0, 5, 60), ("06 Morning.mp4", 6.0, 2, 180),
    ("07 The keeper's secret.mp4", 6.0, 7, 260), ("08 Credits.mp4", 4.0, 6, 0),
)


def story_json() -> dict:
    """The demo's story file (also the README's worked example of the format)."""
    def cp(prompt: str, default: str, *choices: dict) -> dict:
        return {"prompt": prompt, "opens": 2.5, "default": default, "choices": list(choices)}

    lamp = {"var": "lamp"}
    return {
        "format": "mediacenter-story", "version": 1, "title": STORY_TITLE, "start": "arrival",
        "variables": {"lamp": False, "visits": 0},
        "segments": {
            "arrival": {"file": "01 Arrival.mp4", "choice": cp(
                "The old keeper holds out a brass lamp.", "refuse",
                {"id": "take", "text": "Take the lamp", "goto": "stairs", "set": {"lamp": True}},
                {"id": "refuse", "text": "Go in without it", "goto": "stairs"})},
            "stairs": {"file": "02 Stairs.mp4", "choice": cp(
                "The stairs split in the dark.", "up",
                {"id": "up", "text": "Climb to the light", "goto": "tower"},
                {"id": "down", "text": "Go down to the cellar", "goto": "cellar"})},
            "tower": {"file": "03 Tower.mp4", "set": {"visits": {"add": 1}}, "choice": cp(
                "The great lamp is dead.", "wait",
                {"id": "light", "text": "Light it with your lamp", "goto": "light", "if": lamp},
                {"id": "wait", "text": "Wait for dawn", "goto": "morning"},
                {"id": "cellar", "text": "Search the cellar", "goto": "cellar",
                 "if": {"var": "visits", "lt": 2}})},
            "cellar": {"file": "04 Cellar.mp4", "choice": cp(
                "A locked iron door.", "back",
                {"id": "open", "text": "Open it by lamplight", "goto": "secret", "if": lamp},
                {"id": "back", "text": "Go back up", "goto": "tower"},
                {"id": "sleep", "text": "Sleep until morning", "goto": "morning"})},
            "light": {"file": "05 The light returns.mp4",
                      "ending": {"name": "The light returns", "kind": "good"}},
            "morning": {"file": "06 Morning.mp4",
                        "ending": {"name": "Morning, and a wreck on the rocks", "kind": "bad"}},
            "secret": {"file": "07 The keeper's secret.mp4",
                       "ending": {"name": "The keeper's secret", "kind": "good"}},
        },
        "credits": {"file": "08 Credits.mp4"},
    }


def _encode(source: str, hue: int, out: Path, seconds: float, freq: int) -> None:
    w, h, fps = 480, 270, 24
    tmp = out.with_name(out.stem + ".partial" + out.suffix)
    src = source.format(w=w, h=h, fps=fps)
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"{src},hue=h={hue}:s=1.2,format=yuv420p",
        "-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=44100",
        "-t", f"{seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30",
        "-c:a", "aac", "-b:a", "64k", "-shortest", str(tmp),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    tmp.replace(out)  # a killed run never leaves a half-written clip under the real name


def _nfo_movie(m: DemoMovie) -> str:
    genres = "".join(f"<genre>{escape(g)}</genre>" for g in m.genres)
    cast = "".join(
        f"<actor><name>{escape(a)}</name><order>{i}</order></actor>" for i, a in enumerate(m.cast)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<movie>'
        f"<title>{escape(m.title)}</title><year>{m.year}</year><plot>{escape(m.plot)}</plot>"
        f"<mpaa>{m.mpaa}</mpaa><rating>{m.rating}</rating>{genres}"
        f"<director>{escape(m.director)}</director>{cast}<tag>demo</tag></movie>\n"
    )


def ensure_demo_library(
    paths: Paths, progress: Callable[[int, int], None] | None = None
) -> Path:
    """Create the demo library under the app's data folder (once) and return its path.

    Raises RuntimeError with a clear message when ffmpeg is not available.
    """
    root = paths.demo_dir
    stamp = root / ".demo-complete"
    if stamp.exists() and stamp.read_text().strip() == DEMO_VERSION:
        return root
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("the demo library needs ffmpeg (Debian: apt-get install ffmpeg)")
    jobs: list[tuple[str, int, Path, float, int]] = []
    for i, m in enumerate(MOVIES):
        folder = root / "Movies" / f"{m.title} ({m.year})"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{m.title} ({m.year}).nfo").write_text(_nfo_movie(m), encoding="utf-8")
        jobs.append((_SOURCES[i % len(_SOURCES)], (i * 47) % 360,
                     folder / f"{m.title} ({m.year}).mp4", 6.0, 220 + 20 * i))
    show = root / "Shows" / SHOW_TITLE
    show.mkdir(parents=True, exist_ok=True)
    (show / "tvshow.nfo").write_text(
        f"<tvshow><title>{SHOW_TITLE}</title><plot>{escape(SHOW_PLOT)}</plot>"
        "<genre>Mystery</genre><genre>Comedy</genre><mpaa>TV-PG</mpaa><year>2022</year>"
        "</tvshow>\n",
        encoding="utf-8",
    )
    for season, names in SHOW_EPISODES.items():
        sdir = show / f"Season {season:02d}"
        sdir.mkdir(exist_ok=True)
        for ep, name in enumerate(names, 1):
            jobs.append((_SOURCES[(season + ep) % len(_SOURCES)], (season * 90 + ep * 20) % 360,
                         sdir / f"{SHOW_TITLE} - S{season:02d}E{ep:02d} - {name}.mp4", 8.0,
                         300 + 40 * ep))
    story = root / "Movies" / f"{STORY_TITLE} ({STORY_YEAR})"
    story.mkdir(parents=True, exist_ok=True)
    story_movie = DemoMovie(STORY_TITLE, STORY_YEAR, ("Mystery", "Drama"), STORY_PLOT,
                            "Ada Marsh", ("Tomas Reyes", "Ingrid Volk"), rating=7.7)
    (story / f"{STORY_TITLE} ({STORY_YEAR}).nfo").write_text(_nfo_movie(story_movie),
                                                               encoding="utf-8")
    (story / "story.json").write_text(json.dumps(story_json(), indent=2) + "\n",
                                      encoding="utf-8")
    for i, (name, seconds, src, hue) in enumerate(_STORY_CLIPS):
        jobs.append((_SOURCES[src], hue, story / name, seconds, 260 + 30 * i))
    home = root / "Home Videos"
    home.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(HOME_VIDEOS):
        jobs.append((_SOURCES[(i + 3) % len(_SOURCES)], 30 * i, home / name, 4.0, 500 + 50 * i))

    old = stamp.read_text().strip() if stamp.exists() else None
    # Clips of another version are made again; without a stamp, clips already there are a
    # run of this version that was interrupted.
    todo = [j for j in jobs if old is not None or not j[2].exists()]
    done = len(jobs) - len(todo)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in pool.map(lambda j: _encode(*j), todo):
            done += 1
            if progress is not None:
                progress(done, len(jobs))
    stamp.write_text(DEMO_VERSION)
    return root


def add_demo_root(db, paths: Paths, grant: AdminGrant,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Generate the demo library if needed and register it (adding a library folder is
    managing the household: ``grant`` from :func:`mediacenter.db.admin.unlock`); returns the
    root's id."""
    from mediacenter.db.admin import require
    from mediacenter.library.roots import add_library_folder, list_roots

    require(db, grant)

    root = ensure_demo_library(paths, progress)
    for r in list_roots(db):
        if r.path == str(root.resolve()):
            return r.id
    return add_library_folder(db, grant, root, name="Demo library").id
