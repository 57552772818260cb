from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.fakes.slack_api import FakeSlackApi

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """`riskwire ARGS...` in this process, in tmp_path, on the database tmp_path/riskwire.db, with no
    chat credentials or other Riskwire settings from the environment: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    for var in list(os.environ):
        if var.startswith(("SLACK_", "DISCORD_", "RISKWIRE_")):
            monkeypatch.delenv(var)
    monkeypatch.setenv("RISKWIRE_DB", str(tmp_path / "riskwire.db"))

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def private_feeds(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Feeds on 127.0.0.1 allowed, for tests that serve them from the local feed server (after `cli`
    has cleared the environment)."""
    monkeypatch.setenv("RISKWIRE_ALLOW_PRIVATE_FEEDS", "1")


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    """The local fake Slack Web API, on 127.0.0.1."""
    fake = await FakeSlackApi().start()
    try:
        yield fake
    finally:
        await fake.stop()
