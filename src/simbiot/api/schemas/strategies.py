"""Response bodies of ``/strategies``: the catalogue with each parameter's range."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simbiot.api.schemas.common import ResponseModel

__all__ = ["ParamSpecOut", "StrategyCatalogOut", "StrategyOut"]

ParamValueOut = bool | int | float | str


class ParamSpecOut(ResponseModel):
    """One tunable parameter: its kind, default and range (or choices)."""

    kind: Literal["int", "float", "bool", "choice"]
    default: ParamValueOut
    low: float | None = Field(None, description="Smallest value (int and float)")
    high: float | None = Field(None, description="Largest value (int and float)")
    step: float | None = Field(None, description="Grid step the optimiser searches")
    choices: list[ParamValueOut] | None = Field(None, description="Allowed values (choice)")
    doc: str | None = None


class StrategyOut(ResponseModel):
    """A strategy of the catalogue."""

    name: str
    description: str
    parameters: dict[str, ParamSpecOut]
    allowed: bool = Field(description="Whether the caller's plan includes this strategy")


class StrategyCatalogOut(ResponseModel):
    """Every strategy of the deployment (built-ins and rule files), by name."""

    items: list[StrategyOut]
    plan: str = Field(description="The caller's plan, which decides ``allowed``")
