"""The storage contract runs on both back ends: every test here that takes `db` or `new_location`
runs once on a SQLite file and once on a PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from storage.db import open_db


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_location(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[], str]:
    """Makes locations of new, empty databases on the test's back end (a file path or a URL)."""
    if backend == "postgresql":
        return request.getfixturevalue("new_pg_url")  # type: ignore[no-any-return]
    names = iter(range(1, 1000))
    return lambda: str(tmp_path / f"db{next(names)}.db")


@pytest.fixture
def db_location(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The location of a database with the current schema on the test's back end."""
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "riskwire.db")


@pytest.fixture
def db(db_location: str):  # type: ignore[no-untyped-def]
    database = open_db(db_location)
    yield database
    database.close()
