#!/usr/bin/env python3
"""Which charting library the Insights screen draws with: Qt Charts or pyqtgraph, measured.

For each library that is installed, in fresh child processes (cold: nothing imported yet), the
same three charts the Insights screen shows are built on a dark background: an hour x weekday
heat map (7 x 24 cells), genres per month as stacked bars (60 months x 8 genres) and a line
(60 points). Timed with one clock:

- ``import_ms``: importing the library (pyqtgraph; PySide6.QtCharts) after QtWidgets is loaded;
- ``build_ms``: creating the three charts with their data;
- ``first_paint_ms``: show() until the window's first paint has finished (grab of the widget);
- ``keyboard``: whether the chart widget takes keyboard focus by Tab (the screen's own keys
  move between charts either way);
- ``dark``: the mean luminance of the painted window (0 black .. 255 white) with the library's
  dark setting and no style sheet of ours;
- ``wheel_mb``: installed size of the library's files.

Each library runs --runs times (default 5), alternating, after one unmeasured run of each; the
figure is the median. Libraries that are not installed are reported as such (the project
installs only the one it chose; the comparison was run in a scratch venv with both, see
benchmarks/README.md).

Usage: benchmarks/chart_libs.py [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r'''
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
import numpy as np
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget
from PySide6.QtCore import Qt
app = QApplication([])
lib = sys.argv[1]
rng = np.random.default_rng(1)
heat = rng.poisson(3, size=(7, 24)).astype(float)
stacks = rng.integers(0, 12, size=(60, 8)).astype(float)
line = np.cumsum(rng.normal(0, 1, 60))
t0 = time.perf_counter()
if lib == "pyqtgraph":
    import pyqtgraph as pg
else:
    from PySide6 import QtCharts
t1 = time.perf_counter()
win = QWidget()
win.resize(1280, 800)
lay = QVBoxLayout(win)
charts = []
if lib == "pyqtgraph":
    pg.setConfigOptions(antialias=True, background="#141414", foreground="#d8d8d8")
    p1 = pg.PlotWidget()
    img = pg.ImageItem(heat.T)
    img.setColorMap(pg.colormap.get("viridis"))
    p1.addItem(img)
    p2 = pg.PlotWidget()
    bottom = np.zeros(60)
    for g in range(8):
        bar = pg.BarGraphItem(x=np.arange(60), height=stacks[:, g], y0=bottom, width=0.8,
                              brush=pg.intColor(g, 8))
        p2.addItem(bar)
        bottom = bottom + stacks[:, g]
    p3 = pg.PlotWidget()
    p3.plot(np.arange(60), line, pen=pg.mkPen("#e50914", width=2))
    charts = [p1, p2, p3]
else:
    from PySide6.QtGui import QColor, QPainter
    def view(chart):
        chart.setTheme(QtCharts.QChart.ChartTheme.ChartThemeDark)
        v = QtCharts.QChartView(chart)
        v.setRenderHint(QPainter.RenderHint.Antialiasing)
        return v
    c1 = QtCharts.QChart()
    sc = QtCharts.QScatterSeries()
    sc.setMarkerShape(QtCharts.QScatterSeries.MarkerShape.MarkerShapeRectangle)
    sc.setMarkerSize(18)
    top = heat.max()
    for d in range(7):
        for h in range(24):
            sc.append(h, d)
    c1.addSeries(sc)
    c1.createDefaultAxes()
    for i, (d, h) in enumerate((d, h) for d in range(7) for h in range(24)):
        v = int(255 * heat[d, h] / top)
        sc.setPointConfiguration(i, {QtCharts.QXYSeries.PointConfiguration.Color:
                                     QColor(v, 40, 255 - v)})
    c2 = QtCharts.QChart()
    bars = QtCharts.QStackedBarSeries()
    for g in range(8):
        s = QtCharts.QBarSet(f"g{g}")
        s.append([float(x) for x in stacks[:, g]])
        bars.append(s)
    c2.addSeries(bars)
    c2.createDefaultAxes()
    c3 = QtCharts.QChart()
    ls = QtCharts.QLineSeries()
    for x, y in enumerate(line):
        ls.append(float(x), float(y))
    c3.addSeries(ls)
    c3.createDefaultAxes()
    charts = [view(c1), view(c2), view(c3)]
for c in charts:
    lay.addWidget(c)
t2 = time.perf_counter()
win.show()
shot = win.grab()  # paints every child now
app.processEvents()
t3 = time.perf_counter()
image = shot.toImage()
total = 0.0
n = 0
for y in range(0, image.height(), 20):
    for x in range(0, image.width(), 20):
        c = image.pixelColor(x, y)
        total += 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()
        n += 1
focusable = [c.focusPolicy() & Qt.FocusPolicy.TabFocus == Qt.FocusPolicy.TabFocus
             for c in charts]
print(json.dumps({"import_ms": 1000 * (t1 - t0), "build_ms": 1000 * (t2 - t1),
                  "first_paint_ms": 1000 * (t3 - t2), "dark": total / n,
                  "keyboard": all(focusable)}))
'''


def installed(lib: str) -> Path | None:
    name = "pyqtgraph" if lib == "pyqtgraph" else "PySide6.QtCharts"
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None
    return Path(spec.origin) if spec and spec.origin else None


def size_mb(lib: str, origin: Path) -> float:
    if lib == "pyqtgraph":
        root = origin.parent
        files = [p for p in root.rglob("*") if p.is_file()]
    else:
        # Qt Charts: the binding, its Qt library and what the Addons wheel brings with it.
        dist = origin.parent.parent
        files = [p for p in dist.glob("pyside6_addons-*.dist-info/RECORD")]
        if files:
            total = 0
            for line in files[0].read_text().splitlines():
                path = dist / line.split(",")[0]
                if path.is_file():
                    total += path.stat().st_size
            return round(total / 1e6, 1)
        files = [origin]
    return round(sum(p.stat().st_size for p in files) / 1e6, 1)


def run_child(lib: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, lib], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    if out.returncode != 0:
        raise RuntimeError(f"{lib}: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    libs = {lib: installed(lib) for lib in ("pyqtgraph", "qtcharts")}
    present = [lib for lib, origin in libs.items() if origin is not None]
    samples: dict[str, list[dict]] = {lib: [] for lib in present}
    for lib in present:
        run_child(lib)  # unmeasured: file caches warm for both
    for k in range(args.runs):
        order = present if k % 2 == 0 else present[::-1]
        for lib in order:
            samples[lib].append(run_child(lib))
    result: dict = {"runs": args.runs, "load": os.getloadavg()[0], "python": sys.executable}
    for lib, origin in libs.items():
        if origin is None:
            result[lib] = "not installed"
            continue
        runs = samples[lib]
        result[lib] = {
            key: round(statistics.median(r[key] for r in runs), 1)
            for key in ("import_ms", "build_ms", "first_paint_ms", "dark")
        } | {"keyboard": all(r["keyboard"] for r in runs), "size_mb": size_mb(lib, origin)}
    print(json.dumps(result, indent=2 if not args.json else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
