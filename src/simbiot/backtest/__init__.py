"""Backtesting (B1, B2) and trade analytics (A8).

Two engines share one fill model and one trade record:

- the **fast path** (:mod:`simbiot.backtest.fastpath`) replays a strategy's vectorised
  entry/exit masks with numba, for many parameter sets × many symbols at once: what the
  optimiser and quick backtests use;
- the **event-driven engine** replays candles through the same signals → risk → execution
  code as paper and live trading, with a simulated clock. It reuses, unchanged:
  the fill conventions stated in :mod:`simbiot.backtest.fastpath` (next-open fills,
  slippage on market fills, intrabar stops with stop-loss priority, a stop before the
  signal exit pending on its bar, fee on notional);
  :class:`simbiot.backtest.trades.Trade` as its trade record; :mod:`metrics` for every
  figure; :mod:`audit` to check its trades; :mod:`report` and :mod:`robustness`.
  Its results agree with the fast path on strategies the fast path supports, which is how
  it is tested; :func:`simbiot.backtest.fastpath.supports` names the strategies that need it.

Metrics have one implementation (:func:`simbiot.backtest.metrics.compute_metrics`) used by
backtest, paper and live alike.
"""

from simbiot.backtest.audit import AuditReport, Violation, audit_trades
from simbiot.backtest.event import (
    EngineConfig,
    run_event_backtest,
    run_event_backtest_async,
    supports_fast_path,
)
from simbiot.backtest.fastpath import (
    FastPathSupport,
    FastResult,
    FastTrades,
    GridResult,
    ema_cross_signals,
    run_ema_cross_grid,
    run_signals,
    supports,
)
from simbiot.backtest.metrics import Metrics, compute_metrics, compute_metrics_async, drawdown
from simbiot.backtest.report import (
    monthly_returns,
    render_html,
    write_html,
    write_json,
    write_png_summary,
)
from simbiot.backtest.result import BacktestResult, result_from_fast
from simbiot.backtest.robustness import (
    MonteCarloResult,
    Split,
    monte_carlo_drawdown,
    slice_frame,
    walk_forward_splits,
)
from simbiot.backtest.runner import (
    ProgressFn,
    backtest_signal_frame,
    run_backtest,
    run_backtest_async,
)
from simbiot.backtest.settings import BacktestSettings
from simbiot.backtest.trades import Trade, trades_from_fast

__all__ = [
    "AuditReport",
    "BacktestResult",
    "BacktestSettings",
    "EngineConfig",
    "FastPathSupport",
    "FastResult",
    "FastTrades",
    "GridResult",
    "Metrics",
    "MonteCarloResult",
    "ProgressFn",
    "Split",
    "Trade",
    "Violation",
    "audit_trades",
    "backtest_signal_frame",
    "compute_metrics",
    "compute_metrics_async",
    "drawdown",
    "ema_cross_signals",
    "monte_carlo_drawdown",
    "monthly_returns",
    "render_html",
    "result_from_fast",
    "run_backtest",
    "run_backtest_async",
    "run_ema_cross_grid",
    "run_event_backtest",
    "run_event_backtest_async",
    "run_signals",
    "slice_frame",
    "supports",
    "supports_fast_path",
    "trades_from_fast",
    "walk_forward_splits",
    "write_html",
    "write_json",
    "write_png_summary",
]
