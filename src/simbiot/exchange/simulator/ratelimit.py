"""Per-IP request weight limit: 429 with Retry-After, then a 418 ban for repeat offenders."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

__all__ = ["IpWeightLimiter", "LimitVerdict"]

_WINDOW_S = 60.0
# Violations within one window that turn 429 answers into a ban, and the ban's length.
_VIOLATIONS_BEFORE_BAN = 3
_BAN_S = 120.0


@dataclass(frozen=True, slots=True)
class LimitVerdict:
    """``status`` 0 admits the request; 429 or 418 refuses it for ``retry_after_s``."""

    status: int
    retry_after_s: float = 0.0


@dataclass(slots=True)
class _IpState:
    spent: deque[tuple[float, int]] = field(default_factory=deque)
    total: int = 0
    violations: deque[float] = field(default_factory=deque)
    banned_until: float = 0.0


class IpWeightLimiter:
    """Sliding one-minute window of request weight per client IP, on the wall clock."""

    def __init__(self, weight_per_minute: int) -> None:
        self._limit = weight_per_minute
        self._ips: dict[str, _IpState] = {}

    def admit(self, ip: str, weight: int, now: float | None = None) -> LimitVerdict:
        """Charge ``weight`` to ``ip`` or refuse the request."""
        t = time.monotonic() if now is None else now
        st = self._ips.setdefault(ip, _IpState())
        if st.banned_until > t:
            return LimitVerdict(418, st.banned_until - t)
        while st.spent and st.spent[0][0] <= t - _WINDOW_S:
            st.total -= st.spent.popleft()[1]
        while st.violations and st.violations[0] <= t - _WINDOW_S:
            st.violations.popleft()
        if st.total + weight > self._limit:
            st.violations.append(t)
            if len(st.violations) >= _VIOLATIONS_BEFORE_BAN:
                st.banned_until = t + _BAN_S
                return LimitVerdict(418, _BAN_S)
            retry = st.spent[0][0] + _WINDOW_S - t if st.spent else _WINDOW_S
            return LimitVerdict(429, max(retry, 0.001))
        st.spent.append((t, weight))
        st.total += weight
        return LimitVerdict(0)
