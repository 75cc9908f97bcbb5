"""The executor port: paper and live trading behind one interface."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from simbiot.execution.model import ExecutionResult, OrderKey, OrderRequest

__all__ = ["Executor"]


@runtime_checkable
class Executor(Protocol):
    """Places, cancels and refreshes orders, keeping the ledger and positions in step."""

    async def submit(self, request: OrderRequest) -> ExecutionResult:
        """Record the order, then place it; never raises for a venue refusal (see result)."""
        ...

    async def cancel(self, key: OrderKey) -> ExecutionResult:
        """Cancel an open order and book whatever filled before the cancel."""
        ...

    async def refresh(self, key: OrderKey) -> ExecutionResult:
        """Bring an order's row, fills and position up to what the venue says now."""
        ...
