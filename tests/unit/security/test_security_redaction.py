"""Secrets never reach a log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simbiot.security.redaction import MASK, RedactingFilter, Redactor

SECRET = "sk_live_9f8e7d6c5b4a"


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        (f"using key {SECRET} now", SECRET),
        ("api_key=AKIAXYZ123 &x=1", "AKIAXYZ123"),
        ('{"secret": "abc123def", "symbol": "BTC/USDT"}', "abc123def"),
        ("password: hunter22", "hunter22"),
        ("X-MEXC-APIKEY=mx0abcdef", "mx0abcdef"),
        ("Authorization: Bearer eyJhbGciOi.JIUzI1.NiJ9", "eyJhbGciOi"),
        ("token='t0k3n-v4lue'", "t0k3n-v4lue"),
        ("postgresql://simbiot:pa55word@db:5432/x", "pa55word"),
        ("signature=0a1b2c3d4e5f", "0a1b2c3d4e5f"),
    ],
)
def test_redacts(text: str, leaked: str) -> None:
    out = Redactor([SECRET]).redact(text)
    assert leaked not in out
    assert MASK in out


def test_leaves_ordinary_text_alone() -> None:
    text = "BTC/USDT buy 0.1 at 65000 (order c-1)"
    assert Redactor([SECRET]).redact(text) == text


def test_short_values_are_not_treated_as_secrets() -> None:
    # A one-character "secret" would mask every occurrence of that letter.
    assert Redactor(["a", ""]).redact("a banana") == "a banana"


def test_longest_secret_masked_whole() -> None:
    out = Redactor(["abcdef", "abcdefghij"]).redact("x abcdefghij y")
    assert out == f"x {MASK} y"


SECRETS = st.text(
    alphabet=st.characters(categories=("Lu", "Ll", "Nd"), include_characters="-_./+="),
    min_size=6,
)


@given(SECRETS, st.text(), st.text())
def test_known_secret_never_survives(secret: str, before: str, after: str) -> None:
    assert secret not in Redactor([secret]).redact(before + secret + after)


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactingFilter(Redactor([SECRET])))
    log = logging.getLogger("test.redaction")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log, stream
    log.removeHandler(handler)


def test_filter_redacts_message_and_args(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    log.info("connecting with %s and %r", SECRET, {"api_key": "zzz999zzz"})
    log.info("count=%d", 5)
    text = stream.getvalue()
    assert SECRET not in text
    assert "zzz999zzz" not in text
    assert "count=5" in text


def test_filter_redacts_tracebacks(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    try:
        raise RuntimeError(f"auth failed for {SECRET}")
    except RuntimeError:
        log.exception("request failed")
    text = stream.getvalue()
    assert "RuntimeError" in text
    assert SECRET not in text


def test_filtered_record_cannot_render_the_raw_traceback_again() -> None:
    try:
        raise RuntimeError(f"auth failed for {SECRET}")
    except RuntimeError as exc:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "boom", None, (type(exc), exc, None)
        )
    RedactingFilter(Redactor([SECRET])).filter(record)
    assert record.exc_info is None
    assert record.exc_text is not None
    assert SECRET not in record.exc_text
    assert SECRET not in logging.Formatter().format(record)


def test_filter_survives_bad_format_args(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    log.info("two %s %s", SECRET)  # wrong arity must not raise or leak
    assert SECRET not in stream.getvalue()


def test_filter_redacts_extra_fields() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "placed", None, None)
    record.api_key = "plain-key-123"
    record.note = f"sent with {SECRET}"
    record.symbol = "BTC/USDT"
    RedactingFilter(Redactor([SECRET])).filter(record)
    assert record.api_key == MASK
    assert SECRET not in record.note
    assert record.symbol == "BTC/USDT"
