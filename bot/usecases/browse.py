"""`riskwire browse`: the history in Datasette (optional extra: pip install 'riskwire[browse]').

Writes a Datasette metadata file with canned queries (alerts by ticker, alerts for one ticker, open
items, false-positive rate by rule, review log, failed deliveries) and full-text search on the
alerts table, then starts Datasette on 127.0.0.1, reading the database read-only. Ctrl-C or SIGTERM
stops Datasette with it, and a metadata file written to a temporary folder goes with the folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

STOP_WAIT = 10.0  # seconds Datasette gets to exit after SIGTERM before it is killed
INSTALL_HINT = "Datasette is not installed. Install the optional extra: pip install 'riskwire[browse]'"

CANNED_QUERIES: dict[str, dict[str, Any]] = {
    "alerts_by_ticker": {
        "title": "Alerts by ticker",
        "description": "Alerts per ticker, with how many are high or critical and how many are still open.",
        "sql": (
            "select a.ticker, a.company, count(*) as alerts, "
            "sum(a.severity in ('high', 'critical')) as high_or_critical, "
            "sum(not exists (select 1 from review_state s where s.alert_id = a.id and s.target = '*' "
            "and s.action in ('reviewed', 'false_positive'))) as open, "
            "min(a.happened) as first, max(a.happened) as latest "
            "from alerts a group by a.ticker, a.company order by alerts desc"
        ),
    },
    "alerts_for_ticker": {
        "title": "Alerts for one ticker",
        "description": "Newest first, with the current review state.",
        "sql": (
            "select a.happened, a.severity, a.topics, a.title, a.link, a.summary, s.action as review, "
            "s.user as reviewer, a.id from alerts a left join review_state s on s.alert_id = a.id "
            "and s.target = '*' where a.ticker = upper(:ticker) order by a.happened desc limit 500"
        ),
    },
    "open_items": {
        "title": "Open items",
        "description": "Alerts nobody has marked reviewed or false positive yet, most severe first.",
        "sql": (
            "select a.happened, a.ticker, a.severity, a.topics, a.title, a.link, a.id from alerts a "
            "where not exists (select 1 from review_state s where s.alert_id = a.id and s.target = '*' "
            "and s.action in ('reviewed', 'false_positive')) "
            "order by case a.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 "
            "else 3 end, a.happened desc limit 1000"
        ),
    },
    "false_positive_rate_by_rule": {
        "title": "False-positive rate by rule",
        "description": "How often each rule fired and how often those alerts were marked false positive.",
        "sql": (
            "select rule, fired, false_positives, round(100.0 * false_positives / fired, 1) as fp_percent "
            "from (select json_extract(e.value, '$.rule') as rule, count(distinct a.id) as fired, "
            "count(distinct case when exists (select 1 from review_state s where s.alert_id = a.id "
            "and s.action = 'false_positive') then a.id end) as false_positives "
            "from alerts a, json_each(case when json_valid(a.evidence) then a.evidence else '[]' end) e "
            "group by rule) where rule is not null order by fp_percent desc, fired desc"
        ),
    },
    "review_log": {
        "title": "Review log",
        "description": "Every review action: who, what, when and why.",
        "sql": (
            "select r.at, r.user, r.action, r.reason, r.target, a.ticker, a.title, a.id as alert_id "
            "from reviews r join alerts a on a.id = r.alert_id order by r.id desc limit 1000"
        ),
    },
    "failed_deliveries": {
        "title": "Deliveries that failed or wait for a retry",
        "sql": (
            "select d.created, d.state, d.attempts, d.last_error, a.ticker, a.title, d.alert_id "
            "from deliveries d join alerts a on a.id = d.alert_id "
            "where d.state in ('failed', 'retrying') order by d.id desc limit 1000"
        ),
    },
}


def metadata(db_path: str | Path) -> dict[str, Any]:
    """Datasette metadata for the database at `db_path`: canned queries and full-text search."""
    name = Path(db_path).stem
    return {
        "title": "Riskwire history",
        "description": "ESG and legal risk alerts: history, reviews and deliveries.",
        "databases": {
            name: {
                "queries": CANNED_QUERIES,
                "tables": {
                    "alerts": {"fts_table": "alerts_fts", "fts_pk": "rowid", "sort_desc": "happened"},
                    "alerts_fts": {"hidden": True},
                    "alerts_fts_data": {"hidden": True},
                    "alerts_fts_idx": {"hidden": True},
                    "alerts_fts_config": {"hidden": True},
                    "alerts_fts_docsize": {"hidden": True},
                    "_migrations": {"hidden": True},
                },
            }
        },
    }


def write_metadata(db_path: str | Path, out: str | Path) -> Path:
    """Write the metadata file; returns its path."""
    path = Path(out)
    path.write_text(json.dumps(metadata(db_path), indent=2), encoding="utf-8")
    return path


def datasette_installed() -> bool:
    return importlib.util.find_spec("datasette") is not None


def datasette_command(db_path: str | Path, metadata_path: str | Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def run_datasette(db_path: str | Path, metadata_path: str | Path, port: int) -> int:
    """Start Datasette and wait for it; returns its exit code. Ctrl-C or SIGTERM stops it (0): the
    child is asked to stop, killed after STOP_WAIT seconds if it does not, and waited for."""
    with _sigterm_interrupts():
        child: subprocess.Popen[bytes] | None = None
        try:
            child = subprocess.Popen(datasette_command(db_path, metadata_path, port))
            return child.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            if child is not None:
                stop_child(child)


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """Terminate `child` if it still runs, kill it after STOP_WAIT seconds, and reap it."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(STOP_WAIT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM interrupts like Ctrl-C, so the `finally` that stops the child runs
    (Python's default for SIGTERM ends the process at once and leaves the child behind)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second one must not cut the stop short
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
