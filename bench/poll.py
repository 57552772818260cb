"""Benchmark: poll 1,000 feeds twice through the service's poller and delivery loop.

    python bench/poll.py [--feeds 1000] [--items 50]

Everything is local: a child process serves the feeds and a fake chat API on 127.0.0.1 (port 0);
nothing reaches the internet. Each feed has its own host name, feed<N>.bench.localhost, which a
resolver inside this script maps to 127.0.0.1 (and refuses any other name), so the service's
one-request-per-host politeness applies per feed as it would to real feeds on different sites.

Round 1: every feed answers 200 with `--items` items (one feed in five carries a risk story about one
of 16 watched companies; each company has its own chat channel). Round 2: 90% of feeds answer 304,
10% have one new risk item. Printed: feeds/second and items/second per round, peak memory (max RSS
of this process, which runs Riskwire, and the peak RSS of each of its parse-and-match worker processes;
the servers are another process), and the median time from a feed's fetch completing to its alert
reaching the fake chat API. The poller is wired as `riskwire run` wires it: its database thread and
its pool of worker processes (one per core).

Round 3: nothing changed, every feed answers 304; run three times, the median is shown.

Baselines, measured in the same run on the same feeds: the naive way (a cron-style script) -- fetch
and process the feeds one after another on a fresh database, then deliver everything; plain aiohttp
+ feedparser (the same concurrency, conditional GETs, parsing only: nothing stored, matched or
posted); and the `reader` library (`pip install -e '.[bench]'`; its own SQLite file, `update_feeds`
with as many workers), each through round 1 and the all-304 round 3. The last lines give the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import random
import resource
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from aiohttp.abc import AbstractResolver, ResolveResult  # noqa: E402

TICKERS = {
    "AMZN": "Amazon",
    "AAPL": "Apple",
    "MSFT": "Microsoft",
    "GOOGL": "Alphabet",
    "META": "Meta Platforms",
    "TSLA": "Tesla",
    "NVDA": "Nvidia",
    "JPM": "JPMorgan Chase",
    "BA": "Boeing",
    "XOM": "Exxon Mobil",
    "WMT": "Walmart",
    "NFLX": "Netflix",
    "INTC": "Intel",
    "ORCL": "Oracle",
    "PFE": "Pfizer",
    "KO": "Coca-Cola",
}
HOST_SUFFIX = ".bench.localhost"
ALL_304_ROUNDS = 3  # the all-304 round is short (a fraction of a second): the median of three

# --- the servers (child process) -------------------------------------------------------------------

_RNG = random.Random(42)
_VOCAB = sorted(
    {"".join(_RNG.choice("bcdfghjklmnprstvz") + _RNG.choice("aeiou") for _ in range(3)) for _ in range(4000)}
)
_EPOCH = time.time()  # item dates are fixed per run, so unchanged feeds keep their ETag


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_VOCAB) for _ in range(n))


def _item(feed: int, n: int, risky: bool, hours_ago: float) -> str:
    rng = random.Random(feed * 1000 + n)
    pub = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(_EPOCH - hours_ago * 3600))
    if risky:
        ticker = list(TICKERS)[(feed + n) % len(TICKERS)]
        name = TICKERS[ticker]
        title = f"{name} accused of breaching sanctions, whistleblower says {_words(rng, 4)}"
        lead = (
            f"A former {name} (NASDAQ: {ticker}) manager alleges the company broke US sanctions. "
            f"{_words(rng, 25)}."
        )
    else:
        title = f"Markets daily {_words(rng, 6)}"
        lead = f"Shares moved as traders weighed {_words(rng, 30)}."
    return (
        f"<item><title>{title}</title><link>https://news{feed}.example.com/{n}</link>"
        f"<guid>feed{feed}-item{n}</guid><pubDate>{pub}</pubDate><description>{lead}</description></item>"
    )


def _feed_body(feed: int, items: int, round_no: int) -> bytes:
    parts = [_item(feed, n, risky=(feed % 5 == 0 and n == 0), hours_ago=2 + n) for n in range(items)]
    if round_no >= 2 and feed % 10 == 3:
        parts.insert(0, _item(feed, 100, risky=True, hours_ago=0.1))
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed '
        f"{feed}</title><link>https://news{feed}.example.com/</link><description>d</description>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


def serve(items: int, port_queue: Any) -> None:
    """The child process: feeds at /feed/<n>.xml (ETag, 304) and a fake chat API at /chat."""
    state = {"round": 1}
    posts: list[tuple[str, str, float]] = []
    cache: dict[tuple[int, int], tuple[bytes, str]] = {}

    async def feed(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        key = (n, state["round"] if n % 10 == 3 else 1)
        if key not in cache:  # the server should not be what the benchmark measures
            body = _feed_body(n, items, key[1])
            cache[key] = (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
        body, etag = cache[key]
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag, "Content-Type": "application/rss+xml"})

    async def chat(request: web.Request) -> web.Response:
        data = await request.json()
        at = time.time()
        posts.append((data["alert_id"], data["target"], at))
        return web.json_response({"ok": True, "ts": f"{at:.6f}"})

    async def control(request: web.Request) -> web.Response:
        state["round"] = int(request.match_info["n"])
        return web.json_response({"round": state["round"]})

    async def listing(request: web.Request) -> web.Response:
        return web.json_response(posts)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{n}.xml", feed)
        app.router.add_post("/chat", chat)
        app.router.add_post("/round/{n}", control)
        app.router.add_get("/posts", listing)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


# --- the client side (this process) ----------------------------------------------------------------


class LocalResolver(AbstractResolver):
    """feed<N>.bench.localhost -> 127.0.0.1; every other name is refused (the bench stays offline)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if not (host.endswith(HOST_SUFFIX) or host == "127.0.0.1"):
            raise OSError(f"bench resolver refuses {host}")
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": 0,
            }
        ]

    async def close(self) -> None:
        return None


class ChatNotifier:
    """Posts alerts (and story updates) to the fake chat API."""

    platform = "slack"

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def _post(self, alert_id: str, target: str) -> Any:
        from bot.delivery.base import SendResult

        async with self.session.post(self.url, json={"alert_id": alert_id, "target": target}) as resp:
            data = await resp.json()
        return SendResult.sent(data["ts"])

    async def send(self, alert: Any, target: Any) -> Any:
        return await self._post(alert.id, target.key)

    async def send_update(self, alert: Any, report: Any, target: Any, message_ref: str | None) -> Any:
        return await self._post(f"update:{report.id}", target.key)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def workers_peak_mb(cpu: Any) -> list[float]:
    """Peak RSS (VmHWM) of each of the pool's worker processes, in MB (Linux; empty elsewhere)."""
    executor = getattr(cpu, "_executor", None)
    out = []
    for pid in list(getattr(executor, "_processes", None) or {}):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                out.append(int(line.split()[1]) / 1024)
    return out


def prepare_db(path: Path, port: int, feeds: int) -> Any:
    from bot.delivery.targets import parse_target
    from bot.usecases import service
    from storage import feeds as feed_store
    from storage.db import open_db

    db = open_db(path)
    stamp = "2026-01-01T00:00:00+00:00"
    with db.atomic():
        for n in range(feeds):
            feed_store.add(db, f"http://feed{n}{HOST_SUFFIX}:{port}/feed/{n}.xml", stamp)
    for i, ticker in enumerate(TICKERS):
        service.watch(db, service.Scope(parse_target(f"slack:TBENCH/C{i:02d}")), [ticker])
    return db


def latencies(
    db: Any, posts: list[list[Any]], fetched: dict[str, float], alert_ids: set[str] | None = None
) -> list[float]:
    """Seconds from each alert's feed fetch completing to the alert reaching the chat API (only the
    alerts in `alert_ids`, when given: those created in the round whose fetch times these are)."""
    feed_of = dict(
        db.execute(
            "select alerts.id, articles.feed_url from alerts join articles on articles.id = alerts.article_id"
        )
    )
    out = []
    for alert_id, _target, at in posts:
        url = feed_of.get(alert_id)
        if url in fetched and (alert_ids is None or alert_id in alert_ids):
            out.append(at - fetched[url])
    return out


async def wait_delivered(db: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = db.execute(
            "select count(*) from deliveries where state in ('pending', 'sending', 'retrying')"
        ).fetchone()
        if row[0] == 0:
            return
        await asyncio.sleep(0.02)
    raise RuntimeError("deliveries did not finish")


async def get_posts(session: aiohttp.ClientSession, base: str) -> list[list[Any]]:
    async with session.get(f"{base}/posts") as resp:
        return list(await resp.json())


async def service_run(port: int, feeds: int, folder: Path) -> dict[str, Any]:
    """Two rounds through FeedPoller + DeliveryWorker, as `riskwire run` wires them."""
    from bot.core.metrics import Metrics
    from bot.core.settings import Settings
    from bot.delivery.outbox import Outbox
    from bot.delivery.worker import DeliveryWorker
    from bot.pipeline.cpu import CpuPool
    from bot.pipeline.poller import FeedPoller
    from storage import feeds as feed_store
    from storage.thread import runner_for

    base = f"http://127.0.0.1:{port}"
    db = prepare_db(folder / "service.db", port, feeds)
    settings = Settings(db_path=str(folder / "service.db"), allow_private_feeds=True)
    # as run_service wires them: the database thread and the parse-and-match worker processes
    store = runner_for(db, settings.db_path, busy_timeout=settings.db_busy_timeout)
    cpu = CpuPool(settings.feed_workers)
    connector = aiohttp.TCPConnector(resolver=LocalResolver(), limit=64, limit_per_host=2)
    fetched: dict[str, float] = {}
    rounds: list[tuple[dict[str, float], set[str]]] = []
    results: dict[str, Any] = {"rounds": []}
    async with aiohttp.ClientSession(connector=connector) as session, aiohttp.ClientSession() as chat:
        metrics = Metrics(db)
        worker = DeliveryWorker(Outbox(db, {"slack": ChatNotifier(f"{base}/chat", chat)}, metrics=metrics))
        poller = FeedPoller(
            db,
            settings,
            session=session,
            metrics=metrics,
            on_alerts=worker.kick,
            on_fetched=lambda url, _result: fetched.__setitem__(url, time.time()),  # this round's dict
            store=store,
            cpu=cpu,
        )
        worker.start()
        # round 3 and on: the feeds of round 2 again, all 304 (ALL_304_ROUNDS times; the median is shown)
        for n, round_no in enumerate((1, 2, *[2] * ALL_304_ROUNDS), 1):
            if n > 1:  # rounds are minutes apart in life; here just past the per-host gap
                await asyncio.sleep(settings.host_gap)
            async with chat.post(f"{base}/round/{round_no}") as resp:
                await resp.read()
            rows = feed_store.all_feeds(db)
            fetched = {}
            items_before = metrics.items._value.get()
            start = time.perf_counter()
            outcomes = await poller.poll_rows(rows)
            took = time.perf_counter() - start
            await wait_delivered(db)
            created = {a.id for o in outcomes if o.processed for a in o.processed.alerts}
            rounds.append((fetched, created))
            results["rounds"].append(
                {
                    "seconds": took,
                    "feeds": len(rows),
                    "items": int(metrics.items._value.get() - items_before),
                    "not_modified": sum(o.not_modified for o in outcomes),
                    "errors": sum(bool(o.error) for o in outcomes),
                    "alerts": sum(len(o.processed.alerts) for o in outcomes if o.processed),
                    "linked": sum(o.processed.linked for o in outcomes if o.processed),
                }
            )
        await worker.stop(10)
        results["workers_mb"] = workers_peak_mb(cpu)
        await cpu.close()
        await store.close()
        every = await get_posts(chat, base)
        posts = [p for p in every if not str(p[0]).startswith("update:")]
    results["all_posts"] = len(every)
    results["doubled"] = len(posts) - len({(p[0], p[1]) for p in posts})
    results["latency"] = [x for times, ids in rounds for x in latencies(db, posts, times, ids)]
    results["latency_by_round"] = [latencies(db, posts, times, ids) for times, ids in rounds]
    results["posts"] = len(posts)
    results["peak_mb"] = peak_mb()
    db.close()
    return results


async def plain_run(port: int, feeds: int, concurrency: int) -> dict[str, float]:
    """Baseline: plain aiohttp + feedparser with the same concurrency and conditional GETs (ETag),
    parsing only; round 1 and the all-304 round (the round-2 feeds fetched twice, the second timed)."""
    import feedparser

    urls = [f"http://feed{n}{HOST_SUFFIX}:{port}/feed/{n}.xml" for n in range(feeds)]
    etags: dict[str, str] = {}
    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(resolver=LocalResolver(), limit=64, limit_per_host=2)

    async def one(session: aiohttp.ClientSession, url: str) -> None:
        headers = {"If-None-Match": etags[url]} if url in etags else {}
        async with gate, session.get(url, headers=headers) as resp:
            body = await resp.read()
            if resp.status == 304:
                return
            etags[url] = resp.headers.get("ETag", "")
        feedparser.parse(body)

    out: dict[str, float] = {}
    async with aiohttp.ClientSession(connector=connector) as session:
        for name, round_no in (
            ("round 1", 1),
            ("warm", 2),
            *[(f"all 304 {n}", 2) for n in range(ALL_304_ROUNDS)],
        ):
            async with session.post(f"http://127.0.0.1:{port}/round/{round_no}") as resp:
                await resp.read()
            start = time.perf_counter()
            await asyncio.gather(*(one(session, url) for url in urls))
            out[name] = time.perf_counter() - start
    return _with_304_median(out)


def _with_304_median(times: dict[str, float]) -> dict[str, float]:
    times["all 304"] = statistics.median(v for k, v in times.items() if k.startswith("all 304 "))
    return times


def reader_run(port: int, feeds: int, folder: Path, workers: int) -> dict[str, float] | None:
    """Baseline: the reader library updating the same feeds (None when it is not installed)."""
    try:
        from reader import make_reader
    except ImportError:
        return None
    import urllib.request

    def set_round(round_no: int) -> None:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/round/{round_no}", method="POST")
        with urllib.request.urlopen(request, timeout=10) as resp:
            resp.read()

    reader = make_reader(str(folder / "reader.sqlite"))
    for n in range(feeds):  # reader resolves names itself: the address, on the same server
        reader.add_feed(f"http://127.0.0.1:{port}/feed/{n}.xml")
    out: dict[str, float] = {}
    for name, round_no in (
        ("round 1", 1),
        ("warm", 2),
        *[(f"all 304 {n}", 2) for n in range(ALL_304_ROUNDS)],
    ):
        set_round(round_no)
        start = time.perf_counter()
        reader.update_feeds(scheduled=False, workers=workers)
        out[name] = time.perf_counter() - start
    reader.close()
    return _with_304_median(out)


async def naive_run(port: int, feeds: int, folder: Path, posts_before: int) -> dict[str, Any]:
    """The baseline: one feed after another (fetch, parse, process), then deliver everything."""
    from bot.delivery.outbox import deliver_due
    from bot.pipeline.matching import matcher_for
    from bot.pipeline.process import process_articles
    from feeds.models import FetchState
    from feeds.sources import read_source
    from storage import feeds as feed_store
    from storage import subscriptions

    base = f"http://127.0.0.1:{port}"
    db = prepare_db(folder / "naive.db", port, feeds)
    fetched: dict[str, float] = {}
    connector = aiohttp.TCPConnector(resolver=LocalResolver(), limit=64)
    async with aiohttp.ClientSession(connector=connector) as session, aiohttp.ClientSession() as chat:
        async with chat.post(f"{base}/round/1") as resp:
            await resp.read()
        matcher = matcher_for(subscriptions.watched(db))
        start = time.perf_counter()
        for row in feed_store.all_feeds(db):
            result = await read_source(row["url"], FetchState(), session=session, timeout=20)
            fetched[row["url"]] = time.time()
            process_articles(db, result.articles, matcher, baseline_hours=72)
        took = time.perf_counter() - start
        await deliver_due(db, {"slack": ChatNotifier(f"{base}/chat", chat)}, limit=100_000)
        posts = [
            p for p in (await get_posts(chat, base))[posts_before:] if not str(p[0]).startswith("update:")
        ]
    out = {"seconds": took, "latency": latencies(db, posts, fetched), "posts": len(posts)}
    db.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    args = parser.parse_args()

    from bot.core.settings import Settings

    ctx = multiprocessing.get_context("spawn")
    ports = ctx.Queue()
    server = ctx.Process(target=serve, args=(args.items, ports), daemon=True)
    server.start()
    port = ports.get(timeout=30)
    try:
        with tempfile.TemporaryDirectory(prefix="riskwire-bench-") as tmp:
            folder = Path(tmp)
            ours = asyncio.run(service_run(port, args.feeds, folder))
            base = asyncio.run(naive_run(port, args.feeds, folder, ours["all_posts"]))
            concurrency = Settings().poll_concurrency
            plain = asyncio.run(plain_run(port, args.feeds, concurrency))
            other = reader_run(port, args.feeds, folder, concurrency)
    finally:
        server.terminate()
        server.join(10)

    print(f"Riskwire poll benchmark: {args.feeds} feeds on distinct local hosts, {args.items} items each")
    all_304 = ours["rounds"][2:]
    middle = sorted(all_304, key=lambda x: x["seconds"])[len(all_304) // 2]
    for n, r in enumerate([*ours["rounds"][:2], middle], 1):
        label = f"round {n}" if n < 3 else f"round 3 (every feed 304, median of {len(all_304)})"
        print(
            f"{label}: {r['seconds']:.2f} s, {r['feeds'] / r['seconds']:.0f} feeds/s, "
            f"{r['items'] / r['seconds']:.0f} items/s ({r['items']} items, {r['not_modified']} not modified, "
            f"{r['errors']} errors, {r['alerts']} alerts, {r['linked']} linked reports)"
        )
    median = statistics.median(ours["latency"]) if ours["latency"] else float("nan")
    p90 = statistics.quantiles(ours["latency"], n=10)[-1] if len(ours["latency"]) > 1 else float("nan")
    by_round = ", ".join(
        f"round {n} {statistics.median(x) * 1000:.0f} ms"
        for n, x in enumerate(ours["latency_by_round"], 1)
        if x
    )
    print(
        f"alerts posted: {ours['posts']} ({ours['doubled']} doubled); "
        f"fetch-to-post median {median * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms ({by_round})"
    )
    workers = ours["workers_mb"]
    each = " + ".join(f"{w:.0f}" for w in workers) or "none"
    print(
        f"peak memory: {ours['peak_mb']:.0f} MB max RSS of the Riskwire process, "
        f"{sum(workers):.0f} MB its {len(workers)} worker processes ({each}), "
        f"{ours['peak_mb'] + sum(workers):.0f} MB in all"
    )
    naive_median = statistics.median(base["latency"]) if base["latency"] else float("nan")
    print(
        f"naive baseline (sequential fetch+process, then deliver): round 1 {base['seconds']:.2f} s, "
        f"fetch-to-post median {naive_median * 1000:.0f} ms ({base['posts']} posts)"
    )
    r1 = ours["rounds"][0]["seconds"]
    print(
        f"ratio vs naive baseline: round 1 {base['seconds'] / r1:.2f}x faster, "
        f"fetch-to-post median {naive_median / median:.1f}x shorter"
    )
    r3 = middle["seconds"]
    for name, times in (("plain aiohttp + feedparser (parse only)", plain), ("reader", other)):
        if times is None:
            print(f"{name}: not installed (pip install -e '.[bench]'); left out")
            continue
        print(
            f"{name}: round 1 {times['round 1']:.2f} s, all-304 round {times['all 304']:.2f} s; "
            f"ratio (its time / ours): round 1 {times['round 1'] / r1:.2f}, "
            f"all-304 round {times['all 304'] / r3:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
