"""Configuration of risk, trading, backtests and the embedded run with its demo users."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from simbiot.config.sections.base import FrozenModel

__all__ = ["BacktestSettings", "DemoUserSettings", "RiskSettings", "RunSettings", "TradingSettings"]


class RiskSettings(FrozenModel):
    """Sizing, exits and per-user limits (T1, R1, R3, R4, R6); fractions are of equity."""

    # Equity lost if the stop is hit, before market-state and volatility scaling.
    risk_per_trade: float = Field(0.01, gt=0, le=0.2)
    # Largest single position as a share of equity, whatever the stop distance.
    max_position_fraction: float = Field(0.25, gt=0, le=1)
    # Fee rate reserved from free balance so an order plus its fee always fits.
    fee_rate: float = Field(0.001, ge=0, lt=0.05)
    # Size multiplier per market regime (bull, bear, sideways, high_volatility, crash);
    # a regime not listed uses 1.0, a multiplier of 0 stops new entries in that regime.
    regime_scale: dict[str, float] = Field(
        default_factory=lambda: {
            "bull": 1.0,
            "sideways": 0.75,
            "high_volatility": 0.5,
            "bear": 0.4,
            "crash": 0.0,
        }
    )
    # Per-bar ATR/price treated as normal; a more volatile symbol is sized down in proportion.
    target_volatility: float = Field(0.02, gt=0, le=1)
    min_volatility_scale: float = Field(0.2, gt=0, le=1)
    # Exits in ATRs: stop distance, trailing distance; take-profit in R (stop distances).
    stop_atr: float = Field(2.0, gt=0, le=50)
    take_profit_r: float = Field(3.0, gt=0, le=100)
    trail_atr: float = Field(3.0, gt=0, le=50)
    # The trailing stop engages once the position is this many R in profit.
    trail_activation_r: float = Field(1.0, ge=0, le=100)
    # Stop widening per regime (noisier markets need room); unlisted regimes use 1.0.
    regime_stop_scale: dict[str, float] = Field(
        default_factory=lambda: {"high_volatility": 1.3, "crash": 1.5}
    )
    # A position older than this is closed (0: no time exit).
    max_hold_s: int = Field(7 * 86_400, ge=0)
    # Partial closes: (profit in R, share of the initial amount) pairs, in rising R order.
    partial_levels: tuple[tuple[float, float], ...] = ((1.5, 0.5),)
    # After the first partial close the stop moves to the entry price.
    breakeven_after_partial: bool = True
    # Limits (R1), tightened by volatility: divided by max(1, volatility ratio).
    max_open_positions: int = Field(5, ge=1, le=1_000)
    max_symbol_exposure: float = Field(0.3, gt=0, le=1)
    max_total_exposure: float = Field(0.95, gt=0, le=1)
    daily_loss_limit: float = Field(0.05, gt=0, le=1)
    # Drawdown from peak equity that stops all new entries (kill switch).
    max_drawdown: float = Field(0.2, gt=0, le=1)
    # Monitor alerts: within this share of the stop distance, the drawdown alert level,
    # and a liquidity drop (quote volume vs its average) below this ratio.
    near_stop_share: float = Field(0.25, gt=0, lt=1)
    drawdown_alert: float = Field(0.1, gt=0, le=1)
    liquidity_drop_ratio: float = Field(0.3, gt=0, lt=1)

    @model_validator(mode="after")
    def _partials_ordered(self) -> RiskSettings:
        levels = [r for r, _ in self.partial_levels]
        if levels != sorted(levels) or any(r <= 0 for r in levels):
            raise ValueError("partial_levels must have positive R values in rising order")
        if any(not 0 < share < 1 for _, share in self.partial_levels):
            raise ValueError("partial close shares must lie in (0, 1)")
        if sum(share for _, share in self.partial_levels) >= 1:
            raise ValueError("partial close shares must sum below 1")
        if any(v < 0 for v in self.regime_scale.values()):
            raise ValueError("regime_scale values must not be negative")
        return self


class TradingSettings(FrozenModel):
    """The trader: task pool, balance cache, execution and reconciliation (T2-T7, R5, C3)."""

    # Users handled at once; a slow user holds one slot, never the others.
    max_concurrent_users: int = Field(64, ge=1, le=10_000)
    # A user's whole burst gives up after this long (the rest of the users go on).
    user_timeout_s: float = Field(30.0, gt=0)
    # Orders in flight per venue from this process (per-IP bound beside the venue limiter).
    max_orders_in_flight: int = Field(10, ge=1, le=1_000)
    # Balances are cached this long and refreshed after every fill.
    balance_ttl_s: float = Field(5.0, ge=0)
    order_type: Literal["market", "limit"] = "market"
    # Limit entries are priced this far through the last price (fraction).
    limit_offset: float = Field(0.001, ge=0, lt=0.1)
    client_order_id_prefix: str = Field("sb", pattern=r"^[A-Za-z0-9]{1,8}$")
    # An order not found by client id may still appear: look again with backoff for
    # this long after creation before declaring it never placed.
    reconcile_grace_s: float = Field(10.0, ge=0)
    reconcile_backoff_s: float = Field(0.25, gt=0)
    reconcile_backoff_max_s: float = Field(2.0, gt=0)
    # Paper trading: fee and slippage applied to the latest price, starting capital.
    paper_fee_rate: float = Field(0.001, ge=0, lt=0.05)
    paper_slippage_bps: float = Field(5.0, ge=0, le=1_000)
    paper_capital: float = Field(10_000.0, gt=0)
    quote: str = "USDT"


class BacktestSettings(FrozenModel):
    """How a backtest trades: the same numbers a user gives a paper or live bot.

    ``capital`` is split equally between the symbols of the frame; each symbol trades its
    own share (an isolated sub-account), and every entry spends ``fraction`` of that
    sub-account's cash, fee included.
    """

    # Starting capital of the whole backtest, split equally across its symbols.
    capital: float = Field(10_000.0, gt=0)
    # Share of a symbol's cash each entry spends, fee included.
    fraction: float = Field(1.0, gt=0, le=1)
    # Fee rate charged on the notional of every fill (0.001 = 0.1 %).
    fee: float = Field(0.001, ge=0, lt=0.1)
    # Price slippage of market fills (entries, signal exits, stop-losses), as a fraction.
    slippage: float = Field(0.0, ge=0, lt=0.1)
    # Stop-loss and take-profit distances from the entry fill price (0.05 = 5 %); None = off.
    stop_loss: float | None = Field(None, gt=0, lt=1)
    take_profit: float | None = Field(None, gt=0)
    # Check stops inside the entry bar too (the bar's range comes after the fill at its open).
    stops_on_entry_bar: bool = True
    # Close a position still open at the end of the data at the last close (fee charged).
    close_at_end: bool = True

    @model_validator(mode="after")
    def _check(self) -> BacktestSettings:
        # A stop inside the slippage band would sit at or above the entry bar's open and
        # close every position the moment it opens.
        if self.stop_loss is not None and self.stop_loss <= self.slippage:
            raise ValueError("stop_loss must exceed slippage")
        return self


class DemoUserSettings(FrozenModel):
    """One paper-trading user the embedded stack creates at start-up (``simbiot run``)."""

    # Login of the demo user (created once, kept across runs).
    email: str
    # Strategy the user's bot follows (a built-in or a rule file's name).
    strategy: str
    # Parameters overriding the strategy's defaults.
    params: dict[str, float | int | bool | str] = Field(default_factory=dict)
    # Paper capital in the quote currency.
    capital: float = Field(10_000.0, gt=0)
    # Positions the user holds at most at once.
    max_slots: int = Field(5, ge=1, le=100)


class RunSettings(FrozenModel):
    """The embedded trading cycle (T5): market data → X-ray → signals → trading."""

    # Cycles `simbiot run` performs before it stops (0 = until SIGTERM/Ctrl-C).
    cycles: int = Field(0, ge=0)
    # Seconds of venue time between cycles; 0 = one cycle per closed candle of data.timeframe.
    interval_s: float = Field(0.0, ge=0)
    # Simulated seconds per wall-clock second while `simbiot demo` trades (accelerated market).
    demo_speed: float = Field(3_600.0, gt=0)
    # Trading cycles `simbiot demo` runs.
    demo_cycles: int = Field(6, ge=1, le=1_000)
    # Paper users created at start-up, each with a bot on its strategy.
    users: tuple[DemoUserSettings, ...] = (
        DemoUserSettings(email="trend@demo.simbiot", strategy="trend_ema_adx"),
        DemoUserSettings(email="meanrev@demo.simbiot", strategy="mean_reversion", capital=5_000.0),
        DemoUserSettings(email="breakout@demo.simbiot", strategy="donchian_breakout"),
        DemoUserSettings(email="squeeze@demo.simbiot", strategy="volatility_squeeze", max_slots=3),
    )
