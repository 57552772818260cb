"""The summary chart: alerts per week by topic, as a small stacked-bar PNG.

`weekly_series` turns counted rows into the data series (weeks zero-filled, topics ordered by
volume); `render_chart` draws exactly that series. The series travels with the PNG so callers and
tests can see the numbers behind every bar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.rendering.png import GLYPH_H, Canvas

WIDTH, HEIGHT = 640, 300
MAX_TOPICS = 6  # more topics than this are drawn together as "other"
OTHER = "other"
PALETTE = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (127, 127, 127),
]
INK, GRID, MUTED = (30, 30, 30), (225, 225, 225), (110, 110, 110)


@dataclass(frozen=True)
class WeeklySeries:
    """Alerts per week by topic. `weeks` are Mondays (YYYY-MM-DD); `counts[topic][i]` is week i.

    An alert tagged with two topics counts once under each, so a week's bar can be taller than its
    number of alerts; `alerts` holds the number of distinct alerts per week.
    """

    weeks: tuple[str, ...]
    counts: dict[str, tuple[int, ...]]
    alerts: tuple[int, ...] = ()

    def topic_total(self, topic: str) -> int:
        return sum(self.counts.get(topic, ()))

    def week_total(self, i: int) -> int:
        return sum(c[i] for c in self.counts.values())


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_series(
    rows: Iterable[tuple[str, str, int]],
    start: date,
    end: date,
    alerts_per_week: Iterable[tuple[str, int]] = (),
) -> WeeklySeries:
    """The series for (week Monday, topic, count) rows, with every week from `start` to `end`."""
    weeks: list[str] = []
    week = monday(start)
    while week <= end:
        weeks.append(week.isoformat())
        week += timedelta(days=7)
    index = {w: i for i, w in enumerate(weeks)}
    table: dict[str, list[int]] = {}
    for wk, topic, n in rows:
        if wk in index:
            table.setdefault(topic, [0] * len(weeks))[index[wk]] += n
    order = sorted(table, key=lambda t: (-sum(table[t]), t))
    if len(order) > MAX_TOPICS:
        keep, rest = order[: MAX_TOPICS - 1], order[MAX_TOPICS - 1 :]
        other = [sum(table[t][i] for t in rest) for i in range(len(weeks))]
        table = {**{t: table[t] for t in keep}, OTHER: other}
        order = [*keep, OTHER]
    totals = [0] * len(weeks)
    for wk, n in alerts_per_week:
        if wk in index:
            totals[index[wk]] += n
    return WeeklySeries(tuple(weeks), {t: tuple(table[t]) for t in order}, tuple(totals))


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top / step <= 5:
            return step
    return max(1, top // 5)


def render_chart(series: WeeklySeries, title: str, labels: dict[str, str] | None = None) -> bytes:
    """A stacked bar per week, one colour per topic, with axis labels and a legend; PNG bytes."""
    labels = labels or {}
    canvas = Canvas(WIDTH, HEIGHT)
    canvas.text(12, 10, title[:100], INK)
    left, top, legend_w = 44, 34, 170
    right, bottom = WIDTH - legend_w - 10, HEIGHT - 30
    plot_h = bottom - top
    n = max(len(series.weeks), 1)
    peak = max((series.week_total(i) for i in range(len(series.weeks))), default=0)
    step = _nice_step(max(peak, 1))
    y_max = max(step, -(-peak // step) * step)
    for value in range(0, y_max + 1, step):
        y = bottom - round(value * plot_h / y_max)
        canvas.rect(left, y, right - left, 1, GRID)
        text = str(value)
        canvas.text(left - 6 - Canvas.text_width(text), y - GLYPH_H // 2, text, MUTED)
    slot = (right - left) / n
    bar_w = max(2, int(slot * 0.7))
    label_every = max(1, -(-n * 36 // (right - left)))
    for i, week in enumerate(series.weeks):
        x = left + int(i * slot + (slot - bar_w) / 2)
        y = bottom
        for colour, counts in zip(PALETTE, series.counts.values(), strict=False):
            h = round(counts[i] * plot_h / y_max)
            canvas.rect(x, y - h, bar_w, h, colour)
            y -= h
        if i % label_every == 0:
            text = week[5:]  # MM-DD of the Monday
            cx = left + int(i * slot + slot / 2) - Canvas.text_width(text) // 2
            canvas.text(cx, bottom + 8, text, MUTED)
    canvas.rect(left, bottom, right - left, 1, INK)
    canvas.rect(left, top, 1, plot_h + 1, INK)
    ly = top
    for colour, topic in zip(PALETTE, series.counts, strict=False):
        canvas.rect(right + 18, ly, 9, 9, colour)
        text = f"{labels.get(topic, topic)[:18]} {series.topic_total(topic)}"
        canvas.text(right + 32, ly + 1, text, INK)
        ly += 16
    if not series.counts:
        canvas.text(left + 20, top + plot_h // 2, "no alerts in this window", MUTED)
    return canvas.to_png()
