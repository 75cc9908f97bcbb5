"""Composition root, runtime (start-up, shutdown, SIGTERM drain) and service entry points."""
