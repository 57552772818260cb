"""`riskwire directory update | status`: the listed companies the directory adds to its built-in ones.
bot.cli.main registers these with `add_parser`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.core import redact
from bot.core.settings import Settings
from bot.usecases import directory
from storage.db import open_db

EXIT_OK, EXIT_FAILED = 0, 1


def cmd_directory(args: argparse.Namespace, settings: Settings) -> int:
    db = open_db(settings.db_path)
    try:
        if args.directory_cmd == "update":
            try:
                result = asyncio.run(directory.update(db, settings))
            except directory.DirectoryError as exc:
                print(redact.scrub(f"riskwire: error: {exc}; the directory stays as it was"), file=sys.stderr)
                return EXIT_FAILED
            if result.unchanged:
                print("The company file is unchanged since the last update")
            else:
                print(f"Stored {result.companies} listed companies from {settings.directory_url}")
        else:
            print("\n".join(directory.status_lines(db)))
    finally:
        db.close()
    return EXIT_OK


def add_parser(sub: Any) -> None:
    """Register `directory` on the `riskwire` parser's subparsers."""
    parser = sub.add_parser("directory", help="the company directory: add every US-listed company")
    dsub = parser.add_subparsers(dest="directory_cmd", metavar="update|status", required=True)
    dsub.add_parser("update", help="download the SEC's company ticker file (RISKWIRE_DIRECTORY_URL)")
    dsub.add_parser("status", help="how many listed companies are stored, and from when")
    parser.set_defaults(func=cmd_directory)
