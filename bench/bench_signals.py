"""One signal cycle for many users: shared evaluation per distinct configuration against the
naive design that evaluates every user's strategy on its own.

Full size: 10,000 users over 200 distinct configurations on 2,000 symbols × 500 bars. The
naive side runs on every user when that fits in 120 s; otherwise on a timed sample of users,
extrapolated, and the output says so. The sample's signals are checked to equal the shared
cycle's. Run: ``python -m bench signals [--quick]``.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import time
from pathlib import Path
from typing import Any

import numpy as np

from simbiot.analysis.features import compute_features
from simbiot.analysis.indicators import compute_indicators, frame_digest
from simbiot.analysis.xray.synthetic import random_market
from simbiot.domain.errors import ConfigError
from simbiot.signals import (
    BlacklistView,
    IndicatorCache,
    SignalEngine,
    SignalInputs,
    StrategyConfig,
    StrategyRegistry,
    Subscription,
)

RULES_DIR = Path(__file__).resolve().parents[1] / "config" / "strategies"
NAIVE_BUDGET_S = 120.0


def make_configs(registry: StrategyRegistry, n: int, seed: int = 1) -> list[StrategyConfig]:
    """Return ``n`` distinct valid configurations spread over every strategy."""
    rng = np.random.default_rng(seed)
    strategies = list(registry)
    configs: dict[str, StrategyConfig] = {}
    while len(configs) < n:
        strategy = strategies[len(configs) % len(strategies)]
        params: dict[str, Any] = {}
        for name, spec in strategy.parameters().items():
            if spec.kind == "int" and spec.low is not None and spec.high is not None:
                # Periods near the defaults, as users tune them.
                lo, hi = (
                    max(spec.low, float(spec.default) * 0.5),
                    min(spec.high, float(spec.default) * 1.5),
                )
                params[name] = int(rng.integers(int(lo), int(hi) + 1))
            elif spec.kind == "float" and spec.low is not None and spec.high is not None:
                params[name] = round(float(rng.uniform(spec.low, spec.high)), 1)
        try:
            cfg = registry.default_config(strategy.name, **params)
            registry.resolve(cfg)
        except ConfigError:  # a random draw may break a cross-parameter rule (fast < slow)
            continue
        configs[cfg.config_id] = cfg
    return list(configs.values())


def make_subscriptions(
    configs: list[StrategyConfig], users: int, seed: int = 2
) -> list[Subscription]:
    """Return one subscription per user; popular configurations get more users (Zipf)."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(configs) + 1)
    picks = rng.choice(len(configs), size=users, p=weights / weights.sum())
    return [Subscription(u, configs[int(i)]) for u, i in enumerate(picks)]


def _key(sigs: list[Any]) -> list[tuple[str, str, str]]:
    return [(s.config_id, s.symbol, s.side.value) for s in sigs]


def run(quick: bool = False) -> dict[str, Any]:
    """Time one shared cycle and the naive per-user evaluation; report both and the ratio."""
    n_sym, n_bars, n_users, n_cfg = (200, 300, 1_000, 40) if quick else (2_000, 500, 10_000, 200)
    frame = random_market(n_sym, n_bars, seed=3)
    registry = StrategyRegistry.from_directory(RULES_DIR, strict=True)
    configs = make_configs(registry, n_cfg)
    subs = make_subscriptions(configs, n_users)
    view = BlacklistView(
        frozenset(frame.symbols[:20]),
        {u: frozenset(frame.symbols[20:25]) for u in range(0, n_users, 10)},
    )
    # The analyzer's products (standard indicators, features) are inputs to both sides.
    ind = compute_indicators(frame)
    inputs = SignalInputs.from_analysis(
        frame, indicators=ind, features=compute_features(frame, ind, 0), digest=frame_digest(frame)
    )

    # Warm-up: compile the numba kernels outside every timing.
    small = random_market(8, 200, seed=9)
    small_ind = compute_indicators(small)
    warm = SignalInputs.from_analysis(small, features=compute_features(small, small_ind, 0))
    SignalEngine(registry, IndicatorCache()).evaluate(warm, configs)

    cache = IndicatorCache(max_bytes=8 * 1024**3)
    engine = SignalEngine(registry, cache)
    t0 = time.perf_counter()
    out = engine.evaluate_detailed(inputs, {s.config_id: s.config for s in subs}.values())
    t1 = time.perf_counter()
    per_user = engine.fan_out(out.signals, subs, view)
    t2 = time.perf_counter()
    shared_s = t2 - t0

    # Naive: every user's strategy evaluated on its own, nothing shared between users.
    naive_started = time.perf_counter()
    done = 0
    mismatches = 0
    for sub in subs:
        alone = SignalEngine(registry, IndicatorCache())
        sigs = alone.evaluate(inputs, [sub.config])[sub.config_id]
        mine = alone.fan_out({sub.config_id: sigs}, [sub], view)[sub.user_id]
        mismatches += _key(mine) != _key(per_user[sub.user_id])
        done += 1
        elapsed = time.perf_counter() - naive_started
        projected = elapsed / done * len(subs)
        if projected > NAIVE_BUDGET_S and done >= 20 and elapsed > 10.0:
            break
    naive_elapsed = time.perf_counter() - naive_started
    naive_s = naive_elapsed / done * len(subs)
    signals = sum(len(v) for v in out.signals.values())
    return {
        "symbols": n_sym,
        "bars": n_bars,
        "users": n_users,
        "distinct_configs": len(out.frames),
        "config_errors": len(out.errors),
        "indicator_arrays": out.indicators,
        "signals": signals,
        "delivered": sum(len(v) for v in per_user.values()),
        "shared_cycle_s": round(shared_s, 3),
        "shared_evaluate_s": round(t1 - t0, 3),
        "shared_fan_out_s": round(t2 - t1, 4),
        "shared_timings": {k: round(v, 3) for k, v in out.timings.items()},
        "naive_s": round(naive_s, 2),
        "naive_measured_users": done,
        "naive_extrapolated": done < len(subs),
        "naive_note": (
            f"naive time measured on {done} of {len(subs)} users ({naive_elapsed:.1f} s) and "
            f"extrapolated linearly, because the full run would exceed {NAIVE_BUDGET_S:.0f} s"
            if done < len(subs)
            else "naive time measured on every user"
        ),
        "naive_mismatches": mismatches,
        "speedup": round(naive_s / shared_s, 1),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=2))
