"""Run a strategy over a market frame on the fast path (B1): signals, simulation, metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from simbiot.backtest.fastpath import FastResult, FastTrades, run_signals, supports
from simbiot.backtest.result import BacktestResult, result_from_fast
from simbiot.backtest.settings import BacktestSettings
from simbiot.domain.errors import ConfigError
from simbiot.domain.frame import MarketFrame
from simbiot.signals.context import SignalInputs
from simbiot.signals.frame import SignalFrame
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.model import Side
from simbiot.signals.params import resolve_params
from simbiot.signals.strategy import Strategy

__all__ = ["ProgressFn", "backtest_signal_frame", "run_backtest", "run_backtest_async"]

# (stage, share of the whole run done in [0, 1]); stages: signals, simulate, metrics, done.
ProgressFn = Callable[[str, float], None]


def _no_progress(stage: str, done: float) -> None:
    return None


def run_backtest(
    frame: MarketFrame,
    strategy: Strategy,
    params: Mapping[str, Any],
    settings: BacktestSettings,
    *,
    progress: ProgressFn | None = None,
    features: Mapping[str, Any] | None = None,
    cache: IndicatorCache | None = None,
    chunk_symbols: int = 64,
) -> BacktestResult:
    """Backtest ``strategy`` with ``params`` over every symbol of ``frame``.

    The strategy is evaluated once over the whole frame (the same evaluation the live
    signal engine runs), then simulated ``chunk_symbols`` symbols at a time so
    ``progress`` moves on large frames. Raise ConfigError when the strategy cannot run on
    the fast path, its parameters are invalid, or its evaluation fails.
    """
    report = progress or _no_progress
    feats = dict(features or {})
    resolved = resolve_params(strategy.parameters(), params, strategy.name)
    support = supports(strategy, resolved, set(feats))
    if not support:
        raise ConfigError(
            f"strategy {strategy.name!r} cannot run on the fast path: {support.reason}"
        )
    report("signals", 0.0)
    ctx = SignalInputs(frame, features=feats).context(cache or IndicatorCache())
    try:
        strategy.required_indicators(resolved)
        signals = strategy.evaluate(ctx, resolved)
    except (KeyError, ValueError) as exc:
        raise ConfigError(
            f"strategy {strategy.name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    report("simulate", 0.2)
    return backtest_signal_frame(
        frame, signals, settings, strategy=strategy.name, params=resolved, progress=report,
        chunk_symbols=chunk_symbols,
    )  # fmt: skip


def backtest_signal_frame(
    frame: MarketFrame,
    signals: SignalFrame,
    settings: BacktestSettings,
    *,
    strategy: str = "",
    params: Mapping[str, Any] | None = None,
    progress: ProgressFn | None = None,
    chunk_symbols: int = 64,
) -> BacktestResult:
    """Backtest an already evaluated signal frame (``SignalEngine.evaluate_detailed().frames``).

    Raise ConfigError when the frame is not long-only or does not cover ``frame``.
    """
    report = progress or _no_progress
    name = strategy or "signals"
    if signals.side != Side.ENTRY_LONG:
        raise ConfigError(f"strategy {name!r} gave {signals.side} signals; long only")
    if signals.entry.shape != frame.shape or signals.symbols != frame.symbols:
        raise ConfigError(
            f"strategy {name!r} gave masks of shape {signals.entry.shape} for a frame of {frame.shape}"
        )
    fast = _simulate_chunked(frame, signals.entry, signals.exit, settings, chunk_symbols, report)
    report("metrics", 0.9)
    result = result_from_fast(
        fast, strategy=name, params=dict(params or {}), exchange=frame.exchange,
        timeframe=frame.timeframe, symbols=frame.symbols, timestamp=frame.timestamp,
        settings=settings.model_dump(),
    )  # fmt: skip
    report("done", 1.0)
    return result


async def run_backtest_async(
    frame: MarketFrame,
    strategy: Strategy,
    params: Mapping[str, Any],
    settings: BacktestSettings,
    **kwargs: Any,
) -> BacktestResult:
    """Run :func:`run_backtest` in a worker thread (the kernel releases the GIL)."""
    return await asyncio.to_thread(run_backtest, frame, strategy, params, settings, **kwargs)


def _simulate_chunked(
    frame: MarketFrame,
    entry: np.ndarray,
    exit_: np.ndarray,
    settings: BacktestSettings,
    chunk: int,
    report: ProgressFn,
) -> FastResult:
    n = len(frame.symbols)
    if chunk < 1:
        raise ValueError("chunk_symbols must be >= 1")
    parts: list[tuple[int, FastResult]] = []
    for lo in range(0, max(n, 1), chunk):
        hi = min(n, lo + chunk)
        # Each chunk gets its symbols' share of the capital: the equal split is kept.
        part_settings = settings.model_copy(
            update={"capital": settings.capital * (hi - lo) / max(n, 1)}
        )
        rows = slice(lo, hi)
        parts.append(
            (lo, run_signals(
                entry[rows], exit_[rows], frame.open[rows], frame.high[rows], frame.low[rows],
                frame.close[rows], part_settings,
            ))
        )  # fmt: skip
        report("simulate", 0.2 + 0.7 * hi / max(n, 1))
    return _merge(parts)


def _merge(parts: list[tuple[int, FastResult]]) -> FastResult:
    if len(parts) == 1:
        return parts[0][1]
    tr = [p.trades for _, p in parts]
    trades = FastTrades(
        np.concatenate([t.set_index for t in tr]),
        np.concatenate([t.row + lo for (lo, _), t in zip(parts, tr, strict=True)]),
        *(np.concatenate([getattr(t, f) for t in tr]) for f in (
            "entry_index", "exit_index", "entry_price", "exit_price", "amount", "entry_fee",
            "exit_fee", "reason",
        )),
    )  # fmt: skip
    eqs = [p.equity for _, p in parts if p.equity is not None]
    equity = np.concatenate(eqs, axis=1) if len(eqs) == len(parts) else None
    return FastResult(
        trades, equity,
        *(np.concatenate([getattr(p, f) for _, p in parts], axis=-1) for f in (
            "capital", "trade_count", "final_equity", "max_drawdown", "bars_in_market",
        )),
    )  # fmt: skip
