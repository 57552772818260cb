"""How much more a hostile feed item costs than an ordinary one of the same size.

Prints, for each hostile shape, the time to match (or parse) it divided by the time for ordinary
text of the same length, measured in the same run. Before the matcher capped hits per term and
windowed its evidence sentences, a 200 KB item of repeated risk words took minutes (ratio in the
thousands); the goal is a ratio in the tens at most.

    python bench/hostile_input.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

from feeds.models import FeedError
from feeds.parse import parse_feed
from rules.directory import CompanyDirectory
from rules.engine import Matcher

SIZE = 200_000
ORDINARY = (
    "Amazon said on Tuesday that it would appeal the ruling. The company has denied wrongdoing. "
    "Analysts expect the case to take years, and shares were little changed in New York trading. "
)
HOSTILE = {
    "one risk word repeated": "sanctions ",
    "several risk words repeated": "whistleblower lawsuit sanctions denies fined ",
    "company and risk words, no full stop": "Amazon breached sanctions ",
}


def clock(work: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    directory = CompanyDirectory.default()
    matcher = Matcher([directory.resolve(t) for t in ("AMZN", "SHEL", "AAPL")])

    def match(body: str) -> Callable[[], object]:
        return lambda: matcher.match_text("Amazon breached sanctions", "Amazon said", body)

    baseline = clock(match((ORDINARY * (SIZE // len(ORDINARY) + 1))[:SIZE]))
    print(f"ordinary {SIZE // 1000} KB item: {baseline * 1000:.1f} ms (baseline)")
    for name, unit in HOSTILE.items():
        took = clock(match((unit * (SIZE // len(unit) + 1))[:SIZE]))
        print(f"{name}: {took * 1000:.1f} ms, ratio {took / baseline:.1f}")

    def parse(body: bytes) -> Callable[[], object]:
        def run() -> object:
            try:
                return parse_feed(body)
            except FeedError:
                return None

        return run

    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    item = "<rss><channel><item><title>&l9;</title></item></channel></rss>"
    bomb = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{lol}]>{item}'
    plain = f'<?xml version="1.0"?><rss version="2.0"><channel><item><title>{"x" * len(lol)}</title><link>https://a.example/</link></item></channel></rss>'
    base = clock(parse(plain.encode()))
    print(f"ordinary feed of the same size: {base * 1000:.2f} ms (baseline)")
    print(f"billion laughs (refused): ratio {clock(parse(bomb.encode())) / base:.2f}")


if __name__ == "__main__":
    main()
