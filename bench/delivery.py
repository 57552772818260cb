"""Benchmark: how long each Slack channel waits for its first post while another channel's burst drains.

    python bench/delivery.py [--channels 20] [--queued 50] [--pace 1.0]

Everything is local: the real slack_sdk AsyncWebClient and SlackNotifier post through the service's
DeliveryWorker to the fake Slack Web API (tests/fakes/slack_api.py) on 127.0.0.1, which enforces Slack's
per-channel limit (one post per `--pace` seconds; an earlier post is answered 429).

Baseline, measured in the same run: the idle case, one alert queued for each of `--channels` channels.
Burst: one channel has `--queued` alerts queued and every other channel one; a second alert for every
other channel is stored while the busy channel's queue drains (after its third post). Printed: the
latency from the kick (what a poll that stored alerts does) to each channel's post, p50/p90/max, and
the ratios to the idle case. The goal is a first post within 250 ms in every channel.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from bot.delivery.outbox import Outbox  # noqa: E402
from bot.delivery.slack import SlackNotifier  # noqa: E402
from bot.delivery.targets import parse_target  # noqa: E402
from bot.delivery.worker import DeliveryWorker  # noqa: E402
from bot.usecases import service  # noqa: E402
from storage.db import open_db  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi  # noqa: E402
from tests.slackkit import queue_alert  # noqa: E402

BUSY = "C000"


def spread(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p90 and max, in milliseconds."""
    ms = sorted(x * 1000 for x in latencies)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return statistics.median(ms), p90, ms[-1]


def line(name: str, latencies: list[float], base: tuple[float, float, float] | None = None) -> str:
    p50, p90, top = spread(latencies)
    text = f"{name:<34} p50 {p50:7.1f} ms  p90 {p90:7.1f} ms  max {top:7.1f} ms"
    if base is not None:
        text += f"  ratio to idle: p50 {p50 / base[0]:.2f}x, max {top / base[2]:.2f}x"
    return text


async def scenario(channels: int, queued: int, pace: float) -> tuple[list[float], list[float]]:
    """First-post latencies of the quiet channels (and, with a burst, of the alert stored mid-burst)."""
    api = await FakeSlackApi().start()
    api.post_interval = pace
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        quiet = [f"C{n:03d}" for n in range(1, channels)]
        service.watch(db, service.Scope(parse_target(f"slack:T1/{BUSY}")), ["AMZN" if queued else "MSFT"])
        for channel in quiet:
            service.watch(db, service.Scope(parse_target(f"slack:T1/{channel}")), ["MSFT"])
        for n in range(queued):
            queue_alert(db, n, "AMZN")
        queue_alert(db, 10_000, "MSFT")
        client = AsyncWebClient(token=api.bot_token, base_url=api.api_url, retry_handlers=[])
        worker = DeliveryWorker(Outbox(db, {"slack": SlackNotifier(client, min_interval=pace)}))
        worker.start()
        first: list[float] = []
        mid: list[float] = []
        try:
            kicked = time.monotonic()
            worker.kick()
            await api.wait_for(lambda: all(api.posted(c) for c in quiet), timeout=600)
            first = [api.posted(c)[0].at - kicked for c in quiet]
            if queued:
                await api.wait_for(lambda: len(api.posted(BUSY)) >= 3, timeout=600)
                queue_alert(db, 10_001, "MSFT")
                kicked = time.monotonic()
                worker.kick()
                await api.wait_for(lambda: all(len(api.posted(c)) >= 2 for c in quiet), timeout=600)
                mid = [api.posted(c)[1].at - kicked for c in quiet]
        finally:
            await worker.stop(0.5)
            await api.stop()
            db.close()
        return first, mid


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--queued", type=int, default=50, help="alerts queued for the busy channel")
    parser.add_argument("--pace", type=float, default=1.0, help="seconds between posts to one channel")
    args = parser.parse_args()
    idle, _ = await scenario(args.channels, 0, args.pace)
    first, mid = await scenario(args.channels, args.queued, args.pace)
    base = spread(idle)
    print(f"{args.channels} channels, busy channel {args.queued} alerts queued, one post per {args.pace:g}s")
    print(line("idle (baseline), first post", idle))
    print(line("burst, other channels' first post", first, base))
    print(line("burst, alert stored mid-burst", mid, base))
    worst = max(spread(first)[2], spread(mid)[2])
    verdict = "met" if worst <= 250 else "missed"
    print(f"goal: first post <= 250 ms in every channel: {verdict} ({worst:.0f} ms)")


if __name__ == "__main__":
    asyncio.run(main())
