from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import open_db
from tests.fakes.feed_server import FeedServer


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
