"""Long commands show a progress line on a terminal and nothing when piped or with --quiet.

Each command runs as a real subprocess; "a terminal" is a real pseudo-terminal on its stderr.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from bot.core.settings import Settings
from bot.delivery.console import ConsoleNotifier
from bot.delivery.targets import parse_target
from bot.pipeline.polling import poll_once
from bot.usecases import service
from bot.usecases.backtest import backtest
from storage import feeds as feed_store
from tests.clock import ago
from tests.feedkit import rss, seed_item

ROOT = Path(__file__).resolve().parents[2]
FEEDS = 5
LABELS = {
    "poll": "Polling feeds",
    "import": "Checking feeds",
    "export": "Exporting alerts",
    "backtest": "Replaying articles",
}
COMMANDS = {
    "poll": ["poll", "--once"],
    "import": ["feeds", "import", "{dir}/subs.opml"],
    "export": ["export", "--format", "csv", "-o", "{dir}/alerts.csv"],
    "backtest": ["backtest"],
}


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "RISKWIRE_"))}
    env.update({"RISKWIRE_DB": str(tmp_path / "p.db"), "RISKWIRE_ALLOW_PRIVATE_FEEDS": "1"})
    env.update({"RISKWIRE_CONFIG": str(tmp_path / "riskwire.toml")})
    return env


def riskwire(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command with stdout and stderr piped."""
    argv = [a.replace("{dir}", str(tmp_path)) for a in args]
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        capture_output=True,
        text=True,
        env=environment(tmp_path),
        cwd=ROOT,
        timeout=120,
    )


def on_terminal(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """A command whose stderr is a terminal (stdout piped): exit code, stdout, what the terminal got."""
    argv = [a.replace("{dir}", str(tmp_path)) for a in args]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 24 rows, 100 columns
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *argv],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=environment(tmp_path),
        cwd=ROOT,
    )
    os.close(slave)
    screen = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(master)
    out = proc.stdout.read().decode() if proc.stdout else ""
    return proc.wait(60), out, screen.decode(errors="replace")


@pytest.fixture
def ready(tmp_path: Path, feed_server) -> Path:  # type: ignore[no-untyped-def]
    """Five feeds on one host, and a watched ticker, so every command has work to show."""
    (tmp_path / "riskwire.toml").write_text("host_gap = 0\n", encoding="utf-8")
    urls = [
        feed_server.serve(f"/f{n}.xml", rss([seed_item(f"https://news.example.com/amazon-sanctions-{n}")]))
        for n in range(FEEDS)
    ]
    more = [feed_server.serve(f"/more{n}.xml", rss([])) for n in range(FEEDS)]  # what the OPML file adds
    outlines = "".join(f'<outline type="rss" text="m{n}" xmlUrl="{u}"/>' for n, u in enumerate(more))
    (tmp_path / "subs.opml").write_text(
        f'<opml version="2.0"><body>{outlines}</body></opml>', encoding="utf-8"
    )
    assert riskwire(tmp_path, "feeds", "add", *urls).returncode == 0
    assert riskwire(tmp_path, "watch", "add", "AMZN", "--to", "console").returncode == 0
    return tmp_path


def test_poll_on_a_terminal_shows_feeds_done_and_clears_the_line(ready: Path) -> None:
    (ready / "riskwire.toml").write_text("host_gap = 0.3\n", encoding="utf-8")  # one host: 0.3 s apart
    code, out, screen = on_terminal(ready, "poll", "--once")
    assert code == 0, screen
    assert re.search(rf"Polling feeds: +\d+%.*\b[1-{FEEDS - 1}]/{FEEDS}\b", screen), screen  # while it works
    summary = screen.rindex(f"{FEEDS} feeds (")
    assert screen.rindex("Polling feeds") < summary
    cleared = screen[screen.rindex("Polling feeds") : summary]
    assert re.search(r"\r {20,}\r", cleared), repr(cleared)  # the line was blanked before the summary
    assert "Polling feeds" not in out and "\r" not in out  # stdout stays clean


@pytest.mark.parametrize("command", ["import", "export", "backtest"])
def test_other_long_commands_show_their_line_on_a_terminal(ready: Path, command: str) -> None:
    assert riskwire(ready, "poll", "--once").returncode == 0  # alerts and articles to export and replay
    code, _, screen = on_terminal(ready, *COMMANDS[command])
    assert code == 0, screen
    assert LABELS[command] in screen


@pytest.mark.parametrize("command", list(COMMANDS))
def test_piped_output_carries_no_progress_text(ready: Path, command: str) -> None:
    if command != "poll":
        assert riskwire(ready, "poll", "--once").returncode == 0
    result = riskwire(ready, *COMMANDS[command])
    assert result.returncode == 0, result.stderr
    for text in (result.stdout, result.stderr):
        assert LABELS[command] not in text and "\r" not in text and "%|" not in text


@pytest.mark.parametrize("command", list(COMMANDS))
def test_quiet_shows_no_progress_even_on_a_terminal(ready: Path, command: str) -> None:
    if command != "poll":
        assert riskwire(ready, "poll", "--once").returncode == 0
    code, _, screen = on_terminal(ready, "--quiet", *COMMANDS[command])
    assert code == 0, screen
    assert LABELS[command] not in screen and "%|" not in screen


async def test_poll_once_tells_its_progress_callback_as_each_feed_finishes(db, db_path, feed_server) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        url = feed_server.serve(f"/c{n}.xml", rss([seed_item(f"https://news.example.com/c{n}")]))
        feed_store.add(db, url, "2026-01-01T00:00:00+00:00")
    seen: list[tuple[int, int | None]] = []
    settings = Settings(db_path=str(db_path), allow_private_feeds=True, host_gap=0)
    notifiers = {"console": ConsoleNotifier(io.StringIO())}
    report = await poll_once(db, settings, notifiers, progress=lambda done, total: seen.append((done, total)))
    assert report.feeds == 3 and report.ok
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_backtest_tells_its_progress_callback_the_articles_replayed(db) -> None:  # type: ignore[no-untyped-def]
    service.watch(db, service.Scope(parse_target("console")), ["AMZN"])
    for n in range(5):
        db.table("articles").insert(
            {"id": f"a{n}", "link": f"https://x/{n}", "title": "Amazon", "fetched": ago(hours=5 - n)}
        )
    seen: list[tuple[int, int | None]] = []
    report = backtest(db, progress=lambda done, total: seen.append((done, total)))
    assert report.articles == 5 and seen[-1] == (5, None)
