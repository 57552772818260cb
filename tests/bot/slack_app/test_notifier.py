"""SlackNotifier through the outbox, against the fake Web API: rate limits, broken channels, pacing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.cli.main import main as cli_main
from bot.core.settings import Settings
from bot.delivery.outbox import deliver_due
from bot.delivery.slack import SlackNotifier
from bot.delivery.targets import parse_target
from bot.pipeline.alerts import Alert
from bot.slack_app.commands import CommandContext, run_command
from bot.usecases import service
from storage import alerts as alert_store
from tests.slackkit import queue_alert

T1C1 = service.Scope(parse_target("slack:T1/C1"), user="U1")
START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    """A fake clock for the notifier (monotonic seconds) and the outbox (wall time) together."""

    t: float = 0.0
    slept: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds

    def now(self) -> datetime:
        return START + timedelta(seconds=self.t)


def notifier_for(slack_api, clock: Clock) -> SlackNotifier:  # type: ignore[no-untyped-def]
    client = AsyncWebClient(token=slack_api.bot_token, base_url=slack_api.api_url)
    return SlackNotifier(client, clock=clock.monotonic, sleep=clock.sleep)


async def test_429_then_success_posts_exactly_once(db, slack_api) -> None:
    service.watch(db, T1C1, ["AMZN"])
    queue_alert(db)
    clock = Clock()
    notifiers = {"slack": notifier_for(slack_api, clock)}
    slack_api.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=7)

    first = await deliver_due(db, notifiers, now=clock.now)
    assert (first.sent, first.retrying) == (0, 1)
    (row,) = db["deliveries"].rows
    assert row["state"] == "retrying" and row["last_error"] == "ratelimited"
    assert row["next_attempt"] == (START + timedelta(seconds=7)).isoformat(timespec="seconds")

    clock.t = 3  # too early: the outbox holds it back and Slack is not asked
    assert (await deliver_due(db, notifiers, now=clock.now)).sent == 0
    assert len(slack_api.calls_to("chat.postMessage")) == 1

    clock.t = 8
    second = await deliver_due(db, notifiers, now=clock.now)
    assert second.sent == 1
    assert [c.status for c in slack_api.calls_to("chat.postMessage")] == [429, 200]
    assert len(slack_api.posted("C1")) == 1
    (row,) = db["deliveries"].rows
    assert row["state"] == "sent" and row["message_ref"] == f"C1:{slack_api.posted()[0].response['ts']}"
    assert await deliver_due(db, notifiers, now=clock.now) == type(second)()  # nothing left


async def test_after_a_429_the_channel_waits_without_asking_again(db, slack_api) -> None:
    service.watch(db, T1C1, ["AMZN"])
    clock = Clock()
    notifier = notifier_for(slack_api, clock)
    alert = Alert.from_row(alert_store.get_alert(db, queue_alert(db)) or {})
    slack_api.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=30)
    assert (await notifier.send(alert, T1C1.target)).retry_after == 30
    clock.t = 10
    early = await notifier.send(alert, T1C1.target)
    assert not early.ok and early.retry_after == pytest.approx(20)
    assert len(slack_api.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize(
    "error", ["channel_not_found", "not_in_channel", "invalid_auth", "account_inactive", "is_archived"]
)
async def test_a_channel_that_cannot_be_posted_to_is_marked_broken(
    db, slack_api, error, capsys, monkeypatch
) -> None:
    service.watch(db, T1C1, ["AMZN"])
    service.watch(db, service.Scope(parse_target("slack:T1/C2")), ["AMZN"])
    queue_alert(db)
    clock = Clock()
    slack_api.fail_next("chat.postMessage", error, channel="C1")

    report = await deliver_due(db, {"slack": notifier_for(slack_api, clock)}, now=clock.now)
    assert (report.sent, report.failed, report.retrying) == (1, 1, 0)  # C2 still gets it
    states = {r["target"]: r["state"] for r in db["deliveries"].rows}
    assert states == {"slack:T1/C1": "failed", "slack:T1/C2": "sent"}
    subs = {r["target"]: (r["status"], r["broken_reason"]) for r in db["subscriptions"].rows}
    assert subs["slack:T1/C1"][0] == "broken" and subs["slack:T1/C1"][1].startswith(error)
    assert subs["slack:T1/C2"] == ("active", None)

    # not retried: nothing is due, and a new alert is not queued for the broken channel
    clock.t = 3600
    assert (await deliver_due(db, {"slack": notifier_for(slack_api, clock)}, now=clock.now)).sent == 0
    queue_alert(db, 2)
    pending = {r["target"] for r in db["deliveries"].rows_where("state = 'pending'")}
    assert pending == {"slack:T1/C2"}
    assert len(slack_api.calls_to("chat.postMessage")) == 2

    # visible in /riskwire list and in `riskwire watch list`
    async def no() -> bool:
        return False

    listed = await run_command("list", CommandContext(db, T1C1, Settings(), no))
    assert "BROKEN" in listed.text and error in listed.text
    monkeypatch.setenv("RISKWIRE_DB", db.conn.execute("pragma database_list").fetchone()[2])
    assert cli_main(["watch", "list"]) == 0
    out = capsys.readouterr().out
    assert f"BROKEN: {error}" in out


@pytest.mark.parametrize(
    ("error", "status", "retried"),
    [("internal_error", 200, True), ("fatal_error", 500, True), ("msg_too_long", 200, False)],
)
async def test_other_errors_retry_or_fail_without_breaking(db, slack_api, error, status, retried) -> None:
    service.watch(db, T1C1, ["AMZN"])
    queue_alert(db)
    clock = Clock()
    slack_api.fail_next("chat.postMessage", error, status=status)
    report = await deliver_due(db, {"slack": notifier_for(slack_api, clock)}, now=clock.now)
    assert (report.retrying, report.failed) == ((1, 0) if retried else (0, 1))
    (sub,) = db["subscriptions"].rows
    assert sub["status"] == "active"


async def test_network_trouble_is_retried(db, slack_api) -> None:
    service.watch(db, T1C1, ["AMZN"])
    queue_alert(db)
    clock = Clock()
    # no client-side retry (it would sleep for real): the outbox is what retries
    notifier = SlackNotifier(
        AsyncWebClient(token=slack_api.bot_token, base_url=slack_api.api_url, retry_handlers=[]),
        clock=clock.monotonic,
        sleep=clock.sleep,
    )
    await slack_api.stop()  # nothing listens at the API address any more
    report = await deliver_due(db, {"slack": notifier}, now=clock.now)
    assert report.retrying == 1
    (row,) = db["deliveries"].rows
    assert row["last_error"].startswith("network error")


async def test_posts_to_one_channel_are_paced(db, slack_api) -> None:
    service.watch(db, T1C1, ["AMZN"])
    service.watch(db, service.Scope(parse_target("slack:T1/C2")), ["AMZN"])
    for n in (1, 2, 3):
        queue_alert(db, n)
    clock = Clock()
    report = await deliver_due(db, {"slack": notifier_for(slack_api, clock)}, now=clock.now)
    assert report.sent == 6
    # C1, C2, C1, C2, C1, C2: each channel's next post waits until a second after its last one,
    # and a wait for one channel also counts for the other
    assert [c.params["channel"] for c in slack_api.posted()] == ["C1", "C2"] * 3
    assert clock.slept == [1.0, 1.0] and clock.t == 2.0
