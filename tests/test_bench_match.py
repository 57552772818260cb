"""The matcher benchmark still runs and prints each of its lines (format only: speed is judged by
running the benchmark itself, never by a timed test). One small run serves every check."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--articles", "300", "--names", "400", "--sample", "3", "--repeat", "2"]
ARGS += ["--dense", "20", "--listed", "1000", "--tickers", "6000"]


@pytest.fixture(scope="module")
def out() -> str:
    done = subprocess.run(
        [sys.executable, "bench/match.py", *ARGS], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_match_benchmark_ends_with_its_summary(out: str) -> None:
    lines = out.strip().splitlines()
    assert re.fullmatch(r"matcher [\d,]+ articles/s, baseline [\d,]+ articles/s, ratio [\d,.]+", lines[-1])
    assert any(
        line.startswith("matcher passes (articles/s): alert path median") and "of 2" in line for line in lines
    )
    alerts = re.search(r"alert path \(poll, run\): +matcher [\d,]+ articles/s \((\d+) alerts\)", out)
    assert alerts and int(alerts.group(1)) > 0  # one article in five carries risk vocabulary


def test_match_benchmark_runs_the_dense_corpus_against_a_raw_scan(out: str) -> None:
    assert re.search(
        r"dense corpus \(20 articles, .*\): matcher [\d,]+ articles/s \(\d+ alerts\), "
        r"raw pyahocorasick scan [\d,]+ articles/s \(\d+ hits\), ratio [\d.]+",
        out,
    )


def test_match_benchmark_times_the_listed_parties_check(out: str) -> None:
    line = re.search(
        r"listed parties: [\d.]+ ms per article against 1,000 listed names; matching without the lists "
        r"[\d.]+ ms, with them [\d.]+ ms, ratio [\d.]+",
        out,
    )
    assert line, out
    found = re.search(r"(\d+) listed parties found in 300 articles", out)
    assert found and int(found.group(1)) >= 30  # one article in ten names a listed party


def test_match_benchmark_runs_the_wide_watchlist_with_its_ratio(out: str) -> None:
    line = re.search(
        r"6,000 tickers \(([\d,]+) synthetic, [\d,]+ names\): matcher [\d,]+ articles/s .*"
        r"process peak RSS \d+ MB; ratio to the default run [\d.]+",
        out,
    )
    assert line and int(line.group(1).replace(",", "")) > 0  # the directory has fewer: topped up
