"""A database the user cannot write is named, with the cause, in one line: the file or its folder is
not writable. SQLite itself says only "unable to open database file".

The suite runs as root, which file permissions do not stop, so the CLI runs unprivileged: as
`nobody` when that user can run this interpreter, else as root without the capabilities that
override file permissions (on files that then belong to nobody)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import open_db

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--inh-caps=-all", "--"]
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]


def _runs(prefix: list[str]) -> bool:
    try:
        done = subprocess.run([*prefix, sys.executable, "-c", "import bot"], cwd=ROOT, capture_output=True)
    except OSError:
        return False
    return done.returncode == 0


def unprivileged() -> tuple[list[str], bool]:
    """A command prefix that runs a program without root's power over files, and whether the files
    must belong to nobody for it (root without the override capabilities counts as "others")."""
    if os.geteuid() != 0:
        return [], False
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed: cannot run the CLI without root's file permissions")
    if _runs(AS_NOBODY):
        return AS_NOBODY, False
    if _runs(NO_OVERRIDE):
        return NO_OVERRIDE, True
    pytest.skip("neither nobody nor root without CAP_DAC_OVERRIDE can run this interpreter here")


@pytest.fixture
def folder() -> Iterator[Path]:
    """A world-readable temporary folder (pytest's own are private to root)."""
    path = Path(tempfile.mkdtemp(prefix="riskwire-ro-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_cli(prefix: list[str], db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "RISKWIRE_"))}
    env.update(RISKWIRE_DB=str(db), PYTHONPATH=str(ROOT), HOME=str(db.parent))
    return subprocess.run(  # in the database's folder, where no riskwire.toml is
        [*prefix, sys.executable, "-m", "bot", *args], cwd=db.parent, env=env, capture_output=True, text=True
    )


def lock_down(folder: Path, files: list[Path], to_nobody: bool) -> None:
    for path in [folder, *files]:
        if to_nobody:
            os.chown(path, NOBODY, NOBODY)
    os.chmod(folder, 0o755)
    for path in files:
        os.chmod(path, 0o644)


def test_a_read_only_database_file_is_named(folder: Path) -> None:
    prefix, to_nobody = unprivileged()
    db = folder / "riskwire.db"
    open_db(db).close()
    lock_down(folder, [db], to_nobody)
    done = run_cli(prefix, db, "watch", "list")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"riskwire: error: database file {db} is not writable by this user; "
        "fix its permissions or set RISKWIRE_DB"
    ]


def test_a_read_only_folder_is_named_for_a_new_database(folder: Path) -> None:
    prefix, to_nobody = unprivileged()
    lock_down(folder, [], to_nobody)
    db = folder / "new.db"
    done = run_cli(prefix, db, "watch", "list")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"riskwire: error: database folder {folder} is not writable by this user")
    assert not db.exists()
