"""The fixed choices offered by the profile and settings screens (plain data, no Qt).

Kept in one place so the profile dialog, the settings screen and the screenshots offer the same
lists, and tests can check a stored value against them.
"""

from __future__ import annotations

from typing import Final

# Avatar colours: saturated enough to carry white type, distinct side by side.
AVATAR_COLORS: Final = (
    "#e50914",  # red
    "#f5a623",  # amber
    "#2bb673",  # green
    "#1f8fff",  # blue
    "#8e44ef",  # violet
    "#e84393",  # pink
    "#16a3a3",  # teal
    "#6c7a89",  # slate
)

# Avatar glyphs besides the initial (the default, ""). These render in DejaVu Sans, the font a
# bare Linux has; colour-emoji fonts are not assumed.
AVATAR_SYMBOLS: Final = ("", "★", "♥", "♪", "☀", "✿", "☺", "♞", "⚓", "✈")

# (stored label, what the combobox says), youngest first: the film scale and the TV scale are
# two lists under their own headings (a limit on one scale covers the other's titles of the
# same age, :mod:`mediacenter.db.content_rating`).
FILM_RATINGS: Final = (
    ("G", "G — all ages"),
    ("PG", "PG — 8 and up"),
    ("PG-13", "PG-13 — 13 and up"),
    ("R", "R — 17 and up"),
)
TV_RATINGS: Final = (
    ("TV-Y", "TV-Y — young children"),
    ("TV-Y7", "TV-Y7 — 7 and up"),
    ("TV-G", "TV-G — all ages"),
    ("TV-PG", "TV-PG — 8 and up"),
    ("TV-14", "TV-14 — 14 and up"),
)
RATING_SCALES: Final = (("Film ratings", FILM_RATINGS), ("TV ratings", TV_RATINGS))
KIDS_RATINGS: Final = FILM_RATINGS + TV_RATINGS
DEFAULT_KIDS_RATING: Final = "PG"

# Common ISO 639-1 codes with their names, in the order people look for them.
LANGUAGES: Final = (
    ("en", "English"),
    ("fr", "French"),
    ("de", "German"),
    ("es", "Spanish"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("nl", "Dutch"),
    ("sv", "Swedish"),
    ("da", "Danish"),
    ("no", "Norwegian"),
    ("fi", "Finnish"),
    ("pl", "Polish"),
    ("cs", "Czech"),
    ("ru", "Russian"),
    ("tr", "Turkish"),
    ("el", "Greek"),
    ("ar", "Arabic"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
)

RESUME_CHOICES: Final = (
    ("always", "Resume where you left off"),
    ("ask", "Ask every time"),
    ("never", "Always start from the beginning"),
)
UPNEXT_CHOICES: Final = (0, 5, 10, 15, 20, 30)


def language_name(code: str | None) -> str:
    """'fr' -> 'French'; an unlisted code is shown as itself ('pt-BR' -> 'pt-BR')."""
    if not code:
        return ""
    for c, name in LANGUAGES:
        if c == code:
            return name
    return code


def rating_text(label: str | None) -> str:
    """The combobox text of a stored rating label, or the label itself when not listed."""
    for value, text in KIDS_RATINGS:
        if value == label:
            return text
    return label or ""
