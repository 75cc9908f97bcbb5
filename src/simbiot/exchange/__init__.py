"""Exchange access: ports, ccxt adapters, throttling, retries, and the market simulator.

Layout::

    ports.py          MarketDataPort (one per venue, shared) and TradingPort (one per account)
    permissions.py    what an API key may do (withdraw, trade, read) and which venues tell
    capabilities.py   venue quirks as data: candle limit, client order id, weights, ccxt options
    throttle/         rate limits as data; GCRA limiter in memory or shared through Redis
    retry.py          bounded backoff for reads, honouring Retry-After
    pool.py           at most ``max_connections`` requests in flight per venue, one HTTP session
    clients.py        ClientRegistry: public client per venue, LRU of private clients
    memory.py         InMemoryMarketData, the port's twin for tests and offline tools
    metrics.py        Prometheus collectors of exchange requests
    ccxt/             client factory, error translation, gateway, parsers, the two adapters
    simulator/        a venue speaking MEXC's wire format, for offline runs and tests

A request goes: connection slot -> rate-limit budget -> ccxt call -> error translation,
and reads are retried around that path; order creation is sent once.
"""
