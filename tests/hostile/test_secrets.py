"""Tokens never appear in logs, error messages, exports or reprs.

Tokens are set in the environment as a deployment would; then the service paths and the CLI run,
including failing runs and --debug, and every captured byte (log records, stdout, stderr, exports)
is searched for every token value."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.core import redact
from bot.core.settings import Settings, SettingsError
from bot.delivery.targets import parse_target
from bot.usecases import service
from storage.db import open_db
from tests.hostile.test_tenancy import seed_alert

TOKENS = {
    "SLACK_BOT_TOKEN": "xoxb-111111111111-222222222222-SeCrEtBoTtOkEnVaLuE",
    "SLACK_APP_TOKEN": "xapp-1-A0000000000-3333333333333-SeCrEtApPtOkEn",
    "SLACK_SIGNING_SECRET": "8f3c1e2d4b5a69788f3c1e2d4b5a6978",
    "DISCORD_TOKEN": "MTA5ODc2NTQzMjEwOTg3NjU0.GsEcRt.DiScOrDtOkEnVaLuE_0123456789",
}
WEBHOOK_TOKEN = "WeBhOoKsEcReT-abcdefghijklmnopqrstuvwxyz0123456789"
WEBHOOK = f"discord:webhook:https://discord.com/api/webhooks/123456789/{WEBHOOK_TOKEN}"
ALL_SECRETS = [*TOKENS.values(), WEBHOOK_TOKEN]


def leaks(text: str) -> list[str]:
    return [s for s in ALL_SECRETS if s in text]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in list(os.environ):
        if var.startswith(("RISKWIRE_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(var)
    for var, value in TOKENS.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("RISKWIRE_DB", str(tmp_path / "s.db"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_settings_repr_str_and_fields_hide_tokens(env: Path) -> None:
    settings = Settings.load()
    assert sorted(settings.secrets()) == sorted(TOKENS.values())  # they were really loaded
    shown = [repr(settings), str(settings), f"{settings}", repr(dataclasses.asdict(settings))]
    shown += [repr(vars(settings)), repr(settings.slack_bot_token), f"{settings.discord_token}"]
    assert leaks("\n".join(shown)) == []


def test_settings_errors_never_echo_a_token(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (env / "riskwire.toml").write_text(f'slack_bot_token = "{TOKENS["SLACK_BOT_TOKEN"]}"\n')
    with pytest.raises(SettingsError) as err:
        Settings.load()
    assert "environment" in str(err.value) and leaks(str(err.value)) == []


def test_webhook_target_hides_its_token(env: Path) -> None:
    target = parse_target(WEBHOOK)
    assert leaks(repr(target) + str(target) + repr(service.Scope(target))) == []


def test_service_paths_log_no_token(env: Path, caplog: pytest.LogCaptureFixture, db) -> None:
    caplog.set_level(logging.DEBUG)
    redact.install(Settings.load().secrets())
    scope = service.Scope(parse_target("slack:T1/C1"), user="U1")
    service.watch(db, scope, ["AMZN"])
    alert_id = seed_alert(db)
    service.history(db, scope)
    service.search(db, scope, "sanctions")
    service.summary(db, scope, "AMZN")
    service.review(db, scope, alert_id, "reviewed")
    service.mute(db, scope, "AMZN")
    for bad in (lambda: service.watch(db, scope, ["NOPEQX"]), lambda: service.search(db, scope, "")):
        with pytest.raises(service.ServiceError) as err:
            bad()
        assert leaks(str(err.value)) == []
    assert leaks(caplog.text) == []


def test_a_token_logged_by_mistake_is_masked(env: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    redact.install(Settings.load().secrets())
    log = logging.getLogger("riskwire.test")
    log.error("calling Slack with %s", TOKENS["SLACK_BOT_TOKEN"])
    log.warning("posting to %s", parse_target(WEBHOOK).key)
    try:
        raise RuntimeError(f"auth failed for {TOKENS['DISCORD_TOKEN']}")
    except RuntimeError:
        log.exception("login failed")
    text = caplog.text + "".join(caplog.handler.format(r) for r in caplog.records)
    assert "calling Slack with ***" in text and "login failed" in text
    assert leaks(text) == []


CLI_RUNS = {
    "watch add": ["watch", "add", "AMZN", "--to", "console"],
    "watch add webhook": ["watch", "add", "AMZN", "--to", WEBHOOK],
    "watch list": ["watch", "list"],
    "watch bad ticker": ["watch", "add", "NOPEQX", "--to", "console"],
    "watch bad target": ["watch", "add", "AMZN", "--to", "slack:nope"],
    "feeds add private": ["feeds", "add", "http://127.0.0.1/feed"],
    "feeds status": ["feeds", "status"],
    "history": ["history"],
    "history jsonl": ["history", "--format", "jsonl"],
    "summary": ["summary", "AMZN"],
    "export csv": ["export", "--format", "csv"],
    "export jsonl": ["export", "--format", "jsonl"],
    "debug poll with a failing feed": ["--debug", "poll", "--once"],
    "scan missing file": ["scan", "missing.xml", "--watch", "AMZN"],
}


@pytest.mark.parametrize("argv", list(CLI_RUNS.values()), ids=list(CLI_RUNS))
def test_cli_output_carries_no_token(
    env: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, argv: list[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    (env / "riskwire.toml").write_text('feeds = ["http://127.0.0.1:9/feed.xml"]\n')
    service.watch(open_db(env / "s.db"), service.Scope(parse_target(WEBHOOK)), ["AAPL"])
    with contextlib.suppress(SystemExit):
        cli.main(argv)
    out, err = capsys.readouterr()
    assert leaks(out + err + caplog.text) == []


def test_crash_message_is_scrubbed(env: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    def crash(args, settings):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"upstream said: bad token {settings.slack_bot_token.value}")

    import bot.cli.history

    monkeypatch.setattr(bot.cli.history, "cmd_history", crash)
    assert cli.main(["history"]) == 1
    _, err = capsys.readouterr()
    assert "internal error: RuntimeError: upstream said: bad token ***" in err and leaks(err) == []


def test_export_rows_carry_no_token(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = open_db(env / "s.db")
    service.watch(db, service.Scope(parse_target(WEBHOOK)), ["AMZN"])
    seed_alert(db)
    db.close()
    assert cli.main(["export", "--format", "jsonl"]) == 0
    out, _ = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and leaks(out) == []


def test_tokens_in_a_feed_error_reach_neither_feeds_status_nor_logs(
    env: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, hostile, monkeypatch
) -> None:
    from aiohttp import web

    async def gateway(_request: web.Request) -> web.Response:
        reason = f"Bad Gateway at /api/webhooks/1/{WEBHOOK_TOKEN} for {TOKENS['SLACK_BOT_TOKEN']}"
        return web.Response(status=502, reason=reason)

    caplog.set_level(logging.DEBUG)
    url = hostile.route("/feed.xml", gateway)
    monkeypatch.setenv("RISKWIRE_ALLOW_PRIVATE_FEEDS", "1")
    (env / "riskwire.toml").write_text(f'feeds = ["{url}"]\n')
    assert cli.main(["poll", "--once"]) in (0, 1)
    assert cli.main(["feeds", "status"]) == 0
    out, err = capsys.readouterr()
    assert "last error: HTTP 502 Bad Gateway at /api/webhooks/1/*** for ***" in out
    assert leaks(out + err + caplog.text) == []
    stored = open_db(env / "s.db").execute("select last_error from feeds").fetchall()
    assert leaks(json.dumps(stored)) == []
