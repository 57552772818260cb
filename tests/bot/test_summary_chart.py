"""The ticker summary (counted in SQL) and its chart: a valid PNG drawn from the right counts."""

from __future__ import annotations

import struct
import zlib
from datetime import date

import pytest

from bot.delivery.targets import parse_target
from bot.rendering import chart
from bot.rendering.summary import render_summary_text
from bot.usecases import service
from tests.historykit import NOW, add_alert, ago

C1 = service.Scope(parse_target("slack:T1/C1"), user="U1")


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch) -> None:
    monkeypatch.setattr(service, "_now", lambda: NOW)


def test_summary_counts_change_top_stories_and_open_items(db) -> None:
    a = add_alert(
        db, topics=("sanctions", "surveillance"), severity="critical", created=ago(days=1), story_id="s1"
    )
    add_alert(db, topics=("sanctions",), severity="high", created=ago(days=1, hours=2), story_id="s1")
    c = add_alert(db, topics=("fraud",), severity="low", created=ago(days=3))
    add_alert(db, topics=("fraud",), severity="high", created=ago(days=10))  # previous window
    add_alert(db, topics=("fraud",), severity="high", created=ago(days=20))  # older than both
    add_alert(db, ticker="BA", company="Boeing", created=ago(days=1))  # another ticker
    service.review(db, None, c.id, "reviewed", user="ann")
    s = service.summary(db, None, "amzn", 7)
    assert (s.ticker, s.total, s.previous_total) == ("AMZN", 3, 1)
    assert s.by_topic == {"sanctions": 2, "fraud": 1, "surveillance": 1}
    assert s.previous_by_topic == {"fraud": 1}
    assert list(s.by_severity.items()) == [("critical", 1), ("high", 1), ("low", 1)]
    assert [x.id for x in s.top] == [a.id, c.id]  # one per story, most severe first
    assert s.unreviewed == 2 and c.id not in {x.id for x in s.open_items}
    text = render_summary_text(s)
    assert (
        "3 alerts (+2 vs previous 7 days)" in text and a.link in text and "open, not yet reviewed: 2" in text
    )


def test_summary_is_scoped_and_says_plainly_when_empty(db) -> None:
    add_alert(db, created=ago(days=1), targets=("slack:T9/C9",))
    assert service.summary(db, C1, "AMZN", 7).total == 0
    empty = render_summary_text(service.summary(db, None, "TSLA", 30))
    assert empty == "TSLA (Tesla, Inc.): last 30 days: no alerts in this window."


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out, i = [], 8
    while i < len(png):
        (length,) = struct.unpack(">I", png[i : i + 4])
        kind, data = png[i + 4 : i + 8], png[i + 8 : i + 8 + length]
        (crc,) = struct.unpack(">I", png[i + 8 + length : i + 12 + length])
        assert crc == zlib.crc32(kind + data), f"bad CRC in {kind!r}"
        out.append((kind, data))
        i += 12 + length
    return out


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    chunks = _chunks(png)
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (8, 2, 0)
    raw = zlib.decompress(b"".join(d for k, d in chunks if k == b"IDAT"))
    stride = 1 + 3 * width
    assert len(raw) == stride * height
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    assert all(r[0] == 0 for r in rows)  # filter type none
    return width, height, [r[1:] for r in rows]


def test_chart_is_a_valid_png_with_the_right_counts_behind_it(db) -> None:
    # NOW is Friday 2026-11-27; weeks start Mondays 11-02, 11-09, 11-16, 11-23
    for days, topics in [
        (1, ("sanctions",)),
        (2, ("sanctions", "fraud")),
        (4, ("sanctions",)),
        (10, ("fraud",)),
    ]:
        add_alert(db, topics=topics, created=ago(days=days))
    add_alert(db, topics=("sanctions",), created=ago(days=40))  # outside the window
    result = service.summary_chart(db, None, "AMZN", 28)
    s = result.series
    assert s.weeks == ("2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23")
    assert s.counts == {"sanctions": (0, 0, 0, 0, 3), "fraud": (0, 0, 0, 1, 1)}
    assert s.alerts == (0, 0, 0, 1, 3)
    width, height, rows = _pixels(result.png)
    assert (width, height) == (chart.WIDTH, chart.HEIGHT)
    assert result.filename == "riskwire-AMZN-28d.png"

    def bar_height(week: int, colour: tuple[int, int, int]) -> int:
        left, right = 44, chart.WIDTH - 170 - 10
        x = left + int(week * (right - left) / len(s.weeks) + (right - left) / len(s.weeks) / 2)
        return sum(1 for r in rows if tuple(r[3 * x : 3 * x + 3]) == colour)

    sanctions, fraud = chart.PALETTE[0], chart.PALETTE[1]
    assert bar_height(3, sanctions) == 0 and bar_height(4, sanctions) > 0
    assert bar_height(4, sanctions) == pytest.approx(3 * bar_height(4, fraud), abs=2)
    assert bar_height(3, fraud) == pytest.approx(bar_height(4, fraud), abs=1)


def test_weekly_series_zero_fills_and_folds_small_topics_into_other() -> None:
    rows = [("2026-11-16", f"t{i}", i + 1) for i in range(8)] + [("2026-01-05", "t0", 99)]
    s = chart.weekly_series(rows, date(2026, 11, 10), date(2026, 11, 27))
    assert s.weeks == ("2026-11-09", "2026-11-16", "2026-11-23")
    assert list(s.counts) == ["t7", "t6", "t5", "t4", "t3", "other"]
    assert s.counts["other"] == (0, 1 + 2 + 3, 0)
    assert sum(s.week_total(i) for i in range(3)) == sum(range(1, 9))
    assert chart.render_chart(s, "x")[:8] == b"\x89PNG\r\n\x1a\n"
    empty = chart.weekly_series([], date(2026, 11, 10), date(2026, 11, 27))
    _pixels(chart.render_chart(empty, "nothing"))
