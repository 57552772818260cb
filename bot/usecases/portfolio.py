"""The portfolio view: every ticker a target watches, summarised over one window.

Which tickers had the most alerts and the most severe ones, new stories against follow-ups (reports
linked to a story an earlier alert started), the open (unreviewed) items, and a heat map of tickers by
topic. Counted in SQL as `service.summary` counts: by when each story happened, reviewed false
positives left out (and counted aside).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import sqlite_utils

from bot.usecases import service
from bot.usecases.service import Chart, Scope, ServiceError
from rules.directory import CompanyDirectory
from rules.models import SEVERITIES
from storage import history as hist

TABLE_ROWS = 20  # tickers listed one per line (and drawn in the heat map); the rest are summed up


@dataclass
class TickerLine:
    """One watched ticker's alerts in the window."""

    ticker: str
    company: str
    total: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    follow_ups: int = 0
    unreviewed: int = 0

    @property
    def new_stories(self) -> int:
        return self.total - self.follow_ups

    @property
    def severity_rank(self) -> tuple[int, ...]:
        """Sorts the most severe first: most critical alerts, then most high, and so on."""
        return tuple(self.by_severity.get(s, 0) for s in reversed(SEVERITIES))


@dataclass
class Portfolio:
    """Every ticker `target` watches, over the last `days`: one line per ticker with alerts, most first."""

    target: str
    days: int
    watched: list[str]
    lines: list[TickerLine]
    false_positives: int = 0
    window: str = ""
    end: datetime | None = None  # the window ends here (exclusive)

    @property
    def total(self) -> int:
        return sum(x.total for x in self.lines)

    @property
    def follow_ups(self) -> int:
        return sum(x.follow_ups for x in self.lines)

    @property
    def unreviewed(self) -> int:
        return sum(x.unreviewed for x in self.lines)

    @property
    def most_severe(self) -> list[TickerLine]:
        return sorted(self.lines, key=lambda x: (tuple(-n for n in x.severity_rank), x.ticker))

    @property
    def quiet(self) -> list[str]:
        """Watched tickers without alerts in the window."""
        busy = {x.ticker for x in self.lines}
        return [t for t in self.watched if t not in busy]


def _filter(scope: Scope, tickers: list[str], days: int, now: datetime) -> hist.AlertFilter:
    """The watched tickers' alerts in the target over the window (naming the tickers lets SQLite read
    them from the ticker-and-time index instead of every alert of the window)."""
    return hist.AlertFilter(
        tickers=tuple(tickers),
        since=(now - timedelta(days=days)).isoformat(timespec="seconds"),
        until=now.isoformat(timespec="seconds"),
        target=scope.key,
        false_positive=False,
    )


def portfolio(
    db: sqlite_utils.Database,
    scope: Scope,
    days: int = 7,
    directory: CompanyDirectory | None = None,
    *,
    now: datetime | None = None,
) -> Portfolio:
    """The portfolio of every ticker the scope's target watches, over the `days` up to `now` (default:
    the service's clock)."""
    if days < 1 or days > 3650:
        raise ServiceError("days must be between 1 and 3650")
    directory = directory or CompanyDirectory.default()
    watched = sorted({row["ticker"] for row in service.list_watches(db, scope)})
    if not watched:
        raise ServiceError("This channel watches no tickers yet; add some with: watch TICKER...")
    now = now or service._now()
    f = _filter(scope, watched, days, now)
    lines: dict[str, TickerLine] = {}
    for ticker, severity, n, follow_ups in hist.by_ticker_and_severity(db, f):
        if ticker not in watched:
            continue
        company = directory.get(ticker)
        line = lines.setdefault(ticker, TickerLine(ticker, company.name if company else ticker))
        line.total += n
        line.by_severity[severity] = n
        line.follow_ups += follow_ups
    for ticker, n in hist.counts_by_ticker(db, replace(f, reviewed=False)).items():
        if ticker in lines:
            lines[ticker].unreviewed = n
    fps = hist.counts_by_ticker(db, replace(f, false_positive=True))
    return Portfolio(
        scope.key,
        days,
        watched,
        sorted(lines.values(), key=lambda x: (-x.total, x.ticker)),
        sum(n for t, n in fps.items() if t in watched),
        service.window_text(now - timedelta(days=days), now),
        now,
    )


def portfolio_chart(db: sqlite_utils.Database, scope: Scope, p: Portfolio) -> Chart:
    """The heat map of the portfolio's top TABLE_ROWS tickers by topic, as a PNG; its Grid holds the
    numbers behind every cell and each ticker's distinct alerts (as in the portfolio's lines)."""
    from bot.rendering.chart import portfolio_grid, render_heatmap
    from bot.rendering.text import topic_labels

    totals = {x.ticker: x.total for x in p.lines}
    f = _filter(scope, p.watched, p.days, p.end or service._now())
    grid = portfolio_grid(totals, hist.by_ticker_and_topic(db, f), TABLE_ROWS)
    title = f"Portfolio: alerts by ticker and topic, last {p.days} days"
    shown = f"top {len(grid.tickers)} of {len(p.lines)} tickers" if len(p.lines) > len(grid.tickers) else ""
    plural = "s" if p.total != 1 else ""
    counted = f"{p.total} alert{plural} on {len(p.lines)} of {len(p.watched)} watched tickers"
    subtitle = " · ".join(
        part
        for part in (
            p.window,
            counted,
            shown,
            "an alert with two topics is in two cells",
        )
        if part
    )
    png = render_heatmap(grid, title, subtitle, topic_labels())
    return Chart("portfolio", p.days, title, f"riskwire-portfolio-{p.days}d.png", png, grid)
