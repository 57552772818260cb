"""The summary charts, drawn with matplotlib: a ticker's alerts over time, and a portfolio heat map.

Data and drawing are separate. `time_series` turns counted rows into the numbers behind every bar
(daily bars for windows up to a month, weekly beyond; each alert counted once, in the colour of its
severity; reviewed false positives kept aside) and `render_time_chart` draws exactly that series.
`portfolio_grid` and `render_heatmap` do the same for the portfolio view (tickers by topic). The
series travels with the PNG so callers and tests can see the numbers behind every bar and cell.

matplotlib is imported on the first drawing only (with the Agg backend, no display needed): the
first chart of a process pays for the import and, in a fresh environment, for building matplotlib's
font cache once; later charts take milliseconds.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rules.models import SEVERITIES

DAILY_MAX_DAYS = 31  # windows up to a month get a bar per day; longer ones a bar per week
MAX_LABELS = 8  # at most this many dated x labels, the last bar always labelled
MAX_TICKERS = 20  # the heat map's rows
MAX_TOPICS = 10  # the heat map's columns (the rest is summed as "other")
OTHER = "other"
SIZE = (8.0, 4.0)  # inches; at DPI this is 960 x 480 px, legible in a Slack or Discord preview
DPI = 120
STACK = tuple(reversed(SEVERITIES))  # most severe at the bottom of each bar, where the eye starts
SEVERITY_COLOURS = {"critical": "#9e1b1b", "high": "#e4572e", "medium": "#f3a712", "low": "#8aa1b1"}
FP_COLOUR = "#6b6b6b"
INK, MUTED, GRID = "#222222", "#666666", "#e6e6e6"


@dataclass(frozen=True)
class TimeSeries:
    """Alerts per bar by severity. `starts[i]` is the first day of bar i (a day, or the Monday of a
    week when `step` is 7); `counts[severity][i]` the alerts of that severity in it; each alert is
    counted once. `false_positives[i]` are the reviewed false positives left out of bar i."""

    starts: tuple[date, ...]
    step: int
    counts: dict[str, tuple[int, ...]]
    false_positives: tuple[int, ...]

    def bar_total(self, i: int) -> int:
        return sum(c[i] for c in self.counts.values())

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(self.bar_total(i) for i in range(len(self.starts)))

    @property
    def total(self) -> int:
        return sum(self.totals)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def time_series(
    rows: Iterable[tuple[str, str, int]],
    start: date,
    end: date,
    false_positive_rows: Iterable[tuple[str, str, int]] = (),
) -> TimeSeries:
    """The series for (day YYYY-MM-DD, severity, count) rows over the days `start`..`end` (both
    included, zero-filled): a bar per day up to DAILY_MAX_DAYS days, else a bar per week (Mondays)."""
    step = 1 if (end - start).days < DAILY_MAX_DAYS else 7
    first = start if step == 1 else monday(start)
    starts = tuple(first + timedelta(days=i) for i in range(0, (end - first).days + 1, step))

    def bar(day: str) -> int | None:
        i = (date.fromisoformat(day) - first).days // step
        return i if 0 <= i < len(starts) else None

    table = {s: [0] * len(starts) for s in STACK}
    for day, severity, n in rows:
        i = bar(day)
        if i is not None:
            table.setdefault(severity, [0] * len(starts))[i] += n
    fps = [0] * len(starts)
    for day, _, n in false_positive_rows:
        i = bar(day)
        if i is not None:
            fps[i] += n
    counts = {s: tuple(c) for s, c in table.items() if any(c)}
    return TimeSeries(starts, step, counts, tuple(fps))


def _crosses_year(days: Iterable[date]) -> bool:
    return len({d.year for d in days}) > 1


def bar_labels(series: TimeSeries) -> list[str]:
    """The x label of every bar ('' where one is left out to avoid crowding): the weekday and day, or
    the week's first and last day. Where the window crosses a year, a daily label names the year
    under the first labelled day of each year, and a weekly label gives it on both days. The last bar
    is always labelled."""
    n = len(series.starts)
    if not n:
        return []
    ends = [s + timedelta(days=series.step - 1) for s in series.starts]
    with_year = _crosses_year([*series.starts, *ends])
    every = max(1, math.ceil(n / MAX_LABELS))

    def day(d: date, year: bool) -> str:
        return f"{d.day} {d:%b}" + (f" {d.year}" if year else "")

    labels, last_year = [], None
    for i, s in enumerate(series.starts):
        if (n - 1 - i) % every:
            labels.append("")
        elif series.step == 1:
            year = f"\n{s.year}" if with_year and s.year != last_year else ""
            labels.append(f"{s:%a}\n{day(s, False)}{year}")
            last_year = s.year
        else:
            labels.append(f"{day(s, with_year)}\nto {day(ends[i], with_year)}")
    return labels


_pyplot: Any = None


def _plt() -> Any:
    """matplotlib.pyplot on the Agg backend, imported once, on first use."""
    global _pyplot
    if _pyplot is None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        plt.rcParams.update(
            {
                "font.size": 11,
                "axes.titlesize": 13,
                "axes.edgecolor": MUTED,
                "axes.labelcolor": INK,
                "xtick.color": MUTED,
                "ytick.color": MUTED,
                "svg.fonttype": "none",
            }
        )
        _pyplot = plt
    return _pyplot


def warm_up() -> None:
    """Import matplotlib and load its fonts now (building its font cache in a fresh environment), so
    the first chart asked for later does not pay for it."""
    from matplotlib import font_manager

    _plt()
    font_manager.findfont("DejaVu Sans")


def _png(fig: Any) -> bytes:
    """The figure as PNG bytes; the figure is closed (no memory kept between charts)."""
    plt = _plt()
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=DPI)
    finally:
        plt.close(fig)
    return buffer.getvalue()


def render_time_chart(series: TimeSeries, title: str, subtitle: str = "") -> bytes:
    """A bar per day or week, stacked by severity (each alert once), reviewed false positives drawn
    as an empty hatched box on top (left out of the counts), dated x labels; PNG bytes."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=SIZE)
    # fixed margins (not matplotlib's layout engines, which measure every label and triple the cost)
    fig.subplots_adjust(left=0.08, right=0.80, top=0.80, bottom=0.17)
    xs = list(range(len(series.starts)))
    bottom = [0] * len(xs)
    for severity in STACK:
        counts = series.counts.get(severity)
        if not counts:
            continue
        label = f"{severity} ({sum(counts)})"
        ax.bar(xs, counts, 0.75, bottom=bottom, color=SEVERITY_COLOURS.get(severity, MUTED), label=label)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    if any(series.false_positives):
        ax.bar(
            xs,
            series.false_positives,
            0.75,
            bottom=bottom,
            facecolor="none",
            edgecolor=FP_COLOUR,
            hatch="///",
            linewidth=0.8,
            label=f"reviewed false\npositive, not\ncounted ({sum(series.false_positives)})",
        )
    if series.total and len(xs) <= 16:
        for x, total, fp in zip(xs, series.totals, series.false_positives, strict=True):
            if total:
                ax.annotate(
                    str(total), (x, total + fp), ha="center", va="bottom", fontsize=9, color=INK,
                    xytext=(0, 2), textcoords="offset points",
                )  # fmt: skip
    ax.set_xticks(xs, bar_labels(series), fontsize=9)
    ax.set_xlim(-0.6, len(xs) - 0.4)
    peak = max((t + f for t, f in zip(series.totals, series.false_positives, strict=True)), default=0)
    ax.set_ylim(0, max(peak * 1.15, 1))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("alerts per " + ("day" if series.step == 1 else "week"))
    ax.grid(axis="y", color=GRID)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, fontsize=13, color=INK, x=0.01, y=0.98, ha="left", va="top")
    fig.text(0.01, 0.915, textwrap.fill(subtitle, 110), fontsize=10, color=MUTED, va="top")
    if series.total or any(series.false_positives):
        ax.legend(
            loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False,
            title="severity", title_fontsize=9, alignment="left",
        )  # fmt: skip
    else:
        ax.text(0.5, 0.5, "no alerts in this window", transform=ax.transAxes, ha="center", color=MUTED)
    return _png(fig)


@dataclass(frozen=True)
class Grid:
    """The portfolio heat map's numbers: `cells[i][j]` alerts of `tickers[i]` tagged `topics[j]` (an
    alert with two topics is in two cells), `alerts[i]` the distinct alerts of `tickers[i]`."""

    tickers: tuple[str, ...]
    topics: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]
    alerts: tuple[int, ...]


def portfolio_grid(
    totals: Mapping[str, int], rows: Iterable[tuple[str, str, int]], max_tickers: int = MAX_TICKERS
) -> Grid:
    """The top `max_tickers` tickers by alerts (ties by name) against their topics, the busiest topics
    first (beyond MAX_TOPICS summed as "other")."""
    tickers = sorted((t for t, n in totals.items() if n), key=lambda t: (-totals[t], t))[:max_tickers]
    table: dict[str, dict[str, int]] = {t: {} for t in tickers}
    for ticker, topic, n in rows:
        if ticker in table:
            table[ticker][topic] = table[ticker].get(topic, 0) + n
    volume: dict[str, int] = {}
    for by_topic in table.values():
        for topic, n in by_topic.items():
            volume[topic] = volume.get(topic, 0) + n
    topics = sorted(volume, key=lambda t: (-volume[t], t))
    if len(topics) > MAX_TOPICS:
        keep, rest = topics[: MAX_TOPICS - 1], set(topics[MAX_TOPICS - 1 :])
        for by_topic in table.values():
            by_topic[OTHER] = sum(n for t, n in by_topic.items() if t in rest)
        topics = [*keep, OTHER]
    cells = tuple(tuple(table[t].get(topic, 0) for topic in topics) for t in tickers)
    return Grid(tuple(tickers), tuple(topics), cells, tuple(totals[t] for t in tickers))


def render_heatmap(
    grid: Grid, title: str, subtitle: str = "", labels: Mapping[str, str] | None = None
) -> bytes:
    """Tickers (rows) by topic (columns), the count in each cell, and each ticker's distinct alerts in
    a last column; PNG bytes."""
    plt = _plt()
    labels = labels or {}
    rows, cols = len(grid.tickers), len(grid.topics)
    head, foot = 1.45, 0.15  # inches: title, subtitle and the topic names over the columns; below
    height = max(SIZE[1], head + foot + 0.32 * max(rows, 1))
    fig, ax = plt.subplots(figsize=(SIZE[0], height))
    fig.subplots_adjust(left=0.08, right=0.99, top=1 - head / height, bottom=foot / height)
    fig.suptitle(title, fontsize=13, color=INK, x=0.01, y=1 - 0.08 / height, ha="left", va="top")
    fig.text(0.01, 1 - 0.42 / height, textwrap.fill(subtitle, 110), fontsize=10, color=MUTED, va="top")
    if not rows:
        ax.axis("off")
        ax.text(0.5, 0.5, "no alerts in this window", transform=ax.transAxes, ha="center", color=MUTED)
        return _png(fig)
    peak = max((max(r) for r in grid.cells if r), default=0) or 1
    matrix = [[*r, math.nan] for r in grid.cells]  # the totals column is left blank, then written in
    ax.imshow(matrix, cmap="Reds", vmin=0, vmax=peak * 1.25, aspect="auto")
    ax.axvline(cols - 0.5, color="white", linewidth=4)
    for i, row in enumerate(grid.cells):
        for j, n in enumerate(row):
            if n:
                dark = n > peak * 0.6
                ax.text(j, i, str(n), ha="center", va="center", fontsize=9, color="white" if dark else INK)
        ax.text(cols, i, str(grid.alerts[i]), ha="center", va="center", fontsize=9, weight="bold", color=INK)
    names = [_wrap(labels.get(t, t)) for t in grid.topics] + ["alerts\n(each once)"]
    ax.set_xticks(range(cols + 1), names, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(rows), grid.tickers, fontsize=9)
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)
    return _png(fig)


def _wrap(label: str, width: int = 13, lines: int = 3) -> str:
    """A topic label on at most `lines` short lines, to fit over a heat map column."""
    return "\n".join(textwrap.wrap(label, width, max_lines=lines, placeholder="…"))
