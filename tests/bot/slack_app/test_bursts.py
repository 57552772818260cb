"""A burst for one Slack channel never delays another channel's posts: the real SlackNotifier and the
service's DeliveryWorker against the fake Web API with Slack's per-channel post limit."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.outbox import Outbox
from bot.delivery.slack import SlackNotifier
from bot.delivery.targets import parse_target
from bot.delivery.worker import DeliveryWorker
from bot.usecases import service
from tests.slackkit import queue_alert

PACE = 0.1  # Slack allows about one post a second per channel; scaled down to keep the test short
BUSY = "C00"
OTHERS = [f"C{n:02d}" for n in range(1, 20)]
QUEUED = 50


async def test_a_busy_channel_never_delays_another_channels_posts(db, slack_api) -> None:
    slack_api.post_interval = PACE
    service.watch(db, service.Scope(parse_target(f"slack:T1/{BUSY}")), ["AMZN"])
    for channel in OTHERS:
        service.watch(db, service.Scope(parse_target(f"slack:T1/{channel}")), ["MSFT"])
    for n in range(QUEUED):
        queue_alert(db, n, "AMZN")  # 50 alerts for the busy channel, queued first
    queue_alert(db, 100, "MSFT")  # one for each of the 19 others
    client = AsyncWebClient(token=slack_api.bot_token, base_url=slack_api.api_url, retry_handlers=[])
    worker = DeliveryWorker(Outbox(db, {"slack": SlackNotifier(client, min_interval=PACE)}))
    worker.start()
    try:
        worker.kick()
        await slack_api.wait_for(lambda: len(slack_api.posted(BUSY)) >= 5, timeout=30)
        queue_alert(db, 101, "MSFT")  # a poll stores a second alert while the busy queue drains
        worker.kick()
        total = QUEUED + 2 * len(OTHERS)
        await slack_api.wait_for(lambda: len(slack_api.posted()) == total, timeout=60)
    finally:
        await worker.stop(5)

    order = [c.params["channel"] for c in slack_api.posted()]
    busy_done = len(order) - 1 - order[::-1].index(BUSY)
    for channel in OTHERS:
        first, second = [i for i, c in enumerate(order) if c == channel]
        # both the first alert and the one stored mid-burst went out before the busy queue was done
        assert second < busy_done, (channel, first, second, busy_done)
    # the posts queued at the start reached every other channel within the busy channel's first ten
    tenth = [i for i, c in enumerate(order) if c == BUSY][9]
    assert max(order.index(c) for c in OTHERS) < tenth
    assert [c.status for c in slack_api.calls_to("chat.postMessage")] == [200] * total  # paced: no 429
    assert order.count(BUSY) == QUEUED and {order.count(c) for c in OTHERS} == {2}
    assert {r["state"] for r in db["deliveries"].rows} == {"sent"}
