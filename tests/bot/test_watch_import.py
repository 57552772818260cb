"""`riskwire watch import FILE.csv --to TARGET`: a holdings file of tickers and ISINs subscribed all or
nothing, through the real command line and a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main
from storage import subscriptions
from storage.db import open_db


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "riskwire.db"
    monkeypatch.setenv("RISKWIRE_DB", str(path))
    monkeypatch.chdir(tmp_path)
    return path


def _watched(path: Path) -> dict[str, dict]:
    db = open_db(path)
    try:
        return {r["ticker"]: r for r in subscriptions.all_subscriptions(db)}
    finally:
        db.close()


def test_unknown_rows_are_listed_and_nothing_is_applied(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holdings = tmp_path / "holdings.csv"
    holdings.write_text(
        "ticker,weight\nAAPL,0.4\nUS5949181045,0.3\n\nAMZM,0.2\nXS0000000009,0.1\n", encoding="utf-8"
    )
    assert main(["watch", "import", str(holdings), "--to", "console"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert f"riskwire: {holdings}: row 5: unknown ticker AMZM (did you mean AMZN, AMTM?)" in err
    assert f"riskwire: {holdings}: row 6: unknown ISIN XS0000000009" in err
    assert len(err) == 3 and "nothing was changed" in err[-1]
    assert _watched(env) == {}


def test_tickers_and_isins_are_subscribed_once_and_kept_options_stay(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["watch", "add", "AAPL", "--to", "console", "--topics", "sanctions"]) == 0
    holdings = tmp_path / "holdings.csv"
    # no header; a lower-case ticker, an ISIN (Microsoft), a blank line, AAPL twice (once by its ISIN)
    holdings.write_text("amzn,Amazon\nUS5949181045\n\nAAPL\nUS0378331005\nshel\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["watch", "import", str(holdings), "--to", "console"]) == 0
    out = capsys.readouterr().out
    assert "Watching AMZN" in out and "Watching MSFT" in out and "Watching SHEL" in out
    assert out.count("AAPL was already watched") == 1
    watched = _watched(env)
    assert sorted(watched) == ["AAPL", "AMZN", "MSFT", "SHEL"]
    assert watched["AAPL"]["topics"] == ["sanctions"]  # an import never resets a watch's options


def test_isin_header_column_and_unreadable_file(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holdings = tmp_path / "isins.csv"
    holdings.write_text("name,isin\nApple,US0378331005\nShell,GB00BP6MXD84\n", encoding="utf-8")
    assert main(["watch", "import", str(holdings), "--to", "console"]) == 0
    assert sorted(_watched(env)) == ["AAPL", "SHEL"]
    capsys.readouterr()
    assert main(["watch", "import", str(tmp_path / "missing.csv"), "--to", "console"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "cannot read holdings file" in err
