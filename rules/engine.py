"""The matching engine: Aho-Corasick automatons over every term, name and collision phrase (a primary
one read over each article, a partner one read only in the sentences where a rule started).

`Matcher(companies, topics)` compiles once; `match(article)` returns one Match per watched company
the article is about, with topics, stage, severity and evidence. `explain(article)` returns the
same analysis with everything that was considered and rejected, for people debugging rules.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter

import ahocorasick

from feeds.models import Article
from rules.linking import CompanyIndex, LinkingWords, Mention, describes_a_company, link_companies
from rules.models import STAGES, Company, Evidence, Match
from rules.rulefile import Rule, Term, TopicSpec, load_stage_rules, load_topics
from rules.severity import SeverityPolicy
from rules.text import Doc

MAX_EVIDENCE_PER_RULE = 3
MAX_HITS_PER_RULE = 20
EVIDENCE_CHARS = 100
_CHARS_PER_WORD = 40  # a generous upper bound of a word and its spaces, for proximity windows
# Occurrences kept per term: a hostile feed can repeat a word thousands of times; real articles stay
# far below, and every rule decision needs only a few.
MAX_HITS_PER_TERM = 200


@dataclass(slots=True)
class RuleHit:
    """A rule that fired (or was cancelled): where, in which field, and what cancelled it."""

    rule: Rule
    start: int
    end: int
    field: str
    doc: Doc
    cancelled_by: str | None = None

    @property
    def text(self) -> str:
        """The matched text on one line, at most EVIDENCE_CHARS long."""
        text = " ".join(self.doc.text[self.start : self.end].split())
        if len(text) > EVIDENCE_CHARS:
            text = text[: EVIDENCE_CHARS - 1].rsplit(" ", 1)[0] + "…"
        return text

    @property
    def sentence(self) -> str:
        return self.doc.sentence(self.start)


@dataclass
class TopicResult:
    """A topic's evidence in one article, and whether it reached the threshold."""

    spec: TopicSpec
    score: float
    hits: list[RuleHit]

    @property
    def tagged(self) -> bool:
        return self.score >= self.spec.threshold


@dataclass
class Analysis:
    """Everything the engine found in one article."""

    doc: Doc
    mentions: dict[str, list[Mention]]
    linked: dict[str, float]
    rejected: dict[str, str]
    topics: list[TopicResult]
    stage_hits: list[RuleHit]
    stage: str | None
    denied: bool
    matches: list[Match] = field(default_factory=list)


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    groups: tuple[frozenset[int], ...]  # term ids
    none: frozenset[int]
    none_article: frozenset[int]
    start: frozenset[int]  # the terms whose occurrence makes the rule worth looking at


Spans = dict[int, list[tuple[int, int]]]
# an automaton key: (padded length, exact term id or -1, ((rest, stem term id), ...), is a name key)
_Key = tuple[int, int, tuple[tuple[str, int], ...], bool]


def _spacing_variants(key: str) -> list[str]:
    """`key` with one or more of its spaces doubled: where punctuation sat between two words, the
    normalised text has two spaces ("users' data" -> 'users  data', "'unreliable entity' list" ->
    'unreliable entity  list'), and the term is found there too. Terms of up to four words."""
    gaps = [i for i, ch in enumerate(key) if ch == " "]
    if not gaps or len(gaps) > 3:
        return []
    variants = []
    for mask in range(1, 2 ** len(gaps)):
        out, last = [], 0
        for bit, at in enumerate(gaps):
            if mask >> bit & 1:
                out.append(key[last:at] + " ")
                last = at
        out.append(key[last:])
        variants.append("".join(out))
    return variants


class Matcher:
    """Compiled companies and rules. Read-only after construction; build once, use for many articles."""

    def __init__(
        self,
        companies: Sequence[Company],
        topics: Sequence[TopicSpec] | None = None,
        stage_rules: Sequence[Rule] | None = None,
        severity: SeverityPolicy | None = None,
    ) -> None:
        self.topics = list(topics if topics is not None else load_topics())
        self.stage_rules = list(stage_rules if stage_rules is not None else load_stage_rules())
        self.severity = severity or SeverityPolicy.default()
        self._words = LinkingWords.default()
        background = sorted(self._words.background, key=len, reverse=True)
        # (no words: a pattern that never matches)
        self._background_words = re.compile(
            r"\b(?:" + "|".join(map(re.escape, background)) + r")\b" if background else "(?!)"
        )
        self.companies = CompanyIndex(companies, self._words)
        self._topic_of = {t.id: t for t in self.topics}
        self._term_id: dict[Term, int] = {}
        rules = [r for t in self.topics for r in t.rules] + self.stage_rules
        self._first_stage_rule = len(rules) - len(self.stage_rules)
        self._rules = []
        for r in rules:
            groups = tuple(frozenset(self._tid(t) for t in g) for g in r.groups)
            none, none_article = (
                frozenset(self._tid(t) for t in terms) for terms in (r.none, r.none_article)
            )
            self._rules.append(_CompiledRule(r, groups, none, none_article, groups[r.start]))
        # rules are evaluated only when a term of their starting group occurs
        self._rules_by_term: dict[int, list[int]] = defaultdict(list)
        for idx, compiled in enumerate(self._rules):
            for tid in compiled.start:
                self._rules_by_term[tid].append(idx)
        # Two automatons. The primary one holds company names, the terms that can start a topic rule,
        # the article-wide cancelling terms and the stage and denial words; it runs on every article.
        # The partner one holds the other terms of topic rules (proximity partners, same-sentence
        # cancelling terms), which only matter in a sentence where a rule started, so it runs on those
        # sentences alone.
        topic_rules = self._rules[: self._first_stage_rule]
        self._topic_triggers = frozenset(tid for c in topic_rules for tid in c.start)
        topic_terms = {tid for c in topic_rules for tid in _terms_of(c)}
        stage_terms = {tid for c in self._rules[self._first_stage_rule :] for tid in _terms_of(c)}
        primary = set(self._topic_triggers) | {tid for c in topic_rules for tid in c.none_article}
        # stage words count anywhere in the article (a stage word that is also a topic rule's partner,
        # 'alleg*', 'settle*', must not be left to the partner scan)
        primary |= stage_terms
        self._automaton, self._keys = self._build_automaton(
            {t: i for t, i in self._term_id.items() if i in primary}, set(self.companies.name_keys())
        )
        partner_terms = topic_terms - primary
        self._partner, self._partner_keys = self._build_automaton(
            {t: i for t, i in self._term_id.items() if i in partner_terms}, set()
        )
        # per topic rule, the partner keys that can give it a term: a sentence is read for the partner
        # terms of the rules that can start in the article only (most partner words, 'revenue',
        # 'review', 'for', belong to rules that cannot)
        key_of_term: dict[int, list[int]] = defaultdict(list)
        for key, (_, exact_id, stem_terms, _) in enumerate(self._partner_keys):
            for tid in (exact_id, *(t for _, t in stem_terms)):
                if tid >= 0:
                    key_of_term[tid].append(key)
        self._partner_keys_of = [
            frozenset(key for tid in _terms_of(c) for key in key_of_term.get(tid, ())) for c in topic_rules
        ]
        # and per topic rule, an automaton of those keys alone: when one rule can start in an article
        # (most articles with a start word), its sentences are read for its partner terms only, and
        # the common words other rules pair with ('for', 'investors', 'the board') give no hits to
        # throw away
        words_of: dict[int, list[str]] = defaultdict(list)
        for word, key in self._partner.items():
            words_of[key].append(word)
        self._partner_of: list[ahocorasick.Automaton | None] = []
        for wanted in self._partner_keys_of:
            automaton = None
            if wanted:
                automaton = ahocorasick.Automaton()
                for key in wanted:
                    for word in words_of[key]:
                        automaton.add_word(word, key)
                automaton.make_automaton()
            self._partner_of.append(automaton)
        # the first primary key that is a company name and nothing else: the alert path leaves those
        # hits alone until a topic is tagged (most articles with a rule's start word tag none)
        self._names_from = next(
            (key for key, (_, exact_id, rests, _) in enumerate(self._keys) if exact_id < 0 and not rests),
            len(self._keys),
        )
        # the primary keys that can start a topic rule: an article without one cannot raise an alert,
        # which is found before any of its hits is looked at one by one
        self._trigger_keys = frozenset(
            key
            for key, (_, exact_id, stem_terms, _) in enumerate(self._keys)
            if exact_id in self._topic_triggers or any(tid in self._topic_triggers for _, tid in stem_terms)
        )

    @staticmethod
    def _build_automaton(
        terms: dict[Term, int], name_keys: set[str]
    ) -> tuple[ahocorasick.Automaton, list[_Key]]:
        """Keys are padded with spaces (the normalised text has a space at every word boundary), so the
        automaton reports whole words only: ' amazon ' for a name or exact term, ' violat' for a stem.
        Each key's value is its index in the returned list of (key length, exact term id or -1,
        ((rest, stem term id), ...), is a name key)."""
        exact: dict[str, int] = {}
        stems: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for term, tid in terms.items():
            if term.stem:
                stems[term.text].append((term.rest, tid))
            else:
                exact[term.text] = tid
        automaton = ahocorasick.Automaton()
        keys: list[_Key] = []
        for key in sorted(exact):
            padded = f" {key} "
            automaton.add_word(padded, len(keys))
            keys.append((len(padded), exact[key], (), key in name_keys))
            if key not in name_keys:
                # punctuation between words leaves two spaces in the normalised text (see
                # _spacing_variants): the term is found there too
                for variant in _spacing_variants(key):
                    if variant not in exact and variant not in name_keys:
                        automaton.add_word(f" {variant} ", len(keys))
                        keys.append((len(variant) + 2, exact[key], (), False))
        for key, rests in sorted(stems.items()):
            automaton.add_word(f" {key}", len(keys))
            keys.append((len(key) + 1, -1, tuple(rests), False))
            for variant in _spacing_variants(key):  # "friends' exact location*"
                if variant not in stems:
                    automaton.add_word(f" {variant}", len(keys))
                    keys.append((len(variant) + 1, -1, tuple(rests), False))
        # keys that are names and nothing else come last (see Matcher._names_from)
        for key in sorted(name_keys.difference(exact)):
            padded = f" {key} "
            automaton.add_word(padded, len(keys))
            keys.append((len(padded), -1, (), True))
        if not keys:
            automaton.add_word("\x00", 0)  # an empty automaton cannot be built
            keys.append((1, -1, (), False))
        automaton.make_automaton()
        return automaton, keys

    def _tid(self, term: Term) -> int:
        return self._term_id.setdefault(term, len(self._term_id))

    # -- scanning ---------------------------------------------------------------------------------

    def _scan(self, doc: Doc) -> tuple[Spans, list[tuple[str, int, int]]]:
        """Every primary term occurrence (by term id) and every name key occurrence, as whole words,
        in the text."""
        return self._collect(doc, list(self._automaton.iter(f" {doc.low} ")))

    def _collect(
        self,
        doc: Doc,
        hits: list[tuple[int, int]],
        partner: bool = False,
        spans: Spans | None = None,
        base: int = 0,
    ) -> tuple[Spans, list[tuple[str, int, int]]]:
        """Term spans and name keys from an automaton's (end, key) hits in a piece of the text that
        starts `base` characters in (the piece has a space before it, so its offsets are those of the
        text less `base`)."""
        low = doc.low
        n = len(low)
        keys = self._partner_keys if partner else self._keys
        spans = spans if spans is not None else defaultdict(list)
        names: list[tuple[str, int, int]] = []
        for end_idx, key in hits:
            length, exact_id, stem_terms, is_name = keys[key]
            end_idx += base
            start = end_idx - length + 1  # = offset in low of the word's first character
            if not stem_terms:
                end = end_idx - 1
                if exact_id >= 0:
                    held = spans[exact_id]
                    if len(held) < MAX_HITS_PER_TERM:
                        held.append((start, end))
                if is_name:
                    names.append((low[start:end], start, end))
                continue
            word_end = low.find(" ", end_idx)
            if word_end < 0:
                word_end = n
            for rest, tid in stem_terms:
                if len(spans.get(tid, ())) >= MAX_HITS_PER_TERM:
                    continue
                if not rest:
                    spans[tid].append((start, word_end))
                    continue
                tail = word_end + 1 + len(rest)
                if low.startswith(rest, word_end + 1) and (tail >= n or low[tail] == " "):
                    spans[tid].append((start, tail))
        return spans, names

    # -- rules ------------------------------------------------------------------------------------

    def _background(self, doc: Doc, pos: int) -> bool:
        """Whether the body sentence at `pos` tells the story's background ('The action follows a U.S.
        decision to add NSO to the Entity List', 'sanctions imposed in 2017 already restrict PDVSA'): a
        risk told only there is not the story's own."""
        lo, hi = doc.sentence_bounds(pos)
        return self._background_words.search(doc.low, lo, hi) is not None

    def _eval_rule(
        self,
        compiled: _CompiledRule,
        doc: Doc,
        spans: Spans,
        present: set[int],
        enough: int = MAX_HITS_PER_RULE,
    ) -> list[RuleHit]:
        """The rule's hits, stopping after `enough` that nothing cancelled. `present` is the set of
        term ids in `spans`."""
        rule = compiled.rule
        first = _occurrences(compiled.groups[0], spans, present)
        others = []
        for group in compiled.groups[1:]:
            found = _occurrences(group, spans, present)
            if not found:
                return []
            others.append(found)
        nones = _occurrences(compiled.none, spans, present) if compiled.none else []
        article_cancel = None
        if compiled.none_article:
            for tid in compiled.none_article & present:
                found_at = spans[tid][0]
                article_cancel = doc.text[found_at[0] : found_at[1]] + " (in the article)"
                break
        out: list[RuleHit] = []
        fired = 0
        scope, within, ordered = rule.scope, rule.within, rule.ordered
        title_end, lead_end = doc.spans["title"][1], doc.spans["lead"][1]  # as Doc.field_at
        bounded = bool(others or nones)
        starts = doc.sentence_starts if bounded else []
        last, size = len(starts) - 1, len(doc.text)
        bounds = (0, 0)
        for hit_start, hit_end in first:
            fld = "title" if hit_start <= title_end else "lead" if hit_start <= lead_end else "body"
            if fld not in scope:
                continue
            span = (hit_start, hit_end)
            if bounded:  # as Doc.sentence_bounds
                i = bisect.bisect_right(starts, hit_start) - 1
                bounds = (starts[i], starts[i + 1] if i < last else size)
            if others:
                near = _close_to(within, doc, hit_start, hit_end, bounds, others, ordered)
                if near is None:
                    continue
                span = near
            cancel = article_cancel
            if cancel is None and nones:
                i = bisect.bisect_left(nones, (bounds[0], -1))
                if i < len(nones) and nones[i][0] < bounds[1]:
                    cancel = doc.text[nones[i][0] : nones[i][1]]
            out.append(RuleHit(rule, span[0], span[1], fld, doc, cancel))
            fired += cancel is None
            if fired >= enough or len(out) >= 4 * MAX_HITS_PER_RULE:
                break  # enough to score and explain; the rest adds nothing
        return out

    # -- public -----------------------------------------------------------------------------------

    def analyse(self, article: Article) -> Analysis:
        """Every company mention, rule hit, topic score, stage and the resulting matches."""
        return self.analyse_doc(Doc.from_article(article))

    def analyse_doc(self, doc: Doc) -> Analysis:
        """The analysis of prepared text (see `analyse`)."""
        spans, names = self._scan(doc)
        return self._analyse(doc, spans, names)

    def _scan_partners(self, doc: Doc, spans: Spans, candidates: set[int]) -> None:
        """Scan for the partner terms of the `candidates` rules in the sentences where a topic rule can
        start (where they count)."""
        rules = [idx for idx in candidates if idx < self._first_stage_rule and self._partner_of[idx]]
        if not rules:
            return
        if len(rules) == 1:  # its own automaton gives the same hits as the filter below
            wanted = None
            iterate = self._partner_of[rules[0]].iter  # type: ignore[union-attr]
        else:
            wanted = frozenset().union(*[self._partner_keys_of[idx] for idx in rules])
            iterate = self._partner.iter
        starts = doc.sentence_starts
        where = bisect.bisect_right
        # the sentences by index (many trigger words share one), then each run of neighbouring ones
        # scanned as one piece
        found = sorted(
            {
                where(starts, start) - 1
                for tid in self._topic_triggers.intersection(spans)
                for start, _ in spans[tid]
            }
        )
        last = len(starts) - 1
        size = len(doc.text)
        merged: list[list[int]] = []
        for i in found:
            lo, hi = starts[i], starts[i + 1] if i < last else size
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        low = doc.low
        for lo, hi in merged:
            if wanted is None:
                hits = list(iterate(f" {low[lo:hi]} "))
            else:
                hits = [hit for hit in iterate(f" {low[lo:hi]} ") if hit[1] in wanted]
            if hits:
                self._collect(doc, hits, True, spans, lo)

    def _analyse(
        self,
        doc: Doc,
        spans: Spans,
        names: list[tuple[str, int, int]] | None,
        decide_only: bool = False,
        risk_only: bool = False,
        hits: list[tuple[int, int]] | None = None,
    ) -> Analysis:
        """With `decide_only`, work that only explains is skipped; with `risk_only` too, an article in
        which no topic is tagged stops before company linking (it cannot raise an alert). Without `names`,
        they are read from the primary automaton's `hits` when needed."""
        candidates: set[int] = set()
        for tid in spans:
            candidates.update(self._rules_by_term.get(tid, ()))
        if candidates:
            self._scan_partners(doc, spans, candidates)
        present = set(spans)
        by_cls: dict[str, list[RuleHit]] = defaultdict(list)
        ordered = sorted(candidates)
        for idx in ordered:
            if idx < self._first_stage_rule:  # stage rules are looked at once a topic is tagged
                compiled = self._rules[idx]
                by_cls[compiled.rule.cls].extend(self._eval_rule(compiled, doc, spans, present))
        topics: list[TopicResult] = []  # only topics with at least one rule hit
        for spec in self.topics:
            rule_hits = by_cls.get(spec.id)
            if not rule_hits:
                continue
            best: dict[str, float] = {}
            for rh in rule_hits:
                if rh.cancelled_by is None and not (rh.field == "body" and self._background(doc, rh.start)):
                    best[rh.rule.id] = rh.rule.weight
            topics.append(TopicResult(spec, sum(best.values()), rule_hits))
        tagged = [t for t in topics if t.tagged]
        if risk_only and not tagged:
            return Analysis(doc, {}, {}, {}, topics, [], None, False)
        if names is None:
            names = self._names(doc, hits or [])
        if tagged or not decide_only:  # stage and denial rules only matter for risk matches
            for idx in ordered:  # (partner terms never start a rule: the candidates stand)
                if idx >= self._first_stage_rule:
                    compiled = self._rules[idx]
                    # deciding needs one hit of a stage rule; explaining shows them all
                    enough = 1 if decide_only else MAX_HITS_PER_RULE
                    by_cls[compiled.rule.cls].extend(self._eval_rule(compiled, doc, spans, present, enough))
        starts, where = doc.sentence_starts, bisect.bisect_right  # as Doc.sentence_index
        risk_sentences = {
            where(starts, rh.start) - 1 for t in tagged for rh in t.hits if rh.cancelled_by is None
        }
        mentions, linked, rejected = link_companies(
            self.companies, doc, names, risk_sentences, self._words, decide_only=decide_only
        )
        stage_hits = [rh for cls in STAGES for rh in by_cls.get(cls, ()) if rh.cancelled_by is None]
        stage = self.severity.latest_stage({rh.rule.cls for rh in stage_hits})
        denials = [rh for rh in by_cls.get("denied", []) if rh.cancelled_by is None]
        analysis = Analysis(
            doc, mentions, linked, rejected, topics, stage_hits + denials, stage, bool(denials)
        )
        analysis.matches = self._matches(analysis)
        return analysis

    def _matches(self, a: Analysis) -> list[Match]:
        if not a.linked:
            return []
        tagged = [t for t in a.topics if t.tagged]
        topic_ids = tuple(t.spec.id for t in tagged)
        evidence: list[Evidence] = []
        sentence = a.doc.sentence
        for t in tagged:
            per_rule: dict[str, int] = {}
            topic = t.spec.id
            for rh in t.hits:
                if rh.cancelled_by is None:
                    shown = per_rule.get(rh.rule.id, 0)
                    if shown < MAX_EVIDENCE_PER_RULE:
                        per_rule[rh.rule.id] = shown + 1
                        evidence.append(
                            Evidence(rh.rule.qualified_id, rh.text, sentence(rh.start), rh.field, topic)
                        )
        shared = tuple(evidence)  # every match of the article carries the same topic evidence
        money = self.severity.penalty_amount(a.doc) if tagged else 0.0
        severity = (
            self.severity.grade([self._topic_of[t] for t in topic_ids], a.stage, money) if tagged else "low"
        )
        out: list[Match] = []
        for ticker, salience in sorted(a.linked.items(), key=lambda kv: -kv[1]):
            company = self.companies.company(ticker)
            # the sentence around each mention is looked up only when the match is a risk alert
            cev = tuple(
                Evidence(f"company.{m.kind}", m.text, a.doc.sentence(m.start) if tagged else "", m.field)
                for m in [m for m in a.mentions.get(ticker, []) if m.valid][:3]
            )
            out.append(
                Match(
                    ticker,
                    company.name,
                    topic_ids,
                    severity,
                    a.stage,
                    a.denied,
                    shared,
                    cev,
                    salience,
                    self.companies.listings(ticker),
                )
            )
        return out

    def match(self, article: Article) -> list[Match]:
        """One Match per watched company the article is about (topics may be empty)."""
        return self.match_doc(Doc.from_article(article))

    def match_doc(self, doc: Doc) -> list[Match]:
        spans, names = self._scan(doc)
        if _nobody_in_head(doc, names, self._words) and self._topic_triggers.isdisjoint(spans):
            return []  # no company named up top, and no risk whose subject the body could name
        return self._analyse(doc, spans, names, decide_only=True).matches

    def match_text(self, title: str, lead: str = "", body: str = "") -> list[Match]:
        return self.match_doc(Doc.from_parts(title, lead, body))

    def risk_matches(self, article: Article) -> list[Match]:
        """Only the matches that carry a risk topic (what alerts are made of): the same results as
        `match` without the topic-less ones, and no linking work at all for an article in which no
        topic rule can start, which is most of them."""
        return self.risk_matches_doc(Doc.from_article(article))

    def risk_matches_doc(self, doc: Doc) -> list[Match]:
        hits = list(self._automaton.iter(f" {doc.low} "))
        if self._trigger_keys.isdisjoint(map(itemgetter(1), hits)):
            return []  # no topic rule can start (most articles): nothing else is looked at
        # company names are read only once a topic is tagged
        names_from = self._names_from
        spans, _ = self._collect(doc, [hit for hit in hits if hit[1] < names_from])
        if self._topic_triggers.isdisjoint(spans):
            return []
        analysis = self._analyse(doc, spans, None, decide_only=True, risk_only=True, hits=hits)
        return [m for m in analysis.matches if m.topics]

    def _names(self, doc: Doc, hits: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
        """The name keys among the primary automaton's hits over the whole text (as `_collect`)."""
        low, keys = doc.low, self._keys
        names = []
        for end_idx, key in hits:
            length, _, _, is_name = keys[key]
            if is_name:
                start = end_idx - length + 1
                names.append((low[start : end_idx - 1], start, end_idx - 1))
        return names


def _nobody_in_head(doc: Doc, names: list[tuple[str, int, int]], words: LinkingWords) -> bool:
    """No name starts in the headline or lead, no symbol is written anywhere and the headline
    describes no company ('Missile maker to pay...'): no company can be linked, so there is nothing
    to decide."""
    if "$" in doc.text or ":" in doc.text:
        return False
    head_end = doc.spans["lead"][1]
    return not any(start <= head_end for _, start, _ in names) and not describes_a_company(doc, words)


def _terms_of(compiled: _CompiledRule) -> set[int]:
    return {tid for group in compiled.groups for tid in group} | compiled.none | compiled.none_article


def _occurrences(terms: frozenset[int], spans: Spans, present: set[int]) -> list[tuple[int, int]]:
    """Every span of any of the terms, in text order. (Two sets meet from the smaller side; a set
    meeting a dict's keys would walk the whole set, and a rule's term list can be long.)"""
    found = terms & present
    if len(found) == 1:
        return spans[next(iter(found))]  # one term: its spans are in text order already
    return sorted(set().union(*[spans[tid] for tid in found]))


def _close_to(
    within: int | None,
    doc: Doc,
    start: int,
    end: int,
    bounds: tuple[int, int],
    others: list[list[tuple[int, int]]],
    ordered: bool = False,
) -> tuple[int, int] | None:
    """The span covering the hit and the nearest occurrence of every other group in the same sentence
    (within `within` words of the hit, and each after the previous group's when `ordered`), or None
    when a group has none there. `others` are sorted spans."""
    first_start, last_end = start, end
    span_start, span_end = start, end
    low = doc.low
    for group in others:
        best: tuple[int, int] | None = None
        best_dist = 1 << 30
        lo, hi = (last_end if ordered else bounds[0]), bounds[1]
        if within is not None:
            # no need to look further than `within` words of generous length either side (this keeps
            # one endless sentence of repeated terms from costing quadratic time)
            reach = (within + 1) * _CHARS_PER_WORD
            lo, hi = max(lo, first_start - reach), min(hi, end + reach)
        i = bisect.bisect_left(group, (lo, -1))
        while i < len(group) and group[i][0] < hi:
            other_start, other_end = group[i]
            i += 1
            if within is None:
                dist = abs(other_start - first_start)
            else:  # as Doc.words_between
                a, b = min(end, other_end), max(first_start, other_start)
                dist = len(low[a:b].split() if a <= b else low[b:a].split())
                if dist > within:
                    continue
            if dist < best_dist:
                best, best_dist = (other_start, other_end), dist
        if best is None:
            return None
        last_end = best[1]
        span_start, span_end = min(span_start, best[0]), max(span_end, best[1])
    return span_start, span_end
