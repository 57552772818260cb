from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import open_db
from tests.fakes.feed_server import FeedServer


def pytest_configure(config: pytest.Config) -> None:
    """Build matplotlib's font cache once, before any test's timer starts: in a fresh environment
    (CI's new virtualenv) the first chart would otherwise spend seconds on it inside a timed test,
    and the service subprocesses started by tests share the cache built here."""
    from bot.rendering.chart import warm_up

    warm_up()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "riskwire.db"


@pytest.fixture
def db(db_path: Path):  # type: ignore[no-untyped-def]
    database = open_db(db_path)
    yield database
    database.close()
