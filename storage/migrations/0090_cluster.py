"""Several `riskwire run` workers on one database: who is alive, and who holds what.

- `workers`: one row per running worker (host:pid:random), with its last heartbeat; a worker whose
  heartbeat is older than the lease time is dead, and what it held is taken over.
- `feeds` gain `lease_owner` and `lease_until`: the worker polling a due feed holds it until the fetch
  is recorded (or the lease runs out), so no feed is polled by two workers at once.
- `hosts`: per-host politeness shared by the workers (one request in flight per host, `busy_owner`
  until `busy_until`; the next request not before `next_allowed`).
- `channels`: one worker at a time sends a target's queue (`owner`, `token`, `lease_until`); `token`
  grows with each new owner, and a send is claimed only under the current token (fencing).
  `cool_until` is a rate limit's Retry-After, honoured by every worker.
- `leases`: named leases elected among the workers (the chat gateway connection), same shape.
- `job_runs`: one row per (job, period): only the worker that inserted it runs that period's job.

Every column is text or integer, timestamps ISO 8601 UTC text with milliseconds, so the same
statements run on SQLite and PostgreSQL (where text compares byte-wise, as in SQLite).
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("workers").create(
        {"id": str, "host": str, "pid": int, "started": str, "heartbeat": str},
        pk="id",
        not_null={"host", "pid", "started", "heartbeat"},
    )
    db.table("hosts").create(
        {"host": str, "busy_owner": str, "busy_until": str, "next_allowed": str}, pk="host"
    )
    db.table("channels").create(
        {"target": str, "owner": str, "token": int, "lease_until": str, "cool_until": str},
        pk="target",
        not_null={"token"},
        defaults={"token": 0},
    )
    db.table("leases").create(
        {"name": str, "owner": str, "token": int, "lease_until": str},
        pk="name",
        not_null={"token"},
        defaults={"token": 0},
    )
    db.table("job_runs").create(
        {"job": str, "period": str, "worker": str, "started": str},
        pk=("job", "period"),
        not_null={"worker", "started"},
    )
    feeds = db.table("feeds")
    feeds.add_column("lease_owner", str)
    feeds.add_column("lease_until", str)
    feeds.create_index(["lease_owner"])
