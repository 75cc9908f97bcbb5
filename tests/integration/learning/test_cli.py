"""The learning commands end to end: stored candles → train → models → optimize → evolve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest
from typer.testing import CliRunner

from simbiot.analysis.xray.synthetic import random_market
from simbiot.cli.app import build_app
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.domain.market import Candles
from simbiot.learning import cli as learning_cli


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A data dir with 4 synthetic symbols × 1,200 hourly candles in the candle store."""
    frame = random_market(4, 1200, seed=21, late_listing_share=0.0)
    store = ParquetCandleStore(tmp_path / "candles", "mexc", "1h")
    for i, sym in enumerate(frame.symbols):
        ok = np.isfinite(frame.close[i])
        store.append(
            Candles(
                sym, "1h", frame.timestamp[ok], frame.open[i][ok], frame.high[i][ok],
                frame.low[i][ok], frame.close[i][ok], frame.volume[i][ok],
            )
        )  # fmt: skip
    monkeypatch.chdir(tmp_path)
    return {
        "SIMBIOT_APP__DATA_DIR": str(tmp_path),
        "SIMBIOT_DATA__CANDLE_DIR": str(tmp_path / "candles"),
        "SIMBIOT_EXCHANGES__DEFAULT": "mexc",
    }


def _run(env: dict[str, str], *args: str) -> str:
    app = build_app()
    if not any(c.name == "train" for c in app.registered_commands):
        learning_cli.register(app)
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.slow
def test_train_models_optimize_evolve(env: dict[str, str]) -> None:
    out = _run(env, "train", "--model", "trend", "--window", "1200", "--promote")
    assert "champion" in out
    _run(env, "train", "--model", "trend", "--window", "1200")
    listed = orjson.loads(_run(env, "models", "list", "trend", "--json"))
    assert [v["version"] for v in listed] == [2, 1]
    assert listed[1]["metrics"]["oos"]["auc"] is not None
    _run(env, "models", "promote", "trend", "2")
    shown = orjson.loads(_run(env, "models", "show", "trend"))
    assert shown["version"] == 2
    assert "again" in _run(env, "models", "rollback", "trend")
    assert orjson.loads(_run(env, "models", "show", "trend"))["version"] == 1
    opt = orjson.loads(
        _run(env, "optimize", "--strategy", "trend_ema_adx", "--generations", "1",
             "--population", "4", "--window", "1200", "--train-bars", "300",
             "--test-bars", "200", "--json")
    )  # fmt: skip
    assert opt["trials"] == 4
    # Resumable: asking for two generations runs only the missing one.
    again = orjson.loads(
        _run(env, "optimize", "--strategy", "trend_ema_adx", "--generations", "2",
             "--population", "4", "--window", "1200", "--train-bars", "300",
             "--test-bars", "200", "--json")
    )  # fmt: skip
    assert again["trials"] == 8
    assert again["generations_run"] == 1
    evo = orjson.loads(
        _run(
            env,
            "evolve",
            "--strategy",
            "trend_ema_adx",
            "--window",
            "1200",
            "--train-bars",
            "300",
            "--test-bars",
            "150",
            "--generations",
            "1",
            "--population",
            "4",
            "--json",
        )
    )
    assert evo["action"] in {"keep", "promote", "probation_failed"}
    assert "current" in evo["evidence"]


def test_errors_exit_nonzero(env: dict[str, str]) -> None:
    app = build_app()
    learning_cli.register(app)
    result = CliRunner().invoke(app, ["models", "rollback", "nothing"], env=env)
    assert result.exit_code == 1
    result = CliRunner().invoke(app, ["train", "--kind", "forest"], env=env)
    assert result.exit_code != 0


@pytest.mark.slow
def test_learner_run_and_serve_learner(env: dict[str, str]) -> None:
    small = {
        **env,
        "SIMBIOT_LEARNING__N_ESTIMATORS": "20",
        "SIMBIOT_LEARNING__MIN_CHILD_SAMPLES": "20",
        "SIMBIOT_LEARNING__CV_FOLDS": "2",
        "SIMBIOT_LEARNING__HOLDOUT_BARS": "200",
        "SIMBIOT_LEARNING__LEARNER_WINDOW": "1200",
    }
    out = _run(small, "learner", "run", "--cycles", "1")
    assert "trend bootstrap" in out
    assert "potential bootstrap" in out
    assert "volatility bootstrap" in out
    again = _run(small, "serve", "learner", "--cycles", "1")
    assert "learner cycle 1:" in again
    assert "bootstrap" not in again
    listed = orjson.loads(_run(small, "models", "list", "--json"))
    assert {v["name"] for v in listed if v["status"] == "champion"} == {
        "trend", "potential", "volatility",
    }  # fmt: skip
    trained = _run(small, "train", "--model", "volatility", "--window", "1200")
    assert "regressor" in trained
    shown = orjson.loads(_run(small, "models", "show", "volatility", "2"))
    assert shown["kind"] == "regressor"
    assert shown["metrics"]["oos"]["ic"] is not None
