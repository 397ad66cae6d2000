"""Charts drawn on the server as SVG: a trend line and labelled bars. No JavaScript and no
CDN (the site's CSP forbids both), printable as they are, and readable without colour:
every point and bar carries its number as text, and the page prints the same figures in
a table beside each chart. Why not a charting library: the dashboard's three charts are a
line, bars and a table; a library would add a build step and a script the CSP must allow,
for nothing the reader would see."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 28


@dataclass
class Point:
    x: float
    y: float
    label: str
    text: str


@dataclass
class LineChart:
    title: str
    description: str
    points: list[Point] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    baseline: int = HEIGHT - BOTTOM

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points))


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(title: str, description: str, series: list[tuple[str, float, str]], *, ticks: int = 4) -> LineChart:
    """``series``: (x label, value, value as text) in order."""
    chart = LineChart(title=title, description=description)
    if not series:
        return chart
    top = _nice_top(max(value for _, value, _ in series))
    span_x = chart.right - chart.left
    span_y = chart.baseline - chart.top
    count = len(series)
    for index, (label, value, text) in enumerate(series):
        x = chart.left + (span_x * index / (count - 1) if count > 1 else span_x / 2)
        y = chart.baseline - span_y * (value / top)
        chart.points.append(Point(x, y, label, text))
    chart.y_ticks = [(chart.baseline - span_y * i / ticks, _plain(top * i / ticks)) for i in range(ticks + 1)]
    every = max(1, count // 8)
    chart.x_labels = [(point.x, point.label) for index, point in enumerate(chart.points) if index % every == 0]
    return chart


@dataclass
class Bar:
    y: float
    width: float
    label: str
    text: str


@dataclass
class BarChart:
    title: str
    description: str
    bars: list[Bar] = field(default_factory=list)
    width: int = WIDTH
    label_width: int = 150
    bar_height: int = 22
    gap: int = 8

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (self.bar_height + self.gap) + self.gap


def bar_chart(title: str, description: str, rows: list[tuple[str, float, str]]) -> BarChart:
    """Horizontal bars, one per row (label, value, value as text), the text at the bar's end."""
    chart = BarChart(title=title, description=description)
    biggest = max((value for _, value, _ in rows), default=0) or 1
    room = chart.width - chart.label_width - 120
    for index, (label, value, text) in enumerate(rows):
        y = chart.gap + index * (chart.bar_height + chart.gap)
        chart.bars.append(Bar(y=y, width=max(room * value / biggest, 1 if value else 0), label=label, text=text))
    return chart


def _plain(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
