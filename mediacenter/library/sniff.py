"""Telling a video ``.ogg`` from a music one by its first bytes, without libVLC.

``.ogg`` is the usual name of Ogg Vorbis music as well as of Theora films, so the scanner imports
an ``.ogg`` only when one of its streams is video. An Ogg file starts with the first page of
every stream it holds ("beginning of stream" pages, RFC 3533 section 4), and each such page opens
with its codec's identification header, so reading those pages is enough.
"""

from __future__ import annotations

import os

_OGG_PAGE = b"OggS"
_BOS = 0x02
# First bytes of the identification packets of the video codecs Ogg carries (Theora, VP8,
# Dirac, Daala, and OGM's video streams).
_VIDEO_HEADS = (b"\x80theora", b"OVP80", b"BBCD\x00", b"\x80daala", b"\x01video")
_READ_LIMIT = 64 * 1024


def ogg_has_video(path: str | os.PathLike[str]) -> bool:
    """Whether the Ogg file at ``path`` has a video stream.

    True also when the file cannot be read or is not Ogg at all: then the prober, which reports
    why, decides, rather than the file silently missing from the library.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(_READ_LIMIT)
    except OSError:
        return True
    if not data.startswith(_OGG_PAGE):
        return True
    pos = 0
    while data.startswith(_OGG_PAGE, pos) and pos + 27 <= len(data):
        header_type = data[pos + 5]
        segments = data[pos + 26]
        table = data[pos + 27 : pos + 27 + segments]
        body = pos + 27 + segments
        if not header_type & _BOS:
            return False  # every stream has begun, and none was video
        if data.startswith(_VIDEO_HEADS, body):
            return True
        pos = body + sum(table)
    # Ran out of the bytes read, or met something that is not an Ogg page, while streams were
    # still beginning: let the prober decide.
    return True
