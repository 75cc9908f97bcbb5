"""Risk: pure sizing, exits, partial closes and per-user limits (no I/O)."""
