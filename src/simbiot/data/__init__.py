"""Market data ingestion: cleaning, the candle store, sync, quarantine, universe, metadata."""
