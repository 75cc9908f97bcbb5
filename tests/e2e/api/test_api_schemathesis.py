"""schemathesis over the live OpenAPI schema: generated requests (authenticated) never get
a 5xx, and every documented answer matches its schema.

The server runs on the test's event loop; the generated calls are blocking (requests), so
they run in a worker thread. Examples per operation and the total time are bounded.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from api_harness import api_settings, serve

from simbiot.api.app import create_app

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev extra")
hypothesis = pytest.importorskip("hypothesis")

EXAMPLES_PER_OPERATION = 6
BUDGET_S = 45.0


def _fuzz(doc: dict[str, Any], base_url: str, auth: dict[str, str]) -> list[str]:
    """Call every operation with generated data; return one line per failure."""
    import requests
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hsettings
    from schemathesis.checks import not_a_server_error, response_schema_conformance
    from schemathesis.openapi import from_dict

    schema = from_dict(doc)
    failures: list[str] = []
    started = time.monotonic()
    session = requests.Session()
    for result in schema.get_all_operations():
        if time.monotonic() - started > BUDGET_S:
            break
        operation = result.ok()

        @given(operation.as_strategy())
        @hsettings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(base_url=base_url, headers=auth, session=session, timeout=20)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # one line per failing operation
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:400]}")
    return failures


async def test_generated_requests_get_no_server_error(tmp_path: Path) -> None:
    free = {"price": 0, "entitlements": {"api_rate_per_minute": 1_000_000}}
    settings = api_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/fuzz.db",
        api={"job_workers": 0, "anonymous_rate_per_minute": 1_000_000},
        billing={"plans": {"free": free}},
    )
    async for api in serve(create_app(settings)):
        _, auth = await api.user()
        doc = (await api.client.get("/api/v1/openapi.json")).json()
        assert len(doc["paths"]) > 5
        t0 = time.monotonic()
        failures = await asyncio.to_thread(_fuzz, doc, api.base_url, auth)
        assert time.monotonic() - t0 < 60
    assert failures == [], f"{len(failures)} failing operations:\n" + "\n".join(failures)
