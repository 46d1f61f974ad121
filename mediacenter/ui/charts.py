"""One chart of the Insights screen, drawn with Qt Charts, read with the keyboard, saved as
PNG or CSV.

:class:`ChartCard` shows a :class:`~mediacenter.insights.viewing.Chart` (title, one sentence of
what it shows, the picture, "Save PNG…" and "Save CSV…") or, when the history is too small, the
chart's helpful message instead of empty axes. Why Qt Charts and not pyqtgraph:
benchmarks/chart_libs.py (imported in milliseconds where pyqtgraph took half a second of the UI
thread; built and first painted in half the time; a dark theme of its own).

Keys: the chart takes focus; Left/Right (Home/End) move a cursor over the months, hours or
kinds and the line under the chart reads every value there aloud; Up/Down leave for the card
above or below (the screen's :class:`~mediacenter.ui.arrow_nav.ArrowNavigator`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QScatterSeries,
    QStackedBarSeries,
    QValueAxis,
    QXYSeries,
)
from PySide6.QtCore import QMargins, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from mediacenter.insights.viewing import Chart

BACKGROUND = QColor("#181818")
TEXT = QColor("#d0d0d0")
GRID = QColor("#2c2c2c")
# Distinct on a dark ground and for the common colour-vision deficiencies (Okabe-Ito, with the
# app's red first), then a neutral grey for "Other".
PALETTE = ("#e50914", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#cc79a7", "#0072b2",
           "#9a9a9a")
HEAT_STOPS = ((0.0, QColor("#202020")), (0.5, QColor("#b20710")), (1.0, QColor("#ffd166")))
CHART_HEIGHT = 330


def heat_color(fraction: float) -> QColor:
    """The heat map's colour for a value at ``fraction`` (0..1) of the largest."""
    f = min(1.0, max(0.0, fraction))
    for (a, ca), (b, cb) in itertools.pairwise(HEAT_STOPS):
        if f <= b:
            t = (f - a) / (b - a)
            return QColor(int(ca.red() + t * (cb.red() - ca.red())),
                          int(ca.green() + t * (cb.green() - ca.green())),
                          int(ca.blue() + t * (cb.blue() - ca.blue())))
    return HEAT_STOPS[-1][1]


def _axis_style(axis, *, small: bool = False) -> None:
    axis.setLabelsColor(TEXT)
    axis.setGridLineColor(GRID)
    axis.setLinePenColor(GRID)
    font = QFont()
    font.setPixelSize(11 if small else 13)
    axis.setLabelsFont(font)


def _base_chart() -> QChart:
    q = QChart()
    q.setTheme(QChart.ChartTheme.ChartThemeDark)
    q.setBackgroundBrush(QBrush(BACKGROUND))
    q.setBackgroundRoundness(0)
    q.setMargins(QMargins(4, 4, 4, 4))
    q.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    legend = q.legend()
    legend.setLabelColor(TEXT)
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
    return q


def build_qchart(chart: Chart) -> QChart:
    """The Qt Charts picture of ``chart`` on the app's dark ground (not for an empty chart)."""
    q = _base_chart()
    if chart.kind == "heatmap":
        _heatmap(q, chart)
        return q
    legend = q.legend()
    cats = list(chart.categories)
    x = QBarCategoryAxis()
    x.append(cats)
    _axis_style(x, small=len(cats) > 24)
    if len(cats) > 24:
        x.setLabelsAngle(-90)
    y = QValueAxis()
    _axis_style(y)
    y.setLabelFormat("%g")
    q.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    q.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    if chart.kind in ("stacked", "bars"):
        series = QStackedBarSeries() if chart.kind == "stacked" else QBarSeries()
        for i, s in enumerate(chart.series):
            bar = QBarSet(s.name)
            bar.append([float(v) for v in s.values])
            bar.setColor(QColor(PALETTE[i % len(PALETTE)] if s.name != "Other" else
                                PALETTE[-1]))
            bar.setBorderColor(BACKGROUND)
            series.append(bar)
        if chart.kind == "stacked":
            top = max((sum(s.values[i] for s in chart.series) for i in range(len(cats))),
                      default=0.0)
        else:
            top = max((max(s.values) for s in chart.series), default=0.0)
        series.setBarWidth(0.8)
        q.addSeries(series)
        series.attachAxis(x)
        series.attachAxis(y)
        legend.setVisible(len(chart.series) > 1)
    else:  # lines
        top = 0.0
        for i, s in enumerate(chart.series):
            line = QLineSeries()
            line.setName(s.name)
            line.setPen(QPen(QColor(PALETTE[i % len(PALETTE)]), 2.5))
            for k, v in enumerate(s.values):
                line.append(float(k), float(v))
                top = max(top, float(v))
            q.addSeries(line)
            line.attachAxis(x)
            line.attachAxis(y)
    y.setRange(0, max(1.0, top * 1.08))
    y.applyNiceNumbers()
    y.setTitleText(chart.unit)
    y.setTitleBrush(QBrush(TEXT))
    return q


def _heatmap(q: QChart, chart: Chart) -> None:
    """Cells as square scatter markers coloured by value, one row per series (weekday, the
    first on top); the markers are resized with the plot area so the cells touch."""
    rows = len(chart.series)
    cols = len(chart.categories)
    x = QValueAxis()
    x.setRange(-0.5, cols - 0.5)
    x.setTickType(QValueAxis.TickType.TicksDynamic)
    x.setTickAnchor(0)
    x.setTickInterval(3)
    x.setLabelFormat("%02.0f:00")
    _axis_style(x)
    x.setGridLineVisible(False)
    y = QCategoryAxis()
    y.setRange(-0.5, rows - 0.5)
    for r, s in enumerate(reversed(chart.series)):
        y.append(s.name[:3], r + 0.5)
    _axis_style(y)
    y.setGridLineVisible(False)
    q.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    q.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    cells = QScatterSeries()
    cells.setName(chart.unit)
    cells.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeRectangle)
    cells.setBorderColor(BACKGROUND)
    for r, s in enumerate(chart.series):
        for c, _v in enumerate(s.values):
            cells.append(float(c), float(rows - 1 - r))
    q.addSeries(cells)
    cells.attachAxis(x)
    cells.attachAxis(y)
    top = max((max(s.values) for s in chart.series), default=0.0) or 1.0
    i = 0
    for s in chart.series:
        for v in s.values:
            cells.setPointConfiguration(
                i, {QXYSeries.PointConfiguration.Color: heat_color(v / top)})
            i += 1
    q.legend().setVisible(False)

    def fit(area: QRectF) -> None:
        cells.setMarkerSize(max(4.0, min(area.width() / max(1, cols), area.height() / rows)))

    q.plotAreaChanged.connect(fit)


class ChartView(QChartView):
    """The picture, with a keyboard cursor over its categories."""

    cursor_moved = Signal(int)
    first_painted = Signal()  # the picture reached the screen once (open-time measurements)

    def __init__(self, chart: Chart, parent: QWidget | None = None) -> None:
        super().__init__(build_qchart(chart), parent)
        self.data = chart
        self.cursor_index = -1
        self._painted = False
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("chartView")
        self._marker = QScatterSeries()
        self._marker.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeRectangle)
        self._marker.setColor(QColor(255, 255, 255, 40))
        self._marker.setBorderColor(QColor("#ffffff"))
        self._marker.setMarkerSize(14)
        q = self.chart()
        q.addSeries(self._marker)
        for axis in q.axes():
            self._marker.attachAxis(axis)
        # The cursor is not data: never in the legend.
        for m in q.legend().markers(self._marker):
            m.setVisible(False)

    def set_cursor(self, index: int) -> None:
        n = len(self.data.categories)
        if n == 0:
            return
        self.cursor_index = max(0, min(n - 1, index))
        self._marker.clear()
        y_axis = self.chart().axes(Qt.Orientation.Vertical)[0]
        bottom = y_axis.min() if isinstance(y_axis, QValueAxis | QCategoryAxis) else 0.0
        self._marker.append(float(self.cursor_index), float(bottom))
        self.cursor_moved.emit(self.cursor_index)

    def keeps_arrow(self, key: int) -> bool:
        """Left/Right walk the categories (the screen's arrow navigation asks); Left on the
        first one leaves the chart."""
        if key == Qt.Key.Key_Right:
            return bool(self.data.categories)
        if key == Qt.Key.Key_Left:
            return self.cursor_index > 0
        return False

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def set_cursor_visible(self, visible: bool) -> None:
        self._marker.setVisible(visible)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        n = len(self.data.categories)
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(key))
        if step is not None and n:
            here = self.cursor_index if self.cursor_index >= 0 else (-1 if step > 0 else n)
            self.set_cursor(here + step)
            event.accept()
            return
        if key in (Qt.Key.Key_Home, Qt.Key.Key_End) and n:
            self.set_cursor(0 if key == Qt.Key.Key_Home else n - 1)
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        if self.cursor_index < 0 and self.data.categories:
            self.set_cursor(0)


def readout(chart: Chart, index: int) -> str:
    """Every value at one category, as a sentence ("2023-04: Action 12 h, Drama 3 h")."""
    if not chart.series:
        return ""
    cat = chart.categories[index]
    if len(chart.series) == 1:
        return chart.value_text(0, index)
    parts = []
    for s in chart.series:
        v = s.values[index]
        parts.append(f"{s.name} {v:g}")
    return f"{cat} ({chart.unit}): " + ", ".join(parts)


class ChartCard(QFrame):
    """Title, summary, the chart (or why there is none yet) and its two export buttons."""

    export_png = Signal(object)  # the card
    export_csv = Signal(object)

    def __init__(self, chart: Chart, parent: QWidget | None = None, *,
                 make_button: Callable[[str], QPushButton] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartCard")
        self.data = chart
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(8)
        title = QLabel(chart.title, self)
        title.setObjectName("chartTitle")
        lay.addWidget(title)
        self.view: ChartView | None = None
        self.summary = QLabel(chart.summary or "", self)
        self.summary.setObjectName("settingsNote")
        self.summary.setWordWrap(True)
        self.readout = QLabel("", self)
        self.readout.setObjectName("chartReadout")
        self.readout.setWordWrap(True)
        if chart.empty is not None:
            self.empty = QLabel(chart.empty, self)
            self.empty.setObjectName("chartEmpty")
            self.empty.setWordWrap(True)
            self.empty.setMinimumHeight(120)
            self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(self.empty)
            self.summary.hide()
            self.readout.hide()
        else:
            lay.addWidget(self.summary)
            # The picture comes later (realize): the card keeps its size either way, so
            # drawing it never moves the cards around it.
            self._slot = QWidget(self)
            self._slot.setFixedHeight(CHART_HEIGHT)
            lay.addWidget(self._slot)
            lay.addWidget(self.readout)
        row = QHBoxLayout()
        row.setSpacing(12)
        make = make_button or _plain_button
        self.png_button = make("Save PNG…")
        self.csv_button = make("Save CSV…")
        for b in (self.png_button, self.csv_button):
            b.setEnabled(chart.empty is None)
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        self.png_button.clicked.connect(lambda: self.export_png.emit(self))
        self.csv_button.clicked.connect(lambda: self.export_csv.emit(self))
        self._layout = lay
        self.setFixedHeight(self.sizeHint().height())

    @property
    def realized(self) -> bool:
        return self.view is not None or self.data.empty is not None

    def realize(self) -> None:
        """Draw the chart (tens of milliseconds: the screen does one card per turn of the
        event loop)."""
        if self.realized:
            return
        chart = self.data
        view = self.view = ChartView(chart, self)
        view.setAccessibleName(chart.title)
        view.setAccessibleDescription(chart.summary)
        view.setFixedHeight(CHART_HEIGHT)
        view.cursor_moved.connect(lambda i: self.readout.setText(readout(chart, i)))
        self._layout.replaceWidget(self._slot, view)
        self._slot.deleteLater()
        view.show()

    def focus_target(self) -> QWidget:
        return self.view if self.view is not None else self.png_button

    def save_png(self, path: str) -> bool:
        """The chart as it is drawn, without the keyboard cursor; False when Qt cannot write
        there."""
        if self.view is None:
            return False
        self.view.set_cursor_visible(False)
        try:
            return self.view.grab().save(path, "PNG")
        finally:
            self.view.set_cursor_visible(True)


def _plain_button(text: str) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName("secondaryButton")
    b.setAutoDefault(False)
    return b
