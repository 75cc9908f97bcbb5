"""B2 audit: a clean backtest passes; each kind of deliberately broken trade is caught."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from backtest_frames import make_market
from hypothesis import given, settings
from hypothesis import strategies as st

from simbiot.backtest.audit import audit_trades
from simbiot.backtest.fastpath import run_signals
from simbiot.backtest.result import BacktestResult, result_from_fast
from simbiot.backtest.runner import run_backtest
from simbiot.backtest.settings import BacktestSettings
from simbiot.backtest.trades import Trade
from simbiot.domain.frame import MarketFrame
from simbiot.signals.builtin import TrendEmaAdx

S = BacktestSettings(capital=10_000.0, fee=0.001, slippage=0.0005, stop_loss=0.03, take_profit=0.06)
H = 3_600_000


@pytest.fixture(scope="module")
def clean() -> tuple[BacktestResult, MarketFrame]:
    frame = make_market(5, 700, 21, nan_head=True)
    res = run_backtest(frame, TrendEmaAdx(), {"fast": 5, "slow": 20, "adx_min": 0.0}, S)
    assert len(res.trades) > 20
    return res, frame


def _with(res: BacktestResult, i: int, **changes: object) -> BacktestResult:
    trades = list(res.trades)
    trades[i] = dataclasses.replace(trades[i], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(res, trades=trades)


def test_clean_backtest_passes(clean: tuple[BacktestResult, MarketFrame]) -> None:
    res, frame = clean
    report = audit_trades(res, frame)
    assert report.ok, report.to_json()["violations"][:3]
    assert report.trades_checked == len(res.trades)
    assert {t.reason for t in res.trades} >= {"signal", "stop_loss"}


def _kinds(res: BacktestResult, frame: MarketFrame, **kw: object) -> set[str]:
    return set(audit_trades(res, frame, **kw).counts())  # type: ignore[arg-type]


def test_price_outside_candle(clean: tuple[BacktestResult, MarketFrame]) -> None:
    res, frame = clean
    t = res.trades[3]
    row, col = frame.index(t.symbol), int(np.searchsorted(frame.timestamp, t.entry_time))
    high = float(frame.high[row, col])
    bad = _with(res, 3, entry_price=high * 1.01, pnl=t.amount * (t.exit_price - high * 1.01) - t.fee,
                fee=S.fee * t.amount * (high * 1.01 + t.exit_price))  # fmt: skip
    report = audit_trades(bad, frame, allow_overlap=True)
    kinds = {v.kind for v in report.violations if v.trade == bad.trades[3]}
    assert "price_outside_candle" in kinds
    assert report.violations[0].trade is not None


def test_fee_and_pnl_arithmetic(clean: tuple[BacktestResult, MarketFrame]) -> None:
    res, frame = clean
    t = res.trades[1]
    assert "fee_mismatch" in _kinds(_with(res, 1, fee=t.fee * 0.5), frame)
    assert "pnl_mismatch" in _kinds(_with(res, 1, pnl=t.pnl + 1.0), frame)


def test_look_ahead(clean: tuple[BacktestResult, MarketFrame]) -> None:
    res, frame = clean
    t = res.trades[2]
    assert "look_ahead" in _kinds(_with(res, 2, signal_time=t.entry_time), frame)
    assert "look_ahead" in _kinds(_with(res, 2, exit_time=t.entry_time - H), frame)
    # A symbol listed late: a signal before its first candle has no data.
    late = next(r for r in range(len(frame.symbols)) if np.isnan(frame.close[r, 0]))
    first = int(np.flatnonzero(np.isfinite(frame.close[late]))[0])
    sym = frame.symbols[late]
    early = Trade(sym, "long", int(frame.timestamp[first]), int(frame.timestamp[first + 1]),
                  float(frame.open[late, first]), float(frame.open[late, first + 1]), 0.001,
                  0.0, 0.0, "signal", int(frame.timestamp[first - 1]))  # fmt: skip
    early = dataclasses.replace(
        early, fee=S.fee * early.amount * (early.entry_price + early.exit_price),
        pnl=early.amount * (early.exit_price - early.entry_price)
        - S.fee * early.amount * (early.entry_price + early.exit_price),
    )  # fmt: skip
    bad = dataclasses.replace(res, trades=[early])
    report = audit_trades(bad, frame, capital=10_000.0)
    assert [v.kind for v in report.violations if v.kind != "equity_mismatch"] == ["look_ahead"]


def test_missing_candle_and_unknown_symbol(clean: tuple[BacktestResult, MarketFrame]) -> None:
    res, frame = clean
    t = res.trades[0]
    assert "no_candle" in _kinds(_with(res, 0, exit_time=t.exit_time + 1), frame)
    assert "no_candle" in _kinds(_with(res, 0, symbol="NOPE/USDT"), frame)
    assert "bad_values" in _kinds(_with(res, 0, amount=-1.0), frame)
    assert "bad_values" in _kinds(_with(res, 0, pnl=float("nan")), frame)


def test_overlap(clean: tuple[BacktestResult, MarketFrame]) -> None:
    res, frame = clean
    long_trade = next(t for t in res.trades if t.exit_time > t.entry_time)
    bad = dataclasses.replace(res, trades=[*res.trades, long_trade])
    assert "overlap" in _kinds(bad, frame)
    report = audit_trades(bad, frame, allow_overlap=True)
    assert "overlap" not in report.counts()


def test_negative_balance_and_equity(clean: tuple[BacktestResult, MarketFrame]) -> None:
    res, frame = clean
    t = res.trades[0]
    big = t.amount * 10
    bad = _with(res, 0, amount=big, fee=S.fee * big * (t.entry_price + t.exit_price),
                pnl=big * (t.exit_price - t.entry_price) - S.fee * big * (t.entry_price + t.exit_price))  # fmt: skip
    kinds = _kinds(bad, frame)
    assert "negative_balance" in kinds
    assert "equity_mismatch" in kinds
    assert "negative_balance" not in _kinds(bad, frame, shared_cash=True)
    dropped = dataclasses.replace(res, trades=list(res.trades[1:]))
    assert _kinds(dropped, frame) == {"equity_mismatch"}


def test_report_json(clean: tuple[BacktestResult, MarketFrame]) -> None:
    res, frame = clean
    doc = audit_trades(_with(res, 1, fee=0.0), frame).to_json()
    assert doc["ok"] is False
    assert doc["counts"]["fee_mismatch"] == 1
    assert doc["violations"][0]["trade"]["symbol"] == res.trades[1].symbol


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    fee=st.sampled_from([0.0, 0.001, 0.01]),
    slip=st.sampled_from([0.0, 0.001]),
    sl=st.sampled_from([None, 0.02, 0.08]),
    tp=st.sampled_from([None, 0.03]),
    fraction=st.sampled_from([1.0, 0.3]),
)
def test_every_fast_path_run_passes_audit(
    seed: int, fee: float, slip: float, sl: float | None, tp: float | None, fraction: float
) -> None:
    frame = make_market(3, 300, seed, nan_head=True)
    rng = np.random.default_rng(seed)
    ent, ext = rng.random(frame.shape) < 0.1, rng.random(frame.shape) < 0.1
    s = BacktestSettings(
        capital=3000.0, fee=fee, slippage=slip, stop_loss=sl, take_profit=tp, fraction=fraction
    )
    fast = run_signals(ent, ext, frame.open, frame.high, frame.low, frame.close, s)
    res = result_from_fast(
        fast, strategy="random", params={}, exchange="test", timeframe="1h",
        symbols=frame.symbols, timestamp=frame.timestamp, settings=s.model_dump(),
    )  # fmt: skip
    report = audit_trades(res, frame)
    assert report.ok, report.to_json()["violations"][:3]
