"""The Slack app manifest in docs/ matches what the code needs."""

from __future__ import annotations

import json
from pathlib import Path

from bot.slack_app.commands import COMMAND

MANIFEST = Path(__file__).resolve().parents[3] / "docs" / "slack-manifest.json"

# Web API method the app calls -> the bot scope it needs
NEEDED = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "users.info": "users:read",
    "conversations.info (public)": "channels:read",
    "conversations.info (private)": "groups:read",
    "conversations.history and .replies (public)": "channels:history",
    "conversations.history and .replies (private)": "groups:history",
    "files.getUploadURLExternal, files.completeUploadExternal": "files:write",
    "/riskwire": "commands",
}


def test_manifest_declares_the_command_scopes_and_socket_mode() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(NEEDED.values())
    assert manifest["settings"]["interactivity"]["is_enabled"] is True  # the alert buttons
    assert manifest["settings"]["socket_mode_enabled"] is True
    # the usage hint shows the newer commands, and help lists every command the app answers
    for word in ("digest", "summary", "history", "search"):
        assert word in command["usage_hint"]


def test_help_names_every_command() -> None:
    from bot.slack_app.commands import HANDLERS, HELP

    for name in HANDLERS:
        assert f"{COMMAND} {name}" in HELP, name
