"""The strategies a deployment offers: the built-ins and the rule files of a directory."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from simbiot.domain.errors import ConfigError
from simbiot.signals.builtin import BUILTINS
from simbiot.signals.context import DEFAULT_FEATURES
from simbiot.signals.model import StrategyConfig
from simbiot.signals.params import ParamValue, resolve_params
from simbiot.signals.rules import RuleFileError, RuleIssue, load_rule_file
from simbiot.signals.strategy import Strategy

__all__ = ["StrategyRegistry"]

log = logging.getLogger(__name__)


class StrategyRegistry:
    """Strategies by name; resolves a configuration to its strategy and complete parameters."""

    def __init__(self, strategies: Collection[Strategy] = ()) -> None:
        self._by_name: dict[str, Strategy] = {}
        for strategy in strategies:
            self.add(strategy)

    @classmethod
    def with_builtins(cls) -> StrategyRegistry:
        """Return a registry holding every built-in strategy."""
        return cls([b() for b in BUILTINS])

    @classmethod
    def from_directory(
        cls,
        directory: str | Path | None,
        *,
        features: Collection[str] = DEFAULT_FEATURES,
        strict: bool = False,
    ) -> StrategyRegistry:
        """Return the built-ins plus every ``*.yaml`` rule file of ``directory``.

        ``features`` names the feature arrays rule files may use (the analysis defaults).

        A broken file is logged with its issues and skipped, so one bad file never takes the
        others down; ``strict`` raises RuleFileError (all files' issues) instead.
        """
        registry = cls.with_builtins()
        issues = registry.load_directory(directory, features=features)
        if issues and strict:
            raise RuleFileError(issues)
        return registry

    def load_directory(
        self, directory: str | Path | None, *, features: Collection[str] = DEFAULT_FEATURES
    ) -> list[RuleIssue]:
        """Add the rule files of ``directory``; return the issues of files that were skipped."""
        if directory is None:
            return []
        root = Path(directory)
        if not root.is_dir():
            return [RuleIssue(str(root), 0, "rule directory not found")]
        issues: list[RuleIssue] = []
        for path in sorted([*root.glob("*.yaml"), *root.glob("*.yml")]):
            try:
                self.add(load_rule_file(path, features))
            except RuleFileError as exc:
                log.error("skipping rule file %s:\n%s", path, exc)
                issues.extend(exc.issues)
            except ConfigError as exc:
                log.error("skipping rule file %s: %s", path, exc)
                issues.append(RuleIssue(str(path), 0, str(exc)))
        return issues

    def add(self, strategy: Strategy) -> None:
        """Register a strategy; raise ConfigError when its name is taken."""
        if strategy.name in self._by_name:
            raise ConfigError(f"a strategy named {strategy.name!r} is already registered")
        self._by_name[strategy.name] = strategy

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Strategy]:
        return iter(sorted(self._by_name.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> Strategy:
        """Return the strategy called ``name``; raise ConfigError naming the known ones."""
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(sorted(self._by_name))
            raise ConfigError(f"unknown strategy {name!r} (known: {known})") from None

    def resolve(self, config: StrategyConfig) -> tuple[Strategy, dict[str, ParamValue]]:
        """Return the strategy of ``config`` and its complete, checked parameters."""
        strategy = self.get(config.strategy)
        params = resolve_params(strategy.parameters(), config.params, strategy.name)
        # Cross-parameter rules (fast < slow …) are checked by asking for the indicators.
        strategy.required_indicators(params)
        return strategy, params

    def default_config(self, name: str, **overrides: Any) -> StrategyConfig:
        """Return the configuration of strategy ``name`` at its defaults plus ``overrides``."""
        strategy = self.get(name)
        params = {k: s.default for k, s in strategy.parameters().items()}
        params.update(overrides)
        return StrategyConfig(name, resolve_params(strategy.parameters(), params, name))
