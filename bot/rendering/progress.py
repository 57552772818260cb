"""Progress lines for long commands (`poll --once`, `feeds import`, `backtest`, `export`).

Shown only on a terminal: when stderr is not one (piped, redirected, a service's log) or with
`riskwire --quiet`, nothing is written. The line goes away when the work is done, before the
command's own summary. The work reports through a plain callback (`Progress`: done so far, out of a
total when known), so the modules doing it, and feeds/, rules/ and storage/ below them, never
import the terminal library (tqdm, loaded only when a line is shown).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

Progress = Callable[[int, "int | None"], None]
"""`progress(done, total)`: `done` items finished so far, out of `total` (None: not known)."""


def ignore(done: int, total: int | None) -> None:
    """A Progress that shows nothing."""


def visible(quiet: bool, stream: TextIO | None = None) -> bool:
    """Whether a progress line would be shown: not asked to be quiet, and `stream` (stderr) is a
    terminal."""
    stream = stream or sys.stderr
    try:
        return not quiet and stream.isatty()
    except (AttributeError, ValueError):  # a closed or stand-in stream
        return False


@contextlib.contextmanager
def progress_line(
    label: str, *, unit: str, quiet: bool = False, stream: TextIO | None = None
) -> Iterator[Progress]:
    """A progress line on `stream` (stderr) while the block runs, removed at its end; yields the
    callback that moves it. Off the terminal, or when `quiet`, the callback does nothing."""
    stream = stream or sys.stderr
    if not visible(quiet, stream):
        yield ignore
        return
    from tqdm import tqdm

    bar = tqdm(desc=label, unit=f" {unit}", leave=False, file=stream, dynamic_ncols=True, mininterval=0.2)

    def move(done: int, total: int | None) -> None:
        if total != bar.total:
            bar.total = total
            bar.refresh()
        bar.update(done - bar.n)

    try:
        yield move
    finally:
        bar.close()


def counted(items: Iterable[T], progress: Progress) -> Iterator[T]:
    """`items`, telling `progress` how many have been taken so far."""
    for done, item in enumerate(items, 1):
        yield item
        progress(done, None)
