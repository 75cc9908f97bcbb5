"""ccxt adapters: client factory, URL rebasing, error translation, market data and trading."""
