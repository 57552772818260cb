"""`riskwire sanctions import | status | update`: the lists parties are checked against.
bot.cli.main registers these with `add_parser`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.core.settings import Settings
from bot.usecases import sanctions
from rules.sanctions.sources import OFFICIAL
from storage.db import open_db

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _err(line: str) -> None:
    print(f"riskwire: {line}", file=sys.stderr)


def _update(db: Any, args: argparse.Namespace, settings: Settings) -> int:
    unknown = sanctions.unknown_lists(args.lists)
    if unknown:
        raise sanctions.SanctionsError(
            f"no official list {', '.join(unknown)}; the lists are {', '.join(OFFICIAL)}"
        )
    result = asyncio.run(sanctions.update_lists(db, settings, args.lists))
    for name, count in result.loaded.items():
        print(f"Loaded {name}: {count} entries ({OFFICIAL[name].label})")
    for name in result.unchanged:
        print(f"{name}: unchanged since the last update")
    for name, why in result.failures.items():
        _err(f"{name} ({settings.sanctions_url(name)}): {why}; the list stays as it was")
    if result.changed:
        _recheck(db)
    return EXIT_FAILED if result.failures else EXIT_OK


def _recheck(db: Any) -> None:
    print("\n".join(sanctions.recheck_lines(sanctions.recheck_alerts(db))))


def cmd_sanctions(args: argparse.Namespace, settings: Settings) -> int:
    db = open_db(settings.db_path)
    try:
        if args.sanctions_cmd == "import":
            count = sanctions.import_list(db, args.name, args.file)
            print(f"Imported {count} entries as the list {args.name}")
            _recheck(db)
        elif args.sanctions_cmd == "update":
            return _update(db, args, settings)
        else:
            print("\n".join(sanctions.status_lines(db)))
    except sanctions.SanctionsError as exc:
        for line in str(exc).splitlines():
            _err(f"error: {line}")
        return EXIT_USAGE
    return EXIT_OK


def add_parser(sub: Any) -> None:
    """Register `sanctions` on the `riskwire` parser's subparsers."""
    parser = sub.add_parser(
        "sanctions", help="the sanctions and export-control lists parties are checked against"
    )
    ssub = parser.add_subparsers(dest="sanctions_cmd", metavar="import|status|update", required=True)
    imp = ssub.add_parser(
        "import", help="load your own list from a CSV file (name, aliases, programme, listed)"
    )
    imp.add_argument("name", metavar="NAME")
    imp.add_argument("file", metavar="FILE.csv")
    ssub.add_parser("status", help="what is loaded, from when, how many entries")
    upd = ssub.add_parser("update", help="download the official lists and recheck recent alerts")
    upd.add_argument(
        "lists", nargs="*", metavar="LIST", help=f"only these ({', '.join(OFFICIAL)}; default all)"
    )
    parser.set_defaults(func=cmd_sanctions)
