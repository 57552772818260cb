"""Helpers for the service tests: risky items for many tickers, and `riskwire run` as a subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.fakes.fake_slack import TOKEN, FakeSlack
from tests.feedkit import Item, recent_pub

ROOT = Path(__file__).resolve().parents[1]

COMPANIES = {
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


def risk_item(ticker: str, n: int = 0, hours_ago: float = 1.0) -> Item:
    """A recent item that makes a sanctions + whistleblower alert about `ticker`."""
    name = COMPANIES[ticker]
    return Item(
        f"{name} accused of breaching sanctions on Iran, whistleblower says",
        f"https://news.example.com/{ticker.lower()}-sanctions-{n}",
        f"A former {name} (NASDAQ: {ticker}) manager alleges the company sold equipment to a sanctioned "
        "Iranian buyer in breach of US sanctions.",
        pub=recent_pub(hours_ago),
    )


def service_env(db: Path | str, config: Path, slack: FakeSlack | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "RISKWIRE_"))}
    env.update({"RISKWIRE_DB": str(db), "RISKWIRE_CONFIG": str(config), "RISKWIRE_ALLOW_PRIVATE_FEEDS": "1"})
    if slack is not None:
        env.update({"SLACK_API_URL": slack.url, "SLACK_BOT_TOKEN": TOKEN})
    env.update(extra)
    return env


def write_config(path: Path, *, fake_slack: bool = True, **values: object) -> Path:
    lines = ["host_gap = 0"]
    if fake_slack:
        lines.append('frontends = ["tests.fakes.slack_notifier:frontend"]')
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_service(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`riskwire run` (python -m bot run) from the project root, output to `log`."""
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
    )


def wait_for(check: Callable[[], bool], timeout: float = 60.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def states(db: Path) -> dict[str, int]:
    """Delivery counts by state, read with a separate connection (the service may be running)."""
    with sqlite3.connect(db, timeout=30) as conn:
        return dict(conn.execute("select state, count(*) from deliveries group by state").fetchall())


def delivery_rows(db: Path) -> list[tuple[str, str, str, str | None]]:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(
            "select alert_id, target, state, message_ref from deliveries order by id"
        ).fetchall()
