"""History at scale: 1,000,000 alerts over 500 tickers, then `summary`, `history` and `search` timed.

    python bench/history.py [--alerts N] [--db PATH] [--keep]

Fills a fresh database through the real migrations (indexes, FTS triggers, review state), with
realistic rows: a headline, a two-sentence summary, two pieces of evidence, one company mention, one
delivery per alert to the channel watching the ticker (50 channels of 10 tickers, plus a quiet
channel with one ticker), and reviews on a few percent. Then it times, warm, the median of several
runs of:

- `summary` for one ticker over 90 days (unscoped as on the command line, and scoped to a channel),
- the same summary with its chart (the PNG drawn), reported as a ratio to the query alone, and the
  portfolio of a busy channel with its heat map; the first chart of the process (matplotlib's import)
  is timed on its own,
- `history` page 1 (unscoped, a busy channel, a quiet channel),
- a full-text search for a phrase (unscoped and scoped),

prints each in milliseconds with the database size, and ends with the ratio against the naive
baseline measured in the same run: the same search as a LIKE scan over every row. Targets: each
query <= 100 ms; a summary with its chart (and the portfolio with its heat map) <= 500 ms; the
database <= 1 GB.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.delivery.targets import parse_target
from bot.usecases import portfolio, service
from rules.directory import CompanyDirectory
from storage import history as hist
from storage import subscriptions
from storage.alerts import encode
from storage.db import open_db

TOPICS = {
    "sanctions": ["breached sanctions", "export controls", "sanctioned entity", "OFAC"],
    "whistleblower": ["whistleblower", "blew the whistle", "retaliation claim"],
    "surveillance": ["facial recognition", "mass surveillance", "biometric data"],
    "bribery": ["bribes", "kickbacks", "FCPA"],
    "fraud": ["accounting fraud", "misled investors", "securities fraud"],
    "money_laundering": ["money laundering", "suspicious transactions"],
    "antitrust": ["antitrust", "price fixing", "abuse of dominance"],
    "privacy": ["data breach", "GDPR fine", "privacy violation"],
    "human_rights": ["forced labour", "human rights abuses"],
    "labour": ["unsafe working conditions", "union busting"],
    "environment": ["oil spill", "toxic waste", "emissions cheating"],
    "product_safety": ["product recall", "safety defect"],
}
WEIGHTS = [14, 10, 8, 8, 12, 6, 8, 10, 5, 6, 8, 5]
SEVERITIES = ["low", "medium", "high", "critical"]
PLACES = ["London", "Brussels", "Washington", "Delhi", "Berlin", "Singapore", "Lagos", "Sao Paulo", "Tokyo"]
BODIES = [
    "regulators", "prosecutors", "a tribunal", "investigators", "a former employee", "shareholders",
    "the ministry", "an NGO", "a court filing", "auditors", "a union", "lawmakers",
]  # fmt: skip
VERBS = ["accused of", "faces probe over", "sued over", "fined for", "denies", "investigated for"]
FILLER = [
    "The",
    "company",
    "said",
    "it",
    "would",
    "cooperate",
    "fully",
    "and",
    "rejected",
    "the",
    "claims",
    "as",
    "without",
    "merit",
    "while",
    "the",
    "matter",
    "proceeds",
    "before",
    "the",
    "court",
    "later",
    "this",
    "year",
    "according",
    "to",
    "people",
    "familiar",
    "with",
    "it",
]


def _tickers(n: int) -> list[str]:
    rnd = random.Random(7)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rnd.choice(letters) for _ in range(rnd.choice((3, 4)))))
    return sorted(out)


def _alert(i: int, rnd: random.Random, ticker: str, created: datetime) -> dict[str, Any]:
    topics = list(dict.fromkeys(rnd.choices(list(TOPICS), WEIGHTS, k=rnd.choice((1, 1, 2)))))
    term = rnd.choice(TOPICS[topics[0]])
    company = f"{ticker.title()} Holdings plc"
    body, place = rnd.choice(BODIES), rnd.choice(PLACES)
    title = f"{company} {rnd.choice(VERBS)} {term} in {place}"
    s1 = f"{body.capitalize()} in {place} said {company} {rnd.choice(VERBS)} {term} linked to its units."
    s2 = " ".join(rnd.sample(FILLER, 6)).capitalize() + "." if rnd.random() < 0.5 else ""
    evidence = [
        {
            "rule": f"{topics[0]}.r{rnd.randrange(6)}",
            "text": term,
            "sentence": s1,
            "field": "body",
            "topic": topics[0],
        },
    ]
    if len(topics) > 1:  # the second topic's term, found in the headline
        t2 = rnd.choice(TOPICS[topics[1]])
        evidence.append(
            {
                "rule": f"{topics[1]}.r{rnd.randrange(6)}",
                "text": t2,
                "sentence": title,
                "field": "title",
                "topic": topics[1],
            }
        )
    stamp = created.isoformat(timespec="seconds")
    return encode(
        {
            "id": f"{i:016x}",
            "article_id": f"a{i:015x}",
            "ticker": ticker,
            "company": company,
            "topics": topics,
            "severity": rnd.choices(SEVERITIES, [40, 30, 20, 10])[0],
            "stage": rnd.choice((None, "allegation", "investigation", "lawsuit")),
            "denied": rnd.random() < 0.2,
            "title": title,
            "link": f"https://news{i % 40}.example.com/{created:%Y/%m}/{i:x}",
            "source": f"Newswire {i % 40}",
            "published": stamp,
            "summary": f"{s1} {s2}".strip(),
            "evidence": evidence,
            "company_evidence": [
                {"rule": "company.name", "text": company, "sentence": title, "field": "title", "topic": None}
            ],
            "created": stamp,
            "story_id": None,
        }
    )


def channel_of(ticker_index: int) -> str:
    return f"slack:TBENCH/C{ticker_index // 10:03d}"


QUIET = "slack:TBENCH/CQUIET"


def fill(path: Path, n: int, tickers: list[str], now: datetime) -> None:
    """Fill `path` with n alerts (oldest first, as a live system stores them) and their deliveries."""
    db = open_db(path)
    conn = db.conn
    conn.execute("PRAGMA synchronous=OFF")
    # the articles behind the alerts are not stored: this measures the alert history only
    conn.execute("PRAGMA foreign_keys=OFF")
    rnd = random.Random(42)
    span = timedelta(days=730).total_seconds()
    columns: list[str] = []
    batch = 20000
    started = time.perf_counter()

    def rows() -> Iterator[tuple[dict[str, Any], int]]:
        for i in range(n):
            created = now - timedelta(seconds=span * (1 - i / n))
            k = rnd.randrange(len(tickers))
            yield _alert(i, rnd, tickers[k], created), k

    pending: list[tuple[dict[str, Any], int]] = []

    def flush() -> None:
        nonlocal columns
        if not pending:
            return
        if not columns:
            columns = list(pending[0][0])
        conn.execute("begin")
        conn.executemany(
            f"insert into alerts ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
            [tuple(r[c] for c in columns) for r, _ in pending],
        )
        deliveries = []
        for r, k in pending:
            deliveries.append((r["id"], channel_of(k), "sent", r["created"], r["created"]))
            if k == 0:
                deliveries.append((r["id"], QUIET, "sent", r["created"], r["created"]))
        conn.executemany(
            "insert into deliveries (alert_id, target, state, attempts, created, sent) "
            "values (?, ?, ?, 1, ?, ?)",
            deliveries,
        )
        reviews = [
            (r["id"], channel_of(k), rnd.choice(("reviewed", "false_positive")), "U1", r["created"])
            for r, k in pending
            if rnd.random() < 0.03
        ]
        conn.executemany(
            "insert into reviews (alert_id, target, action, user, at) values (?, ?, ?, ?, ?)", reviews
        )
        conn.execute("commit")
        pending.clear()

    for item in rows():
        pending.append(item)
        if len(pending) >= batch:
            flush()
            done = int(item[0]["id"], 16) + 1
            print(
                f"  filled {done:,} alerts ({time.perf_counter() - started:.0f}s)", file=sys.stderr, end="\r"
            )
    flush()
    for k, ticker in enumerate(tickers):  # each channel watches its ten tickers (the portfolio view)
        subscriptions.add(
            db, target=channel_of(k), platform="slack", workspace="TBENCH", channel=channel_of(k)[-4:],
            ticker=ticker, created=now.isoformat(timespec="seconds"),
        )  # fmt: skip
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    db.close()
    print(f"  filled {n:,} alerts in {time.perf_counter() - started:.0f}s" + " " * 20, file=sys.stderr)


def timed(fn: Callable[[], Any], runs: int = 7) -> tuple[float, Any]:
    """Median milliseconds of `runs` warm calls (one untimed warm-up first), and the last result."""
    result = fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alerts", type=int, default=1_000_000)
    parser.add_argument("--tickers", type=int, default=500)
    parser.add_argument("--db", help="database file (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="riskwire-bench-")) / "history.db"
    tickers = _tickers(args.tickers)
    now = datetime.now(UTC)
    if not path.exists():
        print(f"Filling {path} with {args.alerts:,} alerts over {len(tickers)} tickers...", file=sys.stderr)
        fill(path, args.alerts, tickers, now)
    size_mb = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    db = open_db(path)
    directory = CompanyDirectory.default()
    ticker = tickers[0]
    busy = service.Scope(parse_target(channel_of(0)))
    quiet = service.Scope(parse_target(QUIET))
    word = tickers[0].title()  # a word of one company's name
    phrase = f'{word} "export controls"'
    results: list[tuple[str, float, str]] = []

    def measure(name: str, fn: Callable[[], Any], describe: Callable[[Any], str]) -> float:
        ms, result = timed(fn)
        results.append((name, ms, describe(result)))
        print(f"{name:<44} {ms:8.1f} ms   {describe(result)}")
        return ms

    print(f"database: {size_mb:,.0f} MB for {args.alerts:,} alerts ({path})")
    total = lambda s: f"{s.total} alerts, {len(s.top)} top stories, {s.unreviewed} open"  # noqa: E731
    measure(
        "summary TICKER 90d (command line)", lambda: service.summary(db, None, ticker, 90, directory), total
    )
    summary_ms = measure(
        "summary TICKER 90d (channel)", lambda: service.summary(db, busy, ticker, 90, directory), total
    )
    t0 = time.perf_counter()
    service.summary_chart(db, busy, ticker, 90, directory)
    first_chart_ms = (time.perf_counter() - t0) * 1000
    print(f"{'first chart of the process (imports matplotlib)':<44} {first_chart_ms:8.1f} ms")

    def with_chart() -> Any:
        result = service.summary(db, busy, ticker, 90, directory)
        return result, service.summary_chart(db, busy, ticker, 90, directory)

    bars = lambda r: f"{r[0].total} alerts, bars total {r[1].series.total}, {len(r[1].png):,} bytes"  # noqa: E731
    chart_ms = measure("summary TICKER 90d + chart (channel)", with_chart, bars)

    def portfolio_view() -> Any:
        view = portfolio.portfolio(db, busy, 90, directory)
        return view, portfolio.portfolio_chart(db, busy, view)

    cells = lambda r: f"{r[0].total} alerts on {len(r[0].lines)} tickers, heat map {sum(r[1].series.alerts)}"  # noqa: E731
    portfolio_ms = measure("portfolio 90d + heat map (busy channel)", portfolio_view, cells)
    count = lambda rows: f"{len(rows)} rows"  # noqa: E731
    measure("history page 1 (command line)", lambda: service.history(db, None), count)
    measure("history page 1 (busy channel)", lambda: service.history(db, busy), count)
    measure("history page 1 (quiet channel)", lambda: service.history(db, quiet), count)
    fts_ms = measure(f"search {phrase} (command line)", lambda: service.search(db, None, phrase), count)
    measure(f"search {phrase} (busy channel)", lambda: service.search(db, busy, phrase), count)
    like_ms = measure(
        "baseline: the same search as a LIKE scan",
        lambda: hist.like_search(db, [word, "export controls"]),
        count,
    )
    db.close()
    charted = ("summary TICKER 90d + chart", "portfolio")
    worst = max(ms for name, ms, _ in results if not name.startswith(("baseline", *charted)))
    ok = worst <= 100 and max(chart_ms, portfolio_ms) <= 500 and size_mb <= 1000
    print(
        f"ratio: summary with its chart {chart_ms:.1f} ms vs the summary query alone {summary_ms:.1f} ms = "
        f"{chart_ms / max(summary_ms, 1e-3):.1f}x (target: with chart <= 500 ms); "
        f"portfolio with heat map {portfolio_ms:.1f} ms; first chart of the process {first_chart_ms:.0f} ms"
    )
    print(
        f"ratio: full-text search {fts_ms:.1f} ms vs LIKE scan {like_ms:.1f} ms = "
        f"{like_ms / max(fts_ms, 1e-3):.0f}x "
        f"faster; slowest timed query {worst:.1f} ms (target 100), database {size_mb:,.0f} MB (target 1000): "
        + ("within targets" if ok else "OUTSIDE TARGETS")
    )
    if not args.keep and not args.db:
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
        path.parent.rmdir()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
