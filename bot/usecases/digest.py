"""Digests: a channel's daily or weekly round-up of its alerts, at a time in its own time zone.

A schedule is (cadence, HH:MM, IANA time zone[, weekday]). `run_due_digests` is what the scheduler
calls every minute: for each schedule whose slot has come it builds the digest of the window since
the last one (alerts posted to that target, grouped by ticker and topic, one line per story),
sends it through the platform's notifier, records the run, and moves to the next slot. A digest with
nothing in it is recorded but not sent. Slots missed while the service was down collapse into one
digest covering the whole gap (at most 31 days).

A digest counts by publication time: it lists the alerts published in its window, and with them,
marked with their publication date, those published before it that were fetched only after the
previous digest was built (late feeds, backlogs): no earlier digest could list them, and a window by
publication alone would drop them for good. So each posted alert is in exactly one digest, the one
for the window it was fetched in.

A notifier sends digests when it has `async send_digest(digest, target) -> SendResult`, or else
`async send_text(text, target) -> SendResult` (given the plain-text rendering). A platform whose
notifier has neither, or that is not running, leaves the digest due until it is.

Exactly once, as for alerts (bot/delivery/outbox.py, whose functions this uses): a run claims the
digest with a lease, then records the attempt (a `digest_runs` row in state `sending` with its
attempt id) before the message is sent, and finishes that row with the outcome. A digest whose
last attempt is still `sending` when it comes due again (the process died, or the send was
cancelled or timed out) is first looked up with the notifier's `find_sent` (DeliveryRef kind
"digest": the target and the end of the window): found, it is recorded as sent and not posted again;
not found, it is sent again; when the platform cannot tell now, the digest waits and is asked about
at a later pass. Where the platform cannot be asked (notifiers without `find_sent`: the console,
send_text-only ones; Discord webhooks, which the bot's `find_sent` answers as not found) the digest
is sent again: at least once. A digest whose attempt is certainly over (its process died, or it was
cancelled or timed out here) is settled at the next run, before its claim ends.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlite_utils

from bot.core import redact
from bot.delivery.base import DeliveryRef, SendResult, notifier_for
from bot.delivery.outbox import Unresolved, ask_platform, attempt_send, backoff, interrupted, new_attempt_id
from bot.delivery.targets import Target, TargetError, parse_target
from bot.pipeline.alerts import Alert
from bot.rendering.parties import parties_note
from bot.usecases.portfolio import Portfolio
from bot.usecases.service import Scope, ServiceError
from storage import digests as store
from storage import history as hist

log = logging.getLogger(__name__)

CADENCES = ("daily", "weekly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_WINDOW = timedelta(days=31)
MAX_ATTEMPTS = 5
MAX_ALERTS = 500  # read at most this many alerts into one digest (the count still covers all)
MAX_LINES = 40  # alert lines shown; the rest is summed up per ticker
LEASE = timedelta(minutes=10)  # a run claims its digest this long, so two runners never both send
# (a digest whose attempt is certainly over, e.g. its process died, is taken over before that)


@dataclass(frozen=True)
class Schedule:
    """When a target's digest goes out: every day, or every week on `weekday` (0 = Monday)."""

    cadence: str
    at: time
    tz: str
    weekday: int | None = None
    portfolio: bool = False  # the digest also holds the portfolio view over its window

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def period(self) -> timedelta:
        return timedelta(days=7 if self.cadence == "weekly" else 1)

    def _slots(self, moment: datetime) -> list[datetime]:
        local_day = moment.astimezone(self.zone).date()
        out = []
        for offset in range(-8, 9):
            day = local_day + timedelta(days=offset)
            if self.cadence == "weekly" and day.weekday() != self.weekday:
                continue
            out.append(datetime.combine(day, self.at, tzinfo=self.zone).astimezone(UTC))
        return sorted(out)

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after `moment` (UTC)."""
        return next(s for s in self._slots(moment) if s > moment)

    def latest_at_or_before(self, moment: datetime) -> datetime:
        """The last slot at or before `moment` (UTC)."""
        return [s for s in self._slots(moment) if s <= moment][-1]

    def describe(self) -> str:
        day = (
            f" on {WEEKDAYS[self.weekday].title()}"
            if self.cadence == "weekly" and self.weekday is not None
            else ""
        )
        portfolio = ", with the portfolio of every watched ticker" if self.portfolio else ""
        return f"{self.cadence}{day} at {self.at:%H:%M} {self.tz}{portfolio}"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Schedule:
        return cls(
            row["cadence"],
            time.fromisoformat(row["at_time"]),
            row["tz"],
            row.get("weekday"),
            bool(row.get("portfolio")),
        )


def parse_schedule(text: str) -> Schedule:
    """'daily 08:00 Europe/London', 'weekly mon 08:00 America/New_York', 'daily 8:30' (UTC), each
    optionally ending in 'portfolio' (or '--portfolio'): the digest then holds the portfolio view too.

    Raises ServiceError with the accepted form.
    """
    usage = (
        "Say e.g. `digest daily 08:00 Europe/London`, `digest weekly mon 08:00 UTC portfolio` "
        "or `digest off`."
    )
    words = (text or "").split()
    portfolio = bool(words) and words[-1].lower().lstrip("-") == "portfolio"
    if portfolio:
        words = words[:-1]
    if not words or words[0].lower() not in CADENCES:
        raise ServiceError(f"A digest is daily or weekly. {usage}")
    cadence, rest = words[0].lower(), words[1:]
    weekday: int | None = None
    if cadence == "weekly":
        weekday = 0
        if rest and rest[0].lower()[:3] in WEEKDAYS and not re.match(r"^\d", rest[0]):
            weekday = WEEKDAYS.index(rest[0].lower()[:3])
            rest = rest[1:]
    if not rest or not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", rest[0]):
        raise ServiceError(f"Give the time as HH:MM (24-hour). {usage}")
    hour, minute = (int(x) for x in rest[0].split(":"))
    tz = rest[1] if len(rest) > 1 else "UTC"
    if len(rest) > 2:
        raise ServiceError(f"Too many words. {usage}")
    return Schedule(cadence, time(hour, minute), check_zone(tz), weekday, portfolio)


def check_zone(name: str) -> str:
    """The IANA time zone name as given, or ServiceError."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-/]{0,60}", name or ""):
        raise ServiceError(f"{(name or '')[:40]!r} is not a time zone; use a name like Europe/London or UTC.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(f"Unknown time zone {name!r}; use a name like Europe/London or UTC.") from None
    return name


# --- configuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestInfo:
    """A target's digest schedule and when the next one is due."""

    target: str
    schedule: Schedule
    next_slot: datetime

    @property
    def next_local(self) -> str:
        return self.next_slot.astimezone(self.schedule.zone).strftime("%a %d %b %Y %H:%M %Z")

    def describe(self) -> str:
        return f"Digest {self.schedule.describe()}; next one {self.next_local}."


def set_digest(
    db: sqlite_utils.Database, scope: Scope, schedule: Schedule, now: datetime | None = None
) -> DigestInfo:
    """Give the scope's target this digest schedule (replacing any); the first covers a full period."""
    now = now or datetime.now(UTC)
    slot = schedule.next_after(now)
    target = scope.target
    store.upsert(
        db,
        {
            "target": target.key,
            "platform": target.platform,
            "cadence": schedule.cadence,
            "at_time": schedule.at.strftime("%H:%M"),
            "tz": schedule.tz,
            "weekday": schedule.weekday,
            "portfolio": int(schedule.portfolio),
            "created": now.isoformat(timespec="seconds"),
            "created_by": scope.user,
            "next_slot": slot.isoformat(timespec="seconds"),
            "window_start": (slot - schedule.period).isoformat(timespec="seconds"),
            "retry_at": None,
            "attempts": 0,
            "last_error": None,
        },
    )
    return DigestInfo(target.key, schedule, slot)


def get_digest(db: sqlite_utils.Database, target: str) -> DigestInfo | None:
    row = store.get(db, target)
    if row is None:
        return None
    return DigestInfo(target, Schedule.from_row(row), datetime.fromisoformat(row["next_slot"]))


# --- building and rendering ---------------------------------------------------------------------


@dataclass(frozen=True)
class TickerGroup:
    """One ticker's alerts in a digest, by topic, one per story. An alert with several topics is listed
    under each (no topic of an alert is hidden); `count` counts it once."""

    ticker: str
    company: str
    count: int
    topics: list[tuple[str, list[Alert]]]


@dataclass(frozen=True)
class Digest:
    """What a digest holds: the window, and the alerts delivered to the target in it."""

    target: str
    cadence: str
    tz: str
    start: datetime
    end: datetime
    total: int
    groups: list[TickerGroup] = field(default_factory=list)
    earlier: int = 0  # of `total`, the alerts published before the window (fetched since the last digest)
    earliest: datetime | None = None  # when the earliest of them was published
    portfolio: Portfolio | None = None  # every watched ticker over the window, for schedules that ask

    @property
    def empty(self) -> bool:
        return self.total == 0

    def earlier_note(self) -> str:
        """' (2 of them published earlier, first fetched since)', or '' when every alert in the digest
        was published in its window."""
        if not self.earlier:
            return ""
        return f" ({self.earlier} of them published earlier, first fetched since)"

    def published_note(self, alert: Alert) -> str:
        """' (published Wed 25 Nov)' for an alert published before the window (in the digest's time
        zone), '' for one published in it."""
        published = datetime.fromisoformat(alert.happened)
        if published >= self.start:
            return ""
        return f" (published {published.astimezone(ZoneInfo(self.tz)):%a %d %b})"

    @property
    def tickers(self) -> int:
        return len(self.groups)


def build_digest(
    db: sqlite_utils.Database,
    target: str,
    start: datetime,
    end: datetime,
    cadence: str = "daily",
    tz: str = "UTC",
    portfolio: bool = False,
) -> Digest:
    """The digest of the alerts posted (not skipped) to `target` that were fetched (queued for it) in
    [start, end): those published in that window, and those published before it that no earlier
    digest had (see the module docstring), counted in `earlier`. With `portfolio`, a digest that has
    alerts also holds the portfolio view of the target's watched tickers over the days up to `end`."""
    f = hist.AlertFilter(
        queued_since=_iso(start),
        queued_until=_iso(end),
        target=target,
        posted_only=True,
    )
    total = hist.count(db, f) if start < end else 0
    if not total:
        return Digest(target, cadence, tz, start, end, 0)
    before = replace(f, until=_iso(start))
    earlier = hist.count(db, before)
    earliest = hist.earliest(db, before) if earlier else None
    alerts = [Alert.from_row(r) for r in hist.select_alerts(db, f, limit=MAX_ALERTS)]
    by_ticker: dict[str, list[Alert]] = {}
    for a in alerts:
        by_ticker.setdefault(a.ticker, []).append(a)
    groups = []
    for ticker, items in sorted(by_ticker.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        topics: dict[str, list[Alert]] = {}
        stories: set[str] = set()
        for a in items:
            story = a.story_id or a.article_id or a.id
            if story in stories:
                continue
            stories.add(story)
            for topic in a.topics or ("other",):
                topics.setdefault(topic, []).append(a)
        ordered = sorted(topics.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        groups.append(TickerGroup(ticker, items[0].company, len(items), ordered))
    return Digest(
        target,
        cadence,
        tz,
        start,
        end,
        total,
        groups,
        earlier,
        datetime.fromisoformat(earliest) if earliest else None,
        _portfolio(db, target, start, end) if portfolio else None,
    )


def _portfolio(db: sqlite_utils.Database, target: str, start: datetime, end: datetime) -> Portfolio | None:
    """The portfolio over the whole days of the digest's window (None when the target watches nothing)."""
    from bot.usecases.portfolio import portfolio

    days = max(1, -(-(end - start) // timedelta(days=1)))
    try:
        return portfolio(db, Scope(parse_target(target)), days, now=end)
    except ServiceError:
        return None


def also_under(alert: Alert, topic: str, labels: Mapping[str, str]) -> str:
    """' (also under Fraud)' for an alert listed under several topics, naming the others; else ''."""
    others = [labels.get(t, t) for t in alert.topics if t != topic]
    return f" (also under {', '.join(others)})" if others else ""


def render_digest_text(digest: Digest, labels: Mapping[str, str] | None = None) -> str:
    """Plain text: a heading, then per ticker and topic one line per story with its link."""
    labels = labels or {}
    zone = ZoneInfo(digest.tz)
    end_local = digest.end.astimezone(zone)
    heading = (
        f"Riskwire {digest.cadence} digest, {end_local:%a %d %b %Y %H:%M} ({digest.tz}): "
        f"{digest.total} alert{'s' if digest.total != 1 else ''} on {digest.tickers} "
        f"ticker{'s' if digest.tickers != 1 else ''} since {digest.start.astimezone(zone):%a %d %b %H:%M}"
        f"{digest.earlier_note()}"
    )
    lines = [heading]
    shown = 0
    for group in digest.groups:
        lines.append(f"{group.ticker} · {group.company} ({group.count})")
        for topic, alerts in group.topics:
            lines.append(f"  {labels.get(topic, topic)} ({len(alerts)})")
            for a in alerts:
                if shown >= MAX_LINES:
                    break
                notes = digest.published_note(a) + also_under(a, topic, labels) + parties_note(a)
                lines.append(f"    [{a.severity}] {a.title} {a.link}{notes}")
                shown += 1
    listed = sum(len(x) for g in digest.groups for _, x in g.topics)
    if listed > shown or digest.total > sum(g.count for g in digest.groups):
        since = min(digest.start, digest.earliest or digest.start)
        lines.append(f"... and more: riskwire history --since {since.date().isoformat()}")
    if digest.portfolio is not None:
        from bot.rendering.summary import render_portfolio_text

        lines.append("")
        lines.append(render_portfolio_text(digest.portfolio))
    return "\n".join(lines)


# --- running ------------------------------------------------------------------------------------


@dataclass
class DigestReport:
    """What one pass over the due digests did."""

    sent: int = 0
    empty: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0
    recovered: int = 0  # interrupted sends the platform confirmed (recorded as sent, not sent again)
    resent: int = 0  # interrupted sends not found, or on a platform that cannot be asked: sent again
    unresolved: int = 0  # sends whose outcome is not known yet (asked about at a later pass)
    errors: list[str] = field(default_factory=list)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


async def _send(notifier: Any, digest: Digest, target: Target) -> SendResult:
    if hasattr(notifier, "send_digest"):
        result: SendResult = await notifier.send_digest(digest, target)
        return result
    from bot.rendering.text import topic_labels

    result = await notifier.send_text(render_digest_text(digest, topic_labels()), target)
    return result


async def run_due_digests(
    db: sqlite_utils.Database,
    notifiers: Mapping[str, Any],
    now: datetime | None = None,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DigestReport:
    """Build and send every digest that is due at `now`; empty ones are recorded, not sent. A digest
    whose last attempt was interrupted is first looked up on its platform (see the module docstring)."""
    now = now or clock()
    began = monotonic()
    report = DigestReport()
    for row in _due(db, now):
        # claim it (compare-and-set on retry_at), so a second runner never sends the same digest
        if not store.claim(db, row["target"], row["next_slot"], row["retry_at"], _iso(now + LEASE)):
            continue
        try:
            # an attempt's start time is `now` moved on by the time this pass has taken so far
            await _run_one(
                db, row, notifiers, now, lambda: now + timedelta(seconds=monotonic() - began), report
            )
        except Exception as exc:  # one bad digest must not stop the others
            log.exception("digest for %s failed", row["target"])
            error = redact.scrub(str(exc)[:300])
            store.update(db, row["target"], {"retry_at": row["retry_at"], "last_error": error})
            report.errors.append(f"{row['target']}: {type(exc).__name__}")
    return report


def _due(db: sqlite_utils.Database, now: datetime) -> list[dict[str, Any]]:
    """The digests due at `now`, and those still claimed by an attempt that is certainly over (its
    process died, or its send was cancelled here): like the outbox, they are resolved at once."""
    rows = store.due(db, _iso(now))
    seen = {r["target"] for r in rows}
    for run in store.in_sending(db):
        if run["target"] in seen or not interrupted(run, now):
            continue
        row = store.get(db, run["target"])
        if row is not None and row["next_slot"] <= _iso(now):
            rows.append(row)
            seen.add(row["target"])
    return rows


def _advance(
    db: sqlite_utils.Database, key: str, schedule: Schedule, now: datetime, slot: datetime, **extra: Any
) -> None:
    """The digest of the window ending at `slot` is done: the next one is due at the next slot."""
    store.update(
        db,
        key,
        {
            "next_slot": _iso(schedule.next_after(now)),
            "window_start": _iso(slot),
            "retry_at": None,
            "attempts": 0,
            **extra,
        },
    )


async def _run_one(
    db: sqlite_utils.Database,
    row: dict[str, Any],
    notifiers: Mapping[str, Any],
    now: datetime,
    moment: Callable[[], datetime],
    report: DigestReport,
) -> None:
    key = row["target"]
    claimed_from = row["retry_at"]  # what the claim replaced: put back to release it
    try:
        target = parse_target(key)
    except TargetError as exc:
        schedule = Schedule.from_row(row)
        slot = schedule.latest_at_or_before(now)
        store.log_run(db, {**_run_fields(row, slot, now), "state": "failed", "alerts": 0, "error": str(exc)})
        _advance(db, key, schedule, now, slot, last_error=str(exc))
        report.failed += 1
        return
    notifier = notifier_for(notifiers, target)
    if not (hasattr(notifier, "send_digest") or hasattr(notifier, "send_text")):
        store.update(db, key, {"retry_at": claimed_from})  # release the claim; wait for the platform
        report.waiting += 1
        return
    # taken over from a lease still running (see _due): only to settle its attempt, which is certainly over
    taken_over = bool(claimed_from and claimed_from > _iso(now))
    settled = await _settle_interrupted(db, row, target, notifier, now, report, taken_over)
    if settled is None:  # an earlier attempt's fate is not known yet: never send blindly
        store.update(db, key, {"retry_at": claimed_from})
        return
    if datetime.fromisoformat(settled["next_slot"]) > now:
        store.update(db, key, {"retry_at": None})  # an interrupted attempt had posted this slot's digest
        return
    row = settled
    schedule = Schedule.from_row(row)
    slot = schedule.latest_at_or_before(now)
    run = _run_fields(row, slot, now)
    start = datetime.fromisoformat(run["window_start"])
    digest = build_digest(db, key, start, slot, schedule.cadence, schedule.tz, schedule.portfolio)
    if digest.empty:
        store.log_run(db, {**run, "state": "empty", "alerts": 0})
        _advance(db, key, schedule, now, slot)
        report.empty += 1
        return
    # the attempt is on record before the message is sent: a crash from here on is resolved by asking
    # the platform whether the message exists (_settle_interrupted), not by sending it again blindly
    attempt = new_attempt_id()
    started = _iso(moment())
    run_id = store.log_run(
        db,
        {**run, "state": "sending", "alerts": digest.total, "attempt_id": attempt, "sending_since": started},
    )
    ref = DeliveryRef(run_id, "", target, attempt, started, slot=run["slot"])
    result = await attempt_send(ref, notifier, lambda: _send(notifier, digest, target))
    if result is None:  # timed out: the platform is asked at the next pass
        store.update(db, key, {"retry_at": claimed_from})
        report.unresolved += 1
        return
    if result.ok:
        if store.finish_run(db, run_id, attempt, {"state": "sent", "message_ref": result.message_ref}):
            _advance(db, key, schedule, now, slot, last_sent=started, last_error=None)
            report.sent += 1
        return
    error = redact.scrub(result.error or "unknown error", target.secrets)
    attempts = int(row.get("attempts") or 0) + 1
    if result.permanent or attempts >= MAX_ATTEMPTS:
        if store.finish_run(db, run_id, attempt, {"state": "failed", "error": error}):
            _advance(db, key, schedule, now, slot, last_error=error)
            report.failed += 1
            report.errors.append(f"{target}: {error}")
        return
    wait = timedelta(seconds=backoff(attempts, result.retry_after))
    if store.finish_run(db, run_id, attempt, {"state": "retrying", "error": error}):
        store.update(db, key, {"attempts": attempts, "retry_at": _iso(now + wait), "last_error": error})
        report.retrying += 1


def _run_fields(row: dict[str, Any], slot: datetime, now: datetime) -> dict[str, Any]:
    """A run's target and window: from the digest's window start (at most MAX_WINDOW back) to `slot`."""
    start = max(datetime.fromisoformat(row["window_start"]), slot - MAX_WINDOW)
    return {
        "target": row["target"],
        "slot": _iso(slot),
        "window_start": _iso(start),
        "window_end": _iso(slot),
        "at": _iso(now),
    }


async def _settle_interrupted(
    db: sqlite_utils.Database,
    row: dict[str, Any],
    target: Target,
    notifier: Any,
    now: datetime,
    report: DigestReport,
    taken_over: bool = False,
) -> dict[str, Any] | None:
    """Resolve the target's runs left `sending` (a crash, a cancelled or timed-out send) the way the
    outbox resolves deliveries: the platform is asked whether that digest's message exists. Found:
    the run is recorded as sent and the schedule moves past its window. Not found, or a notifier that
    cannot look: the run is closed and the digest is sent again (at least once). Returns the digest
    row to go on with, or None when that cannot be told yet (the platform cannot answer now, the
    attempt is still live elsewhere, or another runner settled it first). A digest `taken_over` from
    another runner's lease goes on only if this call settled an attempt itself."""
    settled_here = False
    for run in store.in_sending(db, row["target"]):
        if not interrupted(run, now):
            report.waiting += 1
            return None
        attempt = run["attempt_id"] or ""
        ref = DeliveryRef(run["id"], "", target, attempt, run["sending_since"], slot=run["slot"])
        try:
            found = await ask_platform(notifier, ref)
        except Unresolved:
            report.unresolved += 1
            return None
        if not found:
            why = (
                "not found on the platform"
                if hasattr(notifier, "find_sent")
                else "the platform cannot be asked"
            )
            error = f"interrupted before its outcome was recorded; {why}, so sent again"
            if not store.finish_run(db, run["id"], attempt, {"state": "retrying", "error": error}):
                return None  # another runner settled it first: that one goes on
            report.resent += 1
            settled_here = True
            continue
        if not store.finish_run(
            db, run["id"], attempt, {"state": "sent", "message_ref": found, "error": None}
        ):
            return None
        log.info("digest for %s (%s) was posted before the interruption", target, run["slot"])
        report.recovered += 1
        end = datetime.fromisoformat(run["slot"])
        values = {  # never backwards: the schedule may have been changed since that attempt
            "window_start": _iso(max(datetime.fromisoformat(row["window_start"]), end)),
            "next_slot": _iso(
                max(datetime.fromisoformat(row["next_slot"]), Schedule.from_row(row).next_after(end))
            ),
            "attempts": 0,
            "last_sent": run["sending_since"],
            "last_error": None,
        }
        store.update(db, row["target"], values)
        row = {**row, **values}
        settled_here = True
    return row if settled_here or not taken_over else None
