"""`riskwire poll --once` posts to Slack with just the bot token (no Socket Mode, no HTTP listener)."""

from __future__ import annotations

import asyncio
import json

from bot.cli.main import main as cli_main
from tests.feedkit import recent_pub, rss, seed_item


async def test_poll_once_delivers_to_slack(slack_api, feed_server, db_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("RISKWIRE_DB", str(db_path))
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack_api.bot_token)
    monkeypatch.setenv("SLACK_API_URL", slack_api.api_url)
    monkeypatch.setenv("RISKWIRE_ALLOW_PRIVATE_FEEDS", "1")  # the feed server is on 127.0.0.1
    monkeypatch.setenv("RISKWIRE_CONFIG", str(db_path.parent / "none.toml"))
    (db_path.parent / "none.toml").write_text("")
    url = feed_server.serve("/risk.xml", rss([seed_item(pub=recent_pub())]))

    def cli(*args: str) -> int:
        return cli_main(list(args))

    # the CLI runs its own event loop; a thread keeps this one serving the fake Slack API
    assert await asyncio.to_thread(cli, "watch", "add", "AMZN", "--to", "slack:T1/C1") == 0
    assert await asyncio.to_thread(cli, "feeds", "add", url) == 0
    assert await asyncio.to_thread(cli, "poll", "--once") == 0
    (post,) = slack_api.posted("C1")
    assert "amazon-sanctions" in json.dumps(post.params["blocks"])
    assert "1 delivered" in capsys.readouterr().err
