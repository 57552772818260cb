"""`/riskwire feeds add|remove|list` in the service layer, on a real SQLite file: workspaces share a
polled feed without learning of each other, and the feed stays polled while anyone owns it."""

from __future__ import annotations

import json

from bot.delivery.targets import parse_target
from bot.usecases import feeds as feed_service
from bot.usecases import service
from storage import feeds as feed_store

STAMP = "2026-03-01T09:00:00+00:00"
URL = "https://feeds.example.com/shared.xml"
A = service.Scope(parse_target("slack:TA/C1"), user="UA")
A_ELSEWHERE = service.Scope(parse_target("slack:TA/C2"), user="UA2")
B = service.Scope(parse_target("discord:GB/C9"), user="UB")


def add(db, scope: service.Scope, *urls: str) -> feed_service.FeedChange:  # type: ignore[no-untyped-def]
    return feed_service.add_feeds(db, scope, list(urls), STAMP, allow_private=False)


def listed(db, scope: service.Scope) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    own, others = feed_service.list_feeds(db, scope)
    return [r["url"] for r in own], others


def test_two_workspaces_add_the_same_url_and_neither_learns_of_the_other(db) -> None:  # type: ignore[no-untyped-def]
    assert add(db, A, URL).changed == [URL]
    change = add(db, B, URL)
    assert change.changed == [URL] and change.unchanged == []  # "Added", as for a new URL
    assert listed(db, A) == ([URL], 0) and listed(db, B) == ([URL], 0)
    own, _ = feed_service.list_feeds(db, B)
    seen = json.dumps(own)
    assert "TA" not in seen and "UA" not in seen  # nothing of the workspace that added it first
    assert db.table("feeds").count == 1  # one polled feed


def test_adding_again_from_the_same_workspace_is_unchanged(db) -> None:  # type: ignore[no-untyped-def]
    add(db, A, URL)
    again = add(db, A_ELSEWHERE, URL, URL)  # another channel of the same workspace
    assert again.changed == [] and again.unchanged == [URL, URL]
    assert feed_store.notice_targets(db, URL) == ["slack:TA/C1"]  # still told where it was added


def test_a_removal_keeps_the_feed_polled_for_the_other_owner(db) -> None:  # type: ignore[no-untyped-def]
    add(db, A, URL)
    add(db, B, URL)
    feed_store.record_success(
        db, URL, STAMP, status=200, etag="v1", last_modified=None, title=None, new_items=4
    )
    assert feed_service.remove_feeds(db, A, [f" {URL} "]).changed == [URL]
    assert listed(db, A) == ([], 0) and listed(db, B) == ([URL], 0)  # B's feed is not counted for A
    row = feed_store.get(db, URL)
    assert row is not None and row["etag"] == "v1" and row["items_seen"] == 4
    assert feed_service.remove_feeds(db, A, [URL]).unchanged == [URL]  # not A's any more
    assert feed_service.remove_feeds(db, B, [URL]).changed == [URL]  # the last owner
    assert feed_store.get(db, URL) is None and db.table("feed_owners").count == 0
    assert listed(db, B) == ([], 0)


def test_a_workspace_cannot_remove_what_it_does_not_own(db) -> None:  # type: ignore[no-untyped-def]
    add(db, A, URL)
    assert feed_service.remove_feeds(db, B, [URL]).unchanged == [URL]
    assert listed(db, A) == ([URL], 0) and listed(db, B) == ([], 0)


def test_the_operators_feeds_survive_a_workspaces_removal(db) -> None:  # type: ignore[no-untyped-def]
    operator = "https://feeds.example.com/operator.xml"
    feed_store.add(db, operator, STAMP, added_by="cli")
    assert listed(db, A) == ([], 1)
    assert add(db, A, operator).changed == [operator]  # not told the operator polls it already
    assert listed(db, A) == ([operator], 0)
    assert feed_service.remove_feeds(db, A, [operator]).changed == [operator]
    assert feed_store.get(db, operator) is not None and listed(db, A) == ([], 1)


def test_joining_a_polled_feed_shows_nothing_of_its_history(db) -> None:  # type: ignore[no-untyped-def]
    feed_service.add_feeds(db, A, [URL], "2026-01-01T00:00:00+00:00", allow_private=False)
    earlier = "2026-02-01T08:00:00+00:00"
    for _ in range(3):
        feed_store.record_failure(db, URL, earlier, status=500, error="HTTP 500 from upstream")
    feed_store.pause(db, URL, earlier, "3 failures in a row")
    feed_store.schedule(db, URL, "2026-03-02T00:00:00+00:00")  # a paused feed's next probe
    before = listed(db, B)
    assert add(db, B, URL).changed == [URL]
    assert listed(db, B)[1] == before[1]  # the count did not move either
    (mine,) = feed_service.list_feeds(db, B)[0]
    assert mine["last_fetch"] is None and not mine["paused"] and mine["consecutive_failures"] == 0
    assert "500" not in json.dumps(mine)
    (theirs,) = feed_service.list_feeds(db, A)[0]
    assert theirs["paused"] and theirs["consecutive_failures"] == 3  # A still sees its feed's health
    assert feed_store.get(db, URL)["next_poll"] == STAMP  # fetched now, for B's own first result
    later = "2026-03-01T09:05:00+00:00"
    feed_store.record_failure(db, URL, later, status=500, error="HTTP 500 from upstream")
    (mine,) = feed_service.list_feeds(db, B)[0]
    assert mine["last_fetch"] == later and mine["consecutive_failures"] == 4  # from then on, all of it
