from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage.db import open_db
from tests.fakes.feed_server import FeedServer
from tests.pgserver import PgServer, binaries


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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole run (or RISKWIRE_TEST_PG_URL's). Without PostgreSQL the
    tests that need it are skipped, except in CI (CI=true, or RISKWIRE_TEST_REQUIRE_PG=1 as .ci/run
    sets), where that is a failure."""
    if not os.environ.get("RISKWIRE_TEST_PG_URL") and binaries() is None:
        message = "PostgreSQL is not installed (no initdb; apt-get install postgresql)"
        if os.environ.get("CI") == "true" or os.environ.get("RISKWIRE_TEST_REQUIRE_PG") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = PgServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh PostgreSQL database with the current schema, dropped after the test."""
    url = pg_server.migrated_database()
    yield url
    pg_server.drop(url)


@pytest.fixture
def new_pg_url(pg_server: PgServer) -> Iterator[Callable[[], str]]:
    """Makes fresh, empty PostgreSQL databases (no schema yet); all dropped after the test."""
    made: list[str] = []

    def make() -> str:
        made.append(pg_server.empty_database())
        return made[-1]

    yield make
    for url in made:
        pg_server.drop(url)
