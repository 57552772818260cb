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
statements run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlite_utils

TABLES = (
    "create table workers (id text primary key, host text not null, pid integer not null, "
    "started text not null, heartbeat text not null)",
    "create table hosts (host text primary key, busy_owner text, busy_until text, next_allowed text)",
    "create table channels (target text primary key, owner text, token integer not null default 0, "
    "lease_until text, cool_until text)",
    "create table leases (name text primary key, owner text, token integer not null default 0, "
    "lease_until text)",
    "create table job_runs (job text not null, period text not null, worker text not null, "
    "started text not null, primary key (job, period))",
    "alter table feeds add column lease_owner text",
    "alter table feeds add column lease_until text",
    "create index feeds_lease_owner on feeds (lease_owner)",
)


def up(db: sqlite_utils.Database) -> None:
    for statement in TABLES:
        db.execute(statement)
