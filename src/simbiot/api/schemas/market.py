"""Response bodies of the market views: market state, X-ray ranking, signals, predictions.

The documents are the analysis' own (the X-ray snapshot schema, the signal batches the
trading cycle publishes); non-finite figures are null.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from simbiot.api.schemas.common import ResponseModel

__all__ = [
    "MarketStateOut",
    "ModelPredictionsOut",
    "PredictionsOut",
    "SignalBatchOut",
    "SignalOut",
    "SignalsOut",
    "XRayOut",
]


class MarketStateOut(ResponseModel):
    """The whole market's regime at the latest analysed candle."""

    exchange: str
    timeframe: str
    generated_at: str = Field(description="ISO time the analysis ran")
    generated_at_ms: int
    candle_ms: int | None = Field(description="Open time of the analysed candle (ms)")
    market_state: dict[str, Any] = Field(description="regime, confidence, reasons, measures")
    scanned: int = Field(description="Symbols analysed")
    filtered: int = Field(description="Symbols kept by the universe filter")


class XRayOut(MarketStateOut):
    """The X-ray ranking, cut to the plan's ``xray_top``."""

    top: int = Field(description="Symbols returned")
    plan_top: int = Field(description="Most symbols your plan shows")
    symbols: list[dict[str, Any]] = Field(description="Ranked symbols (rank, score, trend ...)")


class SignalOut(ResponseModel):
    symbol: str
    side: str
    strength: float
    reason: str
    ts: int
    expected_value: float | None = None
    xray_score: float | None = None


class SignalBatchOut(ResponseModel):
    """One strategy configuration's latest signals."""

    config_id: str
    strategy: str
    params: dict[str, Any]
    generated_at_ms: int
    signals: list[SignalOut]


class SignalsOut(ResponseModel):
    items: list[SignalBatchOut]


class ModelPredictionsOut(ResponseModel):
    """One champion model's predictions at one candle, per symbol (null: no value)."""

    model: str
    version: int
    timestamp: int
    values: dict[str, float | None]


class PredictionsOut(ResponseModel):
    """Predictions of every champion model (empty when no model is trained yet)."""

    models: dict[str, ModelPredictionsOut]
