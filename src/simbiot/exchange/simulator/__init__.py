"""The bundled market simulator: a venue speaking MEXC spot v3 (and Binance spot, CoinGecko).

The real ccxt client talks to it unchanged, with URLs from :func:`ccxt_config`. Markets are
replayed from Parquet candles or generated from a seed; orders match against the candles;
faults, rate limits and request records serve chaos and load tests.

Simulated time (``/api/v3/time``, candle times) is the market clock; consumers read it from
the venue rather than from their own clock. Signed requests are checked against the
server's wall clock, as a venue checks them against its own.
"""

from simbiot.exchange.simulator.ccxt_config import ccxt_config
from simbiot.exchange.simulator.config import SimulatorConfig
from simbiot.exchange.simulator.faults import FaultSpec, parse_faults
from simbiot.exchange.simulator.records import RequestRecord
from simbiot.exchange.simulator.server import SimulatorServer

__all__ = [
    "FaultSpec",
    "RequestRecord",
    "SimulatorConfig",
    "SimulatorServer",
    "ccxt_config",
    "parse_faults",
]
