"""Settings: built once from the environment and an optional riskwire.toml; nothing else reads os.environ.

Secrets are held in `Secret`, whose repr and str never show the value.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from feeds.models import USER_AGENT
from rules.sanctions.sources import OFFICIAL


class Secret:
    """A credential. Printing, repr or f-strings show '***'; `.value` gives the real thing."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @property
    def value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


MAX_HEADER = 500


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the setting (never a secret's value)."""


# environment variable -> (field, kind)
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "RISKWIRE_DB": ("db_path", "str"),
    "RISKWIRE_POLL_SECONDS": ("poll_seconds", "int"),
    "SLACK_BOT_TOKEN": ("slack_bot_token", "secret"),
    "SLACK_APP_TOKEN": ("slack_app_token", "secret"),
    "SLACK_SIGNING_SECRET": ("slack_signing_secret", "secret"),
    "RISKWIRE_SLACK_PORT": ("slack_port", "int"),
    "RISKWIRE_SLACK_HOST": ("slack_host", "str"),
    "SLACK_API_URL": ("slack_api_url", "str"),
    "DISCORD_TOKEN": ("discord_token", "secret"),
    "DISCORD_API_URL": ("discord_api_url", "str"),
    "RISKWIRE_DISCORD_MANAGE_PERMISSION": ("discord_manage_permission", "str"),
    "RISKWIRE_ALLOW_PRIVATE_FEEDS": ("allow_private_feeds", "bool"),
    "RISKWIRE_CONFIG": ("config_path", "str"),
    "RISKWIRE_HEALTH_PORT": ("health_port", "int"),
    "RISKWIRE_HEALTH_HOST": ("health_host", "str"),
    "RISKWIRE_RETENTION_DAYS": ("retention_days", "int"),
    "RISKWIRE_FEED_FAILURE_LIMIT": ("feed_failure_limit", "int"),
    "RISKWIRE_LLM_API_KEY": ("llm_api_key", "secret"),
    "RISKWIRE_LLM_URL": ("llm_url", "str"),
    "RISKWIRE_LLM_MODEL": ("llm_model", "str"),
    "RISKWIRE_USER_AGENT": ("user_agent", "header"),
    "RISKWIRE_SANCTIONS_US_CSL_URL": ("sanctions_us_csl_url", "str"),
    "RISKWIRE_SANCTIONS_UK_URL": ("sanctions_uk_url", "str"),
    "RISKWIRE_SANCTIONS_EU_URL": ("sanctions_eu_url", "str"),
    "RISKWIRE_SANCTIONS_UN_URL": ("sanctions_un_url", "str"),
    "RISKWIRE_SANCTIONS_DAILY": ("sanctions_daily", "bool"),
    "RISKWIRE_DIRECTORY_URL": ("directory_url", "str"),
    "RISKWIRE_LEASE_SECONDS": ("lease_seconds", "float"),
    "RISKWIRE_HEARTBEAT_SECONDS": ("heartbeat_seconds", "float"),
    "RISKWIRE_DIGEST_SECONDS": ("digest_seconds", "int"),
    "RISKWIRE_SEND_TIMEOUT": ("send_timeout", "float"),
}


@dataclass(frozen=True)
class Settings:
    """Everything Riskwire can be configured with. Build it with `Settings.load()`."""

    db_path: str = "riskwire.db"
    poll_seconds: int = 900
    slack_bot_token: Secret = field(default_factory=lambda: Secret(""))
    slack_app_token: Secret = field(default_factory=lambda: Secret(""))
    slack_signing_secret: Secret = field(default_factory=lambda: Secret(""))
    slack_port: int | None = None
    slack_host: str = "0.0.0.0"
    slack_api_url: str = "https://slack.com/api/"
    discord_token: Secret = field(default_factory=lambda: Secret(""))
    discord_api_url: str | None = None
    discord_manage_permission: str = "manage_channels"  # needed to change a channel's subscriptions
    allow_private_feeds: bool = False
    config_path: str | None = None
    feeds: tuple[str, ...] = ()
    fetch_timeout: float = 20.0
    user_agent: str = USER_AGENT  # sent with every feed request; some sources want a contact address
    max_feed_bytes: int = 5 * 1024 * 1024
    baseline_hours: int = 72
    admin_users: tuple[str, ...] = ()
    # the always-on service (riskwire run)
    health_port: int | None = None
    health_host: str = "0.0.0.0"
    retention_days: int = 365
    feed_failure_limit: int = 5
    poll_concurrency: int = 16
    feed_workers: int | None = None  # processes parsing and matching feeds (None: one per core; 0: none)
    db_busy_timeout: float = 15.0  # seconds a pipeline write waits for another process's lock
    host_gap: float = 1.0
    story_hours: int = 72
    frontends: tuple[str, ...] = ()
    # optional abstractive summaries (bot/pipeline/llm_summary.py): on only when a key is set
    llm_api_key: Secret = field(default_factory=lambda: Secret(""))
    llm_url: str = "https://api.openai.com/v1/chat/completions"
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 20.0
    # official sanctions lists (riskwire sanctions update; daily in the service when sanctions_daily)
    sanctions_us_csl_url: str = OFFICIAL["us-csl"].url
    sanctions_uk_url: str = OFFICIAL["uk"].url
    sanctions_eu_url: str = OFFICIAL["eu"].url
    sanctions_un_url: str = OFFICIAL["un"].url
    sanctions_daily: bool = False
    sanctions_timeout: float = 120.0
    # the SEC's company ticker file (riskwire directory update); the SEC wants a contact in user_agent
    directory_url: str = "https://www.sec.gov/files/company_tickers_exchange.json"
    directory_timeout: float = 60.0
    # several `riskwire run` workers on one database (bot/ops/cluster.py): a worker silent for
    # lease_seconds is dead and what it held is taken over; it renews its leases every heartbeat_seconds
    lease_seconds: float = 30.0
    heartbeat_seconds: float = 5.0
    digest_seconds: int = 60  # how often the service looks for digests that are due
    # seconds a post may take; past it its outcome is unknown (asked of the platform later), and a
    # silent worker's unfinished post is taken over only once it is this old
    send_timeout: float = 60.0

    def sanctions_url(self, list_id: str) -> str:
        """Where the official list `list_id` ('us-csl', 'uk', 'eu', 'un') is downloaded from."""
        return str(getattr(self, f"sanctions_{list_id.replace('-', '_')}_url"))

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, config: str | Path | None = None) -> Settings:
        """Settings from `riskwire.toml` (or RISKWIRE_CONFIG / `config`), overridden by the environment."""
        env = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        path = Path(config or env.get("RISKWIRE_CONFIG") or "riskwire.toml")
        if path.is_file():
            values.update(_from_toml(path))
            values["config_path"] = str(path)
        elif config or env.get("RISKWIRE_CONFIG"):
            raise SettingsError(f"config file {path} does not exist")
        for var, (name, kind) in ENVIRONMENT.items():
            raw = env.get(var)
            if raw is None or raw == "":
                continue
            values[name] = _convert(var, raw, kind)
        return cls(**values)

    def __repr__(self) -> str:
        from storage.db import shown as shown_location  # a database URL's password stays hidden

        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["db_path"] = shown_location(self.db_path)
        shown = ", ".join(f"{name}={value!r}" for name, value in values.items())
        return f"Settings({shown})"

    @property
    def slack_enabled(self) -> bool:
        """The Slack front-end (slash commands, buttons): the bot token and Socket Mode or HTTP mode.
        Posting to Slack needs only the bot token (bot/delivery/notifiers.py)."""
        return bool(self.slack_bot_token) and (
            bool(self.slack_app_token) or (bool(self.slack_signing_secret) and self.slack_port is not None)
        )

    @property
    def discord_enabled(self) -> bool:
        """The Discord front-end (gateway, commands, posts to bot channels)."""
        return bool(self.discord_token)

    def secrets(self) -> list[str]:
        """Every secret value set (for log scrubbing)."""
        return [
            getattr(self, f.name).value
            for f in fields(self)
            if isinstance(getattr(self, f.name), Secret) and getattr(self, f.name)
        ]


def _convert(name: str, raw: Any, kind: str) -> Any:
    if kind == "secret":
        return Secret(str(raw))
    if kind == "int":
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{name} must be a whole number, got {str(raw)[:40]!r}") from None
        if value < 0:
            raise SettingsError(f"{name} must not be negative")
        return value
    if kind == "float":
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{name} must be a number, got {str(raw)[:40]!r}") from None
        if not number > 0 or number == float("inf"):
            raise SettingsError(f"{name} must be a number above 0")
        return number
    if kind == "bool":
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{name} must be 1 or 0, got {str(raw)[:40]!r}")
    if kind == "header":
        return _header(name, raw)
    return str(raw)


def _header(name: str, raw: Any) -> str:
    """An HTTP header value: one line of printable text."""
    text = str(raw).strip()
    if not text or len(text) > MAX_HEADER or any(not c.isprintable() for c in text):
        raise SettingsError(f"{name} must be one line of printable text (at most {MAX_HEADER} characters)")
    return text


_TOML_KEYS: dict[str, str] = {
    "db": "str",
    "poll_seconds": "int",
    "slack_api_url": "str",
    "discord_api_url": "str",
    "discord_manage_permission": "str",
    "slack_port": "int",
    "slack_host": "str",
    "allow_private_feeds": "bool",
    "fetch_timeout": "float",
    "max_feed_bytes": "int",
    "baseline_hours": "int",
    "health_port": "int",
    "health_host": "str",
    "retention_days": "int",
    "feed_failure_limit": "int",
    "poll_concurrency": "int",
    "feed_workers": "int",
    "db_busy_timeout": "float",
    "host_gap": "float",
    "story_hours": "int",
    "llm_url": "str",
    "llm_model": "str",
    "llm_timeout": "float",
    "user_agent": "header",
    "sanctions_us_csl_url": "str",
    "sanctions_uk_url": "str",
    "sanctions_eu_url": "str",
    "sanctions_un_url": "str",
    "sanctions_daily": "bool",
    "sanctions_timeout": "float",
    "directory_url": "str",
    "directory_timeout": "float",
    "lease_seconds": "float",
    "heartbeat_seconds": "float",
    "digest_seconds": "int",
    "send_timeout": "float",
}


def _from_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from None
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "feeds":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SettingsError(f"{path}: feeds must be a list of URLs")
            out["feeds"] = tuple(value)
        elif key == "admin_users":
            out["admin_users"] = tuple(str(v) for v in value)
        elif key == "frontends":
            if not isinstance(value, list) or not all(isinstance(v, str) and ":" in v for v in value):
                raise SettingsError(f"{path}: frontends must be a list of 'module:factory' strings")
            out["frontends"] = tuple(value)
        elif key in _TOML_KEYS:
            kind = _TOML_KEYS[key]
            if kind == "float":
                try:
                    out[key] = float(value)
                except (TypeError, ValueError):
                    raise SettingsError(f"{path}: {key} must be a number") from None
            else:
                out["db_path" if key == "db" else key] = _convert(f"{path}: {key}", value, kind)
        elif key in (
            "slack_bot_token",
            "slack_app_token",
            "slack_signing_secret",
            "discord_token",
            "llm_api_key",
        ):
            raise SettingsError(f"{path}: put {key} in the environment, not in the config file")
        else:
            raise SettingsError(f"{path}: unknown setting {key!r}")
    return out
