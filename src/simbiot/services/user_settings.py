"""A user's settings: the overrides they may store, and the settings in force for them.

The stored document is JSON with up to five parts, each optional::

    {"strategy": {"name": ..., "params": {...}},   # strategy choice and parameters
     "risk": {...},                                # a subset of RiskSettings
     "signals": {...},                             # a subset of SignalsSettings (thresholds)
     "symbols": {"allow": [...], "deny": [...]},   # symbol allow and deny lists
     "notifications": {...}}                       # notification preferences

Only the fields named in :data:`USER_RISK_FIELDS` and :data:`USER_SIGNAL_FIELDS` may be
overridden: the rest (fees, directories, caches ...) belong to the deployment. Effective
settings are the deployment's section with the user's overrides laid over it and validated
again by the section's own model, so a user can never hold a value the engine would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError, create_model

from simbiot.config.sections import RiskSettings, SignalsSettings
from simbiot.config.template import GROUPED, field_comments
from simbiot.domain.errors import ConfigError
from simbiot.execution.accounts import EVERY_SYMBOL, SymbolLists
from simbiot.signals.model import StrategyConfig
from simbiot.signals.params import ParamValue
from simbiot.signals.registry import StrategyRegistry

__all__ = [
    "ATOMIC_PARTS",
    "MAX_SAFE_INT",
    "NOTIFICATION_DEFAULTS",
    "USER_RISK_FIELDS",
    "USER_SIGNAL_FIELDS",
    "EffectiveSettings",
    "SettingsInvalid",
    "SymbolLists",
    "effective_risk",
    "effective_settings",
    "effective_signals",
    "effective_strategy",
    "field_description",
    "merge_patch",
    "optional_fields_model",
    "symbol_lists",
    "validate_document",
]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Risk parameters a user may tune for their own bots (sizing, exits, limits, alerts).
USER_RISK_FIELDS: tuple[str, ...] = (
    "risk_per_trade",
    "max_position_fraction",
    "regime_scale",
    "target_volatility",
    "min_volatility_scale",
    "stop_atr",
    "take_profit_r",
    "trail_atr",
    "trail_activation_r",
    "regime_stop_scale",
    "max_hold_s",
    "partial_levels",
    "breakeven_after_partial",
    "max_open_positions",
    "max_symbol_exposure",
    "max_total_exposure",
    "daily_loss_limit",
    "max_drawdown",
    "near_stop_share",
    "drawdown_alert",
    "liquidity_drop_ratio",
)
# Signal thresholds a user may tune: when their own blacklist blocks a symbol.
USER_SIGNAL_FIELDS: tuple[str, ...] = (
    "losing_streak",
    "loss_blacklist_s",
    "anomaly_blacklist_s",
    "scorer_threshold",
)
# Parts replaced whole by a merge patch (a strategy's parameters belong to its name).
ATOMIC_PARTS: frozenset[str] = frozenset({"strategy"})
# Notification preferences of a user who never set any.
NOTIFICATION_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {"telegram_chat_id": None, "trades": True, "alerts": True, "daily_summary": False}
)
# Integers beyond this lose precision in JSON clients and overflow durations downstream.
MAX_SAFE_INT = 2**53


class SettingsInvalid(ValueError):
    """A settings document the engine's own models refuse; ``errors`` say where and why."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))
        self.errors = errors


def field_description(model: type[BaseModel], name: str) -> str:
    """The comment documenting ``name`` in ``model``'s source (shared by grouped fields)."""
    comments = field_comments(model)
    names = list(comments)
    i = names.index(name) if name in names else -1
    while i > 0 and comments[names[i]] == [GROUPED]:
        i -= 1
    return " ".join(comments[names[i]]) if i >= 0 else ""


def optional_fields_model(
    name: str, source: type[BaseModel], fields: Sequence[str], base: type[M]
) -> type[M]:
    """A model of ``source``'s ``fields``, each optional (None: not overridden), with the
    same types, bounds and documentation, on ``base`` (its config: extra keys, NaN ...)."""
    definitions: dict[str, Any] = {}
    for field in fields:
        info = source.model_fields[field]
        annotation: Any = info.annotation
        bounded: Any = Annotated[annotation, *info.metadata] if info.metadata else annotation
        described = Field(None, description=field_description(source, field) or None)
        definitions[field] = (bounded | None, described)
    model: type[M] = create_model(name, __base__=base, **definitions)
    return model


def _overrides(doc: Mapping[str, Any], part: str) -> dict[str, Any]:
    value = doc.get(part) or {}
    if not isinstance(value, Mapping):
        raise SettingsInvalid([{"loc": [part], "msg": "must be an object", "type": "type"}])
    return {k: v for k, v in value.items() if v is not None}


def _layered(
    model: type[M], base: M, overrides: Mapping[str, Any], allowed: Sequence[str], part: str
) -> M:
    unknown = sorted(set(overrides) - set(allowed))
    if unknown:
        raise SettingsInvalid(
            [{"loc": [part, k], "msg": "may not be set per user", "type": "extra"} for k in unknown]
        )
    values = base.model_dump()
    for key, value in overrides.items():
        current = values.get(key)
        # Mappings (multipliers per regime) are merged: a user names only what they change.
        values[key] = {**current, **value} if isinstance(current, dict) else value
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise SettingsInvalid(
            [
                {"loc": [part, *exc_loc], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
                for exc_loc in [list(e["loc"])]
            ]
        ) from None


def effective_risk(doc: Mapping[str, Any], base: RiskSettings) -> RiskSettings:
    """The risk settings in force for the user: ``base`` with the document's overrides."""
    return _layered(RiskSettings, base, _overrides(doc, "risk"), USER_RISK_FIELDS, "risk")


def effective_signals(doc: Mapping[str, Any], base: SignalsSettings) -> SignalsSettings:
    """The signal thresholds in force for the user: ``base`` with the document's overrides."""
    return _layered(
        SignalsSettings, base, _overrides(doc, "signals"), USER_SIGNAL_FIELDS, "signals"
    )


def effective_strategy(
    doc: Mapping[str, Any], registry: StrategyRegistry
) -> tuple[str, dict[str, ParamValue]] | None:
    """The user's chosen strategy with every parameter (defaults filled in), or None."""
    choice = doc.get("strategy")
    if not choice:
        return None
    if not isinstance(choice, Mapping) or not isinstance(choice.get("name"), str):
        raise SettingsInvalid([{"loc": ["strategy"], "msg": "needs a name", "type": "missing"}])
    name = choice["name"]
    params = choice.get("params") or {}
    if not isinstance(params, Mapping):
        raise SettingsInvalid(
            [{"loc": ["strategy", "params"], "msg": "must be an object", "type": "type"}]
        )
    if name not in registry:
        raise SettingsInvalid(
            [{"loc": ["strategy", "name"], "msg": f"unknown strategy {name!r}", "type": "value"}]
        )
    try:
        strategy, resolved = registry.resolve(StrategyConfig(name, dict(params)))
    except (ConfigError, ValueError, TypeError) as exc:
        raise SettingsInvalid(
            [{"loc": ["strategy", "params"], "msg": str(exc), "type": "value"}]
        ) from None
    return strategy.name, resolved


def _symbols(part: Mapping[str, Any], key: str) -> frozenset[str]:
    value = part.get(key) or ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise SettingsInvalid(
            [{"loc": ["symbols", key], "msg": "must be a list of symbols", "type": "type"}]
        )
    return frozenset(value)


def symbol_lists(doc: Mapping[str, Any]) -> SymbolLists:
    """The user's symbol allow and deny lists (both empty when never set)."""
    part = doc.get("symbols") or {}
    if not isinstance(part, Mapping):
        raise SettingsInvalid([{"loc": ["symbols"], "msg": "must be an object", "type": "type"}])
    return SymbolLists(_symbols(part, "allow"), _symbols(part, "deny"))


@dataclass(frozen=True, slots=True)
class EffectiveSettings:
    """Everything in force for one user; ``problems`` name stored parts no longer accepted
    (those parts fall back to the deployment's defaults)."""

    risk: RiskSettings
    signals: SignalsSettings
    strategy: tuple[str, dict[str, ParamValue]] | None
    symbols: SymbolLists
    notifications: Mapping[str, Any]
    problems: tuple[str, ...] = ()


def _or_default(compute: Callable[[], T], default: T, problems: list[str]) -> T:
    try:
        return compute()
    except SettingsInvalid as exc:
        problems.append(str(exc))
        return default


def effective_settings(
    doc: Mapping[str, Any],
    *,
    risk: RiskSettings,
    signals: SignalsSettings,
    registry: StrategyRegistry,
) -> EffectiveSettings:
    """The user's settings in force: never raises, a refused part keeps the defaults.

    A stored document was valid when written; a later change of the deployment (a strategy
    removed, a bound tightened) must not stop the user's bots, only be reported.
    """
    problems: list[str] = []
    user_risk = _or_default(lambda: effective_risk(doc, risk), risk, problems)
    user_signals = _or_default(lambda: effective_signals(doc, signals), signals, problems)
    strategy = _or_default(lambda: effective_strategy(doc, registry), None, problems)
    symbols = _or_default(lambda: symbol_lists(doc), EVERY_SYMBOL, problems)
    notifications = doc.get("notifications")
    return EffectiveSettings(
        risk=user_risk,
        signals=user_signals,
        strategy=strategy,
        symbols=symbols,
        notifications=MappingProxyType(
            {
                **NOTIFICATION_DEFAULTS,
                **(notifications if isinstance(notifications, Mapping) else {}),
            }
        ),
        problems=tuple(problems),
    )


def validate_document(
    doc: Mapping[str, Any],
    *,
    risk: RiskSettings,
    signals: SignalsSettings,
    registry: StrategyRegistry,
) -> None:
    """Raise :class:`SettingsInvalid` (every problem found) unless the engine accepts ``doc``."""
    errors: list[dict[str, Any]] = [
        {"loc": loc, "msg": f"must lie within ±{MAX_SAFE_INT}", "type": "value"}
        for loc in _oversized(doc, [])
    ]
    for check in (
        lambda: effective_risk(doc, risk),
        lambda: effective_signals(doc, signals),
        lambda: effective_strategy(doc, registry),
    ):
        try:
            check()
        except SettingsInvalid as exc:
            errors.extend(exc.errors)
    try:
        lists = symbol_lists(doc)
    except SettingsInvalid as exc:
        raise SettingsInvalid([*errors, *exc.errors]) from None
    both = sorted(lists.allow & lists.deny)
    if both:
        errors.append(
            {"loc": ["symbols"], "msg": f"both allowed and denied: {both}", "type": "value"}
        )
    if errors:
        raise SettingsInvalid(errors)


def _oversized(value: Any, loc: list[str | int]) -> list[list[str | int]]:
    if isinstance(value, Mapping):
        return [bad for k, v in value.items() for bad in _oversized(v, [*loc, k])]
    if isinstance(value, list | tuple):
        return [bad for i, v in enumerate(value) for bad in _oversized(v, [*loc, i])]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INT:
        return [loc]
    return []


def merge_patch(doc: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Apply a JSON merge patch (RFC 7386): objects merge, null removes, the rest replaces;
    the parts in :data:`ATOMIC_PARTS` are replaced whole."""

    def merge(target: Mapping[str, Any], change: Mapping[str, Any], depth: int) -> dict[str, Any]:
        out = dict(target)
        for key, value in change.items():
            if value is None:
                out.pop(key, None)
            elif (
                isinstance(value, Mapping)
                and isinstance(out.get(key), Mapping)
                and not (depth == 0 and key in ATOMIC_PARTS)
            ):
                out[key] = merge(out[key], value, depth + 1)
            else:
                out[key] = value
        return out

    return merge(doc, patch, 0)
