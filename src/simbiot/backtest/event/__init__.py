"""The event-driven backtest engine: candles replayed bar by bar with a simulated clock.

The strategy is evaluated once over the frame by the same call the live signal engine
makes; the replay then hands each bar's fills only that bar's signal column (a strategy's
value at bar ``t`` depends on bars up to ``t`` alone, which the tests assert), and a fill
model turns them into trades:

- ``mode="fastpath"``: :class:`FastPathCompatible`, the fast path's documented rules with
  its arithmetic, vectorised across symbols; its trades equal ``run_backtest``'s.
- ``mode="engine"``: the paper-trading engine itself (``risk.sizing``, ``risk.exits``,
  ``execution.PaperExecutor`` and the ``Ledger`` on an in-memory SQLite database), driven
  by a SimulatedClock and StaticPrices set at each bar.

Both produce :class:`simbiot.backtest.Trade` records and a
:class:`simbiot.backtest.BacktestResult`, so metrics, audit and reports work unchanged.
"""

from simbiot.backtest.event.desk import EngineConfig
from simbiot.backtest.event.engine_mode import (
    replay_engine,
    replay_engine_async,
    trading_settings_for,
)
from simbiot.backtest.event.fills import BarFills, FastPathCompatible
from simbiot.backtest.event.replay import BarSignals, Replay, replay_fastpath
from simbiot.backtest.event.result import build_result
from simbiot.backtest.event.runner import (
    Mode,
    evaluate_strategy,
    run_event_backtest,
    run_event_backtest_async,
    supports_fast_path,
)

__all__ = [
    "BarFills",
    "BarSignals",
    "EngineConfig",
    "FastPathCompatible",
    "Mode",
    "Replay",
    "build_result",
    "evaluate_strategy",
    "replay_engine",
    "replay_engine_async",
    "replay_fastpath",
    "run_event_backtest",
    "run_event_backtest_async",
    "supports_fast_path",
    "trading_settings_for",
]
