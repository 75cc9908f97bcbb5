from __future__ import annotations

import logging
from pathlib import Path

from simbiot.config import load_settings
from simbiot.observability.setup import configured_secrets, setup_logging


def test_configured_secrets_are_found_everywhere(tmp_path: Path) -> None:
    settings = load_settings(
        env_file=None,
        security={
            "jwt_secret": "jwt-secret-123456",
            "master_keys": {"k1": "bWFzdGVyLWtleS12YWx1ZQ=="},
            "active_key_id": "k1",
        },
        notify={"telegram_bot_token": "bot-token-abcdef"},
    )
    found = set(configured_secrets(settings))
    assert {"jwt-secret-123456", "bWFzdGVyLWtleS12YWx1ZQ==", "bot-token-abcdef"} <= found


def test_logged_secrets_are_masked_in_the_file(tmp_path: Path) -> None:
    settings = load_settings(
        env_file=None,
        app={"data_dir": str(tmp_path)},
        logging={"console": False},
        security={"jwt_secret": "jwt-secret-123456"},
    )
    handle = setup_logging(settings)
    try:
        logging.getLogger("simbiot.test.setup").warning("token is %s", "jwt-secret-123456")
    finally:
        handle.close()
    text = (tmp_path / "logs" / "simbiot.log").read_text()
    assert "token is" in text
    assert "jwt-secret-123456" not in text
