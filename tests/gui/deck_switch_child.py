"""Run by tests/gui/test_video_deck_switch.py in a child process on a real X server (xcb,
libVLC drawing into the deck's native windows): a clip plays in the window on top and
pauses; a window nothing has drawn into is brought up (with or without ``keep_picture``);
once the keeping is over, that window is asked to repaint. Prints JSON: the video area's mean
grey level (0-255) at each step."""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from mediacenter.playback.vlc_backend import Player, VlcBackend
from mediacenter.ui.video_deck import KEEP_PICTURE_MS, VideoDeck


def main() -> None:
    clip, keep = sys.argv[1], sys.argv[2] == "1"
    app = QApplication([])
    deck = VideoDeck()
    deck.setGeometry(0, 0, 320, 240)
    deck.show()
    player = Player(vlc_backend=VlcBackend(headless=False))
    out: dict[str, object] = {}

    def grab(name: str) -> None:
        top_left = deck.mapToGlobal(deck.rect().topLeft())
        img = app.primaryScreen().grabWindow(0, top_left.x(), top_left.y(), 320, 240) \
            .toImage().convertToFormat(QImage.Format.Format_Grayscale8).scaled(32, 24)
        px = [img.pixelColor(x, y).value() for y in range(24) for x in range(32)]
        out[name] = sum(px) / len(px)

    def finish(code: int = 0) -> None:
        print(json.dumps(out), flush=True)
        app.exit(code)

    def bring_up() -> None:
        grab("a_paused")
        deck.bring_forward(deck.spare_window_id(set()), keep_picture=keep)
        QTimer.singleShot(300, lambda: grab("b_up"))
        QTimer.singleShot(KEEP_PICTURE_MS + 200, repaint)

    def repaint() -> None:
        out["keeps_picture_after"] = deck.keeps_picture()
        for w in deck.windows:
            w.update()
        QTimer.singleShot(300, lambda: (grab("repainted"), finish()))

    def start() -> None:
        player.set_window(deck.front_window_id())
        player.open(clip)
        QTimer.singleShot(1200, lambda: (player.pause(), QTimer.singleShot(500, bring_up)))

    QTimer.singleShot(200, start)
    QTimer.singleShot(30_000, lambda: (out.update(failed="timed out"), finish(1)))
    app.exec()
    player.release()


if __name__ == "__main__":
    main()
