"""Guard against a PySide6 release that leaks references to None/True (6.12.0 did).

The app emits signals and calls void Qt methods all day (scan progress, player position); a
binding that drops one reference per call aborts the interpreter after a few thousand.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal


class _Emitter(QObject):
    ping = Signal(int)


def test_signal_emits_and_void_calls_keep_refcounts(qapp):
    e = _Emitter()
    got: list[int] = []
    e.ping.connect(got.append)
    timer = QTimer()
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(2000):
        e.ping.emit(i)
        e.setObjectName(f"e{i % 3}")
        timer.start(1000)
        timer.stop()
    assert len(got) == 2000
    assert abs(sys.getrefcount(True) - true_before) < 50
    assert abs(sys.getrefcount(None) - none_before) < 50
