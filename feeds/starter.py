"""The starter feed list (feeds/starter.toml): real public feeds for ESG and legal risk, off until the
user switches them on (`riskwire feeds starter --enable NAME` or `--all`)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote_plus


@dataclass(frozen=True)
class StarterFeed:
    """One entry. `per_company` feeds have a `{company}` placeholder filled once per watched company."""

    name: str
    title: str
    url: str
    kind: str
    about: str
    per_company: bool = False

    def urls(self, companies: Iterable[str] = ()) -> list[str]:
        """The feed URLs this entry stands for (one per company for a per-company feed)."""
        if not self.per_company:
            return [self.url]
        return [self.url.replace("{company}", quote_plus(name)) for name in companies]


def starter_path() -> Path:
    return Path(str(resources.files("feeds").joinpath("starter.toml")))


def load_starter(path: Path | None = None) -> list[StarterFeed]:
    """The entries of the starter list, in file order."""
    data = tomllib.loads((path or starter_path()).read_text(encoding="utf-8"))
    out = []
    for entry in data.get("feed", []):
        out.append(
            StarterFeed(
                name=entry["name"],
                title=entry["title"],
                url=entry["url"],
                kind=entry.get("kind", ""),
                about=entry.get("about", ""),
                per_company=bool(entry.get("per_company", False)),
            )
        )
    return out
