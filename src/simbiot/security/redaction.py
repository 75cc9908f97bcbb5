"""Keep secrets out of logs: mask known secret values and anything that looks like one."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["MASK", "RedactingFilter", "Redactor"]

# Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}

MASK = "***"
# Shorter values would mask ordinary words and numbers all over the log.
MIN_SECRET_LENGTH = 6

_NAMES = (
    r"api[_-]?key|apikey|api[_-]?secret|secret[_-]?key|secret|access[_-]?token|"
    r"refresh[_-]?token|token|passphrase|password|passwd|pwd|private[_-]?key|"
    r"signature|authorization|x-mexc-apikey|x-mbx-apikey|x-bapi-api-key|master[_-]?keys?"
)
# name=value, name: value, "name": "value", 'name'='value' (the value ends at a quote,
# comma, whitespace, ampersand or closing bracket).
_PAIR = re.compile(
    rf"""(?P<name>["']?\b(?:{_NAMES})\b["']?\s*[:=]\s*)(?P<quote>["']?)(?P<value>(?:(?:Bearer|Basic)\s+)?[^"'\s,&}}\]]+)""",
    re.IGNORECASE,
)
_SECRET_NAME = re.compile(rf"^(?:{_NAMES})$", re.IGNORECASE)
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
# URL credentials: scheme://user:password@host
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+(?=@)", re.IGNORECASE)


class Redactor:
    """Replace known secret values and secret-looking fields in text with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)
        # Longest first, so a secret containing another is masked whole.
        self._known = re.compile("|".join(map(re.escape, values))) if values else None

    def redact(self, text: str) -> str:
        """Return ``text`` with every secret masked."""
        if self._known is not None:
            text = self._known.sub(MASK, text)
        text = _PAIR.sub(lambda m: f"{m['name']}{m['quote']}{MASK}", text)
        text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
        return _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the message, its arguments and any traceback text."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        # Format once with the arguments, then drop them: a secret can sit in an argument
        # as easily as in the template.
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} {record.args!r}"
        record.msg = self._redactor.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        # Without the live exception no formatter can render the unredacted traceback again;
        # formatters print the redacted exc_text instead.
        record.exc_info = None
        if record.exc_text:
            record.exc_text = self._redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redactor.redact(record.stack_info)
        # Structured (JSON) logs print ``extra=`` fields too.
        for key, value in list(record.__dict__.items()):
            if key in _STANDARD_ATTRS or key.startswith("_"):
                continue
            if _SECRET_NAME.match(key):
                setattr(record, key, MASK)
            elif isinstance(value, str):
                setattr(record, key, self._redactor.redact(value))
        return True
