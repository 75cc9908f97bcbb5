"""Engine-mode replays are time-correct: positions carry the replay's clock, so time exits fire."""

from __future__ import annotations

from event_market import market

from simbiot.backtest.event import EngineConfig, run_event_backtest
from simbiot.backtest.settings import BacktestSettings
from simbiot.config.sections import RiskSettings
from simbiot.signals.builtin import TrendEmaAdx

SETTINGS = BacktestSettings(capital=10_000.0, fee=0.001, slippage=0.0005, close_at_end=False)
HOUR_MS = 3_600_000
# Stops and targets far away, no partials or trail: only the strategy and the clock exit.
FAR = {"stop_atr": 40.0, "take_profit_r": 90.0, "trail_atr": 50.0, "partial_levels": ()}


def _run(hold_hours: int) -> list[tuple[str, int, int, str]]:
    engine = EngineConfig(risk=RiskSettings(max_hold_s=hold_hours * 3600, **FAR))
    res = run_event_backtest(
        market(3, 300, 11), TrendEmaAdx(), {"adx_min": 10.0}, SETTINGS, mode="engine",
        engine=engine,
    )  # fmt: skip
    return [(t.symbol, t.entry_time, t.exit_time, t.reason) for t in res.trades]


def test_a_position_held_past_max_hold_is_closed_on_the_replayed_clock() -> None:
    trades = _run(hold_hours=6)
    timed = [t for t in trades if t[3] == "time"]
    assert len(timed) >= 3
    # Opened by the cycle at a bar's close; closed by the first cycle whose just-closed bar
    # opened 6 h after that, as the live monitor does: held 6 h plus that bar, in replayed
    # time (on the wall clock no replayed position would ever be old enough).
    assert all(exit_ - entry == 7 * HOUR_MS for _, entry, exit_, _ in timed)
    # Every other exit came before the hold ran out.
    assert all(exit_ - entry < 7 * HOUR_MS for _, entry, exit_, r in trades if r != "time")


def test_without_a_time_limit_the_same_positions_run_to_their_signal_exits() -> None:
    timed = [t for t in _run(hold_hours=6) if t[3] == "time"]
    free = _run(hold_hours=0)
    assert all(t[3] != "time" for t in free)
    held = {(s, e): x for s, e, x, _ in free}
    # The same entries, held longer once no clock closes them.
    assert all(held[(s, e)] > x for s, e, x, _ in timed if (s, e) in held)
    assert sum((s, e) in held for s, e, _, _ in timed) >= 3
