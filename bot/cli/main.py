"""The `riskwire` command line (also `python -m bot`). See README.md for every command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import sqlite_utils

from bot import __version__
from bot.core import redact
from bot.core.settings import Settings, SettingsError
from bot.delivery.targets import TargetError, parse_target
from bot.rendering.progress import Progress, ignore, progress_line
from bot.usecases import service
from rules.directory import UnknownTicker
from rules.models import SEVERITIES, WatchSpec
from rules.rulefile import RuleFileError
from rules.watchlist import WatchlistError, load_watchlist, parse_tickers, shown
from storage.db import StorageError, open_db

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
NO_CHECK_HELP = "add without fetching each feed once first (offline set-ups)"


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
        new_session(allow_private=settings.allow_private_feeds, user_agent=settings.user_agent)
        if any(is_url(s) for s in sources)
        else None
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
    from bot.pipeline.directory import directory_at
    from bot.pipeline.matching import resolve_watch
    from bot.usecases.scan import format_jsonl, format_text, scan_articles
    from rules.engine import Matcher
    from rules.rulefile import load_topics

    for source in args.sources:
        if not source.strip():
            raise CliError("an empty SOURCE: give a feed URL or a feed file")
    specs = _watch_specs(args)
    companies, problems = resolve_watch(specs, directory_at(settings.db_path))
    if problems and not companies:
        raise CliError("; ".join(problems))
    matcher = Matcher(companies, load_topics(args.rules) if args.rules else None)
    for problem in problems:  # the others are scanned all the same, as with a failing source
        _err(f"{problem}; scanning the other {len(companies)} without it")
    articles, failures = asyncio.run(_read_sources(args.sources, settings))
    for source, error in failures:
        _err(f"{source if len(source) <= 200 else shown(source, 80)}: {error}")
    from bot.usecases.sanctions import lists_index

    result = scan_articles(articles, matcher, lists_index(settings.db_path))
    out = format_jsonl(result.rows) if args.format == "jsonl" else format_text(result.rows)
    sys.stdout.write(out)
    if args.format == "text":
        risky = sum(1 for r in result.rows if r.match.topics)
        _progress(
            f"{result.articles} articles, {len(result.rows)} about watched companies, "
            f"{risky} with risk topics"
        )
    return EXIT_FAILED if failures or problems else EXIT_OK


# --- explain ---------------------------------------------------------------------------------------


def cmd_explain(args: argparse.Namespace, settings: Settings) -> int:
    from bot.usecases.explain import explain_input
    from feeds.models import FeedError

    try:
        print(explain_input(args.input, args.watch, args.watchlist, settings, rules_dir=args.rules))
    except FeedError as exc:  # a page or feed that cannot be fetched or read: say why, as scan does
        _err(str(exc))
        return EXIT_FAILED
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
            reason = redact.scrub(r.get("broken_reason") or "")  # a library's error may quote a webhook URL
            status = r["status"] if r["status"] == "active" else f"BROKEN: {reason}"
            extra = f"; names: {', '.join(r['names'])}" if r.get("names") else ""
            shown = str(parse_target(r["target"]))
            print(f"{r['ticker']:<8} {shown:<32} {status}; {service.describe_options(r)}{extra}")
        return EXIT_OK
    target = parse_target(args.to)
    scope = service.Scope(target, user="cli")
    if args.watch_cmd == "import":
        return _watch_import(db, scope, args.file)
    tickers = service.parse_ticker_list(" ".join(args.tickers))
    if args.watch_cmd == "add":
        names = [n.strip() for n in args.names.split(",") if n.strip()] if args.names else None
        topics = [t.strip() for t in args.topics.split(",") if t.strip()] if args.topics else None
        result = service.watch(db, scope, tickers, names=names, topics=topics, min_severity=args.min_severity)
        for ticker, company in result.changed:
            print(f"Watching {ticker} ({company}) for {target}")
        for ticker in result.unchanged:
            changes = "; ".join(result.updates.get(ticker, [])) or "nothing changed"
            print(f"{ticker} was already watched for {target}; {changes}")
    else:
        result = service.unwatch(db, scope, tickers)
        for ticker, _ in result.changed:
            print(f"Stopped watching {ticker} for {target}")
        for ticker in result.unchanged:
            print(f"{ticker} was not watched for {target}")
    return EXIT_OK


def _watch_import(db: sqlite_utils.Database, scope: service.Scope, path: str) -> int:
    from bot.usecases.holdings import read_holdings

    try:
        result = service.watch_holdings(db, scope, read_holdings(path), source=path)
    except service.HoldingsError as exc:
        for line in exc.problems:
            _err(line)
        _err(f"{len(exc.problems)} row(s) name no known company; nothing was changed")
        return EXIT_USAGE
    for ticker, company in result.changed:
        print(f"Watching {ticker} ({company}) for {scope.target}")
    for ticker in result.unchanged:
        print(f"{ticker} was already watched for {scope.target}")
    return EXIT_OK


def _shown_url(url: str) -> str:
    """A URL as given, unless it is too long for a message line."""
    return url if len(url) <= 200 else shown(url, 80)


def _feed_refusals(settings: Settings, progress: Progress = ignore) -> Callable[[list[str]], dict[str, str]]:
    """A check that fetches and parses feeds once, as a poll would; it maps each refused feed to why.
    `progress` hears each feed checked."""
    from feeds.sources import check_sources

    def refusals(urls: list[str]) -> dict[str, str]:
        return asyncio.run(
            check_sources(
                urls,
                allow_private=settings.allow_private_feeds,
                timeout=settings.fetch_timeout,
                progress=progress,
                user_agent=settings.user_agent,
            )
        )

    return refusals


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from feeds.fetch import is_url
    from feeds.safety import url_refusal
    from storage import feeds as feed_store
    from storage import notices

    db = _db(settings)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    if args.feeds_cmd in ("starter", "import", "resume", "status"):
        from bot.cli import feeds as feeds_cli

        try:
            if args.feeds_cmd == "starter":
                lines = feeds_cli.starter(db, args.enable or [], args.all)
            elif args.feeds_cmd == "import":
                with progress_line("Checking feeds", unit="feed", quiet=args.quiet) as progress:
                    check = None if args.no_check else _feed_refusals(settings, progress)
                    lines, failing = feeds_cli.import_opml(db, args.file, check)
                print("\n".join(lines))
                for url, why in failing.items():
                    _err(f"refused {_shown_url(url)}: {why}")
                if failing:
                    _err(f"{len(failing)} feed(s) not added; --no-check adds them without fetching")
                return EXIT_FAILED if failing else EXIT_OK
            elif args.feeds_cmd == "resume":
                lines = feeds_cli.resume(db, args.urls)
            else:
                lines = feeds_cli.status_lines(feed_store.all_feeds(db)) or [
                    "No feeds yet. Add one: riskwire feeds add https://example.com/feed.xml"
                ]
        except feeds_cli.FeedsCliError as exc:
            raise CliError(str(exc)) from None
        print("\n".join(lines))
        return EXIT_OK
    if args.feeds_cmd == "add":
        for url in args.urls:  # every URL is checked before any is added: nothing half-applied
            if is_url(url):
                refused = url_refusal(url, settings.allow_private_feeds)
                if refused:
                    raise CliError(f"{shown(url, 80)}: {refused}")
            elif not _is_file(url):
                raise CliError(f"{shown(url, 80)} is neither an http(s) URL nor a readable file")
        new = [url for url in args.urls if feed_store.get(db, url) is None]  # listed ones are not fetched
        failing = {}
        if new and not args.no_check:
            with progress_line("Checking feeds", unit="feed", quiet=args.quiet) as progress:
                failing = _feed_refusals(settings, progress)(new)
        if failing:
            reasons = "; ".join(f"{_shown_url(url)}: {why}" for url, why in failing.items())
            raise CliError(
                f"not a working feed: {reasons}. Nothing was added (--no-check adds it without fetching)"
            )
        for url in args.urls:
            added = feed_store.add(db, url, stamp, added_by="cli", poll_seconds=args.every)
            print(f"Added feed {url}" if added else f"{url} is already on the feed list")
        return EXIT_OK
    if args.feeds_cmd == "remove":
        for url in args.urls:
            told = [t for t in feed_store.notice_targets(db, url) if t != "console"]
            removed = feed_store.remove(db, url)
            print(f"Removed feed {url}" if removed else f"{shown(url, 80)} is not on the feed list")
            for target in told if removed else ():  # the workspaces that had it hear why it went quiet
                notices.add(
                    db,
                    target,
                    "feed_removed",
                    url,
                    f"feed {url} was taken off the feed list by Riskwire's operator; "
                    "its stories no longer reach this channel.",
                    stamp,
                )
        return EXIT_OK
    rows = feed_store.all_feeds(db)
    if not rows:
        print("No feeds yet. Add one: riskwire feeds add https://example.com/feed.xml")
        return EXIT_OK
    for r in rows:  # feeds list
        print(f"{r['url']}  {r.get('title') or ''}".rstrip())
    return EXIT_OK


def _notifiers(settings: Settings, db: sqlite_utils.Database | None = None) -> dict[str, Any]:
    from bot.delivery.notifiers import posting_notifiers
    from bot.discord_app.webhook_targets import webhook_targets_exist

    # Discord webhooks need no bot token (the bot's channels wait for `run`); discord.py is loaded
    # only when something is meant for a webhook
    webhooks = db is not None and webhook_targets_exist(db)
    return dict(posting_notifiers(settings, discord_webhooks=webhooks))


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    from bot.pipeline.polling import poll_once

    if not args.once:
        raise CliError("poll needs --once (for continuous polling use: riskwire run)")
    db = _db(settings)
    with progress_line("Polling feeds", unit="feed", quiet=args.quiet) as progress:
        report = asyncio.run(poll_once(db, settings, _notifiers(settings, db), progress=progress))
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


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ops.runner import run_service
    from bot.pipeline.matching import settle_heap_after_compiling

    # several workers may share the database: they split the work through it (bot.ops.cluster)
    # the process lives on with its directory and matchers: keep them out of the full collections
    settle_heap_after_compiling()
    return asyncio.run(run_service(settings))


# --- demo ------------------------------------------------------------------------------------------


def sample_feeds() -> list[Path]:
    """The sample feed files shipped inside the package."""
    folder = Path(str(resources.files("feeds").joinpath("samples")))
    return sorted(p for p in folder.iterdir() if p.suffix in (".xml", ".atom", ".rss"))


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.delivery.console import ConsoleNotifier
    from bot.pipeline.polling import poll_once
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
    from bot.usecases.sanctions import import_list

    # a one-entry sample list, so the demo shows a "Listed parties" line without downloading anything
    import_list(db, "demo-list", Path(str(resources.files("bot").joinpath("demo_sanctions.csv"))))
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
    parser.add_argument(
        "--quiet", action="store_true", help="no progress lines (shown only on a terminal anyway)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the whole pipeline over bundled sample feeds (no network)")
    demo.add_argument("--db", help="where to write the demo database (default: a temporary folder)")
    demo.set_defaults(func=cmd_demo)

    scan = sub.add_parser("scan", help="match feeds or files against tickers; stores and posts nothing")
    scan.add_argument("sources", nargs="+", metavar="SOURCE", help="feed URL or local RSS/Atom file")
    scan.add_argument("--watch", metavar="T1,T2", help="comma-separated tickers")
    scan.add_argument("--watchlist", metavar="FILE", help="TOML watchlist ([[watch]] ticker, names)")
    scan.add_argument("--format", choices=("text", "jsonl"), default="text")
    scan.add_argument(
        "--rules", metavar="DIR", help="a folder of topic rule files to use instead of the built-in"
    )
    scan.set_defaults(func=cmd_scan)

    explain = sub.add_parser(
        "explain", help="show which companies and rules fire on a text, file or URL, and why"
    )
    explain.add_argument("input", metavar="TEXT|FILE|URL")
    explain.add_argument("--watch", metavar="T1,T2", help="tickers to link (default: the demo watchlist)")
    explain.add_argument("--watchlist", metavar="FILE")
    explain.add_argument(
        "--rules", metavar="DIR", help="a folder of topic rule files to use instead of the built-in"
    )
    explain.set_defaults(func=cmd_explain)

    run = sub.add_parser(
        "run", help="the long-running service: scheduler, polling, delivery, chat front-ends"
    )
    run.set_defaults(func=cmd_run)

    poll = sub.add_parser("poll", help="poll every feed")
    poll.add_argument("--once", action="store_true", help="one poll, deliver, then exit")
    poll.set_defaults(func=cmd_poll)

    watch = sub.add_parser("watch", help="manage subscriptions")
    wsub = watch.add_subparsers(dest="watch_cmd", metavar="add|remove|import|list", required=True)
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
    wimp = wsub.add_parser("import", help="watch every company of a holdings CSV (tickers or ISINs)")
    wimp.add_argument("file", metavar="FILE.csv")
    wimp.add_argument("--to", required=True, metavar="TARGET")
    wls = wsub.add_parser("list", help="list subscriptions")
    wls.add_argument("--to", metavar="TARGET", help="only this target")
    watch.set_defaults(func=cmd_watch)

    feeds = sub.add_parser("feeds", help="manage the feed list")
    fsub = feeds.add_subparsers(
        dest="feeds_cmd", metavar="add|remove|list|status|starter|import|resume", required=True
    )
    fadd = fsub.add_parser("add", help="add feed URLs")
    fadd.add_argument("urls", nargs="+", metavar="URL")
    fadd.add_argument(
        "--every", type=_positive, metavar="SECONDS", help="poll interval (default: RISKWIRE_POLL_SECONDS)"
    )
    fadd.add_argument("--no-check", action="store_true", help=NO_CHECK_HELP)
    frm = fsub.add_parser("remove", help="remove feeds")
    frm.add_argument("urls", nargs="+", metavar="URL")
    fsub.add_parser("list", help="list feeds")
    fsub.add_parser("status", help="each feed's health")
    fstart = fsub.add_parser("starter", help="the starter list of public risk feeds (off until enabled)")
    fstart.add_argument("--enable", nargs="+", metavar="NAME", help="switch these starter feeds on")
    fstart.add_argument("--all", action="store_true", help="switch every starter feed on")
    fimp = fsub.add_parser("import", help="add the feeds of an OPML file")
    fimp.add_argument("file", metavar="FILE.opml")
    fimp.add_argument("--no-check", action="store_true", help=NO_CHECK_HELP)
    fres = fsub.add_parser("resume", help="unpause feeds and poll them at once")
    fres.add_argument("urls", nargs="+", metavar="URL")
    feeds.set_defaults(func=cmd_feeds)

    from bot.cli.history import add_parsers

    add_parsers(sub, _positive)  # history, search, summary, review, export, browse, backtest, rules, digest

    from bot.cli.sanctions import add_parser as add_sanctions_parser

    add_sanctions_parser(sub)

    from bot.cli.directory import add_parser as add_directory_parser

    add_directory_parser(sub)
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
