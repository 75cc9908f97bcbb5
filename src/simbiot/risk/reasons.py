"""Stable reason codes a user sees when an order is skipped or rejected."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Reason"]


class Reason(StrEnum):
    """Why an order was not sent. Values are stable: they are stored and shown to users."""

    # Sizing (T1, R6)
    NO_BALANCE = "no_balance"
    REGIME_BLOCKED = "regime_blocked"
    BAD_STOP = "bad_stop"
    BAD_PRICE = "bad_price"
    BELOW_MIN_AMOUNT = "below_min_amount"
    BELOW_MIN_NOTIONAL = "below_min_notional"
    MARKET_NOT_TRADABLE = "market_not_tradable"
    # Limits (R1)
    MAX_OPEN_POSITIONS = "max_open_positions"
    SYMBOL_EXPOSURE = "symbol_exposure"
    TOTAL_EXPOSURE = "total_exposure"
    DAILY_LOSS_LIMIT = "daily_loss_limit"
    DRAWDOWN_KILL_SWITCH = "drawdown_kill_switch"
    # Trader (T2-T6)
    NOT_ENTITLED = "not_entitled"
    ALREADY_HELD = "already_held"
    NO_POSITION = "no_position"
    NO_PRICE = "no_price"
    ACCOUNT_BLOCKED = "account_blocked"
    EXCHANGE_REJECTED = "exchange_rejected"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    UNKNOWN_SYMBOL = "unknown_symbol"
    SYMBOL_EXCLUDED = "symbol_excluded"  # the user's allow or deny list
    USER_FAILED = "user_failed"
    USER_TIMEOUT = "user_timeout"
