"""Walk-forward evaluation on stored candles: model quality and what the ML filter and the
GA change in a strategy's results, after fees.

Run ``python -m simbiot.learning.evaluation --root /work/shared/data/ohlcv --exchange binance
--timeframe 1h`` (add ``--json`` for machine-readable output). Every number is out of
sample: each fold's model is trained only on rows whose label ended before the fold's test
window (minus the label horizon), and the GA never sees the final window it is judged on.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from simbiot.analysis.indicators import periods_per_year
from simbiot.backtest.fastpath import run_signals
from simbiot.backtest.robustness import Split, slice_frame, walk_forward_splits
from simbiot.config.sections import BacktestSettings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.domain.frame import MarketFrame
from simbiot.learning.datasets import (
    DatasetSpec,
    build_dataset,
    feature_block,
    per_bar_volatility,
)
from simbiot.learning.decisions import filter_entries
from simbiot.learning.quality import classifier_quality
from simbiot.learning.training import LoadedModel, TrainingInput, TrainingSpec, train_model
from simbiot.optimize.fitness import WalkForwardFitness, portfolio_stats
from simbiot.optimize.genetic import GeneticOptimizer
from simbiot.optimize.space import SearchSpace
from simbiot.optimize.storage import open_storage
from simbiot.signals import StrategyRegistry

__all__ = ["evaluate", "main"]


def _backtest(
    frame: MarketFrame, ent: Any, ext: Any, w: slice, bt: BacktestSettings
) -> dict[str, float]:
    res = run_signals(
        ent[:, w], ext[:, w], frame.open[:, w], frame.high[:, w], frame.low[:, w],
        frame.close[:, w], bt,
    )  # fmt: skip
    if res.equity is None:
        raise RuntimeError("run_signals returned no equity curves")
    eq = np.nan_to_num(res.equity, nan=0.0)
    sharpe, mdd = portfolio_stats(eq, periods_per_year(frame.timeframe))
    port = eq.sum(axis=1)[0]
    return {
        "sharpe": float(sharpe[0]),
        "max_drawdown": float(mdd[0]),
        "return": float(port[-1] / port[0] - 1.0),
        "trades": int(res.trade_count.sum()),
    }


def evaluate(
    frame: MarketFrame,
    *,
    strategy: str = "trend_ema_adx",
    folds: int = 3,
    test_bars: int = 1000,
    every: int = 4,
    spec: DatasetSpec | None = None,
    training: TrainingSpec | None = None,
    ga_population: int = 16,
    ga_generations: int = 4,
    ga_windows: tuple[int, int] = (1500, 1000),
) -> dict[str, Any]:
    """Return per-fold model quality, strategy results with and without the ML filter, and
    default against GA-evolved parameters on the final window."""
    spec = spec or DatasetSpec(horizon=24, reference_symbol="BTC/USDT")
    training = training or TrainingSpec(n_estimators=200, folds=3)
    bt = BacktestSettings()
    n = frame.shape[1]
    data = build_dataset(frame, spec)
    feats = feature_block(frame, spec)
    strat = StrategyRegistry.with_builtins().get(strategy)
    defaults = {k: v.default for k, v in strat.parameters().items()}
    fit_all = WalkForwardFitness(strat, frame, [Split(0, 0, 1, 1, n)], bt)
    entries, exits = fit_all.masks(defaults)
    out: dict[str, Any] = {"symbols": frame.shape[0], "candles": n, "folds": []}
    for k in range(folds):
        start = n - (folds - k) * test_bars
        w = slice(start, start + test_bars)
        train = data.known_at(start - 1)
        train = train.subset(train.t % every == 0)  # overlapping labels: thin the rows
        t0 = time.perf_counter()
        trained = train_model(
            TrainingInput(train.names, train.x, train.y_class, train.t, train.horizon), training
        )
        seconds = time.perf_counter() - t0
        model = LoadedModel(trained.kind, trained.names, trained.booster)
        test = data.subset((data.t >= start) & (data.t < start + test_bars))
        p_test = model.predict(test.x)
        quality = classifier_quality(test.y_class, p_test).to_json()
        # Probabilities of every (symbol, bar) of the window, for the filter.
        block = feats.block[:, :, w]
        x_all = np.moveaxis(block, 0, 2).reshape(-1, block.shape[0])
        p_all = model.predict(x_all).reshape(frame.shape[0], test_bars)
        prob = np.full(frame.shape, np.nan)
        prob[:, w] = p_all
        base_rate = float(train.y_class.mean())
        row: dict[str, Any] = {
            "test_start": int(frame.timestamp[start]),
            "train_rows": len(train),
            "train_seconds": round(seconds, 1),
            "quality": quality,
            "train_base_rate": base_rate,
            "strategy": _backtest(frame, entries, exits, w, bt),
        }
        for label, thr in (("filtered_base_rate", base_rate), ("filtered_0.5", 0.5)):
            ent_f = filter_entries(entries, prob, thr)
            row[label] = _backtest(frame, ent_f, exits, w, bt)
        out["folds"].append(row)
    out["regressors"] = regressor_quality(frame, data, training, test_bars, every, spec.vol_window)
    out["evolution"] = _evolution(
        frame, strat, defaults, test_bars, bt, (ga_population, ga_generations), ga_windows
    )
    return out


def _ic(y: Any, pred: Any) -> float | None:
    ok = np.isfinite(y) & np.isfinite(pred)
    if ok.sum() < 3 or np.std(y[ok]) == 0 or np.std(pred[ok]) == 0:
        return None
    return float(np.corrcoef(y[ok], pred[ok])[0, 1])


def regressor_quality(
    frame: MarketFrame,
    data: Any,
    training: TrainingSpec,
    test_bars: int,
    every: int,
    vol_window: int = 48,
) -> dict[str, Any]:
    """Out-of-sample IC of the potential (forward return) and volatility regressors on the
    final ``test_bars`` window, each against its naive baseline: zero expected return (IC
    undefined) and the trailing volatility known at t (what the stop rule uses today)."""
    n = frame.shape[1]
    start = n - test_bars
    spec_vol = per_bar_volatility(np.ascontiguousarray(frame.close), vol_window)
    out: dict[str, Any] = {"test_start": int(frame.timestamp[start])}
    for name, target in (("potential", "return"), ("volatility", "volatility")):
        rows = data.labelled(target)
        train = rows.known_at(start - 1)
        train = train.subset(train.t % every == 0)
        test = rows.subset((rows.t >= start) & (rows.t < n))
        t0 = time.perf_counter()
        trained = train_model(
            TrainingInput(train.names, train.x, train.target(target), train.t, train.horizon),
            replace(training, kind="regressor"),
        )
        seconds = time.perf_counter() - t0
        model = LoadedModel(trained.kind, trained.names, trained.booster)
        pred = model.predict(test.x)
        y = test.target(target)
        doc: dict[str, Any] = {
            "train_rows": len(train),
            "test_rows": len(test),
            "train_seconds": round(seconds, 1),
            "cv_ic": trained.metrics.get("oos", {}).get("ic"),
            "test_ic": _ic(y, pred),
        }
        if target == "volatility":
            doc["baseline_trailing_vol_ic"] = _ic(y, spec_vol[test.row, test.t])
        out[name] = doc
    return out


def _evolution(
    frame: MarketFrame, strat: Any, defaults: dict[str, Any], test_bars: int,
    bt: BacktestSettings, size: tuple[int, int], windows: tuple[int, int],
) -> dict[str, Any]:  # fmt: skip
    population, generations = size
    n = frame.shape[1]
    search = slice_frame(frame, slice(0, n - test_bars))
    splits = walk_forward_splits(search.shape[1], train=windows[0], test=windows[1])[-3:]
    fitness = WalkForwardFitness(strat, search, splits, bt)
    with tempfile.TemporaryDirectory() as tmp:
        storage = open_storage(f"sqlite:///{Path(tmp) / 'study.db'}")
        opt = GeneticOptimizer(
            "evaluation", storage, SearchSpace(strat.parameters()), fitness.evaluate,
            population=population, seed=42,
        )  # fmt: skip
        result = opt.run(generations)
    best = result.best()
    final = WalkForwardFitness(strat, frame, [Split(0, 0, n - test_bars, n - test_bars, n)], bt)
    sets = [defaults] + ([best.params] if best else [])
    scored = final.evaluate(sets)
    doc: dict[str, Any] = {
        "evaluations": result.trials,
        "evaluations_per_s": round(result.evaluations_per_s, 1),
        "sampler_share": round(result.sampler_share, 3),
        "default": {"params": defaults, "sharpe": float(scored.sharpe[0]),
                    "max_drawdown": float(scored.max_drawdown[0])},
    }  # fmt: skip
    if best:
        doc["evolved"] = {
            "params": best.params,
            "in_sample_walk_forward_sharpe": best.sharpe,
            "sharpe": float(scored.sharpe[1]),
            "max_drawdown": float(scored.max_drawdown[1]),
        }
    return doc


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: print the evaluation as JSON."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", type=Path, required=True)
    ap.add_argument("--exchange", default="binance")
    ap.add_argument("--timeframe", default="1h")
    ap.add_argument("--window", type=int, default=6002)
    ap.add_argument("--strategy", default="trend_ema_adx")
    args = ap.parse_args(argv)
    store = ParquetCandleStore(args.root, args.exchange, args.timeframe)
    frame = store.load_frame(None, args.window)
    doc = evaluate(frame, strategy=args.strategy)
    sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
