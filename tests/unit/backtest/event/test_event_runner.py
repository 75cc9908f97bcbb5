"""run_event_backtest in fast-path mode: the same trades as run_backtest, bar by bar."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from event_market import assert_same_trades, market

from simbiot.backtest.audit import audit_trades
from simbiot.backtest.event import Mode, run_event_backtest, supports_fast_path
from simbiot.backtest.fastpath import supports
from simbiot.backtest.runner import run_backtest
from simbiot.backtest.settings import BacktestSettings
from simbiot.domain.errors import ConfigError
from simbiot.signals.builtin import BUILTINS, TrendEmaAdx
from simbiot.signals.context import StrategyContext
from simbiot.signals.frame import SignalFrame
from simbiot.signals.model import Side
from simbiot.signals.params import ParamSpec

SETTINGS = [
    BacktestSettings(capital=10_000.0, fee=0.001),
    BacktestSettings(capital=5_000.0, fee=0.002, slippage=0.001, stop_loss=0.03),
    BacktestSettings(fee=0.001, fraction=0.5, stop_loss=0.02, take_profit=0.04),
    BacktestSettings(
        fee=0.0, stop_loss=0.01, take_profit=0.02, stops_on_entry_bar=False, close_at_end=False
    ),
]


@pytest.mark.parametrize("strategy_cls", BUILTINS)
@pytest.mark.parametrize("settings", SETTINGS)
def test_every_builtin_matches_the_fast_path(
    strategy_cls: type, settings: BacktestSettings
) -> None:
    frame = market(5, 1200, 11, nan_head=True)
    strategy = strategy_cls()
    want = run_backtest(frame, strategy, {}, settings)
    got = run_event_backtest(frame, strategy, {}, settings)
    assert len(want.trades) > 0
    assert_same_trades(got.trades, want.trades)
    np.testing.assert_allclose(got.symbol_equity, want.symbol_equity, rtol=1e-12)
    g, w = got.metrics.to_json(), want.metrics.to_json()
    assert g.keys() == w.keys()
    for key, value in w.items():
        if isinstance(value, float):
            assert g[key] == pytest.approx(value, rel=1e-9, nan_ok=True), key
        else:
            assert g[key] == value, key


def test_trades_happen_and_pass_the_audit() -> None:
    frame = market(6, 1500, 5)
    settings = SETTINGS[1]
    res = run_event_backtest(frame, TrendEmaAdx(), {"adx_min": 10.0}, settings)
    assert len(res.trades) > 20
    assert {t.reason for t in res.trades} >= {"signal", "stop_loss"}
    report = audit_trades(res, frame)
    assert report.ok, report.violations[:3]
    assert res.settings["mode"] == "fastpath"


def test_progress_moves_forward_to_done() -> None:
    seen: list[tuple[str, float]] = []
    run_event_backtest(
        market(2, 300, 1), TrendEmaAdx(), {}, SETTINGS[0],
        progress=lambda s, d: seen.append((s, d)),
    )  # fmt: skip
    assert seen[0] == ("signals", 0.0)
    assert seen[-1] == ("done", 1.0)
    assert "replay" in {s for s, _ in seen}
    done = [d for _, d in seen]
    assert done == sorted(done)


def test_unknown_mode_and_bad_params_are_config_errors() -> None:
    frame = market(2, 100, 1)
    with pytest.raises(ConfigError, match="mode"):
        run_event_backtest(frame, TrendEmaAdx(), {}, SETTINGS[0], mode="live")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        run_event_backtest(frame, TrendEmaAdx(), {"fast": "x"}, SETTINGS[0])


def test_supports_fast_path_is_the_fast_paths_answer() -> None:
    for obj in (TrendEmaAdx(), object()):
        assert bool(supports_fast_path(obj)) == bool(supports(obj))
    assert not supports_fast_path(object())


class _Broken:
    """A strategy whose evaluation fails, or answers short or with the wrong shape."""

    description = "test double"

    def __init__(self, how: str) -> None:
        self.how = how
        self.name = f"broken_{how}"

    def parameters(self) -> dict[str, ParamSpec]:
        return {}

    def required_indicators(self, params: Mapping[str, Any]) -> set[Any]:
        return set()

    def evaluate(self, ctx: StrategyContext, params: Mapping[str, Any]) -> SignalFrame:
        f = ctx.frame
        if self.how == "raises":
            raise ValueError("no such column")
        n = f.shape[1] - (1 if self.how == "shape" else 0)
        mask = np.zeros((f.shape[0], n), dtype=np.bool_)
        side = Side.ENTRY_SHORT if self.how == "short" else Side.ENTRY_LONG
        return SignalFrame(
            f.symbols, f.timestamp[:n], mask, mask, np.zeros(mask.shape), lambda r, t, s: "", side
        )


@pytest.mark.parametrize(
    ("how", "match"), [("raises", "no such column"), ("shape", "shape"), ("short", "long only")]
)
@pytest.mark.parametrize("mode", ["fastpath", "engine"])
def test_a_failing_strategy_is_a_config_error(how: str, match: str, mode: Mode) -> None:
    with pytest.raises(ConfigError, match=match):
        run_event_backtest(market(2, 60, 1), _Broken(how), {}, SETTINGS[0], mode=mode)
