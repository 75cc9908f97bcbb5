"""Run a simulator until SIGINT or SIGTERM (the ``sim serve`` command and ``python -m``)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from simbiot.exchange.simulator.config import SimulatorConfig
from simbiot.exchange.simulator.faults import FaultSpec
from simbiot.exchange.simulator.server import SimulatorServer

__all__ = ["AccountSpec", "parse_account", "serve_until_stopped"]

AccountSpec = tuple[str, str, dict[str, Decimal]]


def parse_account(text: str) -> AccountSpec:
    """Parse ``KEY:SECRET[:ASSET=AMOUNT[,ASSET=AMOUNT...]]`` into key, secret and balances."""
    parts = text.split(":", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise ValueError(f"account {text!r}: expected KEY:SECRET[:ASSET=AMOUNT,...]")
    balances: dict[str, Decimal] = {}
    for item in parts[2].split(",") if len(parts) == 3 and parts[2] else []:
        asset, sep, amount = item.partition("=")
        try:
            value = Decimal(amount)
        except InvalidOperation:
            value = Decimal(-1)
        if not sep or not asset or not value.is_finite() or value < 0:
            raise ValueError(f"account {text!r}: bad balance {item!r} (expected ASSET=AMOUNT)")
        balances[asset.upper()] = value
    return parts[0], parts[1], balances


async def serve_until_stopped(
    config: SimulatorConfig,
    *,
    host: str,
    port: int,
    accounts: Sequence[AccountSpec] = (),
    faults: Sequence[FaultSpec] = (),
    on_ready: Callable[[str, SimulatorServer], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set or the process receives SIGINT/SIGTERM."""
    server = SimulatorServer(config)
    for key, secret, balances in accounts:
        server.add_account(key, secret, balances)
    for rule in faults:
        server.faults.add(rule)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    base_url = await server.start(host, port)
    try:
        if on_ready is not None:
            on_ready(base_url, server)
        await stop.wait()
    finally:
        await server.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
