"""The official lists, each read from the format its publisher releases it in.

- US Consolidated Screening List (Commerce's International Trade Administration): one CSV of every
  list it consolidates (OFAC's SDN and non-SDN lists, Commerce's Entity List, State's lists ...);
  `source` names the list, `programs` the programmes, `alt_names` the aliases (separated by ';').
- UK Sanctions List (FCDO): XML, one `Designation` per designated person, entity or ship, with its
  `Names` (Name1..Name6, NameType 'Primary Name' or 'Alias'), `NonLatinNames`, `RegimeName` and
  `DateDesignated`.
- EU consolidated financial sanctions list: XML (`export`, namespace http://eu.europa.ec/fpi/fsd/export),
  one `sanctionEntity` with `nameAlias` (wholeName; the first is the main name), `subjectType`, and a
  `regulation` carrying the programme, publication date and a link to the act in the Official Journal.
- UN Security Council consolidated list: XML (`CONSOLIDATED_LIST`), `INDIVIDUAL` and `ENTITY` records
  with FIRST_NAME..FOURTH_NAME, UN_LIST_TYPE, LISTED_ON and aliases (low-quality aliases are left out).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from rules.sanctions.models import ListedEntry, ListFileError, LoadedList

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})")


def iso_date(text: str | None) -> str | None:
    """'2022-03-15', '2022-03-15T10:00:00Z' or '15/03/2022' as '2022-03-15'; None when unreadable."""
    text = (text or "").strip()
    m = _DMY.match(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _split(text: str | None, sep: str = ";") -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (text or "").split(sep) if p.strip()))


def _xml(data: bytes, what: str) -> Element:
    try:
        return ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise ListFileError(f"{what}: not readable XML ({exc})") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: Element, name: str) -> list[Element]:
    return [c for c in node if _local(c.tag) == name]


def _text(node: Element, name: str) -> str:
    found = _children(node, name)
    return (found[0].text or "").strip() if found else ""


def _latest(dates: Iterable[str | None]) -> str | None:
    known = [d for d in dates if d]
    return max(known) if known else None


# --- US Consolidated Screening List (CSV) ---------------------------------------------------------

CSL_COLUMNS = ("source", "type", "name", "programs", "start_date", "alt_names")
_SHORT_SOURCE = re.compile(r"\(([^)]+)\)")


def parse_csl_csv(data: bytes, name: str = "us-csl") -> LoadedList:
    """The US Consolidated Screening List from its CSV download."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ListFileError("US Consolidated Screening List: the file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSL_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ListFileError(f"US Consolidated Screening List: missing column(s) {', '.join(missing)}")
    entries = []
    for row in reader:
        listed_name = (row.get("name") or "").strip()
        if not listed_name:
            continue
        source = (row.get("source") or "").strip()
        short = _SHORT_SOURCE.search(source)
        programmes = "; ".join(_split(row.get("programs")))
        label = short.group(1) if short else source
        entries.append(
            ListedEntry(
                list=name,
                name=listed_name,
                aliases=_split(row.get("alt_names")),
                programme=f"{label}: {programmes}" if programmes else label,
                listed=iso_date(row.get("start_date")),
                link=(row.get("source_information_url") or "").strip(),
                kind={"individual": "person", "vessel": "vessel"}.get(
                    (row.get("type") or "").lower(), "entity"
                ),
            )
        )
    return LoadedList(name, tuple(entries), None)


# --- UK Sanctions List (XML) ----------------------------------------------------------------------


def _uk_name(node: Element) -> str:
    parts = [_text(node, f"Name{i}") for i in range(1, 7)]
    return " ".join(p for p in parts if p)


def parse_uk_xml(data: bytes, name: str = "uk") -> LoadedList:
    """The UK Sanctions List from its XML download."""
    root = _xml(data, "UK Sanctions List")
    designations = [n for n in root.iter() if _local(n.tag) == "Designation"]
    entries = []
    for d in designations:
        names = [(_uk_name(n), _text(n, "NameType").lower()) for n in d.iter() if _local(n.tag) == "Name"]
        names = [(n, t) for n, t in names if n]
        non_latin = [(n.text or "").strip() for n in d.iter() if _local(n.tag) == "NameNonLatinScript"]
        primary = next((n for n, t in names if t.startswith("primary")), names[0][0] if names else "")
        if not primary:
            continue
        aliases = [n for n, _ in names if n != primary] + [n for n in non_latin if n]
        kind = _text(d, "IndividualEntityShip").lower()
        entries.append(
            ListedEntry(
                list=name,
                name=primary,
                aliases=tuple(dict.fromkeys(aliases)),
                programme=_text(d, "RegimeName"),
                listed=iso_date(_text(d, "DateDesignated")),
                kind={"individual": "person", "ship": "vessel"}.get(kind, "entity"),
            )
        )
    generated = root.get("DateGenerated") or _text(root, "DateGenerated")
    published = iso_date(generated) or _latest(iso_date(_text(d, "LastUpdated")) for d in designations)
    return LoadedList(name, tuple(entries), published)


# --- EU consolidated financial sanctions list (XML) -----------------------------------------------


def parse_eu_xml(data: bytes, name: str = "eu") -> LoadedList:
    """The EU consolidated financial sanctions list from its XML (version 1.1) download."""
    root = _xml(data, "EU sanctions list")
    entries = []
    for e in (n for n in root.iter() if _local(n.tag) == "sanctionEntity"):
        names = [(a.get("wholeName") or "").strip() for a in _children(e, "nameAlias")]
        names = list(dict.fromkeys(n for n in names if n))
        if not names:
            continue
        regulations = _children(e, "regulation")
        first = min(regulations, key=lambda r: r.get("publicationDate") or "9999") if regulations else None
        subject = _children(e, "subjectType")
        code = subject[0].get("code", "") if subject else ""
        entries.append(
            ListedEntry(
                list=name,
                name=names[0],
                aliases=tuple(names[1:]),
                programme=(first.get("programme") or "") if first is not None else "",
                listed=iso_date(e.get("designationDate"))
                or (iso_date(first.get("publicationDate")) if first is not None else None),
                link=_text(first, "publicationUrl") if first is not None else "",
                kind="person" if code == "person" else "entity",
            )
        )
    return LoadedList(name, tuple(entries), iso_date(root.get("generationDate")))


# --- UN Security Council consolidated list (XML) --------------------------------------------------


def _un_entry(node: Element, name: str, kind: str) -> ListedEntry | None:
    parts = [_text(node, f) for f in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    primary = " ".join(p for p in parts if p)
    if not primary:
        return None
    aliases = [
        _text(a, "ALIAS_NAME")
        for a in node
        if _local(a.tag) in ("INDIVIDUAL_ALIAS", "ENTITY_ALIAS") and _text(a, "QUALITY").lower() != "low"
    ]
    original = _text(node, "NAME_ORIGINAL_SCRIPT")
    return ListedEntry(
        list=name,
        name=primary,
        aliases=tuple(dict.fromkeys(a for a in [*aliases, original] if a)),
        programme=_text(node, "UN_LIST_TYPE"),
        listed=iso_date(_text(node, "LISTED_ON")),
        kind=kind,
    )


def parse_un_xml(data: bytes, name: str = "un") -> LoadedList:
    """The UN Security Council consolidated list from its XML download."""
    root = _xml(data, "UN Security Council list")
    if _local(root.tag) != "CONSOLIDATED_LIST":
        raise ListFileError(f"UN Security Council list: expected CONSOLIDATED_LIST, found {_local(root.tag)}")
    entries = []
    for node in root.iter():
        tag = _local(node.tag)
        if tag in ("INDIVIDUAL", "ENTITY"):
            entry = _un_entry(node, name, "person" if tag == "INDIVIDUAL" else "entity")
            if entry:
                entries.append(entry)
    return LoadedList(name, tuple(entries), iso_date(root.get("dateGenerated")))


PARSERS: dict[str, Callable[[bytes, str], LoadedList]] = {
    "csl-csv": parse_csl_csv,
    "uk-xml": parse_uk_xml,
    "eu-xml": parse_eu_xml,
    "un-xml": parse_un_xml,
}


def parse_official(fmt: str, data: bytes, name: str, last_modified: datetime | None = None) -> LoadedList:
    """A downloaded list file parsed by its format; a list without its own date takes the download's
    Last-Modified date. ListFileError when the file holds no entries at all (a broken download must
    not empty a loaded list)."""
    loaded = PARSERS[fmt](data, name)
    if not loaded.entries:
        raise ListFileError(f"{name}: the file holds no entries")
    if loaded.published is None and last_modified is not None:
        loaded = LoadedList(loaded.name, loaded.entries, last_modified.date().isoformat())
    return loaded
