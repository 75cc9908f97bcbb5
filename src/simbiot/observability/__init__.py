"""Logging, metrics and alerts for every Simbiot service."""
