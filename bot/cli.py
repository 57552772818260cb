"""The `riskwire` command line (also `python -m bot`). See README.md for every command."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import sqlite_utils

from bot import __version__, redact, service
from bot.alerts import Alert
from bot.settings import Settings, SettingsError
from bot.targets import TargetError, parse_target
from rules.directory import UnknownTicker
from rules.models import SEVERITIES, WatchSpec
from rules.rulefile import RuleFileError
from rules.watchlist import WatchlistError, load_watchlist, parse_tickers, shown
from storage.db import StorageError, open_db

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A user error: printed as one line, exit code 2."""


def _err(message: str) -> None:
    print(f"riskwire: {redact.scrub(message)}", file=sys.stderr)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- scan ----------------------------------------------------------------------------------------


def _watch_specs(args: argparse.Namespace) -> list[WatchSpec]:
    if args.watch and args.watchlist:
        raise CliError("give --watch or --watchlist, not both")
    if args.watchlist:
        return load_watchlist(args.watchlist)
    if args.watch:
        return [WatchSpec(t) for t in parse_tickers(args.watch)]
    raise CliError("say what to watch: --watch AMZN,AAPL or --watchlist FILE")


async def _read_sources(
    sources: Sequence[str], settings: Settings
) -> tuple[list[Any], list[tuple[str, str]]]:
    from feeds.fetch import is_url, new_session
    from feeds.sources import read_source

    articles: list[Any] = []
    failures: list[tuple[str, str]] = []
    session = (
        new_session(allow_private=settings.allow_private_feeds) if any(is_url(s) for s in sources) else None
    )
    try:
        for source in sources:
            result = await read_source(source, session=session, timeout=settings.fetch_timeout)
            if result.error:
                failures.append((source, result.error))
            else:
                articles.extend(result.articles)
    finally:
        if session is not None:
            await session.close()
    return articles, failures


def cmd_scan(args: argparse.Namespace, settings: Settings) -> int:
    from bot.matching import resolve_watch
    from bot.scan import format_jsonl, format_text, scan_articles
    from rules.engine import Matcher

    for source in args.sources:
        if not source.strip():
            raise CliError("an empty SOURCE: give a feed URL or a feed file")
    specs = _watch_specs(args)
    companies, problems = resolve_watch(specs)
    if problems:
        raise CliError("; ".join(problems))
    matcher = Matcher(companies)
    articles, failures = asyncio.run(_read_sources(args.sources, settings))
    for source, error in failures:
        _err(f"{source if len(source) <= 200 else shown(source, 80)}: {error}")
    result = scan_articles(articles, matcher)
    out = format_jsonl(result.rows) if args.format == "jsonl" else format_text(result.rows)
    sys.stdout.write(out)
    if args.format == "text":
        risky = sum(1 for r in result.rows if r.match.topics)
        _progress(
            f"{result.articles} articles, {len(result.rows)} about watched companies, "
            f"{risky} with risk topics"
        )
    return EXIT_FAILED if failures else EXIT_OK


# --- explain ---------------------------------------------------------------------------------------


def cmd_explain(args: argparse.Namespace, settings: Settings) -> int:
    from bot.explain import explain_input

    print(explain_input(args.input, args.watch, args.watchlist, settings))
    return EXIT_OK


# --- database commands -----------------------------------------------------------------------------


def _db(settings: Settings) -> sqlite_utils.Database:
    return open_db(settings.db_path)


def _is_file(path: str) -> bool:
    """True for an existing regular file; False for anything else, including names the OS rejects."""
    try:
        return bool(path) and Path(path).is_file()
    except (OSError, ValueError):
        return False


def _console_scope() -> service.Scope:
    return service.Scope(parse_target("console"))


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    db = _db(settings)
    if args.watch_cmd == "list":
        rows = (
            service.list_watches(db, service.Scope(parse_target(args.to)))
            if args.to
            else __import__("storage.subscriptions", fromlist=["x"]).all_subscriptions(db)
        )
        if not rows:
            print("Nothing is watched yet. Add a ticker: riskwire watch add AMZN --to console")
        for r in rows:
            status = r["status"] if r["status"] == "active" else f"BROKEN: {r.get('broken_reason') or ''}"
            extra = f" names: {', '.join(r['names'])}" if r.get("names") else ""
            shown = str(parse_target(r["target"]))
            print(f"{r['ticker']:<8} {shown:<32} {status}{extra}")
        return EXIT_OK
    target = parse_target(args.to)
    scope = service.Scope(target, user="cli")
    tickers = service.parse_ticker_list(" ".join(args.tickers))
    if args.watch_cmd == "add":
        names = [n.strip() for n in args.names.split(",") if n.strip()] if args.names else None
        topics = [t.strip() for t in args.topics.split(",") if t.strip()] if args.topics else None
        result = service.watch(db, scope, tickers, names=names, topics=topics, min_severity=args.min_severity)
        for ticker, company in result.changed:
            print(f"Watching {ticker} ({company}) for {target}")
        for ticker in result.unchanged:
            print(f"{ticker} was already watched for {target}; options updated")
    else:
        result = service.unwatch(db, scope, tickers)
        for ticker, _ in result.changed:
            print(f"Stopped watching {ticker} for {target}")
        for ticker in result.unchanged:
            print(f"{ticker} was not watched for {target}")
    return EXIT_OK


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from feeds.fetch import is_url
    from feeds.safety import url_refusal
    from storage import feeds as feed_store

    db = _db(settings)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    if args.feeds_cmd == "add":
        for url in args.urls:  # every URL is checked before any is added: nothing half-applied
            if is_url(url):
                refused = url_refusal(url, settings.allow_private_feeds)
                if refused:
                    raise CliError(f"{shown(url, 80)}: {refused}")
            elif not _is_file(url):
                raise CliError(f"{shown(url, 80)} is neither an http(s) URL nor a readable file")
        for url in args.urls:
            added = feed_store.add(db, url, stamp, added_by="cli")
            print(f"Added feed {url}" if added else f"{url} is already on the feed list")
        return EXIT_OK
    if args.feeds_cmd == "remove":
        for url in args.urls:
            removed = feed_store.remove(db, url)
            print(f"Removed feed {url}" if removed else f"{shown(url, 80)} is not on the feed list")
        return EXIT_OK
    rows = feed_store.all_feeds(db)
    if not rows:
        print("No feeds yet. Add one: riskwire feeds add https://example.com/feed.xml")
        return EXIT_OK
    for r in rows:
        if args.feeds_cmd == "list":
            print(f"{r['url']}  {r.get('title') or ''}".rstrip())
        else:
            health = "paused" if r.get("paused") else ("failing" if r.get("consecutive_failures") else "ok")
            if not r.get("last_fetch"):
                health = "never fetched"
            print(
                f"{r['url']}\n  status: {health}; last fetch: {r.get('last_fetch') or '-'}; "
                f"last success: {r.get('last_success') or '-'}; failures in a row: "
                f"{r.get('consecutive_failures') or 0}; items seen: {r.get('items_seen') or 0}"
                + (f"\n  last error: {r['last_error']}" if r.get("last_error") else "")
            )
    return EXIT_OK


def _notifiers(settings: Settings) -> dict[str, Any]:
    from bot.delivery.console import ConsoleNotifier

    return {"console": ConsoleNotifier()}


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    from bot.polling import poll_once

    if not args.once:
        raise CliError("poll needs --once (for continuous polling use: riskwire run)")
    db = _db(settings)
    report = asyncio.run(poll_once(db, settings, _notifiers(settings)))
    for url, error in report.failures:
        _err(f"feed {url}: {error}")
    p, d = report.processed, report.delivered
    _progress(
        f"{report.feeds} feeds ({report.not_modified} unchanged, {len(report.failures)} failed); "
        f"{p.new} new articles; {len(p.alerts)} new alerts; {d.sent} delivered"
        + (f", {d.waiting} waiting for a chat front-end" if d.waiting else "")
        + (f", {d.failed} failed" if d.failed else "")
    )
    return EXIT_FAILED if report.failures else EXIT_OK


def _alert_json(a: Alert) -> dict[str, Any]:
    row = a.to_row()
    row["evidence_terms"] = a.terms
    return row


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    from bot.render import render_text, topic_labels

    db = _db(settings)
    ticker = service.parse_ticker_list(args.ticker)[0] if args.ticker else None
    alerts = service.history(db, None, ticker=ticker, days=args.days, limit=args.limit)
    if args.format == "jsonl":
        for a in alerts:
            print(json.dumps(_alert_json(a), ensure_ascii=False))
        return EXIT_OK
    if not alerts:
        print("No alerts yet" + (f" for {ticker}" if ticker else "") + ".")
    labels = topic_labels()
    for a in alerts:
        print(f"{a.created[:16].replace('T', ' ')}  {render_text(a, labels)}\n")
    return EXIT_OK


def cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    from bot.render_summary import render_summary_text

    db = _db(settings)
    result = service.summary(db, None, args.ticker, args.days)
    print(render_summary_text(result))
    return EXIT_OK


EXPORT_FIELDS = [
    "id",
    "created",
    "ticker",
    "company",
    "topics",
    "severity",
    "stage",
    "denied",
    "title",
    "link",
    "source",
    "published",
    "summary",
    "evidence",
    "rules",
    "article_id",
]


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    db = _db(settings)
    ticker = service.parse_ticker_list(args.ticker)[0] if args.ticker else None
    alerts = service.history(db, None, ticker=ticker, days=args.days, limit=1000)
    rows = []
    for a in alerts:
        rows.append(
            {
                "id": a.id,
                "created": a.created,
                "ticker": a.ticker,
                "company": a.company,
                "topics": ";".join(a.topics),
                "severity": a.severity,
                "stage": a.stage or "",
                "denied": a.denied,
                "title": a.title,
                "link": a.link,
                "source": a.source,
                "published": a.published or "",
                "summary": a.summary,
                "evidence": "; ".join(a.terms),
                "rules": ";".join(dict.fromkeys(e.rule for e in a.evidence)),
                "article_id": a.article_id,
            }
        )
    if args.format == "jsonl":
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
    return EXIT_OK


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import run_service

    return asyncio.run(run_service(settings))


# --- demo ------------------------------------------------------------------------------------------


def sample_feeds() -> list[Path]:
    """The sample feed files shipped inside the package."""
    folder = Path(str(resources.files("feeds").joinpath("samples")))
    return sorted(p for p in folder.iterdir() if p.suffix in (".xml", ".atom", ".rss"))


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.delivery.console import ConsoleNotifier
    from bot.polling import poll_once
    from storage import feeds as feed_store

    if args.db:
        db_path = Path(args.db)
        if db_path.exists() and db_path.resolve() == Path(settings.db_path).resolve():
            raise CliError("the demo will not write into your real database; give another --db path")
    else:
        db_path = Path(tempfile.mkdtemp(prefix="riskwire-demo-")) / "riskwire-demo.db"
    _progress(f"Riskwire demo: database {db_path}")
    db = open_db(db_path)
    feeds = sample_feeds()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    for path in feeds:
        feed_store.add(db, str(path), stamp, added_by="demo")
    watchlist = load_watchlist(Path(str(resources.files("bot").joinpath("demo_watchlist.toml"))))
    scope = service.Scope(parse_target("console"), user="demo")
    for spec in watchlist:
        service.watch(db, scope, [spec.ticker], names=list(spec.names) or None)
    _progress(f"Reading {len(feeds)} sample feeds and matching against {len(watchlist)} watched tickers...")
    demo_settings = Settings(db_path=str(db_path), baseline_hours=0)
    report = asyncio.run(poll_once(db, demo_settings, {"console": ConsoleNotifier()}))
    p = report.processed
    tickers = sorted({a.ticker for a in p.alerts})
    _progress(
        f"Done: {report.feeds} feeds, {p.new} articles, {len(p.alerts)} alerts "
        f"({', '.join(tickers) if tickers else 'none'}), {report.delivered.sent} printed. "
        f"History: RISKWIRE_DB={db_path} riskwire history"
    )
    for url, error in report.failures:
        _err(f"feed {url}: {error}")
    return EXIT_FAILED if report.failures else EXIT_OK


# --- parser ----------------------------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a whole number") from None
    if value < 1 or value > 100000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riskwire", description="ESG and legal risk alerts from the news.")
    parser.add_argument("--version", action="version", version=f"riskwire {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the whole pipeline over bundled sample feeds (no network)")
    demo.add_argument("--db", help="where to write the demo database (default: a temporary folder)")
    demo.set_defaults(func=cmd_demo)

    scan = sub.add_parser("scan", help="match feeds or files against tickers; stores and posts nothing")
    scan.add_argument("sources", nargs="+", metavar="SOURCE", help="feed URL or local RSS/Atom file")
    scan.add_argument("--watch", metavar="T1,T2", help="comma-separated tickers")
    scan.add_argument("--watchlist", metavar="FILE", help="TOML watchlist ([[watch]] ticker, names)")
    scan.add_argument("--format", choices=("text", "jsonl"), default="text")
    scan.set_defaults(func=cmd_scan)

    explain = sub.add_parser(
        "explain", help="show which companies and rules fire on a text, file or URL, and why"
    )
    explain.add_argument("input", metavar="TEXT|FILE|URL")
    explain.add_argument("--watch", metavar="T1,T2", help="tickers to link (default: the demo watchlist)")
    explain.add_argument("--watchlist", metavar="FILE")
    explain.set_defaults(func=cmd_explain)

    run = sub.add_parser(
        "run", help="the long-running service: scheduler, polling, delivery, chat front-ends"
    )
    run.set_defaults(func=cmd_run)

    poll = sub.add_parser("poll", help="poll every feed")
    poll.add_argument("--once", action="store_true", help="one poll, deliver, then exit")
    poll.set_defaults(func=cmd_poll)

    watch = sub.add_parser("watch", help="manage subscriptions")
    wsub = watch.add_subparsers(dest="watch_cmd", metavar="add|remove|list", required=True)
    wadd = wsub.add_parser("add", help="watch tickers")
    wadd.add_argument("tickers", nargs="+", metavar="TICKER")
    wadd.add_argument(
        "--to",
        required=True,
        metavar="TARGET",
        help="slack:TEAM/CHANNEL, discord:GUILD/CHANNEL, discord:webhook:URL or console",
    )
    wadd.add_argument("--names", metavar="'Name A, Name B'", help="company names the directory lacks")
    wadd.add_argument("--topics", metavar="t1,t2", help="only these topics")
    wadd.add_argument("--min-severity", choices=SEVERITIES, help="only alerts at least this severe")
    wrm = wsub.add_parser("remove", help="stop watching tickers")
    wrm.add_argument("tickers", nargs="+", metavar="TICKER")
    wrm.add_argument("--to", required=True, metavar="TARGET")
    wls = wsub.add_parser("list", help="list subscriptions")
    wls.add_argument("--to", metavar="TARGET", help="only this target")
    watch.set_defaults(func=cmd_watch)

    feeds = sub.add_parser("feeds", help="manage the feed list")
    fsub = feeds.add_subparsers(dest="feeds_cmd", metavar="add|remove|list|status", required=True)
    fadd = fsub.add_parser("add", help="add feed URLs")
    fadd.add_argument("urls", nargs="+", metavar="URL")
    frm = fsub.add_parser("remove", help="remove feeds")
    frm.add_argument("urls", nargs="+", metavar="URL")
    fsub.add_parser("list", help="list feeds")
    fsub.add_parser("status", help="each feed's health")
    feeds.set_defaults(func=cmd_feeds)

    hist = sub.add_parser("history", help="past alerts, newest first")
    hist.add_argument("ticker", nargs="?")
    hist.add_argument("--days", type=_positive)
    hist.add_argument("--limit", type=_positive, default=20)
    hist.add_argument("--format", choices=("text", "jsonl"), default="text")
    hist.set_defaults(func=cmd_history)

    summ = sub.add_parser("summary", help="a ticker's alerts over a window")
    summ.add_argument("ticker")
    summ.add_argument("--days", type=_positive, default=7)
    summ.set_defaults(func=cmd_summary)

    exp = sub.add_parser("export", help="every stored alert, for auditors")
    exp.add_argument("ticker", nargs="?")
    exp.add_argument("--format", choices=("csv", "jsonl"), required=True)
    exp.add_argument("--days", type=_positive)
    exp.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = Settings.load()
        redact.install(settings.secrets())
        return int(args.func(args, settings))
    except (
        CliError,
        service.ServiceError,
        WatchlistError,
        SettingsError,
        StorageError,
        TargetError,
        UnknownTicker,
        RuleFileError,
    ) as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        return EXIT_FAILED
