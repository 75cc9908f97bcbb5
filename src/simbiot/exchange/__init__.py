"""Exchange access: ports, ccxt adapters, throttling, retries, and the market simulator."""
