"""ASGI entry for process managers and multi-worker uvicorn.

``uvicorn --factory simbiot.api.asgi:app_from_environment`` builds the app from the
settings of the environment (``$SIMBIOT_CONFIG``, ``.env``, ``SIMBIOT_*`` variables), so
every worker process builds its own app and pools.
"""

from __future__ import annotations

from fastapi import FastAPI

from simbiot.api.app import create_app
from simbiot.config import load_settings

__all__ = ["app_from_environment"]


def app_from_environment() -> FastAPI:
    """The API built from the environment's settings."""
    return create_app(load_settings())
