"""mediacenter: a desktop media center for your own video files."""

__version__ = "0.1.0"
