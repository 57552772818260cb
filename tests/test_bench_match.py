"""The matcher benchmark still runs and ends with its one-line summary (format only: speed is judged by
running the benchmark itself, never by a timed test)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_match_benchmark_runs_small_and_prints_its_summary() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "bench/match.py",
            "--articles",
            "300",
            "--names",
            "400",
            "--sample",
            "3",
            "--repeat",
            "2",
            "--dense",
            "20",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert re.fullmatch(r"matcher [\d,]+ articles/s, baseline [\d,]+ articles/s, ratio [\d,.]+", lines[-1])
    assert any(
        line.startswith("matcher passes (articles/s): alert path median") and "of 2" in line for line in lines
    )
    alerts = re.search(r"alert path \(poll, run\): +matcher [\d,]+ articles/s \((\d+) alerts\)", done.stdout)
    assert re.search(
        r"dense corpus \(20 articles, .*\): matcher [\d,]+ articles/s \(\d+ alerts\), "
        r"raw pyahocorasick scan [\d,]+ articles/s \(\d+ hits\), ratio [\d.]+",
        done.stdout,
    )
    assert alerts and int(alerts.group(1)) > 0  # one article in five carries risk vocabulary


def test_match_benchmark_times_the_listed_parties_check() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "bench/match.py",
            *["--articles", "100", "--names", "200", "--sample", "2", "--repeat", "1", "--listed", "1000"],
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    line = re.search(
        r"listed parties: [\d.]+ ms per article against 1,000 listed names; matching without the lists "
        r"[\d.]+ ms, with them [\d.]+ ms, ratio [\d.]+",
        done.stdout,
    )
    assert line, done.stdout
    found = re.search(r"(\d+) listed parties found in 100 articles", done.stdout)
    assert found and int(found.group(1)) >= 10  # one article in ten names a listed party


def test_match_benchmark_runs_the_wide_watchlist_with_its_ratio() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "bench/match.py",
            *["--articles", "100", "--names", "200", "--sample", "2", "--repeat", "1", "--listed", "100"],
            *["--tickers", "6000"],
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    line = re.search(
        r"6,000 tickers \(([\d,]+) synthetic, [\d,]+ names\): matcher [\d,]+ articles/s .*"
        r"process peak RSS \d+ MB; ratio to the default run [\d.]+",
        done.stdout,
    )
    assert line and int(line.group(1).replace(",", "")) > 0  # the directory has fewer: topped up
