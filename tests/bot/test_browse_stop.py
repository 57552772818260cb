"""`riskwire browse` stops its Datasette child on SIGTERM and Ctrl-C and removes its temporary folder.

A stand-in `datasette` package on PYTHONPATH takes Datasette's place (browse starts it the same way,
`python -m datasette serve ...`): it records its pid and waits to be stopped, reaching no network.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.db import open_db
from tests.servicekit import wait_for

ROOT = Path(__file__).resolve().parents[2]

STAND_IN = """
import os, sys, time
with open(os.environ["STAND_IN_PIDFILE"], "w") as f:
    f.write(str(os.getpid()))
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_browse_stops_its_child_and_removes_its_temporary_folder(tmp_path: Path, sig: signal.Signals) -> None:
    stand_in = tmp_path / "site" / "datasette"
    stand_in.mkdir(parents=True)
    (stand_in / "__init__.py").write_text("")
    (stand_in / "__main__.py").write_text(STAND_IN)
    db_path = tmp_path / "history.db"
    open_db(db_path).close()
    pidfile = tmp_path / "child.pid"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "RISKWIRE_"))}
    env.update(
        {"RISKWIRE_DB": str(db_path), "PYTHONPATH": str(tmp_path / "site"), "STAND_IN_PIDFILE": str(pidfile)}
    )
    err = tmp_path / "stderr.txt"
    with err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "browse", "--port", "8765"], env=env, cwd=ROOT, stderr=stderr
        )
    child = 0
    try:
        assert wait_for(lambda: pidfile.exists() and pidfile.read_text() != "", 30), err.read_text()
        child = int(pidfile.read_text())
        meta = Path(re.search(r"canned queries: (\S+)", err.read_text()).group(1))  # type: ignore[union-attr]
        assert meta.is_file() and meta.parent.name.startswith("riskwire-browse-")
        proc.send_signal(sig)  # to riskwire alone (a terminal's Ctrl-C would reach the child too)
        assert proc.wait(30) == 0, err.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
        if child and alive(child):
            os.kill(child, signal.SIGKILL)
            time.sleep(0.1)
            pytest.fail("browse left its Datasette child running")
    assert not alive(child)
    assert not meta.parent.exists()
