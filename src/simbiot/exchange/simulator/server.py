"""The simulated exchange's HTTP server: MEXC spot v3, Binance spot, CoinGecko, controls."""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Any

from aiohttp import web

from simbiot.exchange.simulator.clock import SimClock
from simbiot.exchange.simulator.config import SimulatorConfig
from simbiot.exchange.simulator.faults import FaultBook
from simbiot.exchange.simulator.market import Markets
from simbiot.exchange.simulator.matching import ExchangeState
from simbiot.exchange.simulator.middleware import Pipeline
from simbiot.exchange.simulator.ratelimit import IpWeightLimiter
from simbiot.exchange.simulator.records import RequestRecord
from simbiot.exchange.simulator.replay import ReplayTape
from simbiot.exchange.simulator.routes_binance import BinanceRoutes
from simbiot.exchange.simulator.routes_binance_private import BinanceAccountRoutes
from simbiot.exchange.simulator.routes_coingecko import CoinGeckoRoutes
from simbiot.exchange.simulator.routes_control import ControlRoutes
from simbiot.exchange.simulator.routes_private import PrivateRoutes
from simbiot.exchange.simulator.routes_public import PublicRoutes
from simbiot.exchange.simulator.synthetic import SyntheticTape
from simbiot.exchange.simulator.tape import Tape

__all__ = ["SimulatorServer", "build_tape"]

_log = logging.getLogger(__name__)
_DEFAULT_LOOKBACK_MS = 30 * 86_400_000


def build_tape(config: SimulatorConfig, start_ms: int) -> Tape:
    """Return the replay tape when ``replay_dir`` is set, else the synthetic one."""
    if config.replay_dir is not None:
        return ReplayTape(
            config.replay_dir,
            quote=config.quote,
            start_ms=start_ms,
            start_index=config.history_candles,
            symbols=config.symbols,
        )
    tf = config.timeframe_ms
    origin = start_ms - start_ms % tf - config.history_candles * tf
    return SyntheticTape(
        symbols=config.symbols,
        seed=config.seed,
        quote=config.quote,
        timeframe_ms=tf,
        origin_ms=origin,
        start_index=config.history_candles,
        capacity=max(config.history_candles, 500) + 500,
        listing_share=config.listing_share,
        delisting_share=config.delisting_share,
        not_api_share=config.not_api_share,
    )


class SimulatorServer:
    """One simulated venue; ``start`` serves it over HTTP, ``stop`` shuts it down."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        start = config.start_ms
        if start is None:
            start = time.time_ns() // 1_000_000 - _DEFAULT_LOOKBACK_MS
        self._clock = SimClock(start, speed=config.speed, manual=config.manual_clock)
        self.tape = build_tape(config, start)
        self.markets = Markets(self.tape, self._clock)
        self.markets.current_index()
        self.exchange_state = ExchangeState(
            self.markets, maker_fee=Decimal(config.maker_fee), taker_fee=Decimal(config.taker_fee)
        )
        self.faults = FaultBook(config.seed)
        limiter = (
            IpWeightLimiter(config.ip_weight_per_minute)
            if config.ip_weight_per_minute is not None
            else None
        )
        self._pipeline = Pipeline(self.markets, self.faults, limiter, config.record_limit)
        self._runner: web.AppRunner | None = None
        self.base_url: str | None = None

    @property
    def records(self) -> list[RequestRecord]:
        """Every request received so far (control routes excepted)."""
        return self._pipeline.records

    @property
    def max_in_flight(self) -> int:
        """The most requests seen in progress at once."""
        return self._pipeline.max_in_flight

    def now_ms(self) -> int:
        """Return the simulated time."""
        return self._clock.now_ms()

    def advance(self, ms: int) -> int:
        """Move simulated time forward by ``ms``; resting orders fill on the candles passed."""
        now = self._clock.advance(ms)
        self.exchange_state.sweep()
        return now

    def add_account(
        self,
        api_key: str,
        secret: str,
        balances: dict[str, Decimal],
        *,
        can_withdraw: bool = False,
    ) -> None:
        """Create (or top up) an account with ``balances``; ``can_withdraw`` is what the
        venue reports about the key's withdraw permission."""
        self.exchange_state.add_account(api_key, secret, balances, can_withdraw=can_withdraw)

    def build_app(self) -> web.Application:
        """Return the aiohttp application with every route."""
        app = web.Application(middlewares=[self._pipeline.__call__])
        public = PublicRoutes(
            self.markets, self.faults, self.config.taker_fee, self.config.maker_fee
        )
        public.register(app)
        PrivateRoutes(self.exchange_state, self.faults).register(app)
        BinanceRoutes(self.markets, public).register(app)
        BinanceAccountRoutes(self.exchange_state, self.faults).register(app)
        CoinGeckoRoutes(self.markets).register(app)
        ControlRoutes(self).register(app)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0: any free port); return the base URL."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        server: Any = site._server  # aiohttp exposes the bound port only here
        bound = server.sockets[0].getsockname()[1] if server is not None else port
        self.base_url = f"http://{host}:{bound}"
        _log.info(
            "market simulator serving %d markets at %s", len(self.markets.universe), self.base_url
        )
        return self.base_url

    async def stop(self) -> None:
        """Stop serving and release the port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
