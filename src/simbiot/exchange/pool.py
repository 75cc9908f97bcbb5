"""At most ``max_connections`` requests in flight per venue in this process (X1, G2).

One ``ConnectionPool`` per venue is shared by its public client and every private client:
the semaphore bounds concurrent requests and the single aiohttp session's connector bounds
open sockets to the same number.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

__all__ = ["ConnectionPool"]


class ConnectionPool:
    """Concurrency bound and shared HTTP session of one venue."""

    def __init__(self, venue: str, max_connections: int = 10) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.venue = venue
        self.max_connections = max_connections
        self._semaphore = asyncio.Semaphore(max_connections)
        self._session: aiohttp.ClientSession | None = None
        self._in_flight = 0
        self.peak_in_flight = 0

    @property
    def in_flight(self) -> int:
        """Requests holding a slot now."""
        return self._in_flight

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the venue's request slots for the body."""
        async with self._semaphore:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            try:
                yield
            finally:
                self._in_flight -= 1

    def session(self) -> aiohttp.ClientSession:
        """Return the venue's HTTP session (created on first use, inside the event loop)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self.max_connections,
                limit_per_host=self.max_connections,
                enable_cleanup_closed=True,
            )
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def close(self) -> None:
        """Close the HTTP session; a later request opens a new one."""
        if self._session is not None:
            await self._session.close()
            self._session = None
