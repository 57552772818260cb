"""Building matchers for a watchlist: caching, and keeping long-lived objects out of the collector's way."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from bot.pipeline.matching import matcher_for


def test_an_unchanged_watchlist_compiles_once() -> None:
    first = matcher_for({"AMZN": ("Kuiper",)})
    assert matcher_for({"amzn": ["Kuiper"]}) is first
    assert matcher_for({"AMZN": ()}) is not first


def _freeze_count(enable: bool) -> int:
    # in a child process: freezing the test process's heap would outlive this test
    code = textwrap.dedent(
        f"""
        import gc
        from bot.pipeline.matching import matcher_for, settle_heap_after_compiling
        if {enable}:
            settle_heap_after_compiling()
        matcher_for({{"AMZN": ()}})
        print(gc.get_freeze_count())
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


def test_the_service_settles_the_heap_after_compiling_and_one_shot_commands_do_not() -> None:
    assert _freeze_count(True) > 10_000  # the directory and the matcher at least
    assert _freeze_count(False) == 0
