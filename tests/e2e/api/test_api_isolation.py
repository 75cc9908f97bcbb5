"""Cross-user isolation, generated over every route of the application.

Each route with an id-like path parameter (``id``, ``*_id``, ``*_ref``) is found in the
application's routes when the test runs, so routes added later are covered without editing
this file. User A gets one object per parameter, made through the API where the collection
has a POST route and a body below, else directly in the database. Then another user B (who
has objects of their own) and a user with nothing call every method of the route on A's
object: the answer must be 404, exactly as for an id that does not exist, and A's rows must
be unchanged. Administrator-only routes answer 403 to both ids instead.

A new id route whose parameter no creator knows fails ``test_every_id_route_is_covered``
until a creator (or a skip with its reason) is added here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from api_harness import ApiHarness
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from simbiot.storage.base import Base
from simbiot.storage.tables import JobRow, PaymentRow

ID_PARAM = re.compile(r"^(id|\w+_id|\w+_ref)$")
PATH_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
ADMIN_PREFIX = "/api/v1/admin/"
MISSING_INT = 2**62
MISSING_REF = "no-such-ref-0000"

# Objects made through the API: the collection's POST body (the answer's "id" is the object).
API_BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/keys": {
        "exchange": "mexc",  # MEXC cannot tell key permissions: nothing leaves the machine
        "label": "isolation",
        "api_key": "isolationKEY-0123456789",
        "secret": "isolation-SECRET-0123456789",
    },
    "/api/v1/bots": {"name": "isolation bot", "strategy": "mean_reversion"},
}
# Bodies sent on write routes (anything not listed gets ``{}``): enough to pass validation,
# so that the answer is about the object, not the body.
ROUTE_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/api/v1/admin/users/{user_id}"): {"role": "admin"},
    ("POST", "/api/v1/admin/users/{user_id}/grant"): {"plan": "pro", "days": 30},
}
# Routes this test does not call, each with the reason.
SKIPPED: dict[str, str] = {}

Creator = Callable[[AsyncSession, int, str], Awaitable[str]]


async def _finished_job(session: AsyncSession, user_id: int, path: str) -> str:
    """A succeeded job of the kind the path names (no worker will touch it again)."""
    kind = "optimisation" if "/optimisations/" in path else "backtest"
    now = datetime.now(UTC)
    row = JobRow(
        user_id=user_id,
        kind=kind,
        status="succeeded",
        params={},
        progress=1.0,
        result={"report": {"trades": 0}, "html": "<p>report</p>"},
        started_at=now,
        finished_at=now,
    )
    session.add(row)
    await session.flush()
    return str(row.id)


async def _pending_payment(session: AsyncSession, user_id: int) -> PaymentRow:
    row = PaymentRow(
        user_id=user_id,
        kind="credits",
        credits=10,
        amount=Decimal("5"),
        currency="USD",
        status="pending",
        provider="sandbox",
        provider_ref=f"iso-{uuid.uuid4().hex}",
    )
    session.add(row)
    await session.flush()
    return row


async def _payment_id(session: AsyncSession, user_id: int, path: str) -> str:
    return str((await _pending_payment(session, user_id)).id)


async def _payment_ref(session: AsyncSession, user_id: int, path: str) -> str:
    return (await _pending_payment(session, user_id)).provider_ref


async def _the_user(session: AsyncSession, user_id: int, path: str) -> str:
    """On administration routes the object is the user."""
    return str(user_id)


# Objects made directly in the database, by path parameter.
DB_CREATORS: dict[str, Creator] = {
    "job_id": _finished_job,
    "payment_id": _payment_id,
    "provider_ref": _payment_ref,
    "user_id": _the_user,
}


@dataclass(frozen=True)
class IdRoute:
    """One path with id-like parameters and every method served on it."""

    path: str
    methods: frozenset[str]
    params: tuple[str, ...]

    @property
    def admin_only(self) -> bool:
        return self.path.startswith(ADMIN_PREFIX)


def id_routes(app: FastAPI) -> list[IdRoute]:
    """Every route of ``app`` whose path has an id-like parameter, methods merged by path."""
    methods: dict[str, set[str]] = {}
    for route in iter_route_contexts(app.routes):
        path = getattr(route, "path", "")
        params = PATH_PARAM.findall(path)
        if any(ID_PARAM.match(p) for p in params):
            methods.setdefault(path, set()).update(set(route.methods or ()) - IGNORED_METHODS)
    return [
        IdRoute(path, frozenset(m), tuple(PATH_PARAM.findall(path)))
        for path, m in sorted(methods.items())
    ]


def post_collections(app: FastAPI) -> set[str]:
    """Paths served with POST (where objects are created through the API)."""
    return {
        getattr(r, "path", "")
        for r in iter_route_contexts(app.routes)
        if "POST" in (r.methods or ())
    }


def collection_of(path: str, param: str) -> str:
    """The collection an id parameter points into: the path up to that parameter."""
    return path[: path.index("{" + param)].rstrip("/")


def uncovered(app: FastAPI) -> list[str]:
    """Id routes with a parameter neither the API nor the database creators can fill."""
    posts = post_collections(app)
    missing = []
    for route in id_routes(app):
        if route.path in SKIPPED:
            continue
        for param in route.params:
            coll = collection_of(route.path, param)
            by_api = coll in posts and coll in API_BODIES
            if not by_api and param not in DB_CREATORS:
                missing.append(f"{route.path} ({param})")
    return missing


@dataclass
class Owner:
    """User A and the objects made for them, by (parameter, collection)."""

    user_id: int
    headers: dict[str, str]
    objects: dict[tuple[str, str], str] = field(default_factory=dict)


async def _object(api: ApiHarness, owner: Owner, route: IdRoute, param: str) -> str:
    coll = collection_of(route.path, param)
    key = (param, coll)
    if key not in owner.objects:
        if coll in API_BODIES and coll in post_collections(api.app):
            r = await api.client.post(coll, json=API_BODIES[coll], headers=owner.headers)
            assert r.status_code in (200, 201), f"creating {coll}: {r.status_code} {r.text}"
            owner.objects[key] = str(r.json()["id"])
        else:
            async with api.state.container.database.transaction() as session:
                owner.objects[key] = await DB_CREATORS[param](session, owner.user_id, route.path)
    return owner.objects[key]


def _fill(path: str, values: dict[str, str]) -> str:
    return PATH_PARAM.sub(lambda m: values[m.group(1)], path)


def _missing(param: str) -> str:
    return MISSING_REF if param.endswith("_ref") else str(MISSING_INT)


async def snapshot(api: ApiHarness, user_id: int) -> dict[str, list[str]]:
    """Every row of ``user_id`` in every table with a user_id (and their user row), plus
    every row of the tables that belong to no user."""
    out: dict[str, list[str]] = {}
    async with api.state.container.database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            query = select(table)
            if "user_id" in table.c:
                query = query.where(table.c.user_id == user_id)
            elif table.name == "users":
                query = query.where(table.c.id == user_id)
            rows = (await session.execute(query)).all()
            out[table.name] = sorted(repr(tuple(row)) for row in rows)
    return out


async def _call(
    api: ApiHarness, method: str, path: str, route: IdRoute, headers: dict[str, str]
) -> tuple[int, Any]:
    body = ROUTE_BODIES.get((method, route.path), {}) if method in WRITE_METHODS else None
    r = await api.client.request(method, path, json=body, headers=headers)
    try:
        payload = r.json()
    except ValueError:
        payload = r.text
    return r.status_code, payload


def test_every_id_route_is_covered(api_sqlite: ApiHarness) -> None:
    assert id_routes(api_sqlite.app), "no id routes found: the route discovery is broken"
    assert uncovered(api_sqlite.app) == [], (
        "id routes without a way to create the owner's object: add a body to API_BODIES, "
        "a creator to DB_CREATORS, or the route to SKIPPED with a reason"
    )


async def test_no_user_reaches_another_users_objects(api: ApiHarness) -> None:
    app = api.app
    routes = [r for r in id_routes(app) if r.path not in SKIPPED]
    owner_id, owner_headers = await api.user()
    owner = Owner(owner_id, owner_headers)
    other_id, other_headers = await api.user()
    other = Owner(other_id, other_headers)
    _, stranger_headers = await api.user()
    covered = [r for r in routes if not [m for m in uncovered(app) if m.startswith(r.path + " ")]]

    failures: list[str] = []
    for route in covered:
        values = {p: await _object(api, owner, route, p) for p in route.params}
        for p in route.params:  # B owns objects of the same kinds
            await _object(api, other, route, p)
        target = _fill(route.path, values)
        absent = _fill(route.path, {p: _missing(p) for p in route.params})
        if "GET" in route.methods:
            status, _ = await _call(api, "GET", target, route, owner.headers)
            if route.admin_only:
                pass  # the owner is no administrator either
            elif status == 404 or status >= 500:
                failures.append(f"GET {target}: the owner got {status} for their own object")
        before = await snapshot(api, owner_id)
        expected = 403 if route.admin_only else 404
        for who, headers in (("other user", other.headers), ("stranger", stranger_headers)):
            for method in sorted(route.methods):
                got = await _call(api, method, target, route, headers)
                ref = await _call(api, method, absent, route, headers)
                if got[0] != expected:
                    failures.append(f"{method} {route.path} by {who}: {got[0]} {got[1]}")
                elif got != ref:
                    failures.append(
                        f"{method} {route.path} by {who}: answer differs from a missing id "
                        f"({got[1]} vs {ref[1]})"
                    )
        if await snapshot(api, owner_id) != before:
            failures.append(f"{route.path}: the owner's rows changed")
    assert failures == [], "\n".join(failures)
    assert covered, "no route was exercised"


def test_an_id_route_nobody_can_fill_is_reported() -> None:
    app = FastAPI()

    @app.get("/api/v1/widgets/{widget_id}")
    async def widget(widget_id: int) -> int:
        return widget_id

    @app.post("/api/v1/keys")
    async def add_key() -> None:
        return None

    @app.delete("/api/v1/keys/{key_id}")
    async def delete_key(key_id: int) -> None:
        return None

    @app.get("/api/v1/catalogue/{name}")
    async def by_name(name: str) -> str:
        return name

    assert [r.path for r in id_routes(app)] == [
        "/api/v1/keys/{key_id}",
        "/api/v1/widgets/{widget_id}",
    ]
    assert uncovered(app) == ["/api/v1/widgets/{widget_id} (widget_id)"]
