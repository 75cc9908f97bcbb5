"""Request and response bodies of ``/settings``: the user's overrides and what is in force.

The risk and signal parts are built from the engine's own settings models (same types,
bounds and documentation), restricted to the fields a user may tune.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints

from simbiot.api.schemas.common import RequestModel, ResponseModel
from simbiot.config.sections import RiskSettings, SignalsSettings
from simbiot.services.user_settings import (
    USER_RISK_FIELDS,
    USER_SIGNAL_FIELDS,
    optional_fields_model,
)

__all__ = [
    "EffectiveSettingsOut",
    "NotificationsIn",
    "RiskOverridesIn",
    "SettingsDocument",
    "SettingsOut",
    "SignalOverridesIn",
    "StrategyChoiceIn",
    "StrategyChoiceOut",
    "SymbolListsIn",
]

if TYPE_CHECKING:
    RiskOverridesIn = RequestModel
    SignalOverridesIn = RequestModel
else:
    RiskOverridesIn = optional_fields_model(
        "RiskOverridesIn", RiskSettings, USER_RISK_FIELDS, RequestModel
    )
    RiskOverridesIn.__doc__ = "Risk limits, sizing and exits the user overrides (null: default)."
    SignalOverridesIn = optional_fields_model(
        "SignalOverridesIn", SignalsSettings, USER_SIGNAL_FIELDS, RequestModel
    )
    SignalOverridesIn.__doc__ = "Signal thresholds the user overrides (null: default)."

ParamName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ParamValueIn = bool | int | float | Annotated[str, StringConstraints(max_length=128)]
Symbol = Annotated[
    str, StringConstraints(pattern=r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,10}$", max_length=31)
]
ChatId = Annotated[str, StringConstraints(pattern=r"^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")]


class StrategyChoiceIn(RequestModel):
    """The strategy the user's bots trade, with parameters (others keep their defaults)."""

    name: str = Field(min_length=1, max_length=64, description="A name from GET /strategies")
    params: dict[ParamName, ParamValueIn] = Field(
        default_factory=dict, max_length=64, description="Parameter values within their ranges"
    )


class SymbolListsIn(RequestModel):
    """Symbols the user's bots may trade: an allow list (empty: all) and a deny list."""

    allow: list[Symbol] | None = Field(None, max_length=500, description="Only these symbols")
    deny: list[Symbol] | None = Field(None, max_length=500, description="Never these symbols")


class NotificationsIn(RequestModel):
    """Where and about what the user is notified."""

    telegram_chat_id: ChatId | None = Field(
        None, description="Telegram chat id or @channel receiving the user's notifications"
    )
    trades: bool | None = Field(None, description="Notify each order filled (default true)")
    alerts: bool | None = Field(
        None, description="Notify risk alerts: near stop, drawdown, liquidity (default true)"
    )
    daily_summary: bool | None = Field(None, description="A daily PnL summary (default false)")


class SettingsDocument(RequestModel):
    """The user's settings: every part optional; what is left out keeps its default.

    PUT replaces the whole document; PATCH merges (JSON merge patch: null removes an
    override, ``strategy`` is replaced whole).
    """

    strategy: StrategyChoiceIn | None = None
    risk: RiskOverridesIn | None = None
    signals: SignalOverridesIn | None = None
    symbols: SymbolListsIn | None = None
    notifications: NotificationsIn | None = None


class StrategyChoiceOut(ResponseModel):
    """A strategy and every parameter value in force (defaults filled in)."""

    name: str
    params: dict[str, bool | int | float | str]


class EffectiveSettingsOut(ResponseModel):
    """The settings in force for the user: deployment defaults with the overrides applied."""

    strategy: StrategyChoiceOut | None = Field(description="None until the user chooses one")
    risk: dict[str, Any] = Field(description="Every user-tunable risk parameter")
    signals: dict[str, Any] = Field(description="Every user-tunable signal threshold")
    symbols: dict[str, list[str]] = Field(description="allow (empty: all) and deny lists")
    notifications: dict[str, Any]
    problems: list[str] = Field(
        default_factory=list,
        description="Stored overrides no longer accepted (defaults used instead)",
    )


class SettingsOut(ResponseModel):
    """The stored overrides, their version (also the ETag) and the settings in force."""

    version: int = Field(description="0 until first saved; send it back in If-Match")
    settings: dict[str, Any] = Field(description="The stored overrides (a SettingsDocument)")
    effective: EffectiveSettingsOut
