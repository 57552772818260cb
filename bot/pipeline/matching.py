"""Build the Matcher for what is being watched, resolving tickers through the company directory."""

from __future__ import annotations

import gc
import logging
from collections.abc import Mapping, Sequence
from functools import lru_cache

from rules.directory import CompanyDirectory, ListedCompany
from rules.engine import Matcher
from rules.models import Company, WatchSpec

log = logging.getLogger(__name__)


def resolve_watch(
    specs: Sequence[WatchSpec], directory: CompanyDirectory | None = None
) -> tuple[list[Company], list[str]]:
    """Companies for the specs that resolve, and one message per ticker that does not."""
    directory = directory or CompanyDirectory.default()
    companies: list[Company] = []
    problems: list[str] = []
    for spec in specs:
        company = directory.get(spec.ticker, spec.names)
        if company is None:
            suggestions = directory.suggest(spec.ticker)
            hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
            problems.append(f"unknown ticker {spec.ticker}{hint}; give its company names to watch it")
        else:
            companies.append(company)
    return companies, problems


@lru_cache(maxsize=8)
def _cached(key: tuple[tuple[str, tuple[str, ...]], ...], listed: tuple[ListedCompany, ...] = ()) -> Matcher:
    directory = CompanyDirectory.default(listed)
    companies, problems = resolve_watch([WatchSpec(t, n) for t, n in key], directory)
    for problem in problems:
        log.warning("%s", problem)
    matcher = Matcher(companies)
    if _settle_after_compile:
        settle_heap()
    return matcher


_settle_after_compile = False


def settle_heap_after_compiling(on: bool = True) -> None:
    """Have every newly compiled matcher settle the heap (see `settle_heap`): for the long-running
    service, where the directory and matcher live as long as the process. One-shot commands leave the
    collector alone."""
    global _settle_after_compile
    _settle_after_compile = on


def settle_heap() -> None:
    """Move what is alive now (the directory, the compiled matcher, settings, open connections) out of
    the cyclic garbage collector's way: they live as long as the process, and every full collection
    would walk them again (about a tenth of the matching time). Objects freed later by reference
    counting are still freed; only a reference cycle among them would outlive its use."""
    gc.collect()
    gc.freeze()


def matcher_for(watched: Mapping[str, Sequence[str]], listed: Sequence[ListedCompany] = ()) -> Matcher:
    """A Matcher for ticker -> extra names, resolved through the built-in directory plus `listed`
    (stored listed companies); cached, so an unchanged watchlist compiles once."""
    key = tuple(sorted((t.upper(), tuple(n)) for t, n in watched.items()))
    return _cached(key, tuple(sorted(listed, key=lambda c: c.ticker)))
