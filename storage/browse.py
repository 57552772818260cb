"""The history as Datasette shows it (`riskwire browse`): canned queries over the SQLite file, and
table settings that search alerts through their full-text index and hide its shadow tables."""

from __future__ import annotations

from typing import Any

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

TABLES: dict[str, dict[str, Any]] = {
    "alerts": {"fts_table": "alerts_fts", "fts_pk": "rowid", "sort_desc": "happened"},
    "alerts_fts": {"hidden": True},
    "alerts_fts_data": {"hidden": True},
    "alerts_fts_idx": {"hidden": True},
    "alerts_fts_config": {"hidden": True},
    "alerts_fts_docsize": {"hidden": True},
    "_migrations": {"hidden": True},
}
