"""Event sinks: the in-memory twin and the bus adapter's topics and payloads."""

from __future__ import annotations

from decimal import Decimal

from simbiot.bus.memory import MemoryBus
from simbiot.execution.events import (
    BusEventSink,
    DrawdownAlert,
    ExitExecuted,
    MemoryEventSink,
    NearStop,
)


async def test_memory_sink_keeps_events_in_order() -> None:
    sink = MemoryEventSink()
    first = NearStop(1, "BTC/USDT", Decimal("100"), Decimal("99"))
    second = DrawdownAlert(1, "paper:1", Decimal("0.12"))
    await sink.emit(first)
    await sink.emit(second)
    assert sink.events == [first, second]


async def test_bus_sink_routes_alerts_and_order_events() -> None:
    bus = MemoryBus()
    alerts = await bus.subscribe("alerts.warning", group="g", consumer="c")
    orders = await bus.subscribe("orders.7", group="g", consumer="c")
    sink = BusEventSink(bus)
    await sink.emit(NearStop(7, "ETH/USDT", Decimal("10.5"), Decimal("10")))
    await sink.emit(ExitExecuted(7, "ETH/USDT", "stop_loss", "sb1", "filled", Decimal("2")))
    (alert,) = await alerts.fetch(10, block_ms=10)
    (order,) = await orders.fetch(10, block_ms=10)
    assert alert.envelope.type == "trading.NearStop"
    assert alert.envelope.payload == {
        "user_id": 7,
        "symbol": "ETH/USDT",
        "price": "10.5",
        "stop_price": "10",
    }
    assert order.envelope.type == "trading.ExitExecuted"
    assert order.envelope.payload["kind"] == "stop_loss"
    assert order.envelope.payload["amount"] == "2"
    await bus.close()
