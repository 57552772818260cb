"""`riskwire sanctions import` and `status` through the real command line and a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main
from storage import sanctions as store
from storage.db import open_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "riskwire.db"
    monkeypatch.setenv("RISKWIRE_DB", str(path))
    monkeypatch.chdir(tmp_path)
    return path


def _names(db_path: Path, list_name: str) -> list[str]:
    db = open_db(db_path)
    try:
        return [e["name"] for e in store.entries(db) if e["list"] == list_name]
    finally:
        db.close()


def test_import_then_status_shows_the_list(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sanctions", "import", "team", str(FIXTURES / "team-list.csv")]) == 0
    assert "Imported 5 entries as the list team" in capsys.readouterr().out
    assert main(["sanctions", "status"]) == 0
    out = capsys.readouterr().out
    assert "team" in out and "5 entries" in out and "imported list" in out
    db = open_db(env)
    entry = next(e for e in store.entries(db) if e["name"] == "VisionLabs")
    db.close()
    assert entry["aliases"] == ["Vision Labs", "ВижнЛабс"]
    assert (entry["programme"], entry["listed"]) == ("Russia", "2023-02-24")


def test_status_without_lists_says_how_to_load_one(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sanctions", "status"]) == 0
    assert "No sanctions lists loaded" in capsys.readouterr().out


def test_reimport_replaces_the_earlier_list(env: Path, tmp_path: Path) -> None:
    assert main(["sanctions", "import", "team", str(FIXTURES / "team-list.csv")]) == 0
    smaller = tmp_path / "small.csv"
    smaller.write_text("name,aliases,programme,listed\nAcme Trading,,Iran,2020-01-01\n", encoding="utf-8")
    assert main(["sanctions", "import", "team", str(smaller)]) == 0
    assert main(["sanctions", "import", "other", str(smaller)]) == 0
    assert _names(env, "team") == ["Acme Trading"]
    assert _names(env, "other") == ["Acme Trading"]


def test_bad_rows_each_get_a_line_and_nothing_is_imported(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sanctions", "import", "team", str(FIXTURES / "team-list.csv")]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,aliases,programme,listed\nGood Co,,Iran,2020-01-01\n"
        ",x,Iran,2020-01-01\nBad Date,,Iran,15/03/2022\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["sanctions", "import", "team", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"riskwire: error: {bad}: row 3: name is empty",
        f"riskwire: error: {bad}: row 4: listed '15/03/2022' is not a date like 2022-03-15",
    ]
    assert "Good Co" not in _names(env, "team")
    assert "VisionLabs" in _names(env, "team")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,programme\nX,Y\n", "missing column(s) aliases, listed"),
        ("name,aliases,programme,listed\n", "the file has no entries"),
    ],
)
def test_unusable_files_are_refused(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["sanctions", "import", "team", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_official_names_and_odd_names_are_refused(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = str(FIXTURES / "team-list.csv")
    assert main(["sanctions", "import", "uk", csv]) == 2
    assert "official list" in capsys.readouterr().err
    assert main(["sanctions", "import", "a b/c", csv]) == 2
    assert "list name" in capsys.readouterr().err
    assert main(["sanctions", "import", "team", "/nonexistent/list.csv"]) == 2
    assert "cannot read" in capsys.readouterr().err
