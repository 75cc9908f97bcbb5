from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from simbiot.cli import data_cmd
from simbiot.cli.app import build_app
from simbiot.data.candle_store import ParquetCandleStore

H = 3_600_000


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("SIMBIOT_APP__DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SIMBIOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    root = build_app()
    if not any(g.name == "data" for g in root.registered_groups):
        data_cmd.register(root)
    return root


def write_tree(root: Path) -> None:
    d = root / "binance" / "1h"
    d.mkdir(parents=True)
    ts = np.arange(24, dtype=np.int64) * H
    f = np.linspace(1, 2, 24)
    for name in ("BTC_USDT", "ETH_USDT"):
        pd.DataFrame(
            {"timestamp": ts, "open": f, "high": f + 1, "low": f - 0.5, "close": f, "volume": f}
        ).to_parquet(d / f"{name}.parquet")


def test_parse_since() -> None:
    assert data_cmd.parse_since("2025-01-01") == 1_735_689_600_000
    assert data_cmd.parse_since("2025-01-01T01:00:00+01:00") == 1_735_689_600_000
    with pytest.raises(typer.BadParameter):
        data_cmd.parse_since("yesterday")


def test_import_then_list(app: typer.Typer, tmp_path: Path) -> None:
    write_tree(tmp_path / "src")
    runner = CliRunner()
    result = runner.invoke(app, ["data", "import", str(tmp_path / "src")])
    assert result.exit_code == 0, result.output
    assert "2 files, 48 candles added" in result.output
    store = ParquetCandleStore(tmp_path / "var" / "candles", "binance", "1h")
    assert store.symbols() == ["BTC/USDT", "ETH/USDT"]
    listed = runner.invoke(app, ["data", "list"])
    assert listed.exit_code == 0, listed.output
    assert "binance" in listed.output
    assert "48" in listed.output


def test_import_failures_exit_nonzero(app: typer.Typer, tmp_path: Path) -> None:
    bad = tmp_path / "x" / "1h"
    bad.mkdir(parents=True)
    (bad / "BAD_USDT.parquet").write_bytes(b"junk")
    runner = CliRunner()
    result = runner.invoke(app, ["data", "import", str(tmp_path / "x")])
    assert result.exit_code == 1
    missing = runner.invoke(app, ["data", "import", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1
    assert "no such file" in missing.output


def test_download_unknown_exchange_is_a_clear_error(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["data", "download", "--exchange", "nope"])
    assert result.exit_code == 1
    assert "not configured" in result.output
