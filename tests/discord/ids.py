"""The Discord ids and paths the tests share: one server, one channel in it, and one webhook."""

from __future__ import annotations

GUILD = "2000000000000000001"
CHANNEL = "3000000000000000001"
HERE = f"discord:{GUILD}/{CHANNEL}"
MESSAGES = rf"/channels/{CHANNEL}/messages"
HOOK_ID = "5000000000000000007"
HOOK = f"https://discord.com/api/webhooks/{HOOK_ID}/hook-token_XYZ"
HOOK_PATH = rf"/webhooks/{HOOK_ID}/hook-token_XYZ"
