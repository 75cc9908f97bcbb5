"""Backtest and optimisation jobs: what a user submits and what the API answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from simbiot.api.schemas.common import RequestModel, ResponseModel
from simbiot.domain.timeframes import timeframe_ms

__all__ = ["BacktestIn", "JobOut", "JobStatus", "OptimisationIn"]

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
ParamValue = float | int | bool | str
_NAME = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")


class _MarketIn(RequestModel):
    strategy: str = _NAME
    symbols: list[str] | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Symbols to use (default: every stored symbol)",
    )
    exchange: str | None = Field(
        None, max_length=32, description="Exchange of the candle store (default: the default)"
    )
    timeframe: str | None = Field(None, max_length=8, description="Candle timeframe, e.g. 1h")

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        for s in v:
            if not 1 <= len(s) <= 40 or not s.isprintable():
                raise ValueError(f"bad symbol {s[:40]!r}")
        if len(set(v)) != len(v):
            raise ValueError("symbols repeat")
        return v

    @field_validator("timeframe")
    @classmethod
    def _timeframe(cls, v: str | None) -> str | None:
        if v is not None:
            timeframe_ms(v)
        return v


class BacktestIn(_MarketIn):
    """A backtest to run in the background."""

    model_config = ConfigDict(populate_by_name=True)

    params: dict[str, ParamValue] = Field(
        default_factory=dict, max_length=64, description="Strategy parameters (name → value)"
    )
    from_: datetime | None = Field(None, alias="from", description="First candle (UTC)")
    to: datetime | None = Field(None, description="Last candle (UTC)")
    engine: Literal["fast", "event", "trading"] = Field(
        "fast", description="fast (vectorised), event (bar by bar), trading (paper engine)"
    )
    fee: float | None = Field(None, ge=0, le=0.1, description="Fee rate per fill")
    stop_loss: float | None = Field(None, gt=0, lt=1, description="Stop-loss distance")

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, ParamValue]) -> dict[str, ParamValue]:
        for name, value in v.items():
            if not 1 <= len(name) <= 64:
                raise ValueError("parameter names are 1 to 64 characters")
            if isinstance(value, str) and len(value) > 200:
                raise ValueError(f"parameter {name!r} is too long")
        return v


class OptimisationIn(_MarketIn):
    """A genetic optimisation of a strategy's parameters, on walk-forward folds."""

    window: int = Field(3000, ge=200, le=50_000, description="Newest candles to use")
    generations: int = Field(5, ge=1, le=100, description="NSGA-II generations")
    population: int = Field(20, ge=4, le=500, description="Parameter sets per generation")
    train_bars: int | None = Field(None, ge=50, le=50_000, description="Training window (bars)")
    test_bars: int | None = Field(None, ge=20, le=50_000, description="Test window (bars)")


class JobOut(ResponseModel):
    """A job and where it stands; ``metrics`` once a backtest succeeded, ``result`` once
    an optimisation did (a backtest's full report is at ``…/report``)."""

    id: int
    kind: str
    status: JobStatus
    progress: float = Field(description="Share done, 0 to 1")
    attempts: int = Field(description="Runs started (a run whose worker died is retried)")
    params: dict[str, Any]
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    metrics: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
