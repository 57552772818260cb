"""The User-Agent sent with feed requests is a setting (`user_agent`, RISKWIRE_USER_AGENT): some
public sources (the SEC among them) refuse requests without a contact address in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from feeds.models import USER_AGENT
from tests.feedkit import rss, seed_item

ROOT = Path(__file__).resolve().parents[2]
CONTACT = "Riskwire at Example Corp compliance@example.com"


def riskwire(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "RISKWIRE_"))}
    clean.update({"RISKWIRE_ALLOW_PRIVATE_FEEDS": "1", "RISKWIRE_DB": str(cwd / "ua.db"), **env})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=cwd,
        timeout=120,
    )


def test_poll_sends_the_user_agent_from_the_environment(tmp_path: Path, feed_server) -> None:
    url = feed_server.serve("/sec.xml", rss([seed_item()]))
    assert riskwire("feeds", "add", url, cwd=tmp_path, RISKWIRE_USER_AGENT=CONTACT).returncode == 0
    result = riskwire("poll", "--once", cwd=tmp_path, RISKWIRE_USER_AGENT=CONTACT)
    assert result.returncode == 0, result.stderr
    # one request when `feeds add` checks the feed, one when the poll fetches it: both name the contact
    assert [h.headers["User-Agent"] for h in feed_server.hits_for("/sec.xml")] == [CONTACT, CONTACT]


def test_scan_sends_the_user_agent_from_riskwire_toml(tmp_path: Path, feed_server) -> None:
    url = feed_server.serve("/sec.xml", rss([seed_item()]))
    (tmp_path / "riskwire.toml").write_text(f'user_agent = "{CONTACT}"\n', encoding="utf-8")
    result = riskwire("scan", url, "--watch", "AMZN", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [h.headers["User-Agent"] for h in feed_server.hits_for("/sec.xml")] == [CONTACT]


def test_without_the_setting_the_user_agent_names_the_project(tmp_path: Path, feed_server) -> None:
    url = feed_server.serve("/sec.xml", rss([seed_item()]))
    result = riskwire("scan", url, "--watch", "AMZN", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [h.headers["User-Agent"] for h in feed_server.hits_for("/sec.xml")] == [USER_AGENT]
    assert USER_AGENT.startswith("Riskwire/")


def test_a_user_agent_that_is_not_one_line_is_refused_before_any_request(tmp_path: Path, feed_server) -> None:
    url = feed_server.serve("/sec.xml", rss([seed_item()]))
    result = riskwire(
        "scan", url, "--watch", "AMZN", cwd=tmp_path, RISKWIRE_USER_AGENT="Riskwire\r\nX-Evil: 1"
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "riskwire: error: RISKWIRE_USER_AGENT must be one line of printable text (at most 500 characters)"
    ]
    assert feed_server.hits_for("/sec.xml") == []
