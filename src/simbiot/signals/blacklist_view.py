"""A point-in-time copy of the blacklist, for filtering many users' signals without I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["BlacklistView"]


@dataclass(frozen=True, slots=True)
class BlacklistView:
    """Symbols blocked for everybody, and per user.

    ``block_entries`` blocks every entry: the stand-in when the blacklist cannot be read.
    """

    global_symbols: frozenset[str] = frozenset()
    per_user: Mapping[int, frozenset[str]] = field(default_factory=dict)
    block_entries: bool = False

    @classmethod
    def empty(cls) -> BlacklistView:
        """Return a view that blocks nothing."""
        return cls()

    def for_user(self, user_id: int) -> frozenset[str]:
        """Return the symbols blocked for this user only (the global ones excluded)."""
        return self.per_user.get(user_id, frozenset())

    def is_blocked(self, user_id: int, symbol: str) -> bool:
        """Whether ``symbol`` is blocked for ``user_id``."""
        return (
            self.block_entries or symbol in self.global_symbols or symbol in self.for_user(user_id)
        )
