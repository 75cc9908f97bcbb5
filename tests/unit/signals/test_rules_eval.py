from __future__ import annotations

import numpy as np
from signal_frames import make_frame

from simbiot.signals.context import SignalInputs
from simbiot.signals.indicator_cache import IndicatorCache
from simbiot.signals.model import Side
from simbiot.signals.rules import parse_rule_text


def _alternating(step: float, bars: int, jump: float) -> np.ndarray:
    """Prices whose log returns alternate ±step, then one final +jump move."""
    r = np.where(np.arange(bars) % 2 == 0, step, -step)
    prices = 100 * np.exp(np.cumsum(r))
    return np.append(prices, prices[-1] * (1 + jump))


def _run(text: str, frame, features=None, params=None):  # type: ignore[no-untyped-def]
    strategy = parse_rule_text(text, features=set(features or {}))
    values = {k: s.default for k, s in strategy.parameters().items()}
    values.update(params or {})
    ctx = SignalInputs(frame, features=features or {}).context(IndicatorCache())
    return strategy.evaluate(ctx, values)


def test_sigma_threshold_fires_in_a_calm_market_not_in_a_wild_one() -> None:
    calm, wild = _alternating(0.005, 60, 0.03), _alternating(0.05, 60, 0.03)
    frame = make_frame([calm, wild], symbols=("CALM/USDT", "WILD/USDT"))
    out = _run("name: jump\nentry:\n  gt: [ret(1), 2.5sigma]\n", frame)
    assert out.entry[:, -1].tolist() == [True, False]
    # The same 3% move against a fixed threshold cannot tell them apart.
    fixed = _run("name: jump\nentry:\n  gt: [ret(1), 0.02]\n", frame)
    assert fixed.entry[:, -1].tolist() == [True, True]


def test_param_scaled_volatility_threshold_moves_with_k() -> None:
    calm = _alternating(0.005, 60, 0.03)
    text = (
        "name: jump\nparams:\n  k: {default: 2.0, low: 0.5, high: 10.0}\n"
        "entry:\n  gt: [ret(1), 'k*vol']\n"
    )
    assert _run(text, make_frame([calm]), params={"k": 2.0}).entry[0, -1]
    assert not _run(text, make_frame([calm]), params={"k": 8.0}).entry[0, -1]


def test_negative_dynamic_threshold_blocks_crashes_only_in_calm_markets() -> None:
    calm, wild = _alternating(0.005, 60, -0.03), _alternating(0.05, 60, -0.03)
    out = _run("name: no_crash\nentry:\n  gt: [ret(1), '-2*vol']\n", make_frame([calm, wild]))
    assert out.entry[:, -1].tolist() == [False, True]


def test_percentile_threshold_moves_with_the_market() -> None:
    def market(base: float) -> np.ndarray:
        rets = base + 0.001 * np.arange(10)
        close = np.full((10, 30), 100.0)
        close[:, -1] = 100 * (1 + rets)
        return close

    text = "name: leaders\nentry:\n  gt: [ret(1), p90]\n"
    for base in (0.0, 0.05, -0.05):
        out = _run(text, make_frame(market(base)))
        assert np.flatnonzero(out.entry[:, -1]).tolist() == [9], base
    fixed = "name: leaders\nentry:\n  gt: [ret(1), 0.0085]\n"
    assert _run(fixed, make_frame(market(0.05))).entry[:, -1].all()


def test_between_not_any_and_reason_numbers() -> None:
    close = np.linspace(100, 130, 40)
    text = (
        "name: mix\nentry:\n  all:\n    - {gt: [close, 120]}\n    - {not: {between: [close, 125, 126]}}\n"
        "exit:\n  any:\n    - {lt: [close, 101]}\n    - {outside: [close, 0, 129]}\n"
    )
    out = _run(text, make_frame([close]))
    expected = (close > 120) & ~((close >= 125) & (close <= 126))
    assert out.entry[0].tolist() == expected.tolist()
    assert out.exit[0].tolist() == ((close < 101) | (close > 129)).tolist()
    t = int(np.flatnonzero(out.entry[0])[-1])
    text_reason = out.reason(0, t, Side.ENTRY_LONG)
    assert text_reason.startswith("mix: close=130 > 120")
    assert "not (close=130 between 125 and 126)" in text_reason
    assert "or" in out.reason(0, 0, Side.EXIT_LONG)


def test_strength_is_the_share_of_conditions_holding() -> None:
    close = np.linspace(100, 110, 20)
    out = _run(
        "name: s\nentry:\n  any: [{gt: [close, 105]}, {gt: [close, 108]}]\n", make_frame([close])
    )
    assert out.strength[0, -1] == 1.0
    mid = int(np.flatnonzero((close > 105) & (close <= 108))[0])
    assert out.strength[0, mid] == 0.5
    assert out.entry[0, mid]


def test_feature_operands_and_crossing() -> None:
    close = np.full((2, 10), 100.0)
    feat = np.tile(np.array([0, 0, 0, 2, 2, 0, 0, 3, 3, 3], dtype=float), (2, 1))
    feat[1] = 0
    out = _run("name: f\nentry:\n  crosses_above: [momentum_z, 1]\n", make_frame(close),
               features={"momentum_z": feat})  # fmt: skip
    assert np.flatnonzero(out.entry[0]).tolist() == [3, 7]
    assert not out.entry[1].any()


def test_nan_warmup_never_fires() -> None:
    out = _run("name: w\nentry:\n  lt: [rsi(14), 101]\n", make_frame([np.linspace(1, 2, 30)]))
    assert not out.entry[0, :14].any()
    assert out.entry[0, 14:].all()


def test_market_percentiles_are_shared_between_configurations() -> None:
    from simbiot.signals.engine import SignalEngine
    from simbiot.signals.model import StrategyConfig
    from simbiot.signals.registry import StrategyRegistry

    registry = StrategyRegistry()
    registry.add(parse_rule_text(
        "name: lead\nparams:\n  lvl: {default: 50.0, low: 0.0, high: 100.0}\n"
        "entry:\n  all: [{gt: [volume_z, p90]}, {lt: [rsi, lvl]}, {gt: ['-ret(1)', p50]}]\n"
    ))  # fmt: skip
    cache = IndicatorCache()
    frame = make_frame(np.linspace(1, 2, 60) * np.arange(1, 9)[:, None])
    engine = SignalEngine(registry, cache)
    engine.evaluate(SignalInputs(frame), [StrategyConfig("lead", {"lvl": v}) for v in (40.0, 60.0)])
    keys = [k for (_, k) in cache.cached_keys() if k[0].startswith("p")]
    assert sorted(k[0] for k in keys) == ["p50|-1|ret", "p90|+1|volume_z"]
