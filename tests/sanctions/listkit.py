"""Helpers for sanctions tests: load the fixture list into a database, serve the seed story."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.usecases.sanctions import import_list

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
TEAM_LIST = FIXTURES / "team-list.csv"

LINE = "Listed parties: VisionLabs: team, Russia, listed 2023-02-24, exact match"


def load_team_list(db: Any) -> None:
    """The fixture list (VisionLabs under a Russia programme, among others) as the list 'team'."""
    import_list(db, "team", TEAM_LIST)
