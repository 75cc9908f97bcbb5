"""API load: locust's simulated users (``bench/locustfile.py``) against a real server.

For each stack — embedded (SQLite + in-memory cache) and PostgreSQL + Redis — a fresh
server process is started on a free port with seeded accounts and synthetic candles
(50 symbols × 1,500 hourly bars, so market state and X-ray have something to analyse),
then locust runs headless with 1,000 users (``--quick``: 100), started 10 a second, for a
fixed time (3 minutes; quick: 40 s). Reported per endpoint: requests, failures, p50 and
p99 in ms; plus totals and the failures seen. The embedded server is one uvicorn process,
the PostgreSQL + Redis one two; both share the machine with locust.

Run: ``python -m bench api [--quick]``. PostgreSQL and Redis come from
``SIMBIOT_BENCH_POSTGRES_URL`` / ``SIMBIOT_BENCH_REDIS_URL`` (local defaults); a stack
whose services are down is reported as skipped.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
PASSWORD = "bench password 1"
POSTGRES = os.environ.get(
    "SIMBIOT_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS = os.environ.get("SIMBIOT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# OWASP's smallest recommended Argon2id cost: every simulated user logs in once.
ARGON2 = {"argon2_time_cost": 2, "argon2_memory_kib": 19_456, "argon2_parallelism": 1}
# Users started per second: every one logs in (one Argon2 verification) as it starts.
SPAWN_PER_S = 10
# Server processes on PostgreSQL + Redis (they share limits and cache through Redis); the
# embedded stack keeps one, as SQLite has one writer.
PG_WORKERS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _settings_doc(
    data_dir: Path, database_url: str, redis_url: str | None, workers: int
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "app": {"data_dir": str(data_dir), "environment": "embedded"},
        "database": {"url": database_url},
        "logging": {"file": None, "console": False},
        "metrics": {"port": 0},
        "security": ARGON2,
        "exchanges": {"default": "mexc"},
        "api": {"anonymous_rate_per_minute": 1_000_000, "job_workers": 1, "workers": workers},
    }
    if redis_url is not None:
        prefix = f"simbiot-bench:{uuid.uuid4().hex[:10]}:"
        doc["cache"] = {"backend": "redis", "redis_url": redis_url, "key_prefix": prefix}
        doc["bus"] = {"backend": "redis", "redis_url": redis_url, "stream_prefix": prefix + "bus:"}
    return doc


# ---------------------------------------------------------------- the server process
def _store_candles(settings: Any) -> None:
    import numpy as np

    from simbiot.analysis.xray.synthetic import random_market
    from simbiot.data.candle_store import ParquetCandleStore
    from simbiot.domain.market import Candles

    frame = random_market(50, 1500, seed=11, late_listing_share=0.0)
    store = ParquetCandleStore(
        settings.path(settings.data.candle_dir), settings.exchanges.default, "1h"
    )
    for i, sym in enumerate(frame.symbols):
        ok = np.isfinite(frame.close[i])
        store.append(
            Candles(
                sym, "1h", frame.timestamp[ok], frame.open[i][ok], frame.high[i][ok],
                frame.low[i][ok], frame.close[i][ok], frame.volume[i][ok],
            )
        )  # fmt: skip


async def _seed_users(settings: Any, n: int) -> None:
    from simbiot.security.passwords import PasswordHasher
    from simbiot.services.container import Container
    from simbiot.storage.repositories import users

    async with Container(settings) as c:
        # One hash for every account: each hash carries its own salt, and seeding 1,000
        # Argon2 hashes would only measure the seeding.
        hashed = await PasswordHasher.from_settings(settings.security).hash_async(PASSWORD)
        async with c.database.transaction() as session:
            for i in range(n):
                await users.create(session, email=f"bench{i}@example.com", password_hash=hashed)


def serve(config: Path, port: int, n_users: int) -> None:
    """Seed accounts and candles, then serve the API on ``port`` until terminated, with
    ``api.workers`` processes (each builds its app from the same file)."""
    import uvicorn

    from simbiot.api.app import create_app
    from simbiot.config import Settings
    from simbiot.config.loader import CONFIG_ENV_VAR
    from simbiot.security.local_secrets import with_local_secrets

    # Generates the embedded secrets file once, before the workers read it.
    settings = with_local_secrets(Settings.model_validate(json.loads(config.read_text())))
    _store_candles(settings)
    asyncio.run(_seed_users(settings, n_users))
    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "backlog": 4096,
        "timeout_keep_alive": 30,
    }
    if settings.api.workers > 1:
        os.environ[CONFIG_ENV_VAR] = str(config)  # JSON is YAML
        uvicorn.run(
            "simbiot.api.asgi:app_from_environment",
            factory=True,
            workers=settings.api.workers,
            **options,
        )
    else:
        uvicorn.run(create_app(settings), **options)


# ---------------------------------------------------------------- the driver
def _wait_ready(base: str, proc: subprocess.Popen[bytes], limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/ready", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the API server did not become ready")


def _warm_up(base: str) -> dict[str, float]:
    """Log in once and read the market views, so the one-off analysis of the candles (and
    its compilation) is not counted as the first users' latency; return each call's
    seconds."""
    took: dict[str, float] = {}

    def call(path: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{base}/api/v1{path}", data=data)
        req.add_header("Content-Type", "application/json")
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=300) as r:
            doc = json.loads(r.read() or b"null")
        took[path] = round(time.perf_counter() - t0, 3)
        return doc

    login = call("/auth/login", {"email": "bench0@example.com", "password": PASSWORD})
    for path in ("/market/state", "/xray", "/me"):
        call(path, token=login["access_token"])
    return took


def _ms(value: str) -> float | None:
    try:
        return round(float(value), 1)
    except ValueError:
        return None


def _read_stats(prefix: Path) -> dict[str, Any]:
    endpoints: dict[str, Any] = {}
    total: dict[str, Any] = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            figures = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _ms(row["50%"]),
                "p99_ms": _ms(row["99%"]),
                "rps": round(float(row["Requests/s"]), 1),
            }
            if row["Name"] == "Aggregated":
                total = figures
            else:
                endpoints[f"{row['Type']} {row['Name']}"] = figures
    errors: list[dict[str, Any]] = []
    with open(f"{prefix}_failures.csv", newline="") as f:
        for row in csv.DictReader(f):
            errors.append(
                {
                    "request": f"{row['Method']} {row['Name']}",
                    "error": row["Error"][:200],
                    "count": int(row["Occurrences"]),
                }
            )
    errors.sort(key=lambda e: -e["count"])
    return {"total": total, "endpoints": endpoints, "errors": errors[:15]}


def _postgres_database() -> tuple[str, str] | None:
    """A fresh database on the benchmark's PostgreSQL: (url, name), None when down."""
    try:
        import asyncpg
    except ImportError:
        return None
    name = f"simbiot_bench_{uuid.uuid4().hex[:10]}"
    admin = POSTGRES.replace("+asyncpg", "")

    async def create() -> None:
        conn = await asyncpg.connect(admin, timeout=5)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    try:
        asyncio.run(create())
    except (OSError, asyncpg.PostgresError):
        return None
    base = POSTGRES.rsplit("/", 1)[0]
    return f"{base}/{name}", name


def _drop_database(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES.replace("+asyncpg", ""), timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


def _redis_up() -> bool:
    host_port = REDIS.split("://", 1)[-1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 6379)), timeout=2):
            return True
    except OSError:
        return False


def _one_stack(
    name: str, database_url: str, redis_url: str | None, users: int, run_s: int, workers: int
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-api-{name}-") as tmp:
        root = Path(tmp)
        config = root / "settings.json"
        doc = _settings_doc(root / "var", database_url, redis_url, workers)
        config.write_text(json.dumps(doc))
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "SIMBIOT_BENCH_USERS": str(users)}
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_api", "serve", str(config), str(port), str(users)],
            cwd=HERE.parent,
            env=env,
        )
        try:
            _wait_ready(base, server)
            warm = _warm_up(base)
            prefix = root / "locust"
            spawn = SPAWN_PER_S
            started = time.monotonic()
            subprocess.run(
                [
                    sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"),
                    "--headless", "--host", base, "-u", str(users), "-r", str(spawn),
                    "-t", f"{run_s}s", "--csv", str(prefix), "--only-summary",
                    "--loglevel", "WARNING", "--stop-timeout", "5",
                ],
                env=env,
                cwd=HERE.parent,
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=run_s + 120,
            )  # fmt: skip
            out = _read_stats(prefix)
            out["locust_wall_s"] = round(time.monotonic() - started, 1)
            out["warm_up_s"] = warm
            out["server_processes"] = workers
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return out


def run(quick: bool = False) -> dict[str, Any]:
    """p50/p99 per endpoint and errors for 1,000 users (100 with ``quick``) on each stack."""
    users, run_s = (100, 40) if quick else (1000, 180)
    out: dict[str, Any] = {
        "users": users,
        "run_s": run_s,
        "spawn_per_s": SPAWN_PER_S,
        "wait_between_tasks_s": [2, 6],
        "argon2": ARGON2,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory(prefix="bench-api-sqlite-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/api.db"
        out["embedded_sqlite_memory"] = _one_stack("embedded", url, None, users, run_s, 1)
    pg = _postgres_database()
    if pg is None or not _redis_up():
        out["postgres_redis"] = {"skipped": "PostgreSQL or Redis is not reachable"}
    else:
        try:
            out["postgres_redis"] = _one_stack("postgres", pg[0], REDIS, users, run_s, PG_WORKERS)
        finally:
            _drop_database(pg[1])
    return out


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        print(json.dumps(run("--quick" in sys.argv), indent=2))
