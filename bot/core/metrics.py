"""Prometheus metrics for the service: polls, items, alerts, linked reports, sends, errors; deliveries by
state and feeds by health are read from the database at scrape time.

Each Metrics object has its own registry (several services or tests in one process never mix).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import sqlite_utils
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from storage import deliveries, reports
from storage import feeds as feed_store

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_MAX_TRACKED = 50_000


class _DatabaseCollector(Collector):
    """Gauges computed from the database when scraped: outbox rows by state, feeds by health."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Any]:
        outbox = GaugeMetricFamily(
            "riskwire_deliveries", "Outbox rows by kind and state", labels=["kind", "state"]
        )
        for state, count in sorted(deliveries.counts_by_state(self.db).items()):
            outbox.add_metric(["alert", state], count)
        for state, count in sorted(reports.counts_by_state(self.db).items()):
            outbox.add_metric(["update", state], count)
        yield outbox
        feeds = GaugeMetricFamily("riskwire_feeds", "Feeds by health", labels=["health"])
        for health, count in sorted(feed_store.counts_by_health(self.db).items()):
            feeds.add_metric([health], count)
        yield feeds


class Metrics:
    """The service's counters and histograms; `render()` gives the Prometheus text format."""

    def __init__(self, db: sqlite_utils.Database | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter("riskwire_polls", "Feed fetches by outcome", ["outcome"], registry=r)
        self.items = Counter("riskwire_items", "Feed items read (new or not)", registry=r)
        self.new_items = Counter("riskwire_new_items", "New feed items stored", registry=r)
        self.alerts = Counter("riskwire_alerts", "Alerts created", registry=r)
        self.reports = Counter("riskwire_linked_reports", "Story copies linked to an alert", registry=r)
        self.sends = Counter(
            "riskwire_sends", "Send attempts by kind and outcome", ["kind", "outcome"], registry=r
        )
        self.errors = Counter("riskwire_errors", "Errors by kind", ["kind"], registry=r)
        self.fetch_seconds = Histogram(
            "riskwire_fetch_seconds", "Time to fetch and parse one feed", registry=r
        )
        self.fetch_to_post = Histogram(
            "riskwire_fetch_to_post_seconds",
            "From a feed's fetch completing to its alert being posted",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, float("inf")),
            registry=r,
        )
        self._fetched: dict[str, float] = {}
        if db is not None:
            r.register(_DatabaseCollector(db))

    def fetched(self, alert_id: str, at: float | None = None) -> None:
        """Remember when the fetch that produced `alert_id` completed (monotonic seconds)."""
        if len(self._fetched) >= _MAX_TRACKED:
            self._fetched.clear()
        self._fetched[alert_id] = time.monotonic() if at is None else at

    def posted(self, alert_id: str) -> None:
        """An alert was posted: observe fetch-to-post when its fetch happened in this process."""
        start = self._fetched.pop(alert_id, None)
        if start is not None:
            self.fetch_to_post.observe(max(time.monotonic() - start, 0.0))

    def render(self) -> bytes:
        return generate_latest(self.registry)


NULL = Metrics()  # used when a caller passes none; its numbers are simply never read
