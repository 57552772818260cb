"""Benchmark the matcher against a naive baseline measured in the same run.

    python bench/match.py [--articles 10000] [--names 5000] [--sample 100]

Builds a watchlist of N company names (the built-in directory's companies, topped up with synthetic
names), generates synthetic 2-3 KB news articles that mention some of them alongside risk vocabulary,
and times two jobs, each for the matcher (compiled automatons over all names and topic rules, every
article) and for a naive baseline doing the same job with one compiled regex per name and per rule
term (a sample of articles):
  - the alert path, what `riskwire poll` and `run` do with each new article: which watched companies
    does it raise a risk alert for (the naive way: every term's regex, then every name's when one hit);
  - all company links, what `riskwire scan` prints: every watched company the article is about, with or
    without a risk topic (the naive way: every name's and every term's regex).
Each matcher job runs `--repeat` passes (5) and reports the median pass, with the spread. Prints
compile time, peak memory, both rates, and finally one line for the alert path:
    matcher N articles/s, baseline M articles/s, ratio R
Targets: >= 10,000 articles/s on one core, compile under 1 s, under 100 MB.

It also times the listed-parties check (rules.sanctions) the poll runs on each alert's article: the
parties every article names looked up among `--listed` synthetic listed names and aliases (30,000;
one article in ten names one of them after "through"), against matching the same articles without
the lists, in the same run:
    listed parties: P ms per article against N listed names; matching without the lists M ms, ratio R
Target: under 1 ms per article.

Last, a wide run watches `--tickers` companies (5,000: every company of the directory, topped up with
synthetic ones) and times the alert path over the same articles, with the ratio to the default run:
    5,000 tickers (...): matcher N articles/s (...), process peak RSS M MB; ratio to the default run R
Target: >= 10,000 articles/s on one core, under 300 MB.
And a dense corpus (`--dense`, 2,000 articles of about 3 KB): news text that names many watched
companies (ten to twenty each, several more than once) amid many risk words, the worst case for the
alert path. It reports the matcher's articles/s on it against a raw pyahocorasick scan with the same
patterns (every watched name and rule term, space-padded over the same normalised text: the floor
any Aho-Corasick matcher starts from), in the same run:
    dense corpus: matcher N articles/s (A alerts), raw pyahocorasick scan M articles/s (H hits), ratio R
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.pipeline.matching import settle_heap
from rules.directory import CompanyDirectory
from rules.engine import Matcher
from rules.models import Company
from rules.rulefile import load_topics
from rules.sanctions.models import ListedEntry
from rules.sanctions.screen import SanctionsIndex
from rules.text import Doc

FILLER = [
    "the",
    "company",
    "said",
    "on",
    "Monday",
    "that",
    "quarterly",
    "results",
    "would",
    "be",
    "published",
    "later",
    "this",
    "month",
    "after",
    "a",
    "review",
    "of",
    "operations",
    "in",
    "several",
    "markets",
    "analysts",
    "expect",
    "revenue",
    "to",
    "grow",
    "as",
    "demand",
    "for",
    "its",
    "products",
    "rises",
    "while",
    "costs",
    "remain",
    "under",
    "pressure",
    "from",
    "higher",
    "wages",
    "and",
    "energy",
    "prices",
    "the",
    "chief",
    "executive",
    "told",
    "investors",
    "that",
    "the",
    "outlook",
    "for",
    "next",
    "year",
    "remained",
    "uncertain",
    "but",
    "the",
    "board",
    "approved",
    "a",
    "new",
    "dividend",
    "shares",
    "rose",
    "in",
    "early",
    "trading",
    "before",
    "falling",
    "back",
    "as",
    "the",
    "broader",
    "market",
    "weakened",
    "regulators",
    "in",
    "Europe",
    "and",
    "the",
    "United",
    "States",
    "continue",
    "to",
    "examine",
    "the",
    "sector",
    "and",
    "lawmakers",
    "have",
    "called",
    "for",
    "new",
    "rules",
]
RISK = [
    "breached sanctions on Russia",
    "a former employee alleged retaliation",
    "facial recognition software",
    "the whistleblower told regulators",
    "export controls violations",
    "OFAC settlement",
    "spyware",
    "mass surveillance of protesters",
    "accused of bribery",
    "money laundering failures",
    "price fixing cartel",
    "a data breach exposed records",
    "forced labour in the supply chain",
    "an oil spill",
    "a product recall",
    "location data sold to brokers",
    "sanctions evasion through a shell company",
    "unfair dismissal claim",
]
SYLLABLES = ["zen", "tri", "vax", "lor", "qui", "mar", "tek", "nov", "ori", "bel", "dra", "sol", "fin", "gra"]
SUFFIXES = ["Holdings", "Group", "Systems", "Industries", "Technologies", "Partners", "Energy", "Bank"]


def synthetic_companies(count: int, rnd: random.Random, *, tickers: bool = False) -> list[Company]:
    """The directory's companies, topped up with made-up ones, until `count` names (with `tickers`:
    `count` companies) are watched."""
    directory = CompanyDirectory.default()
    companies: list[Company] = []
    names = 0

    def size() -> int:
        return len(companies) if tickers else names

    for ticker in directory.primary_tickers():
        company = directory.get(ticker)
        if company is None:
            continue
        companies.append(company)
        names += len(company.names) + len(company.ambiguous)
        if size() >= count:
            return companies
    i = 0
    while size() < count:
        word = "".join(rnd.choice(SYLLABLES) for _ in range(3)).capitalize()
        companies.append(Company(ticker=f"SYN{i}", name=f"{word} {rnd.choice(SUFFIXES)}", names=(word,)))
        names += 1
        i += 1
    return companies


def many_tickers(
    count: int, articles: list[tuple[str, str, str]], repeat: int, default_rate: float, rnd: random.Random
) -> str:
    """Time the alert path watching `count` tickers (the directory's companies, then synthetic ones)
    over the same articles as the default run; the summary line, with the ratio to the default run."""
    companies = synthetic_companies(count, rnd, tickers=True)
    made_up = sum(1 for c in companies if c.ticker.startswith("SYN"))
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    matcher = Matcher(companies)
    compile_s = time.perf_counter() - started
    for title, lead, body in articles[:1000]:
        matcher.risk_matches_doc(Doc.from_parts(title, lead, body))
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    settle_heap()
    runs: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        for title, lead, body in articles:
            matcher.risk_matches_doc(Doc.from_parts(title, lead, body))
        runs.append(time.perf_counter() - started)
    speed = rate(len(articles), statistics.median(runs))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    names = sum(len(c.names) + len(c.ambiguous) for c in companies)
    return (
        f"{len(companies):,} tickers ({made_up:,} synthetic, {names:,} names): "
        f"matcher {speed:,.0f} articles/s (alert path, median of {repeat}), "
        f"compile {compile_s * 1000:.0f} ms, matcher peak "
        f"{traced_peak / 2**20:.1f} MB (traced), process peak RSS {rss_mb:.0f} MB; "
        f"ratio to the default run {speed / default_rate:.2f}"
    )


def synthetic_articles(
    count: int, companies: list[Company], rnd: random.Random
) -> list[tuple[str, str, str]]:
    """(title, lead, body) of 2-3 KB shaped like a company-news feed: each article is about one watched
    company (named in the headline and a few times in the text), half of them name one or two other
    companies in passing, and one in five carries risk vocabulary (one to three risk phrases)."""
    out = []
    for _ in range(count):
        subject, *others = rnd.sample(companies, 3)
        name = rnd.choice(subject.names or (subject.name,))
        passing = [rnd.choice(c.names or (c.name,)) for c in others[: rnd.choice((0, 0, 1, 2))]]
        risky = rnd.random() < 0.2
        verb = (
            rnd.choice(["faces", "denies", "is accused of"])
            if risky
            else rnd.choice(["reports", "announces"])
        )
        title = f"{name} {verb} {rnd.choice(RISK) if risky else 'quarterly results'}"
        risk_left = rnd.randint(1, 3) if risky else 0
        target = rnd.randint(2000, 3000)
        parts: list[str] = []
        size = 0
        while size < target:
            sentence = rnd.sample(FILLER, rnd.randint(12, 24))
            if rnd.random() < 0.2:
                sentence.insert(rnd.randint(0, len(sentence)), name)
            if passing and rnd.random() < 0.1:
                sentence.insert(rnd.randint(1, len(sentence)), "rivals such as " + rnd.choice(passing))
            if risk_left and rnd.random() < 0.2:
                sentence.insert(rnd.randint(0, len(sentence)), rnd.choice(RISK))
                risk_left -= 1
            text = " ".join(sentence).capitalize() + "."
            parts.append(text)
            size += len(text) + 1
        lead, _, body = " ".join(parts).partition(". ")
        out.append((title, f"{name} {lead}.", body))
    return out


FORMS = ["LLC", "OOO", "JSC", "B.V.", "Ltd", "AG", ""]
GIVEN = ["Arkady", "Zhanna", "Timur", "Oksana", "Ruslan", "Farid", "Leyla", "Bogdan", "Kira", "Nazar"]


def synthetic_listed(count: int, rnd: random.Random) -> list[ListedEntry]:
    """`count` made-up listed names: organisations with a legal form and an alias or two, and people
    with a given name and a made-up family name, spread over four lists."""
    out = []
    for i in range(count):
        word = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4))).capitalize()
        second = "".join(rnd.choice(SYLLABLES) for _ in range(2)).capitalize()
        if i % 3 == 2:
            name, aliases, kind = (
                f"{rnd.choice(GIVEN)} {word}{rnd.choice(['ov', 'enko', 'ski'])}",
                (),
                "person",
            )
        else:
            name = f"{rnd.choice(FORMS)} {word} {second}".strip()
            aliases, kind = (
                (f"{word}{second}".upper(), f"{word} {rnd.choice(SUFFIXES)}")[: rnd.randint(0, 2)],
                "entity",
            )
        out.append(
            ListedEntry(list=f"list{i % 4}", name=name, aliases=aliases, programme="Synthetic", kind=kind)
        )
    return out


def listed_parties(
    articles: list[tuple[str, str, str]], matcher: Matcher, count: int, repeat: int, rnd: random.Random
) -> str:
    """Time the listed-parties check against matching without the lists; the summary line."""
    entries = synthetic_listed(count, rnd)
    texts = []
    for i, (title, lead, body) in enumerate(articles):
        if i % 10 == 0:  # one article in ten names a listed party
            body = f"{body} The payments went through {rnd.choice(entries).name} last year."
        texts.append((title, lead, body, f"{title}\n\n{lead}\n\n{body}"))
    started = time.perf_counter()
    index = SanctionsIndex(entries)
    build_s = time.perf_counter() - started
    screen_runs, match_runs, found = [], [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        for title, lead, body, _text in texts:
            matcher.risk_matches_doc(Doc.from_parts(title, lead, body))
        match_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        found = 0
        for *_, text in texts:
            found += len(index.screen(text))
        screen_runs.append(time.perf_counter() - started)
    n = len(texts)
    screen_ms = statistics.median(screen_runs) / n * 1000
    match_ms = statistics.median(match_runs) / n * 1000
    print(
        f"listed names: {count:,} entries, {len(index.keys):,} keys, index built in {build_s * 1000:.0f} ms; "
        f"{found} listed parties found in {n} articles"
    )
    both = match_ms + screen_ms
    return (
        f"listed parties: {screen_ms:.3f} ms per article against {count:,} listed names; matching without "
        f"the lists {match_ms:.3f} ms, with them {both:.3f} ms, ratio {both / match_ms:.2f}"
    )


def dense_articles(count: int, companies: list[Company], rnd: random.Random) -> list[tuple[str, str, str]]:
    """(title, lead, body) of about 3 KB each, dense like a market wrap or an enforcement round-up:
    ten to twenty watched companies named (some more than once) and a risk phrase in most sentences."""
    out = []
    for _ in range(count):
        named = [rnd.choice(c.names or (c.name,)) for c in rnd.sample(companies, rnd.randint(10, 20))]
        title = f"{named[0]} and {named[1]} {rnd.choice(RISK)}"
        parts: list[str] = []
        size = 0
        while size < 3000:
            sentence = rnd.sample(FILLER, rnd.randint(8, 14))
            for _ in range(rnd.randint(1, 2)):
                sentence.insert(rnd.randint(0, len(sentence)), rnd.choice(named))
            if rnd.random() < 0.7:
                sentence.insert(rnd.randint(0, len(sentence)), rnd.choice(RISK))
            text = " ".join(sentence).capitalize() + "."
            parts.append(text)
            size += len(text) + 1
        lead, _, body = " ".join(parts).partition(". ")
        out.append((title, f"{lead}.", body))
    return out


def raw_automaton(companies: list[Company]) -> Any:
    """One pyahocorasick automaton over every watched name and rule term, keys space-padded (whole
    words only), as the engine pads them."""
    import ahocorasick

    keys: set[str] = set()
    for c in companies:
        keys.update(n.lower() for n in (*c.names, *c.ambiguous))
    for topic in load_topics():
        for rule in topic.rules:
            for group in rule.groups:
                for term in group:
                    keys.add(f"{term.text} {term.rest}".strip().lower() if term.rest else term.text.lower())
    automaton = ahocorasick.Automaton()
    for key in keys:
        padded = " " + _NON_WORD.sub(" ", key) + " "
        automaton.add_word(padded, padded)
    automaton.make_automaton()
    return automaton


_NON_WORD = re.compile(r"[^0-9a-z]")


def raw_scan(automaton: Any, title: str, lead: str, body: str) -> int:
    """Normalise like the engine (lower case, every other character a space) and list every hit."""
    text = " " + _NON_WORD.sub(" ", f"{title}\n{lead}\n{body}".lower()) + " "
    return sum(1 for _ in automaton.iter(text))


def dense(companies: list[Company], matcher: Matcher, count: int, repeat: int, rnd: random.Random) -> str:
    """The dense-corpus line: the alert path against a raw automaton scan, median of `repeat` passes."""
    articles = dense_articles(count, companies, rnd)
    automaton = raw_automaton(companies)
    ours: list[float] = []
    raw: list[float] = []
    alerts = hits = 0
    for _ in range(repeat):
        started = time.perf_counter()
        alerts = sum(len(matcher.risk_matches_doc(Doc.from_parts(t, le, b))) for t, le, b in articles)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        hits = sum(raw_scan(automaton, t, le, b) for t, le, b in articles)
        raw.append(time.perf_counter() - started)
    avg = sum(len(t) + len(le) + len(b) for t, le, b in articles) / len(articles)
    mine, floor = rate(count, statistics.median(ours)), rate(count, statistics.median(raw))
    return (
        f"dense corpus ({count} articles, average {avg / 1024:.1f} KB): matcher {mine:,.0f} articles/s "
        f"({alerts} alerts), raw pyahocorasick scan {floor:,.0f} articles/s ({hits} hits), "
        f"ratio {mine / floor:.2f}"
    )


def _regex(term: str) -> re.Pattern[str]:
    return re.compile(r"\b" + (term if "\\w*" in term else re.escape(term)) + r"\b", re.I)


def naive_patterns(companies: list[Company]) -> tuple[list[re.Pattern[str]], list[re.Pattern[str]]]:
    """One compiled regex per rule term, and one per company name: the obvious approach."""
    names: set[str] = set()
    for c in companies:
        names.update(c.names)
        names.update(c.ambiguous)
    terms: set[str] = set()
    for topic in load_topics():
        for rule in topic.rules:
            for group in rule.groups:
                for term in group:
                    terms.add(
                        re.escape(term.text)
                        + ("\\w*" if term.stem else "")
                        + (" " + re.escape(term.rest) if term.rest else "")
                    )
    return [re.compile(r"\b" + t + r"\b", re.I) for t in terms], [_regex(n) for n in names]


def naive_alerts(
    text: str, term_patterns: list[re.Pattern[str]], name_patterns: list[re.Pattern[str]]
) -> int:
    """The naive alert path: every rule term's regex, then (only when one hit) every name's regex."""
    if not any(p.search(text) for p in term_patterns):
        return 0
    return sum(1 for p in name_patterns if p.search(text))


def naive_links(text: str, term_patterns: list[re.Pattern[str]], name_patterns: list[re.Pattern[str]]) -> int:
    """The naive full match: every name's and every term's regex, all occurrences."""
    return sum(sum(1 for _ in p.finditer(text)) for p in (*name_patterns, *term_patterns))


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def _spread(count: int, runs: list[float]) -> str:
    rates = sorted(rate(count, s) for s in runs)
    middle = statistics.median(rates)
    return f"median {middle:,.0f} of {len(rates)} (min {rates[0]:,.0f}, max {rates[-1]:,.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--names", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=100, help="articles for the naive baseline")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat", type=int, default=5, help="passes over the articles; the median pass is reported"
    )
    parser.add_argument(
        "--listed", type=int, default=30000, help="synthetic listed names for the parties check"
    )
    parser.add_argument(
        "--tickers", type=int, default=5000, help="tickers watched in the wide run (0: no wide run)"
    )
    parser.add_argument("--dense", type=int, default=2000, help="articles in the dense corpus")
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    companies = synthetic_companies(args.names, rnd)
    articles = synthetic_articles(args.articles, companies, rnd)
    avg = sum(len(t) + len(le) + len(b) for t, le, b in articles) / len(articles)
    watched_names = sum(len(c.names) + len(c.ambiguous) for c in companies)
    print(
        f"{len(articles)} articles (average {avg / 1024:.1f} KB), {len(companies)} companies, "
        f"{watched_names} names, {sum(len(t.rules) for t in load_topics())} topic rules"
    )

    gc.collect()
    started = time.perf_counter()
    matcher = Matcher(companies)
    compile_s = time.perf_counter() - started
    settle_heap()  # what `riskwire run` does after compiling a matcher (bot.pipeline.matching)

    # the alert path: what `riskwire poll` and `run` do with every new article
    alert_runs: list[float] = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        alerts = 0
        for title, lead, body in articles:
            alerts += len(matcher.risk_matches_doc(Doc.from_parts(title, lead, body)))
        alert_runs.append(time.perf_counter() - started)
    alert_s = statistics.median(alert_runs)

    # every company link, risky or not: what `riskwire scan` prints
    links_runs: list[float] = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        links = 0
        for title, lead, body in articles:
            links += len(matcher.match_text(title, lead, body))
        links_runs.append(time.perf_counter() - started)
    links_s = statistics.median(links_runs)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # memory of the matcher itself, measured apart because tracing slows everything down
    del matcher
    gc.collect()
    tracemalloc.start()
    matcher = Matcher(companies)
    for title, lead, body in articles[:1000]:
        matcher.match_text(title, lead, body)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    term_patterns, name_patterns = naive_patterns(companies)
    sample = [f"{t}\n{le}\n{b}" for t, le, b in articles[: args.sample]]
    started = time.perf_counter()
    for text in sample:
        naive_alerts(text, term_patterns, name_patterns)
    naive_alert_s = time.perf_counter() - started
    started = time.perf_counter()
    for text in sample:
        naive_links(text, term_patterns, name_patterns)
    naive_links_s = time.perf_counter() - started

    listed_line = listed_parties(articles, matcher, args.listed, args.repeat, rnd)
    wide_line = (
        many_tickers(args.tickers, articles, args.repeat, rate(len(articles), alert_s), rnd)
        if args.tickers
        else ""
    )
    dense_line = dense(companies, matcher, args.dense, args.repeat, rnd) if args.dense else ""

    n, m = len(articles), len(sample)
    print(f"compile: {compile_s * 1000:.0f} ms for {len(name_patterns) + len(term_patterns)} names and terms")
    print(
        f"memory: matcher compile + matching peak {traced_peak / 2**20:.1f} MB (traced); "
        f"process peak RSS {rss_mb:.0f} MB (interpreter, directory and articles included)"
    )
    links_ratio = rate(n, links_s) / rate(m, naive_links_s)
    print(
        f"all company links (scan):  matcher {rate(n, links_s):,.0f} articles/s ({links} links), "
        f"baseline {rate(m, naive_links_s):,.1f} articles/s, ratio {links_ratio:,.0f}"
    )
    print(
        f"alert path (poll, run):    matcher {rate(n, alert_s):,.0f} articles/s ({alerts} alerts), "
        f"baseline {rate(m, naive_alert_s):,.1f} articles/s on {m} articles"
    )
    print(listed_line)
    if wide_line:
        print(wide_line)
    if dense_line:
        print(dense_line)
    print(
        f"matcher passes (articles/s): alert path {_spread(n, alert_runs)}; "
        f"all links {_spread(n, links_runs)}"
    )
    print(
        f"matcher {rate(n, alert_s):,.0f} articles/s, baseline {rate(m, naive_alert_s):,.0f} articles/s, "
        f"ratio {rate(n, alert_s) / rate(m, naive_alert_s):,.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
