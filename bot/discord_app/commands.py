"""The `/riskwire` application command group and the alert buttons: thin handlers over the use cases.

Each handler works out the Scope (server + channel) from the interaction, checks permissions, calls
the service and renders the answer. A ServiceError's message is meant for the user: it is sent
ephemeral (only the asker sees it). Long answers (summary, history, search) are deferred and followed
up, after their input is checked, so a typo still gets a quick private answer.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

import discord
import sqlite_utils
from discord import app_commands

from bot.core.settings import Settings
from bot.delivery.targets import Target
from bot.discord_app import replies
from bot.discord_app.autocomplete import TickerIndex, complete, complete_zone
from bot.discord_app.embeds import NO_MENTIONS, alert_embed, inert, safe_text, with_review
from bot.discord_app.permissions import MANAGE_FEEDS, check_flag, require
from bot.discord_app.views import alert_view
from bot.pipeline.directory import directory_for
from bot.usecases import feeds as feed_service
from bot.usecases import service
from bot.usecases.fts_query import QueryError, to_fts_query

log = logging.getLogger(__name__)

HISTORY_LIMIT = 10
SEARCH_LIMIT = 10
MUTE_HOURS = 24

WINDOW_CHOICES = [app_commands.Choice(name=f"last {d} days", value=k) for k, d in service.WINDOWS.items()]
TOPIC_CHOICES = [app_commands.Choice(name=label[:100], value=tid) for tid, label, _ in service.topics()][:25]
SEVERITY_CHOICES = [app_commands.Choice(name=s, value=s) for s in ("medium", "high", "critical")]
SEVERITY_FILTERS = [
    app_commands.Choice(name="critical only", value="critical"),
    app_commands.Choice(name="high and above", value="high+"),
    app_commands.Choice(name="medium and above", value="medium+"),
    app_commands.Choice(name="low only", value="low"),
]
STATUS_CHOICES = [
    app_commands.Choice(name="open (not reviewed yet)", value="open"),
    app_commands.Choice(name="reviewed (or marked false positive)", value="reviewed"),
]
CADENCE_CHOICES = [
    app_commands.Choice(name="daily", value="daily"),
    app_commands.Choice(name="weekly", value="weekly"),
    app_commands.Choice(name="off (stop the digest)", value="off"),
]
WEEKDAY_CHOICES = [
    app_commands.Choice(name=day, value=day[:3].lower())
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
]
FEED_ACTIONS = [
    app_commands.Choice(name="list: the feeds this server added, with their health", value="list"),
    app_commands.Choice(name="add: poll these feed URLs (Manage Server)", value="add"),
    app_commands.Choice(name="remove: stop polling feeds this server added (Manage Server)", value="remove"),
]
_CLOCK = re.compile(r"([01]?\d|2[0-3]):[0-5]\d")

GENERIC_ERROR = "Something went wrong on Riskwire's side; it has been logged. Please try again later."


def scope_of(interaction: discord.Interaction) -> service.Scope:
    """The (server, channel) the interaction comes from, and who sent it; ServiceError outside a server."""
    if interaction.guild_id is None or interaction.channel_id is None:
        raise service.ServiceError("Riskwire works in server channels, not in direct messages.")
    target = Target("discord", str(interaction.guild_id), str(interaction.channel_id))
    return service.Scope(target, user=str(interaction.user.id))


async def send_error(interaction: discord.Interaction, message: str) -> None:
    """Show `message` to the asker only, whatever state the interaction's response is in."""
    message = inert(message)
    response = interaction.response
    if not response.is_done():
        await response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    if response.type == discord.InteractionResponseType.deferred_channel_message:
        # The public "thinking…" placeholder would become the error for everyone: remove it first.
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.debug("could not delete the deferred response", exc_info=True)
    await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)


NOT_A_CHOICE = "That is not one of the values this option offers; pick one from Discord's list."


def user_message(error: BaseException) -> str | None:
    """The user-facing text of an error raised by a handler, or None when it is a bug."""
    original = getattr(error, "original", None) or error.__cause__ or error
    if isinstance(original, service.ServiceError):
        return str(original)
    if isinstance(error, app_commands.TransformerError):
        return NOT_A_CHOICE  # discord.py's own text repeats the whole value, whatever its size or content
    if isinstance(error, app_commands.CheckFailure):
        return str(error)
    return None


class RiskwireTree(app_commands.CommandTree):
    """The command tree, with one error handler: service errors to the user, bugs to the log."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        message = user_message(error)
        if message is None:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "/%s failed (server %s, channel %s)",
                command,
                interaction.guild_id,
                interaction.channel_id,
                exc_info=getattr(error, "original", error),
            )
            message = GENERIC_ERROR
        try:
            await send_error(interaction, message)
        except discord.HTTPException:
            log.warning("could not tell the user about an error", exc_info=True)


def _choices(suggestions: list) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=s.label, value=s.value) for s in suggestions]


class RiskwireGroup(app_commands.Group):
    """`/riskwire watch|unwatch|list|summary|history|search|digest|feeds|topics|help`."""

    def __init__(
        self, db: sqlite_utils.Database, settings: Settings, index: Callable[[], TickerIndex]
    ) -> None:
        super().__init__(
            name="riskwire",
            description="ESG and legal risk alerts on the stocks this channel watches",
            guild_only=True,
            allowed_contexts=app_commands.AppCommandContext(guild=True),
            allowed_installs=app_commands.AppInstallationType(guild=True),
        )
        self.db = db
        self.manage_flag = check_flag(settings.discord_manage_permission)
        self.allow_private_feeds = settings.allow_private_feeds
        self._index = index

    def _watched_here(self, interaction: discord.Interaction) -> list[str]:
        try:
            scope = scope_of(interaction)
        except service.ServiceError:
            return []
        return [row["ticker"] for row in service.list_watches(self.db, scope)]

    # --- changing subscriptions -------------------------------------------------------------------

    @app_commands.command(name="watch", description="Post alerts about these tickers in this channel")
    @app_commands.describe(
        tickers="One or more tickers, separated by spaces or commas (e.g. AMZN AAPL)",
        topic="Only alerts about this topic (default: every topic)",
        min_severity="Only alerts at least this severe (default: all)",
    )
    @app_commands.choices(topic=TOPIC_CHOICES, min_severity=SEVERITY_CHOICES)
    async def watch(
        self,
        interaction: discord.Interaction,
        tickers: app_commands.Range[str, 1, 300],
        topic: app_commands.Choice[str] | None = None,
        min_severity: app_commands.Choice[str] | None = None,
    ) -> None:
        scope = scope_of(interaction)
        require(interaction, self.manage_flag, "Changing what this channel watches")
        result = service.watch(
            self.db,
            scope,
            service.parse_ticker_list(tickers),
            topics=[topic.value] if topic else None,
            min_severity=min_severity.value if min_severity else None,
            directory=directory_for(self.db),
        )
        await interaction.response.send_message(replies.watch_text(result), allowed_mentions=NO_MENTIONS)

    @watch.autocomplete("tickers")
    async def _watch_tickers(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(complete(self._index(), current, many=True))

    @app_commands.command(name="unwatch", description="Stop posting alerts about these tickers here")
    @app_commands.describe(tickers="One or more tickers, separated by spaces or commas")
    async def unwatch(
        self, interaction: discord.Interaction, tickers: app_commands.Range[str, 1, 300]
    ) -> None:
        scope = scope_of(interaction)
        require(interaction, self.manage_flag, "Changing what this channel watches")
        result = service.unwatch(self.db, scope, service.parse_ticker_list(tickers))
        await interaction.response.send_message(replies.unwatch_text(result), allowed_mentions=NO_MENTIONS)

    @unwatch.autocomplete("tickers")
    async def _unwatch_tickers(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        preferred = self._watched_here(interaction)
        return _choices(complete(self._index(), current, many=True, preferred=preferred))

    # --- reading ----------------------------------------------------------------------------------

    @app_commands.command(
        name="list", description="What this channel watches, and whether Riskwire can post here"
    )
    async def list_(self, interaction: discord.Interaction) -> None:
        rows = service.list_watches(self.db, scope_of(interaction))
        await interaction.response.send_message(
            embed=replies.watches_embed(rows), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(
        name="summary", description="A ticker's alerts here, or (no ticker) every ticker this channel watches"
    )
    @app_commands.describe(
        ticker="The ticker, e.g. AMZN (leave out for the portfolio)",
        window="How far back (default: last 7 days)",
    )
    @app_commands.choices(window=WINDOW_CHOICES)
    async def summary(
        self,
        interaction: discord.Interaction,
        ticker: app_commands.Range[str, 1, 20] | None = None,
        window: app_commands.Choice[str] | None = None,
    ) -> None:
        scope = scope_of(interaction)
        days = service.parse_window(window.value if window else None)
        if not ticker:
            await self._portfolio(interaction, scope, days)
            return
        symbol = service.parse_ticker_list(ticker)[0]
        await interaction.response.defer(thinking=True)
        result = service.summary(self.db, scope, symbol, days, directory=directory_for(self.db))
        embed = replies.summary_embed(result)
        draw = lambda: service.summary_chart(self.db, scope, symbol, days)  # noqa: E731
        chart = self._chart(f"{symbol} ({days} days, {scope.key})", draw) if result.total else None
        await self._send_with_chart(interaction, embed, chart, bool(result.total))

    async def _portfolio(self, interaction: discord.Interaction, scope: service.Scope, days: int) -> None:
        """Every ticker the channel watches over the window, with the tickers-by-topic heat map."""
        from bot.usecases import portfolio

        await interaction.response.defer(thinking=True)
        view = portfolio.portfolio(self.db, scope, days, directory_for(self.db))
        embed = replies.portfolio_embed(view)
        draw = lambda: portfolio.portfolio_chart(self.db, scope, view)  # noqa: E731
        chart = self._chart(f"the portfolio ({days} days, {scope.key})", draw) if view.total else None
        await self._send_with_chart(interaction, embed, chart, bool(view.total))

    async def _send_with_chart(
        self,
        interaction: discord.Interaction,
        embed: discord.Embed,
        chart: service.Chart | None,
        wanted: bool,
    ) -> None:
        """Follow up with the embed, the chart attached and shown in it (or a footer saying it is missing)."""
        if chart is None:
            if wanted:
                embed.set_footer(text=replies.NO_CHART)
            await interaction.followup.send(embed=embed, allowed_mentions=NO_MENTIONS)
            return
        embed.set_image(url=f"attachment://{chart.filename}")
        await interaction.followup.send(
            embed=embed,
            file=discord.File(io.BytesIO(chart.png), filename=chart.filename),
            allowed_mentions=NO_MENTIONS,
        )

    def _chart(self, what: str, draw: Callable[[], service.Chart]) -> service.Chart | None:
        """The summary's chart, or None (logged) when it cannot be drawn."""
        try:
            return draw()
        except Exception:
            log.exception("summary chart for %s failed", what)
            return None

    @summary.autocomplete("ticker")
    async def _summary_ticker(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(complete(self._index(), current, preferred=self._watched_here(interaction)))

    @app_commands.command(name="history", description="Recent alerts posted in this channel")
    @app_commands.describe(
        ticker="Only this ticker (default: all)",
        topic="Only alerts tagged with this topic",
        severity="Only alerts this severe",
        status="Only open alerts, or only reviewed ones (default: both)",
        window="How far back (default: all time)",
    )
    @app_commands.choices(
        topic=TOPIC_CHOICES, severity=SEVERITY_FILTERS, status=STATUS_CHOICES, window=WINDOW_CHOICES
    )
    async def history(
        self,
        interaction: discord.Interaction,
        ticker: app_commands.Range[str, 1, 20] | None = None,
        topic: app_commands.Choice[str] | None = None,
        severity: app_commands.Choice[str] | None = None,
        status: app_commands.Choice[str] | None = None,
        window: app_commands.Choice[str] | None = None,
    ) -> None:
        scope = scope_of(interaction)
        symbol = service.parse_ticker_list(ticker)[0] if ticker else None
        days = service.parse_window(window.value) if window else None
        reviewed = None if status is None else status.value == "reviewed"
        # checked before deferring, so a bad option gets a quick private answer
        service.alert_filter(scope, topic=topic.value if topic else None, days=days)
        await interaction.response.defer(thinking=True)
        alerts = service.history(
            self.db,
            scope,
            ticker=symbol,
            limit=HISTORY_LIMIT,
            topic=topic.value if topic else None,
            severity=severity.value if severity else None,
            reviewed=reviewed,
            days=days,
        )
        filters = [
            part
            for part in (
                symbol,
                topic.name if topic else None,
                severity.name if severity else None,
                status.value if status else None,
                window.name if window else None,
            )
            if part
        ]
        title = " · ".join(["Recent alerts here", *filters])
        empty = "No alert posted here matches." if filters else "No alerts have been posted here yet."
        embed = replies.alerts_embed(alerts, title, empty)
        await interaction.followup.send(embed=embed, allowed_mentions=NO_MENTIONS)

    @history.autocomplete("ticker")
    async def _history_ticker(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(complete(self._index(), current, preferred=self._watched_here(interaction)))

    @app_commands.command(name="search", description="Find past alerts posted in this channel")
    @app_commands.describe(
        text='Words in the headline, summary or company ("a phrase", word*, OR)',
        ticker="Only this ticker (default: all)",
    )
    async def search(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 200],
        ticker: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        scope = scope_of(interaction)
        words = " ".join(text.split())
        if not words:
            raise service.ServiceError("Give some words to search for.")
        try:
            to_fts_query(words)
        except QueryError as exc:  # only punctuation: say what to type rather than "nothing found"
            raise service.ServiceError(str(exc)) from None
        symbol = service.parse_ticker_list(ticker)[0] if ticker else None
        await interaction.response.defer(thinking=True)
        alerts = service.search(self.db, scope, words, limit=SEARCH_LIMIT, ticker=symbol)
        title = f"Alerts here matching “{safe_text(words, 80)}”" + (f" · {symbol}" if symbol else "")
        embed = replies.alerts_embed(alerts, title, "No alert posted here matches.")
        await interaction.followup.send(embed=embed, allowed_mentions=NO_MENTIONS)

    @search.autocomplete("ticker")
    async def _search_ticker(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(complete(self._index(), current, preferred=self._watched_here(interaction)))

    # --- digests ----------------------------------------------------------------------------------

    @app_commands.command(name="digest", description="A daily or weekly round-up of this channel's alerts")
    @app_commands.describe(
        cadence="daily, weekly, or off (leave empty to see this channel's digest)",
        at="When, as HH:MM on a 24-hour clock (e.g. 08:00)",
        tz="Time zone (default UTC), e.g. Europe/London",
        weekday="Day of a weekly digest (default Monday)",
        portfolio="Also summarise every ticker this channel watches (the portfolio)",
    )
    @app_commands.rename(at="time")
    @app_commands.choices(cadence=CADENCE_CHOICES, weekday=WEEKDAY_CHOICES)
    async def digest(
        self,
        interaction: discord.Interaction,
        cadence: app_commands.Choice[str] | None = None,
        at: app_commands.Range[str, 1, 5] | None = None,
        tz: app_commands.Range[str, 1, 64] | None = None,
        weekday: app_commands.Choice[str] | None = None,
        portfolio: bool = False,
    ) -> None:
        scope = scope_of(interaction)
        if cadence is None:
            if at or tz or weekday or portfolio:
                raise service.ServiceError("Choose a cadence (daily or weekly) to set a digest.")
            info = service.digest_status(self.db, scope)
            text = info.describe() if info else replies.NO_DIGEST
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        require(interaction, self.manage_flag, "Changing this channel's digest")
        if cadence.value == "off":
            stopped = service.digest_off(self.db, scope)
            text = "Digest stopped for this channel." if stopped else "This channel had no digest."
        else:
            day = weekday.value if weekday else None
            text = self._set_digest(scope, cadence.value, at, tz, day, portfolio)
        await interaction.response.send_message(text, allowed_mentions=NO_MENTIONS)

    def _set_digest(
        self,
        scope: service.Scope,
        cadence: str,
        at: str | None,
        tz: str | None,
        weekday: str | None,
        portfolio: bool = False,
    ) -> str:
        if not at or not _CLOCK.fullmatch(at.strip()):
            raise service.ServiceError(
                f"Give the time as HH:MM on a 24-hour clock, e.g. `time:08:00` (got {(at or '')[:10]!r})."
            )
        if weekday and cadence != "weekly":
            raise service.ServiceError("A weekday only applies to weekly digests.")
        zone = (tz or "UTC").strip().replace(" ", "_")
        info = service.set_digest(
            self.db, scope, cadence, at.strip(), zone, weekday=weekday, portfolio=portfolio
        )
        return f"{info.describe()} It rounds up the alerts posted here, by ticker and topic."

    @digest.autocomplete("tz")
    async def _digest_tz(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(complete_zone(current))

    # --- feeds ------------------------------------------------------------------------------------

    @app_commands.command(
        name="feeds", description="The news feeds this server added, or add and remove some"
    )
    @app_commands.describe(
        action="list (default), add or remove",
        urls="Feed URLs (http or https), separated by spaces",
    )
    @app_commands.choices(action=FEED_ACTIONS)
    async def feeds(
        self,
        interaction: discord.Interaction,
        action: app_commands.Choice[str] | None = None,
        urls: app_commands.Range[str, 1, 1900] | None = None,
    ) -> None:
        scope = scope_of(interaction)
        doing = action.value if action else "list"
        if doing == "list":
            own, others = feed_service.list_feeds(self.db, scope)
            await interaction.response.send_message(
                embed=replies.feeds_embed(own, others), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        require(interaction, MANAGE_FEEDS, "Adding or removing feeds")
        given = (urls or "").split()
        if not given:
            raise service.ServiceError("Give one or more feed URLs in `urls`.")
        if doing == "add":
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            change = feed_service.add_feeds(
                self.db, scope, given, stamp, allow_private=self.allow_private_feeds
            )
        else:
            change = feed_service.remove_feeds(self.db, scope, given)
        await interaction.response.send_message(
            replies.feeds_change_text(doing, change), allowed_mentions=NO_MENTIONS, suppress_embeds=True
        )

    @app_commands.command(name="topics", description="The risk topics Riskwire tags")
    async def topics(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            embed=replies.topics_embed(service.topics()), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="help", description="How to use Riskwire")
    async def help(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(replies.HELP, ephemeral=True, allowed_mentions=NO_MENTIONS)


class AlertButtons:
    """What the buttons under an alert do: review actions and a 24-hour mute, scoped to the channel."""

    def __init__(self, db: sqlite_utils.Database, settings: Settings) -> None:
        self.db = db
        self.manage_flag = check_flag(settings.discord_manage_permission)

    async def click(self, interaction: discord.Interaction, action: str, alert_id: str) -> None:
        """Record the action with who and when, show it on the alert; errors go to the clicker only."""
        try:
            scope = scope_of(interaction)
            if action == "mute24h":
                require(interaction, self.manage_flag, "Muting a ticker in this channel")
                done = service.mute_alert(self.db, scope, alert_id, MUTE_HOURS)
            else:
                done = service.review(self.db, scope, alert_id, action)
        except service.ServiceError as exc:
            await send_error(interaction, str(exc))
            return
        message = interaction.message
        embed = message.embeds[0] if message is not None and message.embeds else alert_embed(done.alert)
        await interaction.response.edit_message(
            embed=with_review(embed, done.action, done.user, done.at),
            view=alert_view(alert_id),
            allowed_mentions=NO_MENTIONS,
        )
        if action == "mute24h":
            await interaction.followup.send(
                f"{done.alert.ticker} is muted in this channel {done.reason} (UTC). "
                "Alerts meanwhile are kept in the history.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
