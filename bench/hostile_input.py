"""How much more a hostile feed item costs than an ordinary one of the same size.

Prints, for each hostile shape, the time to match (or parse) it divided by the time for ordinary
text of the same length, measured in the same run. Before the matcher capped hits per term and
windowed its evidence sentences, a 200 KB item of repeated risk words took minutes (ratio in the
thousands); the goal is a ratio in the tens at most.

Then hostile feed documents of FEED_SIZE bytes against an ordinary feed of the same size: entity
declarations hidden from a hand-written prologue scanner behind a `<!--` inside other markup (an
ATTLIST default value, a processing instruction, a DOCTYPE system literal), with parameter entities,
in UTF-16, and pulling in an external subset. Each line gives the time and the peak Python memory
(tracemalloc) of the refusal and its time as a ratio to parsing the ordinary feed. Before the guard
used a real XML parser, the 2.4 MB ATTLIST-style feed took 30 s and 2.6 GB; the goal is each refusal
under 100 ms and 50 MB.

    python bench/hostile_input.py
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

from feeds.models import FeedError
from feeds.parse import parse_feed
from rules.directory import CompanyDirectory
from rules.engine import Matcher

SIZE = 200_000
FEED_SIZE = 2_400_000
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

    hostile_feeds()


def refuse(body: bytes) -> Callable[[], object]:
    def run() -> object:
        try:
            return parse_feed(body)
        except FeedError as exc:
            return exc

    return run


def peak_mb(work: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def laughs(levels: int = 9) -> str:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels))
    return f'<!ENTITY l0 "lol">{lol}'


def feed(prolog: str, title: str, size: int = FEED_SIZE) -> str:
    """An RSS document of about `size` characters: `prolog`, then ordinary items up to the size."""
    item = "<item><title>{t}</title><link>https://a.example/{n}</link><description>{d}</description></item>"
    head = f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<rss version="2.0"><channel><title>T</title>'
    parts, n, total = [head, item.format(t=title, n=0, d="first")], 1, len(head)
    while total < size:
        parts.append(item.format(t=f"Story {n}", n=n, d="Amazon said on Tuesday it would appeal. " * 10))
        total += len(parts[-1])
        n += 1
    return "".join(parts) + "</channel></rss>"


def hostile_feeds() -> None:
    bomb = laughs()
    quoted = bomb.replace('"', "&#34;")
    shapes = {
        "ATTLIST default value hiding <!--": f'<!DOCTYPE rss [<!ATTLIST rss x CDATA "<!--">{bomb}<!-- -->]>',
        "processing instruction hiding <!--": f"<!DOCTYPE rss [<?pi <!-- ?>{bomb}<!-- -->]>",
        "system literal hiding <!--": f'<!DOCTYPE rss SYSTEM "<!--" [{bomb}<!-- -->]>',
        "parameter entities": f'<!DOCTYPE rss [<?pi <!-- ?><!ENTITY % p "{quoted}"> %p;]>',
        "external subset": '<!DOCTYPE rss [<?pi <!-- ?><!ENTITY % x SYSTEM "http://127.0.0.1:9/x.dtd"> %x;]>',
    }
    plain = feed("", "Amazon fined").encode()
    base = clock(refuse(plain))
    size, peak = len(plain) / 1e6, peak_mb(refuse(plain))
    print(f"ordinary {size:.1f} MB feed: {base * 1000:.0f} ms, {peak:.0f} MB (baseline)")
    for name, prolog in shapes.items():
        for encoding in ("utf-8", "utf-16"):
            text = feed(prolog, "&l8;")
            body = text.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"').encode(encoding)
            outcome = refuse(body)()
            verdict = "refused" if isinstance(outcome, FeedError) else "ACCEPTED"
            took = clock(refuse(body))
            print(
                f"{name} ({encoding}, {len(body) / 1e6:.1f} MB): {verdict} in {took * 1000:.1f} ms, "
                f"{peak_mb(refuse(body)):.1f} MB, ratio {took / base:.3f}"
            )


if __name__ == "__main__":
    main()
