"""Digest runs record their attempt before the message is sent.

A run is written `sending` with the attempt's id and start time before the network call, then
finished as sent, retrying or failed; a run left `sending` by a crash is looked up on the platform
before the digest is sent again (see bot/usecases/digest.py).
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    runs = db.table("digest_runs")
    runs.add_column("attempt_id", str)
    runs.add_column("sending_since", str)
    runs.create_index(["state"])
