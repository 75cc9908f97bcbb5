from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from simbiot.config.sections import LoggingSettings
from simbiot.observability.logging import LoggingHandle, configure_logging


class _Upper(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = str(record.msg).replace("hunter2", "*****")
        return True


@pytest.fixture
def handles() -> Iterator[list[LoggingHandle]]:
    out: list[LoggingHandle] = []
    yield out
    for h in out:
        h.close()


def test_rotating_file_rotates_and_filters_apply(
    tmp_path: Path, handles: list[LoggingHandle]
) -> None:
    settings = LoggingSettings(
        file=Path("logs/x.log"), max_bytes=2048, backup_count=2, console=False, level="INFO"
    )
    handle = configure_logging(settings, data_dir=tmp_path, filters=[_Upper()])
    handles.append(handle)
    logger = logging.getLogger("simbiot.test.rotate")
    for i in range(200):
        logger.info("line %d password hunter2", i)
    files = sorted((tmp_path / "logs").iterdir())
    assert [f.name for f in files] == ["x.log", "x.log.1", "x.log.2"]
    text = "".join(f.read_text() for f in files)
    assert "hunter2" not in text
    assert "*****" in text


def test_json_lines_carry_extras_and_exceptions(
    tmp_path: Path, handles: list[LoggingHandle]
) -> None:
    settings = LoggingSettings(file=Path("j.log"), json_lines=True, console=False)
    handles.append(configure_logging(settings, data_dir=tmp_path))
    logger = logging.getLogger("simbiot.test.json")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed for %s", "BTC/USDT", extra={"symbol": "BTC/USDT"})
    line = (tmp_path / "j.log").read_text().strip().splitlines()[-1]
    doc = json.loads(line)
    assert doc["message"] == "failed for BTC/USDT"
    assert doc["symbol"] == "BTC/USDT"
    assert doc["level"] == "ERROR"
    assert "ValueError: boom" in doc["exc"]


def test_close_removes_handlers(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    handle = configure_logging(LoggingSettings(file=None, console=True), data_dir=tmp_path)
    assert len(root.handlers) == len(before) + 1
    handle.close()
    assert root.handlers == before
