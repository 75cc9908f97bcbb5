"""Backtest fast path against vectorbt on the same signals; a 1,000-set parameter grid.

Same process, same signals (EMA 12/26 cross from the project's TA-Lib-seeded EMA, 5 %
stop-loss, 0.1 % fee, long only, all cash per entry). For the comparison the fast path runs
with vectorbt's conventions: stops armed from the bar after the entry
(``stops_on_entry_bar=False``) and open positions left open at the end
(``close_at_end=False``); vectorbt gets the signals shifted one bar with ``price=open``
(next-open fills), ``stop_entry_price='fillprice'`` and ``upon_long_conflict='exit'``.
Reported: candles per second (warm, median), peak memory of each call as extra resident
memory (VmHWM after resetting it, Linux; freed memory the process reuses does not show) and
as tracemalloc's peak (numpy arrays; not numba's internal allocations), trade-list
agreement (closed trades matched on (symbol, entry bar, exit bar), exit prices compared)
and the largest per-symbol total-return difference. Both engines follow one stop rule: a
stop reached on a bar fills at the stop (or at the open through a gap) even when a signal
exit is pending at that bar's open. The run fails (``AgreementError``) unless trade counts,
matched trades and exit prices agree and every return differs by no more than
``RETURN_TOLERANCE`` (float rounding of the compounded fees).

Datasets: synthetic 500 × 1000, every binance 1h symbol, every binance 5m symbol (not in
quick mode). Grid: 1,000 EMA-cross parameter sets (random fast < slow, stop 2-10 %) over
50 symbols × 2,000 candles (the newest binance 5m candles, or synthetic without data),
against vectorbt running a tenth of the sets the vectorbt way (speed only).
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from simbiot.backtest.fastpath import ema_cross_signals, run_ema_cross_grid, run_signals
from simbiot.backtest.settings import BacktestSettings
from simbiot.data.candle_store import ParquetCandleStore
from simbiot.domain.frame import MarketFrame
from simbiot.domain.timeframes import timeframe_ms

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ohlcv"
CASH_PER_SYMBOL = 1000.0
# Largest total-return difference accepted between the engines (same fees, same fills).
RETURN_TOLERANCE = 1e-9


class AgreementError(AssertionError):
    """The fast path and vectorbt disagree on the same signals."""


def synthetic_frame(symbols: int, candles: int, seed: int = 0) -> MarketFrame:
    """Log-normal random walks with consistent OHLC."""
    rng = np.random.default_rng(seed)
    shape = (symbols, candles)
    c = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, shape), axis=1))
    o = np.concatenate([np.full((symbols, 1), 100.0), c[:, :-1]], axis=1)
    h = np.maximum(o, c) * np.exp(rng.uniform(0.0, 0.01, shape))
    lo = np.minimum(o, c) * np.exp(-rng.uniform(0.0, 0.01, shape))
    names = tuple(f"S{i}/USDT" for i in range(symbols))
    ts = 3_600_000 * np.arange(candles, dtype=np.int64)
    return MarketFrame("sim", "1h", names, ts, o, h, lo, c, np.ones(shape))


def real_frame(exchange: str, timeframe: str) -> MarketFrame:
    """Every symbol of one set on one axis covering all its candles (NaN where none)."""
    store = ParquetCandleStore(DATA, exchange, timeframe)
    symbols = store.symbols()
    candles = [store.read(s) for s in symbols]
    first = min(int(c.timestamp[0]) for c in candles)
    last = max(int(c.timestamp[-1]) for c in candles)
    window = (last - first) // timeframe_ms(timeframe) + 1
    return store.load_frame(symbols, window=window)


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _peak_extra_mib(fn: Callable[[], object]) -> float | None:
    """Peak resident memory above the start of ``fn`` (Linux VmHWM reset via clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return None
    before = _rss_kib("VmRSS")
    keep = fn()
    peak = _rss_kib("VmHWM")
    del keep
    return round((peak - before) / 1024, 1)


def _traced_peak_mib(fn: Callable[[], object]) -> float:
    """Peak bytes allocated through Python's allocator (numpy arrays included) by ``fn``."""
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 2**20, 1)


def _median_s(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _vbt_run(
    vbt: Any, f: MarketFrame, ent: np.ndarray, ext: np.ndarray, s: BacktestSettings
) -> Any:
    valid = np.isfinite(f.open)
    # vectorbt fills at the bar the signal sits on: shift one bar for next-open fills.
    e = np.zeros_like(ent)
    x = np.zeros_like(ext)
    e[:, 1:], x[:, 1:] = ent[:, :-1], ext[:, :-1]
    e &= valid
    x &= valid
    return vbt.Portfolio.from_signals(
        close=f.close.T, entries=e.T, exits=x.T, price=f.open.T, open=f.open.T,
        high=f.high.T, low=f.low.T, sl_stop=np.nan if s.stop_loss is None else s.stop_loss,
        stop_entry_price="fillprice",
        stop_exit_price="stopmarket", fees=s.fee, slippage=s.slippage, init_cash=CASH_PER_SYMBOL,
        direction="longonly", upon_long_conflict="exit", accumulate=False,
    )  # fmt: skip


def _agreement(
    f: MarketFrame, ours: Any, pf: Any, ext: np.ndarray, stop: float | None
) -> dict[str, Any]:
    """Match closed trades on (symbol, entry bar, exit bar); compare prices and returns."""
    rec = pf.trades.values
    closed = rec[rec["status"] == 1]
    theirs = {
        (int(r["col"]), int(r["entry_idx"]), int(r["exit_idx"])): float(r["exit_price"])
        for r in closed
    }
    t = ours.trades
    keys = list(zip(t.row.tolist(), t.entry_index.tolist(), t.exit_index.tolist(), strict=True))
    mine = dict(zip(keys, t.exit_price.tolist(), strict=True))
    entry_px = dict(zip(keys, t.entry_price.tolist(), strict=True))
    matched = set(mine) & set(theirs)
    differ = [k for k in matched if abs(mine[k] - theirs[k]) > 1e-9 * mine[k]]
    # Stop exits on a bar where the signal exit was pending: the case the shared rule settles.
    stop_over_signal = sum(
        1 for k in matched
        if stop is not None and ext[k[0], k[2] - 1]
        and abs(theirs[k] - entry_px[k] * (1 - stop)) <= 1e-9 * theirs[k]
    )  # fmt: skip
    diff = np.abs(ours.total_return[0] - np.asarray(pf.total_return(), dtype=np.float64))
    out = {
        "trades_ours": len(mine),
        "trades_vectorbt": len(theirs),
        "trades_matched": len(matched),
        "only_ours": len(set(mine) - set(theirs)),
        "only_vectorbt": len(set(theirs) - set(mine)),
        "exit_price_differs": len(differ),
        "stop_over_pending_exit": stop_over_signal,
        "max_abs_return_diff": float(diff.max()),
        "median_abs_return_diff": float(np.median(diff)),
        "portfolio_return_ours": float(ours.final_equity.sum() / ours.capital.sum() - 1),
        "portfolio_return_vectorbt": float(
            np.asarray(pf.final_value()).sum() / (CASH_PER_SYMBOL * f.shape[0]) - 1
        ),
    }
    out["agree"] = (
        len(mine) == len(theirs) == len(matched)
        and not differ
        and out["max_abs_return_diff"] <= RETURN_TOLERANCE
    )
    if not out["agree"]:
        raise AgreementError(f"fast path and vectorbt disagree: {out}")
    return out


def compare(f: MarketFrame, vbt: Any, repeats: int) -> dict[str, Any]:
    """Both engines on one frame's EMA-cross signals; speed, memory and agreement."""
    candles = int(np.isfinite(f.close).sum())
    t0 = time.perf_counter()
    ent, ext = ema_cross_signals(f.close, 12, 26)
    signal_s = time.perf_counter() - t0
    s = BacktestSettings(
        capital=CASH_PER_SYMBOL * f.shape[0], fee=0.001, stop_loss=0.05,
        stops_on_entry_bar=False, close_at_end=False,
    )  # fmt: skip
    args = (ent, ext, f.open, f.high, f.low, f.close, s)
    run_signals(*args)  # compile / load the cache
    ours_s = _median_s(lambda: run_signals(*args, keep_equity=False), repeats)
    ours_eq_s = _median_s(lambda: run_signals(*args), repeats)
    ours = run_signals(*args, keep_equity=False)
    default = run_signals(
        ent, ext, f.open, f.high, f.low, f.close,
        s.model_copy(update={"stops_on_entry_bar": True, "close_at_end": True}), keep_equity=False,
    )  # fmt: skip
    out: dict[str, Any] = {
        "symbols": f.shape[0],
        "bars": f.shape[1],
        "candles": candles,
        "signals_ms": round(1000 * signal_s, 1),
        "ours_ms": round(1000 * ours_s, 2),
        "ours_with_equity_ms": round(1000 * ours_eq_s, 2),
        "ours_candles_per_s": round(candles / ours_s),
        "ours_peak_extra_mib": _peak_extra_mib(lambda: run_signals(*args)),
        "ours_traced_peak_mib": _traced_peak_mib(lambda: run_signals(*args)),
        "ours_default_conventions": {
            "trades": len(default.trades),
            "portfolio_return": float(default.final_equity.sum() / default.capital.sum() - 1),
        },
    }
    if vbt is None:
        out["vectorbt"] = "not installed (pip install '.[bench]')"
        return out
    _vbt_run(vbt, f, ent, ext, s)  # compile
    vbt_s = _median_s(lambda: _vbt_run(vbt, f, ent, ext, s), repeats)
    pf = _vbt_run(vbt, f, ent, ext, s)
    out.update(
        vectorbt_ms=round(1000 * vbt_s, 2),
        vectorbt_candles_per_s=round(candles / vbt_s),
        vectorbt_peak_extra_mib=_peak_extra_mib(lambda: _vbt_run(vbt, f, ent, ext, s)),
        vectorbt_traced_peak_mib=_traced_peak_mib(lambda: _vbt_run(vbt, f, ent, ext, s)),
        speedup_vs_vectorbt=round(vbt_s / ours_s, 1),
        agreement=_agreement(f, ours, pf, ext, s.stop_loss),
    )
    # Without stops the two engines must agree to rounding.
    plain = s.model_copy(update={"stop_loss": None})
    out["agreement_no_stop"] = _agreement(
        f, run_signals(ent, ext, f.open, f.high, f.low, f.close, plain, keep_equity=False),
        _vbt_run(vbt, f, ent, ext, plain), ext, None,
    )  # fmt: skip
    return out


def _vbt_grid(
    vbt: Any, f: MarketFrame, fast: np.ndarray, slow: np.ndarray, stop: np.ndarray
) -> Any:
    """The same EMA-cross grid the vectorbt way: one MA run over every period, one portfolio.

    vectorbt's EMA is pandas-seeded, so its trades differ from ours in the first bars;
    this measures speed only.
    """
    n, (n_sym, n_t) = len(fast), f.shape
    periods, inverse = np.unique(np.concatenate([fast, slow]), return_inverse=True)
    ma = vbt.MA.run(f.close.T, window=list(periods), ewm=True).ma.to_numpy()
    ma = ma.reshape(n_t, len(periods), n_sym)
    fa = ma[:, inverse[:n], :].reshape(n_t, -1)
    sa = ma[:, inverse[n:], :].reshape(n_t, -1)
    ent = np.zeros(fa.shape, dtype=bool)
    ext = np.zeros(fa.shape, dtype=bool)
    ent[1:] = (fa[1:] > sa[1:]) & (fa[:-1] <= sa[:-1])
    ext[1:] = (fa[1:] < sa[1:]) & (fa[:-1] >= sa[:-1])

    def tile(a: np.ndarray) -> np.ndarray:
        return np.tile(a.T, (1, n))

    return vbt.Portfolio.from_signals(
        close=tile(f.close), entries=ent, exits=ext, open=tile(f.open), high=tile(f.high),
        low=tile(f.low), sl_stop=np.repeat(stop, n_sym)[None, :], fees=0.001,
        init_cash=CASH_PER_SYMBOL, direction="longonly",
    ).total_return()  # fmt: skip


def grid(f: MarketFrame, n_sets: int, repeats: int, vbt: Any = None) -> dict[str, Any]:
    """EMA-cross parameter sets over one frame: evaluations per second, ours and vectorbt's.

    vectorbt runs the first ``n_sets // 10`` sets (its arrays grow with sets × symbols).
    """
    rng = np.random.default_rng(42)
    fast = rng.integers(5, 50, n_sets)
    slow = fast + rng.integers(5, 150, n_sets)
    stop = rng.uniform(0.02, 0.10, n_sets)
    s = BacktestSettings(capital=CASH_PER_SYMBOL * f.shape[0], fee=0.001)

    def call() -> Any:
        return run_ema_cross_grid(f.open, f.high, f.low, f.close, fast, slow, s, stop_loss=stop)

    run_ema_cross_grid(
        f.open[:, :100], f.high[:, :100], f.low[:, :100], f.close[:, :100], fast[:2], slow[:2], s
    )
    secs = _median_s(call, repeats)
    res = call()
    out: dict[str, Any] = {
        "sets": n_sets,
        "symbols": f.shape[0],
        "candles_per_symbol": f.shape[1],
        "distinct_ema_periods": len(np.unique(np.concatenate([fast, slow]))),
        "seconds": round(secs, 3),
        "sets_per_s": round(n_sets / secs, 1),
        "set_symbol_evaluations_per_s": round(n_sets * f.shape[0] / secs),
        "candles_per_s": round(n_sets * int(np.isfinite(f.close).sum()) / secs),
        "best_set_mean_return": float(res.total_return.mean(axis=1).max()),
        "peak_extra_mib": _peak_extra_mib(call),
    }
    if vbt is None:
        return out
    k = max(n_sets // 10, 2)
    _vbt_grid(vbt, f, fast[:2], slow[:2], stop[:2])  # compile
    vbt_s = _median_s(lambda: _vbt_grid(vbt, f, fast[:k], slow[:k], stop[:k]), repeats)
    out.update(
        vectorbt_sets=k,
        vectorbt_set_symbol_evaluations_per_s=round(k * f.shape[0] / vbt_s),
        speedup_vs_vectorbt=round((n_sets / secs) / (k / vbt_s), 1),
    )
    return out


def run(quick: bool) -> dict[str, Any]:
    """Run the backtest benchmark; ``quick`` shrinks repeats and skips the 5m set."""
    try:
        import vectorbt as vbt
    except ImportError:
        vbt = None
    repeats = 3 if quick else 5
    out: dict[str, Any] = {"threads": 1, "vectorbt_version": getattr(vbt, "__version__", None)}
    out["synthetic_500x1000"] = compare(synthetic_frame(500, 1000), vbt, repeats)
    have_data = (DATA / "binance" / "1h").is_dir()
    if have_data:
        out["binance_1h"] = compare(real_frame("binance", "1h"), vbt, repeats)
        if not quick:
            out["binance_5m"] = compare(real_frame("binance", "5m"), vbt, 3)
        f5 = real_frame("binance", "5m")
        grid_frame = MarketFrame(f5.exchange, f5.timeframe, f5.symbols, *_tail(f5, 2000))
    else:
        out["real_data"] = f"skipped: no real candles at {DATA}"
        grid_frame = synthetic_frame(50, 2000, 3)
    out["grid"] = grid(grid_frame, 100 if quick else 1000, 1 if quick else 3, vbt)
    return out


def _tail(f: MarketFrame, n: int) -> tuple[Any, ...]:
    t = f.tail(n)
    return tuple(
        np.ascontiguousarray(a) for a in (t.timestamp, t.open, t.high, t.low, t.close, t.volume)
    )


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run("--quick" in sys.argv), indent=2))
