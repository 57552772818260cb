"""Feed owners: a feed can belong to several workspaces and to the operator at once.

- `feed_owners` has one row per (feed, owner). The owner is a workspace, as the prefix every target
  key in it starts with ('slack:T1/', 'discord:G1/'), or 'operator' for feeds added from the command
  line, riskwire.toml, the starter list or OPML. `target` is where the owner is told that the feed
  was paused or recovered: the channel a workspace added it from, 'console' for the operator.
- `feeds` stays the one polled list (one row per URL, with its fetch state). Its `owner_target` now
  only records the target that first added the feed (NULL: the operator); it is no longer read.
- Existing feeds get their single owner: the workspace of `owner_target`, else the operator.
"""

from __future__ import annotations

import re

import sqlite_utils

OPERATOR = "operator"
_WORKSPACE = re.compile(r"(slack|discord):[A-Za-z0-9_\-]+/")


def _create(db: sqlite_utils.Database, text: str) -> None:
    db.execute(
        "create table feed_owners ("
        f"url {text} not null references feeds(url) on delete cascade, "
        f"owner {text} not null, "
        f"target {text} not null, "
        f"added_by {text}, "
        f"added {text} not null, "
        "primary key (url, owner))"
    )


def up(db: sqlite_utils.Database) -> None:
    _create(db, "text")
    _fill(db)


def up_postgres(db: sqlite_utils.Database) -> None:
    _create(db, 'text collate "C"')  # compared byte-wise, as SQLite does
    _fill(db)


def _fill(db: sqlite_utils.Database) -> None:
    db.execute("create index feed_owners_owner on feed_owners (owner)")
    rows = db.execute("select url, owner_target, added_by, added from feeds").fetchall()
    for url, owner_target, added_by, added in rows:
        workspace = _WORKSPACE.match(owner_target or "")
        if workspace:
            owner, target = workspace.group(0), owner_target
        else:  # the operator's (or a target no workspace can own: its notices still go there)
            owner, target = OPERATOR, owner_target or "console"
        db.execute(
            "insert into feed_owners (url, owner, target, added_by, added) values (?, ?, ?, ?, ?)",
            [url, owner, target, added_by, added],
        )
