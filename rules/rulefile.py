"""Topic rule files: load, validate and describe them. Errors name the file, the line and the problem.

A rule file is TOML, one per topic (rules/topics/*.toml):

    topic = "sanctions"                 # id used in alerts and by other programs
    label = "Sanctions & export controls"
    severity = "high"                   # base severity of the topic
    threshold = 2                       # summed rule weight needed to tag an article

    [[rule]]
    id = "breach"                       # unique within the file
    any = ["sanctions breach*", "evad* sanctions"]     # one of these terms ...
    all = [["russia", "iran"], ["sold", "supplied"]]   # ... or one term of each group ...
    within = 8                          # ... within 8 words of each other (always in one sentence)
    ordered = true                      # ... and in the order the groups are listed (default false)
    start = 2                           # the group looked for first (default 0, the first group)
    none = ["ncaa", "uefa"]             # cancelled when one of these is in the same sentence
    none_article = ["trade surveillance"]   # cancelled when one of these is anywhere in the article
    scope = ["title", "lead", "body"]   # where the rule looks (default: everywhere)
    weight = 2                          # default 1

A file may name lists of terms once and use them in any rule's groups as "@name":

    [terms]
    staff = ["employee*", "engineer*", "nurse*"]
    ...
    all = [["@staff", "insider*"], ["told regulators"]]

Terms are case-insensitive words; punctuation counts as spaces ('whistle-blower' is 'whistle blower');
one word of a term may end in `*` to match any ending ('violat*' matches violated, violation).

A rule is looked at only when a term of its starting `all` group (the first, or the one `start` names;
or of `any`) occurs in the article, so start from the rarest group: the matcher then skips the rule in
articles that cannot match it. `start` lets an ordered rule whose first group is common words ('staff',
'shared') start from a rarer one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from rules.models import SEVERITIES, STAGES
from rules.text import FIELDS, normalise_term

_TERM = re.compile(r"^[^*]+\*?(\s+[^*\s]+)*$|^([^*\s]+\s+)+[^*\s]+\*(\s+[^*\s]+)*$")
_RULE_KEYS = {
    "id",
    "any",
    "all",
    "within",
    "ordered",
    "start",
    "none",
    "none_article",
    "scope",
    "weight",
    "stage",
    "note",
}
_FILE_KEYS = {"topic", "label", "severity", "threshold", "description", "rule", "required", "kind", "terms"}


class RuleFileError(ValueError):
    """A rule file is broken; str() is 'FILE:LINE: problem'."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        super().__init__(f"{path}:{line}: {problem}" if line else f"{path}: {problem}")


@dataclass(frozen=True)
class Term:
    """One normalised term.

    `text` is what the automaton looks for; with `stem` its last word may continue ('violat' ->
    violated); `rest` is exact text that must follow the stemmed word ('track* users' -> 'track', 'users').
    """

    text: str
    stem: bool
    rest: str = ""

    @classmethod
    def parse(cls, raw: str) -> Term:
        words = raw.split()
        stems = [i for i, w in enumerate(words) if w.endswith("*")]
        if not stems:
            return cls(normalise_term(raw), False)
        if len(stems) > 1:
            raise ValueError("only one word of a term may end in *")
        i = stems[0]
        head = normalise_term(" ".join([*words[:i], words[i].rstrip("*")]))
        return cls(head, True, normalise_term(" ".join(words[i + 1 :])))

    def __str__(self) -> str:
        return self.text + ("*" if self.stem else "") + (f" {self.rest}" if self.rest else "")


@dataclass(frozen=True)
class Rule:
    """One compiled-ready rule: groups of alternative terms that must all occur close together."""

    cls: str  # the topic id, or a stage id, or "denied"
    id: str
    groups: tuple[tuple[Term, ...], ...]
    within: int | None  # None: same sentence
    ordered: bool
    none: tuple[Term, ...]
    none_article: tuple[Term, ...]
    scope: frozenset[str]
    weight: float
    line: int
    path: str
    start: int = 0  # the index of the group whose terms make the matcher look at the rule

    @cached_property
    def qualified_id(self) -> str:
        return f"{self.cls}.{self.id}"


@dataclass(frozen=True)
class TopicSpec:
    """A topic: id, label, base severity, threshold and its rules."""

    id: str
    label: str
    severity: str
    threshold: float
    rules: tuple[Rule, ...]
    path: str
    description: str = ""


def _line_of(text: str, needle: str, start_line: int = 1) -> int | None:
    for i, line in enumerate(text.splitlines()[start_line - 1 :], start_line):
        if needle in line:
            return i
    return None


def _expand(
    value: list[Any], lists: dict[str, list[Any]], where: str, path: str, line: int | None
) -> list[Any]:
    """`value` with every "@name" replaced by the file's term list of that name."""
    out: list[Any] = []
    for raw in value:
        if isinstance(raw, str) and raw.startswith("@"):
            if raw[1:] not in lists:
                known = ", ".join(f"@{name}" for name in sorted(lists)) or "none"
                raise RuleFileError(path, line, f"{where}: no term list {raw!r} in [terms] (known: {known})")
            out.extend(lists[raw[1:]])
        else:
            out.append(raw)
    return list(dict.fromkeys(out)) if all(isinstance(r, str) for r in out) else out


def _terms(
    value: Any, where: str, path: str, line: int | None, lists: dict[str, list[Any]] | None = None
) -> tuple[Term, ...]:
    if not isinstance(value, list) or not value:
        raise RuleFileError(path, line, f"{where} must be a non-empty list of strings")
    if lists is not None:
        value = _expand(value, lists, where, path, line)
    out: list[Term] = []
    for raw in value:
        if not isinstance(raw, str) or not raw.strip() or not _TERM.match(raw.strip()):
            raise RuleFileError(
                path, line, f"{where}: {raw!r} is not a term (words, only one word may end in *)"
            )
        try:
            term = Term.parse(raw)
        except ValueError as exc:
            raise RuleFileError(path, line, f"{where}: {raw!r}: {exc}") from None
        if len(term.text) < 2 or "*" in term.text:
            raise RuleFileError(path, line, f"{where}: {raw!r} is too short to match reliably")
        out.append(term)
    return tuple(out)


def parse_rules(text: str, path: str, default_cls: str | None, *, stage_file: bool = False) -> list[Rule]:
    """Parse the [[rule]] tables of one file; `default_cls` is the topic id for topic files."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise RuleFileError(path, int(match.group(1)) if match else None, f"not valid TOML: {exc}") from None
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleFileError(path, None, "has no [[rule]] tables")
    lists = data.get("terms", {})
    if not isinstance(lists, dict) or not all(
        isinstance(v, list) and v and all(isinstance(t, str) and not t.startswith("@") for t in v)
        for v in lists.values()
    ):
        raise RuleFileError(
            path, _line_of(text, "[terms]"), "[terms] must map names to non-empty lists of terms"
        )
    rules: list[Rule] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_rules, 1):
        rid = raw.get("id") if isinstance(raw, dict) else None
        header = _nth_rule_line(text, n)
        line = _line_of_id(text, rid, header or 1) if isinstance(rid, str) else None
        line = line or header
        if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", rid):
            raise RuleFileError(path, line, f"rule {n}: id must be lower-case letters, digits, - or _")
        if rid in seen:
            raise RuleFileError(path, line, f"rule id {rid!r} is used twice")
        seen.add(rid)

        def at(key: str, start: int | None = line) -> int | None:
            return _key_line(text, start, key) or start

        unknown = set(raw) - _RULE_KEYS
        if unknown:
            first = sorted(unknown)[0]
            raise RuleFileError(path, at(first), f"rule {rid!r}: unknown key(s) {', '.join(sorted(unknown))}")
        if ("any" in raw) == ("all" in raw):
            raise RuleFileError(path, line, f"rule {rid!r}: give exactly one of 'any' or 'all'")
        if "any" in raw:
            groups: tuple[tuple[Term, ...], ...] = (
                _terms(raw["any"], f"rule {rid!r} any", path, at("any"), lists),
            )
        else:
            groups_raw = raw["all"]
            if not isinstance(groups_raw, list) or len(groups_raw) < 2:
                raise RuleFileError(
                    path, at("all"), f"rule {rid!r}: 'all' must be a list of two or more term lists"
                )
            groups = tuple(
                _terms(g, f"rule {rid!r} all[{i}]", path, at("all"), lists) for i, g in enumerate(groups_raw)
            )
        within_raw = raw.get("within", "sentence")
        if within_raw == "sentence":
            within = None
        elif isinstance(within_raw, int) and not isinstance(within_raw, bool) and 0 < within_raw <= 60:
            within = within_raw
        else:
            raise RuleFileError(path, at("within"), f'rule {rid!r}: within must be 1..60 words or "sentence"')
        ordered = raw.get("ordered", False)
        if not isinstance(ordered, bool):
            raise RuleFileError(path, at("ordered"), f"rule {rid!r}: ordered must be true or false")
        start = raw.get("start", 0)
        if not isinstance(start, int) or isinstance(start, bool) or not 0 <= start < max(1, len(groups)):
            raise RuleFileError(
                path, at("start"), f"rule {rid!r}: start must name one of its 'all' groups (0..)"
            )
        none = _terms(raw["none"], f"rule {rid!r} none", path, at("none"), lists) if "none" in raw else ()
        none_article = (
            _terms(raw["none_article"], f"rule {rid!r} none_article", path, at("none_article"), lists)
            if "none_article" in raw
            else ()
        )
        scope_raw = raw.get("scope", list(FIELDS))
        if not isinstance(scope_raw, list) or not scope_raw or any(s not in FIELDS for s in scope_raw):
            raise RuleFileError(
                path, at("scope"), f"rule {rid!r}: scope must list some of {', '.join(FIELDS)}"
            )
        weight = raw.get("weight", 1)
        if not isinstance(weight, int | float) or isinstance(weight, bool) or not -10 <= weight <= 10:
            raise RuleFileError(path, at("weight"), f"rule {rid!r}: weight must be a number from -10 to 10")
        cls = default_cls
        if stage_file:
            cls = raw.get("stage")
            if cls not in (*STAGES, "denied"):
                raise RuleFileError(
                    path, line, f"rule {rid!r}: stage must be one of {', '.join(STAGES)} or denied"
                )
        elif "stage" in raw:
            raise RuleFileError(path, line, f"rule {rid!r}: 'stage' belongs in the stages file")
        assert cls is not None
        rules.append(
            Rule(
                cls,
                rid,
                groups,
                within,
                ordered,
                none,
                none_article,
                frozenset(scope_raw),
                float(weight),
                line or 0,
                path,
                start,
            )
        )
    return rules


def _key_line(text: str, start_line: int | None, key: str) -> int | None:
    """The line of `key = ...` inside the rule table starting at `start_line`."""
    if not start_line:
        return None
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    # the [[rule]] header may be above the id line; search the whole table around it
    begin = start_line - 1
    while begin > 0 and not lines[begin].strip().startswith("[[rule]]"):
        begin -= 1
    for i in range(begin, len(lines)):
        if i > begin and lines[i].strip().startswith("[["):
            break
        if pattern.match(lines[i]):
            return i + 1
    return None


def _line_of_id(text: str, rid: str, start_line: int) -> int | None:
    pattern = re.compile(rf"^\s*id\s*=\s*[\"']{re.escape(rid)}[\"']")
    for i, line in enumerate(text.splitlines()[start_line - 1 :], start_line):
        if pattern.match(line):
            return i
    return None


def _nth_rule_line(text: str, n: int) -> int | None:
    count = 0
    for i, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith("[[rule]]"):
            count += 1
            if count == n:
                return i
    return None


def load_topic_file(path: str, text: str) -> TopicSpec:
    """Parse one topic file's text; raise RuleFileError naming `path` and the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise RuleFileError(path, int(match.group(1)) if match else None, f"not valid TOML: {exc}") from None
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise RuleFileError(path, None, f"unknown top-level key(s) {', '.join(sorted(unknown))}")
    topic = data.get("topic")
    if not isinstance(topic, str) or not re.fullmatch(r"[a-z][a-z_]*", topic):
        raise RuleFileError(
            path, _line_of(text, "topic"), "topic must be a lower-case id such as 'sanctions'"
        )
    severity = data.get("severity", "medium")
    if severity not in SEVERITIES:
        raise RuleFileError(
            path, _line_of(text, "severity"), f"severity must be one of {', '.join(SEVERITIES)}"
        )
    threshold = data.get("threshold", 1)
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) or threshold <= 0:
        raise RuleFileError(path, _line_of(text, "threshold"), "threshold must be a positive number")
    rules = parse_rules(text, path, topic)
    return TopicSpec(
        topic,
        str(data.get("label") or topic),
        severity,
        float(threshold),
        tuple(rules),
        path,
        str(data.get("description") or ""),
    )


def builtin_rules_dir() -> Path:
    """The folder of the topic rule files shipped with Riskwire."""
    return Path(str(resources.files("rules").joinpath("topics")))


def load_topics(directory: str | Path | None = None) -> list[TopicSpec]:
    """Every topic file in `directory` (default: the built-in rules), sorted by topic id.

    The built-in rules ship with the package and are read once per process; a folder given by the
    user is read each time, so edits to it are seen."""
    if not directory:
        return list(_builtin_topics())
    return _read_topics(Path(directory))


@cache
def _builtin_topics() -> tuple[TopicSpec, ...]:
    return tuple(_read_topics(builtin_rules_dir()))


def _read_topics(folder: Path) -> list[TopicSpec]:
    if not folder.is_dir():
        raise RuleFileError(str(folder), None, "is not a folder of rule files")
    specs = [load_topic_file(str(p), p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.toml"))]
    if not specs:
        raise RuleFileError(str(folder), None, "holds no *.toml rule files")
    ids = [s.id for s in specs]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise RuleFileError(str(folder), None, f"topic id(s) defined twice: {', '.join(sorted(dupes))}")
    return sorted(specs, key=lambda s: s.id)


def load_stage_rules() -> list[Rule]:
    """The stage and denial rules shipped in rules/data/stages.toml."""
    path = resources.files("rules").joinpath("data/stages.toml")
    return parse_rules(path.read_text(encoding="utf-8"), str(path), None, stage_file=True)
