"""Secrets an embedded installation creates for itself on first start.

A single-process install (``app.environment == "embedded"``) must work with no setup, yet
must not sign tokens or seal exchange keys with a constant from the source code. The first
start writes random secrets to a file readable only by its owner in ``app.data_dir``; later
starts read them back, so tokens and sealed keys survive restarts. Any other environment
must configure its secrets explicitly, and gets a clear error when it has not.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from simbiot.config import Settings
from simbiot.config.sections import AppSettings, SecuritySettings
from simbiot.domain.errors import ConfigError

__all__ = ["LocalSecrets", "local_secrets", "with_local_secrets"]

_FILE = "local-secrets.json"


@dataclass(frozen=True, slots=True)
class LocalSecrets:
    """The JWT signing secret and the master keys (id -> base64) in effect."""

    jwt_secret: str
    master_keys: dict[str, str]
    active_key_id: str


def _generate() -> dict[str, object]:
    return {
        "jwt_secret": secrets.token_urlsafe(48),
        "master_keys": {"local-1": base64.b64encode(secrets.token_bytes(32)).decode()},
        "active_key_id": "local-1",
    }


def _load_or_create(path: Path) -> dict[str, object]:
    if path.exists():
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read the local secrets file: {exc}") from exc
        if not isinstance(doc, dict):
            raise ConfigError(f"{path}: the local secrets file is not a JSON object")
        return doc
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = _generate()
    # O_EXCL: two processes starting together never overwrite each other's secrets.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load_or_create(path)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh)
    return doc


def local_secrets(app: AppSettings, security: SecuritySettings) -> LocalSecrets:
    """The secrets to use: configured ones first; generated ones only in embedded mode."""
    configured_jwt = security.jwt_secret.get_secret_value() if security.jwt_secret else None
    configured_keys = {k: v.get_secret_value() for k, v in security.master_keys.items()}
    if configured_jwt and configured_keys and security.active_key_id:
        return LocalSecrets(configured_jwt, configured_keys, security.active_key_id)
    if app.environment != "embedded":
        missing = [
            name
            for name, value in (
                ("security.jwt_secret", configured_jwt),
                ("security.master_keys", configured_keys),
                ("security.active_key_id", security.active_key_id),
            )
            if not value
        ]
        raise ConfigError(
            f"{', '.join(missing)} must be set in the {app.environment!r} environment "
            "(only the embedded environment generates its own)"
        )
    doc = _load_or_create(app.data_dir / _FILE)
    jwt_secret = configured_jwt or doc.get("jwt_secret")
    keys = configured_keys or doc.get("master_keys")
    active = security.active_key_id if configured_keys else doc.get("active_key_id")
    if not isinstance(jwt_secret, str) or not isinstance(keys, dict) or not isinstance(active, str):
        raise ConfigError(f"{app.data_dir / _FILE}: the local secrets file is incomplete")
    return LocalSecrets(jwt_secret, {str(k): str(v) for k, v in keys.items()}, active)


def with_local_secrets(settings: Settings) -> Settings:
    """``settings`` with the JWT secret and master keys filled in (see :func:`local_secrets`)."""
    found = local_secrets(settings.app, settings.security)
    security = settings.security.model_copy(
        update={
            "jwt_secret": SecretStr(found.jwt_secret),
            "master_keys": {k: SecretStr(v) for k, v in found.master_keys.items()},
            "active_key_id": found.active_key_id,
        }
    )
    return settings.model_copy(update={"security": security})
