"""`riskwire run` stays responsive whatever a feed or the database does: a Slack slash command is
acknowledged, and /healthz answers, within a second while a 5 MB feed of 99,000 small items is
parsed, and while another process holds the SQLite write lock for 10 seconds; and nothing is lost
(the feed's alert is stored and posted once the lock is released).

The service runs as people run it (a subprocess, the real Bolt app in HTTP mode, the real slack_sdk
client against the local fake Slack, feeds from the local feed server, a real SQLite file). The
timing bound is generous on purpose: responsiveness is the behaviour under test, and before the
work moved off the event loop the same steps stalled it for many seconds.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from bot.delivery.targets import parse_target
from bot.usecases import service
from storage import feeds as feed_store
from storage.db import open_db
from tests.fakes.feed_server import FeedServer
from tests.fakes.slack_api import FakeSlackApi
from tests.feedkit import rss
from tests.servicekit import risk_item, service_env, start_service, states, write_config
from tests.slackkit import SIGNING_SECRET, command_body, post_signed

BOUND = 1.0  # seconds: Slack allows 3 to acknowledge a command
CHANNEL = "slack:T1/C1"

# Another process holding the write lock, as a second tool or a long migration would
LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("begin immediate")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("commit")
"""


def big_feed() -> bytes:
    """A legal feed just under the 5 MB cap: one risky AMZN item, then 99,000 small items."""
    head, tail = rss([risk_item("AMZN")]).rsplit("</channel>", 1)
    filler = "".join(f"<item><guid>g{i}</guid><title>t</title></item>\n" for i in range(99_000))
    body = (head + filler + "</channel>" + tail).encode()
    assert 4_500_000 < len(body) <= 5 * 1024 * 1024
    return body


class Service:
    """`riskwire run` with the Slack front-end in HTTP mode and the health endpoint on."""

    def __init__(self, tmp_path: Path, slack_api: FakeSlackApi) -> None:
        self.db = tmp_path / "service.db"
        self.log = tmp_path / "service.log"
        self.slack_api = slack_api
        db = open_db(self.db)
        service.watch(db, service.Scope(parse_target(CHANNEL)), ["AMZN"])
        db.close()
        config = write_config(tmp_path / "riskwire.toml", fake_slack=False)
        self.env = service_env(
            self.db,
            config,
            SLACK_BOT_TOKEN=slack_api.bot_token,
            SLACK_API_URL=slack_api.api_url,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            RISKWIRE_SLACK_PORT="0",
            RISKWIRE_SLACK_HOST="127.0.0.1",
            RISKWIRE_HEALTH_PORT="0",
            RISKWIRE_HEALTH_HOST="127.0.0.1",
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.slack_port = self.health_port = 0
        self.asked = 0

    def add_feed(self, url: str) -> None:
        db = open_db(self.db)
        feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
        db.close()

    async def start(self) -> None:
        self.proc = start_service(self.env, self.log)
        await until(lambda: "Health and metrics on" in self.text(), 60)
        self.slack_port = int(re.search(r"Slack HTTP mode on \(port (\d+)\)", self.text()).group(1))  # type: ignore[union-attr]
        self.health_port = int(re.search(r"127\.0\.0\.1:(\d+)/healthz", self.text()).group(1))  # type: ignore[union-attr]

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def command(self) -> float:
        """Seconds until Slack's request for `/riskwire list` is acknowledged (HTTP 200)."""
        self.asked += 1
        body = command_body("list", response_url=self.slack_api.response_url(f"c{self.asked}"))
        started = time.monotonic()
        status, _ = await asyncio.wait_for(
            post_signed(f"http://127.0.0.1:{self.slack_port}/slack/events", body), 30
        )
        assert status == 200
        return time.monotonic() - started

    async def healthz(self) -> tuple[float, int, dict[str, Any]]:
        """Seconds until /healthz answers, its status and its body."""
        started = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(f"http://127.0.0.1:{self.health_port}/healthz") as resp,
        ):
            body = json.loads(await resp.text())
            return time.monotonic() - started, resp.status, body

    async def probe(self) -> tuple[float, float, int]:
        """One command and one /healthz, side by side: their times and the /healthz status."""
        ack, (health, status, _body) = await asyncio.gather(self.command(), self.healthz())
        return ack, health, status

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


async def until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return result


def amzn_posts(slack_api: FakeSlackApi) -> list[Any]:
    return [c for c in slack_api.posted("C1") if "AMZN" in json.dumps(c.params)]


async def test_commands_and_healthz_answer_while_a_5mb_feed_is_parsed(
    tmp_path: Path, slack_api: FakeSlackApi, feed_server: FeedServer
) -> None:
    svc = Service(tmp_path, slack_api)
    svc.add_feed(feed_server.serve("/big.xml", big_feed()))
    try:
        await svc.start()
        await until(lambda: feed_server.hits_for("/big.xml"))  # fetched: the parse is under way
        during: list[tuple[float, float, int]] = []
        while not states(svc.db):  # until its alert is stored (and queued), the feed is in work
            during.append(await svc.probe())
            await asyncio.sleep(0.2)
        assert max(ack for ack, _, _ in during) < BOUND, during
        assert max(health for _, health, _ in during) < BOUND, during
        assert len(during) >= 3, "the feed was stored before the service could be asked anything"
        assert {status for _, _, status in during} == {200}
        await until(lambda: amzn_posts(slack_api), 30)  # stored, alerted and posted
        await until(lambda: len(slack_api.responses) >= svc.asked, 30)  # every command was answered
        assert svc.stop() == 0
    finally:
        svc.kill()
    assert len(amzn_posts(slack_api)) == 1
    assert "Riskwire stopped." in svc.text()
    assert "Traceback" not in svc.text()


async def test_commands_and_healthz_answer_while_another_process_holds_the_write_lock(
    tmp_path: Path, slack_api: FakeSlackApi, feed_server: FeedServer
) -> None:
    svc = Service(tmp_path, slack_api)
    try:
        await svc.start()
        # the service fetches the new feed at its next tick; the answer comes 3 s after the request,
        # by when the lock below is held, so the poll's writes meet the lock
        svc.add_feed(feed_server.serve("/risk.xml", rss([risk_item("AMZN")]), delay=3.0))
        locker = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LOCKER, str(svc.db), "6", stdout=asyncio.subprocess.PIPE
        )
        assert locker.stdout is not None
        assert (await locker.stdout.readline()).strip() == b"locked"
        locked = time.monotonic()
        during: list[tuple[float, float, int]] = []
        while locker.returncode is None:
            during.append(await svc.probe())
            await asyncio.sleep(0.3)
        assert max(ack for ack, _, _ in during) < BOUND, during
        assert max(health for _, health, _ in during) < BOUND, during
        # the poll met the lock: its claim of the feed (a write: several workers may share the
        # database) waited for it, or its fetch came back while it was held and its writes waited
        fetched = await until(lambda: feed_server.hits_for("/risk.xml"), 30)
        assert locked < fetched[0].at
        assert len(during) >= 10
        assert {status for _, _, status in during} == {200}

        await until(lambda: amzn_posts(slack_api), 30)  # nothing lost: stored and posted after it
        await until(lambda: len(slack_api.responses) >= svc.asked, 30)
        assert states(svc.db) == {"sent": 1}
        assert svc.stop() == 0
    finally:
        svc.kill()
    assert len(amzn_posts(slack_api)) == 1
    assert "Traceback" not in svc.text()
