"""Engine mode: the paper-trading engine replayed bar by bar; its trades pass the audit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from event_market import market

from simbiot.backtest.audit import audit_trades
from simbiot.backtest.event import (
    EngineConfig,
    evaluate_strategy,
    replay_engine_async,
    run_event_backtest,
    run_event_backtest_async,
    trading_settings_for,
)
from simbiot.backtest.event.book import Fill, FillBook
from simbiot.backtest.event.engine_mode import quotes_after_close
from simbiot.backtest.settings import BacktestSettings
from simbiot.config.sections import RiskSettings, TradingSettings
from simbiot.domain.errors import ConfigError
from simbiot.domain.frame import MarketFrame
from simbiot.signals.builtin import BUILTINS, MeanReversion, TrendEmaAdx
from simbiot.signals.frame import SignalFrame

SETTINGS = BacktestSettings(capital=10_000.0, fee=0.001, slippage=0.0005)


def test_engine_trades_pass_the_audit_and_add_up() -> None:
    frame = market(4, 400, 5)
    res = run_event_backtest(frame, TrendEmaAdx(), {"adx_min": 10.0}, SETTINGS, mode="engine")
    assert len(res.trades) > 10
    # The monitor's exits (risk.exits) and the strategy's exits both trade.
    reasons = {t.reason for t in res.trades}
    assert "signal" in reasons
    assert reasons & {"stop_loss", "take_profit", "trailing_stop", "partial"}
    # One paper account: cash is shared; partial closes split a position into trades.
    report = audit_trades(res, frame, allow_overlap=True, shared_cash=True)
    assert report.ok, report.violations[:3]
    assert res.equity[-1] == pytest.approx(10_000.0 + sum(t.pnl for t in res.trades), rel=1e-9)
    assert res.settings["mode"] == "engine"
    assert all(t.signal_time is not None and t.signal_time < t.entry_time for t in res.trades)


def test_engine_sizes_by_risk_not_by_fraction() -> None:
    frame = market(3, 300, 9)
    tight = EngineConfig(risk=RiskSettings(risk_per_trade=0.002, partial_levels=()))
    wide = EngineConfig(risk=RiskSettings(risk_per_trade=0.01, partial_levels=()))
    small = run_event_backtest(frame, MeanReversion(), {}, SETTINGS, mode="engine", engine=tight)
    big = run_event_backtest(frame, MeanReversion(), {}, SETTINGS, mode="engine", engine=wide)
    assert len(small.trades) > 0
    first_small, first_big = small.trades[0], big.trades[0]
    assert first_small.entry_time == first_big.entry_time
    assert first_small.notional < first_big.notional


def test_settings_that_paper_trading_refuses_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="paper"):
        trading_settings_for(BacktestSettings(fee=0.07), TradingSettings())
    paper = trading_settings_for(SETTINGS, TradingSettings())
    assert (paper.paper_capital, paper.paper_fee_rate) == (10_000.0, 0.001)
    assert paper.paper_slippage_bps == pytest.approx(5.0)


def test_fill_book_splits_fees_over_partial_sells() -> None:
    frame = market(1, 10, 1)
    book = FillBook(frame, 1000.0)
    sym = frame.symbols[0]
    book.book([Fill(1, "a", sym, "buy", 10.0, 4.0, 0.04)], 2, {})
    book.book([Fill(2, "b", sym, "sell", 12.0, 1.0, 0.012)], 3, {"b": "partial"})
    assert book.open_symbols() == [sym]
    book.book([Fill(3, "c", sym, "sell", 9.0, 3.0, 0.027)], 5, {})
    assert book.open_symbols() == []
    a, b = book.trades
    assert (a.reason, b.reason) == ("partial", "signal")
    assert a.fee == pytest.approx(0.01 + 0.012)
    assert b.fee == pytest.approx(0.03 + 0.027)
    assert a.pnl + b.pnl == pytest.approx(12.0 + 27.0 - 40.0 - 0.04 - 0.012 - 0.027)
    np.testing.assert_allclose(book.equity(np.array([100.0])), 1000.0 + a.pnl + b.pnl)
    with pytest.raises(ValueError, match="no position"):
        book.book([Fill(4, "d", sym, "sell", 9.0, 1.0, 0.0)], 6, {})


@pytest.mark.parametrize("strategy_cls", BUILTINS)
def test_every_builtin_in_engine_mode_passes_the_audit_with_late_listings(
    strategy_cls: type,
) -> None:
    frame = market(4, 300, 7, nan_head=True)
    res = run_event_backtest(frame, strategy_cls(), {}, SETTINGS, mode="engine")
    assert len(res.trades) > 0
    report = audit_trades(res, frame, allow_overlap=True, shared_cash=True)
    assert report.ok, report.violations[:3]
    # No trade on a symbol before its first candle.
    for t in res.trades:
        row = frame.index(t.symbol)
        first = int(frame.timestamp[np.flatnonzero(np.isfinite(frame.close[row]))[0]])
        assert t.entry_time > first


async def test_async_entry_runs_inside_an_event_loop() -> None:
    frame = market(2, 200, 3)
    res = await run_event_backtest_async(frame, TrendEmaAdx(), {}, SETTINGS, mode="engine")
    again = await run_event_backtest_async(frame, TrendEmaAdx(), {}, SETTINGS, mode="fastpath")
    assert res.settings["mode"] == "engine"
    assert again.settings["mode"] == "fastpath"
    # Deterministic: a second replay books the same trades.
    twice = await run_event_backtest_async(frame, TrendEmaAdx(), {}, SETTINGS, mode="engine")
    assert res.trades == twice.trades


async def test_engine_fills_before_a_bar_ignore_everything_after_it() -> None:
    frame = market(3, 260, 5)
    cut = 180
    _, signals = evaluate_strategy(frame, TrendEmaAdx(), {"adx_min": 10.0})
    base = await replay_engine_async(frame, signals, SETTINGS)
    future = {f: getattr(frame, f).copy() for f in ("open", "high", "low", "close", "volume")}
    future["close"][:, cut:] *= 1.3
    future["high"][:, cut:] = np.maximum(future["high"][:, cut:], future["close"][:, cut:])
    other = MarketFrame(frame.exchange, frame.timeframe, frame.symbols, frame.timestamp, **future)
    flipped = SignalFrame(
        signals.symbols, signals.timestamp,
        np.concatenate([signals.entry[:, :cut], ~signals.entry[:, cut:]], axis=1),
        signals.exit, signals.strength, signals.reason,
    )  # fmt: skip
    changed = await replay_engine_async(other, flipped, SETTINGS)
    before = [f for f in base.fills if f[0] < cut]
    assert len(before) > 3
    assert [f for f in changed.fills if f[0] < cut] == before
    assert changed.fills != base.fills


async def test_a_symbol_whose_candles_stop_is_closed_on_its_last_candle() -> None:
    frame = market(2, 60, 4)
    for name in ("open", "high", "low", "close"):
        getattr(frame, name)[1, 40:] = np.nan
    entry = np.zeros(frame.shape, dtype=np.bool_)
    entry[:, 5] = True
    hold = SignalFrame(
        frame.symbols, frame.timestamp, entry, np.zeros_like(entry), np.ones(frame.shape),
        lambda r, t, s: "",
    )  # fmt: skip
    # Levels far away: only the end of data closes the positions.
    far = RiskSettings(stop_atr=50.0, take_profit_r=100.0, trail_atr=50.0, partial_levels=())
    replay = await replay_engine_async(frame, hold, SETTINGS, engine=EngineConfig(risk=far))
    ends = {t.symbol: t for t in replay.trades}
    assert {t.reason for t in replay.trades} == {"end"}
    assert ends[frame.symbols[0]].exit_time == int(frame.timestamp[-1])
    assert ends[frame.symbols[1]].exit_time == int(frame.timestamp[39])
    assert ends[frame.symbols[1]].exit_price == pytest.approx(frame.close[1, 39] * (1 - 0.0005))


def _hold_at(frame: MarketFrame, bar: int) -> SignalFrame:
    entry = np.zeros(frame.shape, dtype=np.bool_)
    entry[:, bar] = True
    return SignalFrame(
        frame.symbols, frame.timestamp, entry, np.zeros_like(entry), np.ones(frame.shape),
        lambda r, t, s: "",
    )  # fmt: skip


FAR = EngineConfig(
    risk=RiskSettings(stop_atr=50.0, take_profit_r=100.0, trail_atr=50.0, partial_levels=())
)


async def test_the_cycle_after_a_close_fills_at_the_venue_quote() -> None:
    frame = market(2, 40, 6)
    hold = _hold_at(frame, 20)
    default = await replay_engine_async(frame, hold, SETTINGS, engine=FAR)
    # By default the quote after bar 20's close is bar 21's open; the fill is on bar 21.
    buys = [f for f in default.fills if f[2] == "buy"]
    assert [f[0] for f in buys] == [21, 21]
    for _, sym, _, price, *_ in buys:
        assert price == pytest.approx(frame.open[frame.index(sym), 21] * 1.0005, rel=1e-12)
    assert all(f[6] == int(frame.timestamp[21]) for f in buys)  # at bar 20's close
    quotes = frame.close * 1.01
    given = await replay_engine_async(
        frame, hold, SETTINGS, engine=dataclasses.replace(FAR, quotes=quotes)
    )
    for _, sym, side, price, *_ in given.fills:
        if side == "buy":
            assert price == pytest.approx(quotes[frame.index(sym), 20] * 1.0005, rel=1e-12)


async def test_a_replay_from_a_later_bar_keeps_the_earlier_bars_as_history() -> None:
    frame = market(2, 60, 8)
    hold = _hold_at(frame, 10)
    hold.entry[:, 45] = True
    late = await replay_engine_async(frame, hold, SETTINGS, engine=FAR, start=30)
    # The bar-10 entries happened before the replay began: only bar 45's trade.
    assert {f[0] for f in late.fills if f[2] == "buy"} == {46}
    np.testing.assert_array_equal(late.symbol_equity[:, :30], SETTINGS.capital / 2)


@pytest.mark.parametrize("start", [-1, 60])
async def test_a_start_outside_the_frame_is_a_config_error(start: int) -> None:
    frame = market(1, 60, 8)
    with pytest.raises(ConfigError, match="outside the frame"):
        await replay_engine_async(frame, _hold_at(frame, 10), SETTINGS, start=start)


async def test_quotes_of_another_shape_are_a_config_error() -> None:
    frame = market(2, 30, 8)
    bad = dataclasses.replace(FAR, quotes=np.ones((2, 29)))
    with pytest.raises(ConfigError, match="quotes have shape"):
        await replay_engine_async(frame, _hold_at(frame, 10), SETTINGS, engine=bad)


def test_default_quotes_are_the_next_open_or_the_close_where_none() -> None:
    frame = market(1, 5, 2)
    frame.open[0, 3] = np.nan
    q = quotes_after_close(frame)
    np.testing.assert_array_equal(q[0, :2], frame.open[0, 1:3])
    assert q[0, 2] == frame.close[0, 2]  # bar 3 has no open
    assert q[0, 4] == frame.close[0, 4]  # the last bar
