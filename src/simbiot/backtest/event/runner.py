"""The public entry of the event-driven backtest: evaluate once, replay bar by bar."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Literal

from simbiot.backtest.event.desk import EngineConfig
from simbiot.backtest.event.engine_mode import replay_engine
from simbiot.backtest.event.replay import replay_fastpath
from simbiot.backtest.event.result import build_result
from simbiot.backtest.fastpath import FastPathSupport, supports
from simbiot.backtest.result import BacktestResult
from simbiot.backtest.runner import ProgressFn
from simbiot.backtest.settings import BacktestSettings
from simbiot.domain.errors import ConfigError
from simbiot.domain.frame import MarketFrame
from simbiot.signals.context import SignalInputs
from simbiot.signals.frame import SignalFrame
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.model import Side, StrategyConfig
from simbiot.signals.params import resolve_params
from simbiot.signals.strategy import Strategy

__all__ = [
    "Mode",
    "evaluate_strategy",
    "run_event_backtest",
    "run_event_backtest_async",
    "supports_fast_path",
]

Mode = Literal["fastpath", "engine"]


def supports_fast_path(
    strategy: object, params: Mapping[str, Any] | None = None, features: set[str] | None = None
) -> FastPathSupport:
    """Say whether ``strategy`` runs on the fast path (the fast path's own ``supports``)."""
    return supports(strategy, params, features)


def evaluate_strategy(
    frame: MarketFrame,
    strategy: Strategy,
    params: Mapping[str, Any],
    *,
    features: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], SignalFrame]:
    """Resolve ``params`` and evaluate ``strategy`` over ``frame`` as the live engine does.

    Raise ConfigError on invalid parameters, a failing evaluation, or masks that do not
    cover the frame.
    """
    resolved = resolve_params(strategy.parameters(), params, strategy.name)
    ctx = SignalInputs(frame, features=dict(features or {})).context(IndicatorCache())
    try:
        strategy.required_indicators(resolved)
        signals = strategy.evaluate(ctx, resolved)
    except (KeyError, ValueError) as exc:
        raise ConfigError(
            f"strategy {strategy.name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    if signals.entry.shape != frame.shape or signals.symbols != frame.symbols:
        raise ConfigError(
            f"strategy {strategy.name!r} gave masks of shape {signals.entry.shape}"
            f" for a frame of {frame.shape}"
        )
    return resolved, signals


def run_event_backtest(
    frame: MarketFrame,
    strategy: Strategy,
    params: Mapping[str, Any],
    settings: BacktestSettings,
    *,
    mode: Mode = "fastpath",
    progress: ProgressFn | None = None,
    features: Mapping[str, Any] | None = None,
    engine: EngineConfig | None = None,
) -> BacktestResult:
    """Backtest ``strategy`` by replaying ``frame`` bar by bar.

    ``mode="fastpath"`` fills by the fast path's rules (its trades equal
    :func:`simbiot.backtest.run_backtest`'s); ``mode="engine"`` sends every order through
    the paper-trading engine (``risk`` sizing and exits, PaperExecutor, Ledger) on an
    in-memory database, configured by ``engine``. ``progress`` gets (stage, share done): signals, replay, metrics, done.
    Raise ConfigError for an unknown mode, a short strategy, or a failing evaluation.
    """
    report = progress or (lambda stage, done: None)
    if mode not in ("fastpath", "engine"):
        raise ConfigError(f"unknown backtest mode {mode!r}; use 'fastpath' or 'engine'")
    report("signals", 0.0)
    resolved, signals = evaluate_strategy(frame, strategy, params, features=features)
    if signals.side != Side.ENTRY_LONG:
        raise ConfigError(f"strategy {strategy.name!r} gave {signals.side} signals; long only")
    on_bar = _bar_progress(report)
    if mode == "engine":
        config = StrategyConfig(strategy.name, dict(resolved))
        replay = replay_engine(
            frame, signals, settings, config=config, engine=engine, on_bar=on_bar
        )
    else:
        replay = replay_fastpath(frame, signals, settings, on_bar=on_bar)
    report("metrics", 0.9)
    result = build_result(
        frame, replay.trades, replay.symbol_equity, strategy=strategy.name, params=resolved,
        settings={**settings.model_dump(), "mode": mode},
    )  # fmt: skip
    report("done", 1.0)
    return result


async def run_event_backtest_async(
    frame: MarketFrame,
    strategy: Strategy,
    params: Mapping[str, Any],
    settings: BacktestSettings,
    *,
    mode: Mode = "fastpath",
    progress: ProgressFn | None = None,
    features: Mapping[str, Any] | None = None,
    engine: EngineConfig | None = None,
) -> BacktestResult:
    """Run :func:`run_event_backtest` from async code, in a worker thread.

    The thread keeps the caller's loop free; engine mode runs its own loop there.
    """
    return await asyncio.to_thread(
        run_event_backtest, frame, strategy, params, settings, mode=mode, progress=progress,
        features=features, engine=engine,
    )  # fmt: skip


def _bar_progress(report: ProgressFn) -> Any:
    # Report at most ~100 times however many bars: progress bars redraw, bars do not wait.
    def on_bar(t: int, done: float) -> None:
        if t % 64 == 0 or done >= 1.0:
            report("replay", 0.1 + 0.8 * done)

    return on_bar
