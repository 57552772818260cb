"""Benchmark: 1, 2 and 3 `riskwire run` workers sharing one database poll the same local feeds.

    python bench/workers.py [--feeds 1000] [--items 5] [--workers 1,2,3] [--pg-url URL]

Everything is local. A child process serves the feeds (bench/poll.py's feeds: ETag, 304) on
127.0.0.1 and on further loopback addresses (127.0.1.1, 127.0.1.2, ...), so the feeds sit on 50
hosts and the one-request-per-host politeness, kept in the database across workers, applies per
host as it would to real sites. PostgreSQL is a server started for the run from the Debian
binaries (as the tests start theirs), or `--pg-url` (a database the bench may fill and empty).

For each back end and worker count: a fresh database with the feeds and 16 watched companies, N
`python -m bot run` processes started and seen alive (their heartbeat rows), then every feed made
due at once. Round 1 is timed until every feed has been fetched (all answer 200 with `--items`
items, matched and stored); round 2 until every feed has been fetched again (all 304). Printed:
feeds/s and items/s per run (over the span from the round's first request to its last, as the
feed server saw them), and each run's ratio to one worker on SQLite, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from aiohttp import web  # noqa: E402
from poll import TICKERS, _feed_body  # noqa: E402

HOSTS = 50  # loopback addresses the feeds are spread over


def host_of(n: int) -> str:
    return f"127.0.1.{n % HOSTS + 1}"


def serve(items: int, port_queue: Any) -> None:
    """The child process: /feed/<n>.xml on every loopback address in use, with ETags (round 2: 304)."""
    cache: dict[int, tuple[bytes, str]] = {}
    seen: list[float] = []  # when each request of the round arrived (monotonic)

    async def feed(request: web.Request) -> web.Response:
        seen.append(time.monotonic())
        n = int(request.match_info["n"])
        if n not in cache:  # the server should not be what the benchmark measures
            body = _feed_body(n, items, 1)
            cache[n] = (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
        body, etag = cache[n]
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag, "Content-Type": "application/rss+xml"})

    async def stats(request: web.Request) -> web.Response:
        """How many requests this round, and the seconds from its first to its last."""
        span = (seen[-1] - seen[0]) if len(seen) > 1 else 0.0
        return web.json_response({"requests": len(seen), "span": span})

    async def reset(request: web.Request) -> web.Response:
        seen.clear()
        return web.json_response({})

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{n}.xml", feed)
        app.router.add_get("/stats", stats)
        app.router.add_post("/reset", reset)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        first = web.TCPSite(runner, "127.0.0.1", 0)
        await first.start()
        port = first._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        for k in range(HOSTS):
            await web.TCPSite(runner, f"127.0.1.{k + 1}", port).start()
        port_queue.put(port)
        await asyncio.Event().wait()

    asyncio.run(main())


def stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def prepare(location: str, port: int, feeds: int) -> list[str]:
    """A fresh database at `location` with the feeds (not due yet) and 16 watched companies."""
    from bot.delivery.targets import parse_target
    from bot.usecases import service
    from storage import feeds as feed_store
    from storage.db import open_db

    db = open_db(location)
    added = stamp(datetime.now(UTC))
    later = stamp(datetime.now(UTC) + timedelta(days=1))
    urls = [f"http://{host_of(n)}:{port}/feed/{n}.xml" for n in range(feeds)]
    with db.atomic():
        for url in urls:
            feed_store.add(db, url, added)
            feed_store.schedule(db, url, later)
    for i, ticker in enumerate(TICKERS):
        service.watch(db, service.Scope(parse_target(f"slack:TBENCH/C{i:02d}")), [ticker])
    db.close()
    return urls


def make_due(db: Any, urls: list[str]) -> str:
    """Every feed due now; returns the time from which a fetch counts (the next whole second, so that
    no fetch of the round before, stored in seconds, counts)."""
    from storage import feeds as feed_store

    now = datetime.now(UTC)
    time.sleep(1.05 - now.microsecond / 1e6)
    since = stamp(datetime.now(UTC))
    with db.atomic():
        for url in urls:
            feed_store.schedule(db, url, since)
    return since


def fetched_since(db: Any, since: str) -> int:
    from storage import feeds as feed_store

    return sum(1 for row in feed_store.all_feeds(db) if (row.get("last_fetch") or "") >= since)


def run_case(
    location: str, workers: int, port: int, feeds: int, folder: Path, timeout: float
) -> dict[str, Any]:
    from storage import articles, cluster
    from storage.db import open_db

    urls = prepare(location, port, feeds)
    config = folder / "riskwire.toml"
    config.write_text("host_gap = 0\npoll_concurrency = 16\n")
    env = {
        **os.environ,
        "RISKWIRE_DB": location,
        "RISKWIRE_CONFIG": str(config),
        "RISKWIRE_ALLOW_PRIVATE_FEEDS": "1",
        "RISKWIRE_HEARTBEAT_SECONDS": "1",
        "RISKWIRE_POLL_SECONDS": "86400",
        "RISKWIRE_RETENTION_DAYS": "0",
    }
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN"):
        env.pop(name, None)
    logs = [open(folder / f"worker{i}.log", "w") for i in range(workers)]  # noqa: SIM115
    procs = [
        subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=log)
        for log in logs
    ]
    db = open_db(location)
    result: dict[str, Any] = {"workers": workers, "rounds": []}
    try:
        deadline = time.monotonic() + 120
        while len(cluster.live_workers(db, datetime.now(UTC) - timedelta(seconds=10))) < workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"workers did not start; see {folder}/worker*.log")
            time.sleep(0.2)
        _server(port, "POST", "/reset")
        for _round in (1, 2):
            items_before = articles.count(db)
            since = make_due(db, urls)
            start = time.perf_counter()
            deadline = time.monotonic() + timeout
            while (done := fetched_since(db, since)) < len(urls):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{done} of {len(urls)} feeds fetched in {timeout} s; see {folder}")
                time.sleep(0.05)
            took = time.perf_counter() - start
            items = articles.count(db) - items_before
            seen = _server(port, "GET", "/stats")
            # the feeds' own pace: from the round's first request to its last (a worker first sees
            # due feeds at its next poll tick, up to 5 s after they became due; that wait is left out)
            result["rounds"].append(
                {"seconds": max(seen["span"], 1e-3), "wall": took, "feeds": len(urls), "items": items}
            )
            _server(port, "POST", "/reset")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logs:
            log.close()
        db.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--workers", default="1,2,3", help="worker counts to run, comma-separated")
    parser.add_argument(
        "--pg-url", help="a PostgreSQL database to use (default: a server started for the run)"
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds a round may take")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]

    ctx = multiprocessing.get_context("spawn")
    port_queue = ctx.Queue()
    server = ctx.Process(target=serve, args=(args.items, port_queue), daemon=True)
    server.start()
    port = port_queue.get(timeout=30)

    pg = None
    results: list[tuple[str, dict[str, Any]]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="riskwire-bench-") as tmp:
            folder = Path(tmp)
            print(f"{args.feeds} feeds of {args.items} items on {HOSTS} local hosts; {os.cpu_count()} cores")
            base = run_case(str(folder / "sqlite1.db"), 1, port, args.feeds, folder, args.timeout)
            results.append(("SQLite", base))
            for n in counts:
                if n == 1:
                    continue
                results.append(
                    (
                        "SQLite",
                        run_case(str(folder / f"sqlite{n}.db"), n, port, args.feeds, folder, args.timeout),
                    )
                )
            if args.pg_url:
                urls = {n: args.pg_url for n in counts}
            else:
                sys.path.insert(0, str(ROOT / "tests"))
                from pgserver import PgServer, binaries

                if binaries() is None:
                    print("PostgreSQL binaries not found: PostgreSQL runs skipped (see --pg-url)")
                    urls = {}
                else:
                    pg = PgServer().start()
                    urls = {n: pg.empty_database() for n in counts}
            for n, url in urls.items():
                if args.pg_url:
                    _empty(url)
                results.append(("PostgreSQL", run_case(url, n, port, args.feeds, folder, args.timeout)))
    finally:
        if pg is not None:
            pg.stop()
        server.terminate()

    first = base["rounds"][0]["seconds"]
    second = base["rounds"][1]["seconds"]
    print(
        f"{'database':<11} {'workers':>7} {'round 1 feeds/s':>16} {'items/s':>9} {'ratio':>6}"
        f" {'all-304 feeds/s':>16} {'ratio':>6}"
    )
    for kind, r in results:
        r1, r2 = r["rounds"]
        items = f"{r1['items'] / r1['seconds']:9.0f}"
        print(
            f"{kind:<11} {r['workers']:>7} {r1['feeds'] / r1['seconds']:16.0f} {items}"
            f" {first / r1['seconds']:6.2f} {r2['feeds'] / r2['seconds']:16.0f} {second / r2['seconds']:6.2f}"
        )
    print("ratio: the run's speed over one worker on SQLite in this run (higher is faster)")
    return 0


def _server(port: int, method: str, path: str) -> dict[str, Any]:
    import json
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method, data=b"" if method == "POST" else None
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # local: never a proxy
    with opener.open(request, timeout=10) as response:
        return dict(json.loads(response.read()))


def _empty(url: str) -> None:
    """Drop every table of the database at `url` (a --pg-url database is reused for each run)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop schema public cascade")
        conn.execute("create schema public")


if __name__ == "__main__":
    raise SystemExit(main())
