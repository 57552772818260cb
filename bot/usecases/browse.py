"""`riskwire browse`: the history in Datasette (optional extra: pip install 'riskwire[browse]').

Writes a Datasette metadata file with the canned queries of storage.browse (alerts by ticker, alerts
for one ticker, open items, false-positive rate by rule, review log, failed deliveries) and
full-text search on the alerts table, then starts Datasette on 127.0.0.1, reading the database
read-only. Ctrl-C or SIGTERM stops Datasette with it, and a metadata file written to a temporary
folder goes with the folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from storage.browse import CANNED_QUERIES, TABLES

STOP_WAIT = 10.0  # seconds Datasette gets to exit after SIGTERM before it is killed
INSTALL_HINT = "Datasette is not installed. Install the optional extra: pip install 'riskwire[browse]'"


def metadata(db_path: str | Path) -> dict[str, Any]:
    """Datasette metadata for the database at `db_path`: canned queries and full-text search."""
    name = Path(db_path).stem
    return {
        "title": "Riskwire history",
        "description": "ESG and legal risk alerts: history, reviews and deliveries.",
        "databases": {
            name: {
                "queries": CANNED_QUERIES,
                "tables": TABLES,
            }
        },
    }


def write_metadata(db_path: str | Path, out: str | Path) -> Path:
    """Write the metadata file; returns its path."""
    path = Path(out)
    path.write_text(json.dumps(metadata(db_path), indent=2), encoding="utf-8")
    return path


def datasette_installed() -> bool:
    return importlib.util.find_spec("datasette") is not None


def datasette_command(db_path: str | Path, metadata_path: str | Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def run_datasette(db_path: str | Path, metadata_path: str | Path, port: int) -> int:
    """Start Datasette and wait for it; returns its exit code. Ctrl-C or SIGTERM stops it (0): the
    child is asked to stop, killed after STOP_WAIT seconds if it does not, and waited for."""
    with _sigterm_interrupts():
        child: subprocess.Popen[bytes] | None = None
        try:
            child = subprocess.Popen(datasette_command(db_path, metadata_path, port))
            return child.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            if child is not None:
                stop_child(child)


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """Terminate `child` if it still runs, kill it after STOP_WAIT seconds, and reap it."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(STOP_WAIT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM interrupts like Ctrl-C, so the `finally` that stops the child runs
    (Python's default for SIGTERM ends the process at once and leaves the child behind)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second one must not cut the stop short
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
