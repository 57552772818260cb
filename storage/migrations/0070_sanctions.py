"""Sanctions and export-control lists, and the listed parties found on each alert.

- `sanction_lists`: one row per loaded list (an official one fetched by `riskwire sanctions update`,
  or a team's own imported one): where it came from, the publisher's date, when it was loaded, how
  many entries it has.
- `sanction_entries`: the listed people and organisations, every name they go by (`aliases`, JSON).
  A list is replaced whole when it is loaded again.
- `alerts.parties`: the listed parties an alert's story names (JSON; empty when none).
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("sanction_lists").create(
        {
            "name": str,
            "source": str,  # official or import
            "origin": str,  # the URL or file it was loaded from
            "published": str,
            "loaded": str,
            "entries": int,
            "sha256": str,  # of the file loaded: an update that brings the same file changes nothing
        },
        pk="name",
    )
    db.table("sanction_entries").create(
        {
            "id": int,
            "list": str,
            "name": str,
            "aliases": str,
            "programme": str,
            "listed": str,
            "link": str,
            "kind": str,
        },
        pk="id",
        foreign_keys=[("list", "sanction_lists", "name")],
    )
    db.table("sanction_entries").create_index(["list"])
    db.table("alerts").add_column("parties", str)
