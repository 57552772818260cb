"""The command line for ESG and compliance teams: history, search, summary, review, export, browse,
backtest, rules stats and digests. bot.cli.main registers these with `add_parsers`."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.core.settings import Settings
from bot.delivery.targets import parse_target
from bot.pipeline.alerts import Alert
from bot.rendering.progress import counted, progress_line
from bot.usecases import service
from rules.models import SEVERITIES
from storage.db import is_postgres, open_db

EXIT_OK, EXIT_FAILED = 0, 1


def _db(settings: Settings) -> sqlite_utils.Database:
    return open_db(settings.db_path)


def _scope(args: argparse.Namespace, user: str | None = None) -> service.Scope | None:
    to = getattr(args, "to", None)
    return service.Scope(parse_target(to), user=user) if to else None


def _reviewed(args: argparse.Namespace) -> bool | None:
    if getattr(args, "open", False) and getattr(args, "reviewed", False):
        raise service.ServiceError("give --open or --reviewed, not both")
    if getattr(args, "open", False):
        return False
    if getattr(args, "reviewed", False):
        return True
    return None


def _filter_args(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "ticker": args.ticker,
        "days": args.days,
        "topic": args.topic,
        "severity": args.severity,
        "reviewed": _reviewed(args),
        "since": args.since,
        "until": args.until,
    }


def _alert_json(a: Alert) -> dict[str, Any]:
    row = a.to_row()
    row["happened"] = a.happened
    row["evidence_terms"] = a.terms
    row["parties"] = [p.to_dict() for p in a.parties]
    return row


def _print_alerts(alerts: list[Alert], fmt: str, empty: str) -> None:
    from bot.rendering.text import render_text, topic_labels

    if fmt == "jsonl":
        for a in alerts:
            print(json.dumps(_alert_json(a), ensure_ascii=False))
        return
    if not alerts:
        print(empty)
        return
    labels = topic_labels()
    for a in alerts:
        print(f"{a.happened[:16].replace('T', ' ')}  id {a.id}\n{render_text(a, labels)}\n")


# --- history, search, summary, review -------------------------------------------------------------


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    db = _db(settings)
    alerts = service.history(db, _scope(args), limit=args.limit, page=args.page, **_filter_args(args))
    _print_alerts(
        alerts, args.format, "No alerts" + (f" for {args.ticker.upper()}" if args.ticker else "") + "."
    )
    if args.format == "text" and len(alerts) == args.limit:
        print(f"(page {args.page}; more: --page {args.page + 1})", file=sys.stderr)
    return EXIT_OK


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    db = _db(settings)
    text = " ".join(args.text)
    alerts = service.search(db, _scope(args), text, args.limit, ticker=args.ticker)
    _print_alerts(alerts, args.format, f"No alerts match {text!r}.")
    return EXIT_OK


def cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    from bot.rendering.summary import render_portfolio_text, render_summary_text
    from bot.usecases import portfolio

    db = _db(settings)
    scope = _scope(args)
    if args.ticker:
        result = service.summary(db, scope, args.ticker, args.days)
        print(render_summary_text(result))
        draw = lambda: service.summary_chart(db, scope, args.ticker, args.days)  # noqa: E731
    elif scope is None:
        raise service.ServiceError("give a TICKER, or --to TARGET for the portfolio of that target's tickers")
    else:
        view = portfolio.portfolio(db, scope, args.days)
        print(render_portfolio_text(view))
        draw = lambda: portfolio.portfolio_chart(db, scope, view)  # noqa: E731
    if args.chart:
        return _write_chart(Path(args.chart), draw().png)
    return EXIT_OK


def _write_chart(path: Path, png: bytes) -> int:
    """Write the chart where asked (drawn even when the window is empty: a report can show a quiet week)."""
    try:
        path.write_bytes(png)
    except OSError as exc:
        print(f"riskwire: could not write the chart to {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"chart: {path}", file=sys.stderr)
    return EXIT_OK


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    db = _db(settings)
    scope = _scope(args, user=args.by)
    done = service.review(db, scope, args.alert_id, args.action, args.reason, user=args.by)
    where = f" in {scope.target}" if scope else ""
    print(
        f"{done.alert.ticker} {done.alert.id}: {done.action.replace('_', ' ')}{where} "
        f"by {done.user or 'unknown'} "
        f"at {done.at}" + (f" ({done.reason})" if done.reason else "")
    )
    return EXIT_OK


# --- export, browse -------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.usecases.export import export_records, write_csv, write_jsonl

    db = _db(settings)
    scope = _scope(args)
    if args.ticker:
        args.ticker = service.known_ticker(db, scope, args.ticker)
    f = service.alert_filter(scope, **_filter_args(args))
    records = export_records(db, f)
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    try:
        with progress_line("Exporting alerts", unit="alert", quiet=args.quiet) as progress:
            records = counted(records, progress)
            n = write_jsonl(records, out) if args.format == "jsonl" else write_csv(records, out)
    finally:
        if args.output:
            out.close()
    print(f"exported {n} alerts" + (f" to {args.output}" if args.output else ""), file=sys.stderr)
    return EXIT_OK


def cmd_browse(args: argparse.Namespace, settings: Settings) -> int:
    from bot.usecases.browse import INSTALL_HINT, datasette_installed, run_datasette, write_metadata

    if is_postgres(settings.db_path):
        raise service.ServiceError(
            "riskwire browse works on a SQLite database only (Datasette reads SQLite files); "
            "RISKWIRE_DB is a PostgreSQL URL"
        )
    db_path = Path(settings.db_path)
    if not db_path.is_file():
        raise service.ServiceError(
            f"no database at {db_path} yet (set RISKWIRE_DB or run riskwire poll --once)"
        )
    open_db(db_path).close()  # migrated, so the canned queries find their tables
    meta = (
        Path(args.metadata)
        if args.metadata
        else Path(tempfile.mkdtemp(prefix="riskwire-browse-")) / "metadata.json"
    )
    write_metadata(db_path, meta)
    if args.metadata_only:
        print(meta)
        return EXIT_OK
    if not datasette_installed():
        print(f"riskwire: {INSTALL_HINT}", file=sys.stderr)
        print(f"(the canned queries are in {meta}; any SQLite tool can run them)", file=sys.stderr)
        return 2
    print(
        f"Datasette on http://127.0.0.1:{args.port}/ (Ctrl-C to stop); canned queries: {meta}",
        file=sys.stderr,
    )
    try:
        return run_datasette(db_path, meta, args.port)
    finally:
        if not args.metadata:
            shutil.rmtree(meta.parent, ignore_errors=True)


# --- backtest, rules stats ------------------------------------------------------------------------


def cmd_backtest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.usecases.backtest import backtest, render_backtest
    from rules.watchlist import parse_tickers

    db = _db(settings)
    tickers = parse_tickers(args.watch) if args.watch else None
    try:
        with progress_line("Replaying articles", unit="article", quiet=args.quiet) as progress:
            report = backtest(
                db,
                rules_dir=args.rules,
                days=args.days,
                tickers=tickers,
                baseline_hours=settings.baseline_hours,
                story_hours=settings.story_hours,
                progress=progress,
            )
    except ValueError as exc:
        if type(exc) is not ValueError:
            raise
        raise service.ServiceError(str(exc)) from None
    if args.format == "jsonl":
        for c in report.changes:
            print(
                json.dumps(
                    {
                        "kind": c.kind,
                        "article_id": c.article_id,
                        "ticker": c.ticker,
                        "title": c.title,
                        "link": c.link,
                        "before": list(c.before),
                        "after": list(c.after),
                        "severity_before": c.severity_before,
                        "severity_after": c.severity_after,
                    },
                    ensure_ascii=False,
                )
            )
        print(
            f"{report.articles} articles; would alert {report.would_alerts} ({report.would_post} posted), "
            f"actually {report.actual_alerts} ({report.actual_posted} posted); "
            f"{len(report.of_kind('new'))} new, {len(report.of_kind('gone'))} gone, "
            f"{len(report.of_kind('changed'))} changed",
            file=sys.stderr,
        )
    else:
        print(render_backtest(report))
    return EXIT_OK


def cmd_rules(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from storage.history import rule_stats

    db = _db(settings)
    since = (
        (datetime.now(UTC) - timedelta(days=args.days)).isoformat(timespec="seconds") if args.days else None
    )
    rows = rule_stats(db, since)
    if args.format == "jsonl":
        for rule, fired, fp in rows:
            print(
                json.dumps(
                    {"rule": rule, "fired": fired, "false_positives": fp, "fp_rate": round(fp / fired, 4)}
                )
            )
        return EXIT_OK
    if not rows:
        print("No rule has fired yet" + (f" in the last {args.days} days." if args.days else "."))
        return EXIT_OK
    print(f"{'rule':<44} {'fired':>7} {'false pos.':>10} {'rate':>6}")
    for rule, fired, fp in rows:
        print(f"{rule:<44} {fired:>7} {fp:>10} {100 * fp / fired:>5.1f}%")
    return EXIT_OK


# --- digests --------------------------------------------------------------------------------------


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.rendering.text import topic_labels
    from bot.usecases.digest import build_digest, render_digest_text, run_due_digests
    from storage import digests

    db = _db(settings)
    words = args.spec
    verb = words[0].lower() if words else "list"
    if verb == "list":
        rows = digests.all_digests(db)
        if not rows:
            print("No digests. Add one: riskwire digest daily 08:00 Europe/London --to TARGET")
        for r in rows:
            info = service.digest_status(db, service.Scope(parse_target(r["target"])))
            print(f"{parse_target(r['target'])!s:<32} {info.describe()}")
        return EXIT_OK
    if verb == "run":
        from bot.delivery.console import ConsoleNotifier

        report = asyncio.run(run_due_digests(db, {"console": ConsoleNotifier()}, datetime.now(UTC)))
        interrupted = [
            f"{count} {what}"
            for count, what in (
                (report.recovered, "found already posted after an interrupted send"),
                (report.resent, "sent again after an interrupted send"),
                (report.unresolved, "interrupted, still to be asked about"),
            )
            if count
        ]
        print(
            f"digests: {report.sent} sent, {report.empty} empty (not sent), "
            f"{report.waiting} waiting for a chat "
            f"front-end, {report.retrying} to retry, {report.failed} failed"
            + "".join(f", {part}" for part in interrupted),
            file=sys.stderr,
        )
        return EXIT_FAILED if report.failed else EXIT_OK
    if not args.to:
        raise service.ServiceError("say which target: --to TARGET (e.g. --to console)")
    scope = service.Scope(parse_target(args.to), user="cli")
    if verb == "preview":
        info = service.digest_status(db, scope)
        if info is None:
            raise service.ServiceError(f"{scope.target} has no digest; add one first")
        # the window ends just after now: timestamps have whole seconds, and the window excludes its end
        now = datetime.now(UTC) + timedelta(seconds=1)
        schedule = info.schedule
        digest = build_digest(
            db, scope.key, now - schedule.period, now, schedule.cadence, schedule.tz, schedule.portfolio
        )
        print(
            render_digest_text(digest, topic_labels())
            if not digest.empty
            else "Nothing to digest: it would not be sent."
        )
        return EXIT_OK
    print(service.digest_command(db, scope, " ".join([*words, *(["portfolio"] if args.portfolio else [])])))
    return EXIT_OK


# --- parsers --------------------------------------------------------------------------------------


def _filters(p: argparse.ArgumentParser, positive: Any, *, ticker_positional: bool = True) -> None:
    if ticker_positional:
        p.add_argument("ticker", nargs="?")
    p.add_argument("--days", type=positive, help="published in the last N days")
    p.add_argument("--since", metavar="DATE", help="from this date (YYYY-MM-DD) or time")
    p.add_argument("--until", metavar="DATE", help="up to and including this date, or before this time")
    p.add_argument("--topic", metavar="TOPIC", help="one topic id, e.g. sanctions")
    p.add_argument(
        "--severity", metavar="LEVEL", help=f"{'|'.join(SEVERITIES)}; add + for that level and above (high+)"
    )
    p.add_argument("--open", action="store_true", help="only alerts not yet reviewed")
    p.add_argument("--reviewed", action="store_true", help="only alerts reviewed or marked false positive")
    p.add_argument("--to", metavar="TARGET", help="only alerts delivered to this target (and its reviews)")


def add_parsers(sub: Any, positive: Any) -> None:
    """Register the commands on the `riskwire` parser's subparsers."""
    hist = sub.add_parser("history", help="past alerts, newest first, with filters, paged")
    _filters(hist, positive)
    hist.add_argument("--limit", type=positive, default=20, help="alerts per page (default 20)")
    hist.add_argument("--page", type=positive, default=1)
    hist.add_argument("--format", choices=("text", "jsonl"), default="text")
    hist.set_defaults(func=cmd_history)

    search = sub.add_parser("search", help='full-text search of alerts: words, "a phrase", prefix*, OR')
    search.add_argument("text", nargs="+", metavar="TEXT")
    search.add_argument("--ticker")
    search.add_argument("--to", metavar="TARGET", help="only alerts delivered to this target")
    search.add_argument("--limit", type=positive, default=20)
    search.add_argument("--format", choices=("text", "jsonl"), default="text")
    search.set_defaults(func=cmd_search)

    summ = sub.add_parser(
        "summary", help="a ticker's alerts over a window, or (no ticker, --to) the target's portfolio"
    )
    summ.add_argument("ticker", nargs="?", help="without it, every ticker the --to target watches")
    summ.add_argument("--days", type=positive, default=7)
    summ.add_argument("--to", metavar="TARGET", help="as that target sees it")
    summ.add_argument("--chart", metavar="FILE.png", help="also draw the chart and write it there")
    summ.add_argument("--no-chart", action="store_true", help="no chart (the default; kept for scripts)")
    summ.set_defaults(func=cmd_summary)

    review = sub.add_parser("review", help="mark an alert reviewed, false positive, or reopen it")
    review.add_argument("alert_id", metavar="ALERT_ID")
    review.add_argument(
        "action", choices=("reviewed", "false-positive", "false_positive", "fp", "reopen", "reopened")
    )
    review.add_argument("--reason", help="why (for a false positive)")
    review.add_argument("--by", metavar="NAME", help="who is reviewing (kept with the action)")
    review.add_argument(
        "--to", metavar="TARGET", help="review it for this target only (default: for everyone)"
    )
    review.set_defaults(func=cmd_review)

    exp = sub.add_parser("export", help="every stored alert with what an auditor needs")
    _filters(exp, positive)
    exp.add_argument("--format", choices=("csv", "jsonl"), required=True)
    exp.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    exp.set_defaults(func=cmd_export)

    browse = sub.add_parser("browse", help="open the history in Datasette (pip install 'riskwire[browse]')")
    browse.add_argument("--port", type=positive, default=8001)
    browse.add_argument("--metadata", metavar="FILE", help="where to write the Datasette metadata")
    browse.add_argument(
        "--metadata-only", action="store_true", help="write the metadata, print its path, exit"
    )
    browse.set_defaults(func=cmd_browse)

    back = sub.add_parser("backtest", help="replay stored articles through the (changed) rules and compare")
    back.add_argument(
        "--rules", metavar="DIR", help="a folder of topic rule files (default: the built-in rules)"
    )
    back.add_argument("--days", type=positive, help="only articles published in the last N days")
    back.add_argument("--watch", metavar="T1,T2", help="these tickers instead of every watched one")
    back.add_argument("--format", choices=("text", "jsonl"), default="text")
    back.set_defaults(func=cmd_backtest)

    rules = sub.add_parser("rules", help="rule statistics")
    rsub = rules.add_subparsers(dest="rules_cmd", metavar="stats", required=True)
    stats = rsub.add_parser("stats", help="per rule: how often it fired and was marked false positive")
    stats.add_argument("--days", type=positive)
    stats.add_argument("--format", choices=("text", "jsonl"), default="text")
    rules.set_defaults(func=cmd_rules)

    digest = sub.add_parser(
        "digest",
        help="daily or weekly digests: daily 08:00 Europe/London --to T, off --to T, list, run, preview",
    )
    digest.add_argument(
        "spec",
        nargs="*",
        metavar="WORDS",
        help="daily HH:MM TZ, weekly DAY HH:MM TZ, off, list, run, preview",
    )
    digest.add_argument("--to", metavar="TARGET")
    digest.add_argument(
        "--portfolio", action="store_true", help="the digest also holds the portfolio of every watched ticker"
    )
    digest.set_defaults(func=cmd_digest)
