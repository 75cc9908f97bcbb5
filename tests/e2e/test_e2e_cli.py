"""The command line end to end: a real process per command, on the embedded default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SIMBIOT_")}
    full_env.update({"SIMBIOT_SIMULATOR__SYMBOLS": "60", "COLUMNS": "160"})
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "simbiot", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_help_lists_every_group(tmp_path: Path) -> None:
    out = _run(["--help"], tmp_path)
    assert out.returncode == 0, out.stderr
    for group in (
        "version",
        "config",
        "db",
        "data",
        "symbols",
        "sim",
        "xray",
        "strategies",
        "signals",
        "demo",
    ):
        assert group in out.stdout


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    out = _run(
        ["config", "show"],
        tmp_path,
        {"SIMBIOT_SECURITY__JWT_SECRET": "very-secret-jwt", "SIMBIOT_CACHE__TTL__OHLCV": "123"},
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["cache"]["ttl"]["ohlcv"] == 123
    assert doc["security"]["jwt_secret"] == "**********"
    assert "very-secret-jwt" not in out.stdout


def test_bad_config_file_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("cache:\n  ttl:\n    ohlcv: never\n")
    out = _run(["--config", str(cfg), "config", "show"], tmp_path)
    assert out.returncode == 2
    assert "bad.yaml" in out.stderr
    assert "cache.ttl.ohlcv" in out.stderr


def test_xray_json_on_the_embedded_default(tmp_path: Path) -> None:
    out = _run(["xray", "--json", "--top", "5"], tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    for key in ("market_state", "symbols", "scanned", "filtered", "quarantined", "timings"):
        assert key in doc
    assert doc["scanned"] > 40
    assert 0 < len(doc["symbols"]) <= 5
    assert doc["sync"]["symbols_ok"] == doc["scanned"]
    scores = [row["score"] for row in doc["symbols"]]
    assert scores == sorted(scores, reverse=True)
    # A second run reads the candle store it filled: nothing new to fetch but the open bar.
    again = _run(["xray", "--json", "--no-sync"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["scanned"] == doc["scanned"]


def test_demo_says_what_it_did(tmp_path: Path) -> None:
    out = _run(["demo", "--top", "5"], tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "database migrated to revision" in text
    assert "market simulator" in text
    assert "synced" in text
    assert "Market X-ray" in text
    assert "strategy configurations evaluated once each" in text
    assert "Paper trading" in text
    assert "cycle 2:" in text
    for email in ("trend@demo.simbiot", "meanrev@demo.simbiot"):
        assert email in text
    assert (tmp_path / "var" / "simbiot.db").is_file()
    assert any((tmp_path / "var" / "candles" / "mexc" / "1h").glob("*.parquet"))


def test_signals_json_for_one_strategy(tmp_path: Path) -> None:
    out = _run(["signals", "--json", "--strategy", "trend_ema_adx"], tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert len(doc["configs"]) == 1
    assert next(iter(doc["configs"].values()))["strategy"] == "trend_ema_adx"
    assert "market_state" in doc


def test_signals_unknown_strategy_is_a_clear_error(tmp_path: Path) -> None:
    out = _run(["signals", "--strategy", "nope", "--no-sync"], tmp_path)
    assert out.returncode == 1
    assert "unknown strategy nope" in out.stderr


def test_import_real_candles_then_backtest_json(tmp_path: Path, shared_data: Path) -> None:
    src = tmp_path / "src" / "binance" / "1h"
    src.mkdir(parents=True)
    for base in ("BTC", "ETH", "SOL"):
        (src / f"{base}_USDT.parquet").symlink_to(
            shared_data / "ohlcv" / "binance" / "1h" / f"{base}_USDT.parquet"
        )
    out = _run(["data", "import", str(tmp_path / "src")], tmp_path)
    assert out.returncode == 0, out.stderr
    out = _run(
        [
            "backtest",
            "--strategy",
            "trend_ema_adx",
            "--exchange",
            "binance",
            "--from",
            "2024-02-01",
            "--to",
            "2024-06-30",
            "--stop-loss",
            "0.05",
            "--json",
            "--report",
            str(tmp_path / "r.html"),
        ],
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    for key in (
        "total_return",
        "sharpe",
        "sortino",
        "max_drawdown",
        "win_rate",
        "profit_factor",
        "trades",
    ):
        assert key in doc["metrics"]
    assert set(doc["per_symbol"]) == {"BTC/USDT", "ETH/USDT", "SOL/USDT"}
    assert doc["audit"]["violations"] == []
    trade = doc["trades"][0]
    for key in (
        "symbol",
        "side",
        "entry_time",
        "exit_time",
        "entry_price",
        "exit_price",
        "amount",
        "fee",
        "pnl",
    ):
        assert key in trade
    first = min(t["entry_time"] for t in doc["trades"])
    assert first >= 1706745600000  # 2024-02-01
    assert (tmp_path / "r.html").stat().st_size > 10_000
    assert (tmp_path / "r.png").is_file()


def test_backtest_of_an_empty_store_is_a_clear_error(tmp_path: Path) -> None:
    out = _run(["backtest", "--strategy", "trend_ema_adx", "--exchange", "binance"], tmp_path)
    assert out.returncode == 1
    assert "holds no symbols" in out.stderr


def test_run_trades_the_configured_users_and_keeps_their_books(tmp_path: Path) -> None:
    env = {"SIMBIOT_SIMULATOR__SPEED": "3600"}
    out = _run(["run", "--cycles", "2"], tmp_path, env)
    assert out.returncode == 0, out.stderr
    assert "trading 4 paper users" in out.stdout
    assert "cycle 2:" in out.stdout
    assert "squeeze@demo.simbiot" in out.stdout
    # A second run finds the same users and bots (no duplicates) and carries on.
    again = _run(["run", "--cycles", "1"], tmp_path, env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("@demo.simbiot") == 4


def test_event_engine_gives_the_fast_paths_trades(tmp_path: Path, shared_data: Path) -> None:
    src = tmp_path / "src" / "binance" / "1h"
    src.mkdir(parents=True)
    for base in ("BTC", "ETH"):
        (src / f"{base}_USDT.parquet").symlink_to(
            shared_data / "ohlcv" / "binance" / "1h" / f"{base}_USDT.parquet"
        )
    assert _run(["data", "import", str(tmp_path / "src")], tmp_path).returncode == 0
    docs = {}
    for engine in ("fast", "event", "trading"):
        out = _run(
            [
                "backtest",
                "-s",
                "trend_ema_adx",
                "-e",
                "binance",
                "--from",
                "2024-05-01",
                "--stop-loss",
                "0.05",
                "--engine",
                engine,
                "--json",
            ],
            tmp_path,
        )
        assert out.returncode == 0, out.stderr
        docs[engine] = json.loads(out.stdout)
        assert docs[engine]["audit"]["violations"] == []
    assert docs["event"]["trades"] == docs["fast"]["trades"]
    assert docs["trading"]["metrics"]["trades"] > 0
