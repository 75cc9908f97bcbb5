"""The multi-user HTTP API: ``create_app(settings)`` builds it; ``simbiot serve api`` runs it.

Routes live under ``/api/v1`` (one router module per resource in ``api.routes``); request and
response schemas (``api.schemas``) are separate from the domain and the tables; every error
answers one JSON shape (``api.errors``); the lifespan owns every resource (``api.app``).
"""

from simbiot.api.app import create_app

__all__ = ["create_app"]
