"""Rule-file problems, each with its file and line."""

from __future__ import annotations

from dataclasses import dataclass

from simbiot.domain.errors import ConfigError

__all__ = ["RuleFileError", "RuleIssue"]


@dataclass(frozen=True, slots=True)
class RuleIssue:
    """One problem found in a rule file; ``line`` is 1-based (0 when unknown)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RuleFileError(ConfigError):
    """A rule file that cannot be used; ``issues`` lists every problem found."""

    def __init__(self, issues: list[RuleIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))
