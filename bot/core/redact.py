"""Keep secret values out of every log line and error message, whatever code produced them.

`install(secrets)` wraps the logging record factory, so each record is scrubbed where it is created,
before any handler (ours, a library's, pytest's) formats it: its message, and the traceback text of
an exception it carries. `scrub(text)` does the same for messages printed directly.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable
from typing import Any

MASK = "***"
MIN_SECRET_CHARS = 6  # shorter values would mask ordinary words; real tokens are far longer

_secrets: tuple[str, ...] = ()
_base_factory = logging.getLogRecordFactory()


# Credentials recognisable by their shape, masked even when no setting holds them: Discord webhook
# tokens live inside delivery targets, and a Slack token may arrive in a library's error text.
_SHAPES = (
    # discord.py logs the URL it calls (/api/v10/webhooks/ID/TOKEN), and an error body may quote the
    # request path without the API prefix (/webhooks/ID/TOKEN)
    (re.compile(r"(/webhooks/\d+/)[\w\-.]+"), r"\1" + MASK),
    (re.compile(r"\bxox[abposr]-[\w\-]+|\bxapp-[\w\-]+"), MASK),
)


def scrub(text: str, also: Iterable[str] = ()) -> str:
    """`text` with every installed secret value, the values in `also` (secrets known to the caller,
    such as a webhook target's token), and anything shaped like a token, replaced by ***."""
    extra = sorted((s for s in also if len(s) >= MIN_SECRET_CHARS), key=len, reverse=True)
    for secret in (*_secrets, *extra):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


def _record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a bad format string is logging's problem to report, not ours
        return record
    cleaned = scrub(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    return record


def install(secrets: Iterable[str]) -> None:
    """Scrub these values (ignoring empty and very short ones) from all logging from now on."""
    global _secrets
    _secrets = tuple(sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True))
    logging.setLogRecordFactory(_record)
