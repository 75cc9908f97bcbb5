"""Credential cipher: round trips, and every kind of tamper refused."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from simbiot.config.sections import SecuritySettings
from simbiot.domain.errors import ConfigError, DecryptionError
from simbiot.security.secrets import (
    CredentialCipher,
    ExchangeCredentials,
    SealedSecret,
    decode_master_key,
    generate_master_key,
)

K1, K2 = b"\x11" * 32, b"\x22" * 32
OWNER = {"user_id": 7, "exchange": "mexc", "label": "main"}


@pytest.fixture
def cipher() -> CredentialCipher:
    return CredentialCipher({"k1": K1, "k2": K2}, "k1")


@given(plaintext=st.binary(max_size=512), user_id=st.integers(0, 2**63 - 1), label=st.text())
@settings(max_examples=50, deadline=None)
def test_round_trip(plaintext: bytes, user_id: int, label: str) -> None:
    cipher = CredentialCipher({"k1": K1}, "k1")
    sealed = cipher.encrypt(plaintext, user_id=user_id, exchange="binance", label=label)
    assert sealed.key_id == "k1"
    assert len(sealed.nonce) == 12
    assert cipher.decrypt(sealed, user_id=user_id, exchange="binance", label=label) == plaintext


def test_every_record_gets_a_fresh_nonce(cipher: CredentialCipher) -> None:
    a = cipher.encrypt(b"same", **OWNER)  # type: ignore[arg-type]
    b = cipher.encrypt(b"same", **OWNER)  # type: ignore[arg-type]
    assert a.nonce != b.nonce
    assert a.ciphertext != b.ciphertext


def _flip(data: bytes, index: int = 0) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda s: replace(s, ciphertext=_flip(s.ciphertext)), id="ciphertext"),
        pytest.param(lambda s: replace(s, ciphertext=_flip(s.ciphertext, -1)), id="tag"),
        pytest.param(lambda s: replace(s, ciphertext=s.ciphertext[:-1]), id="truncated"),
        pytest.param(lambda s: replace(s, nonce=_flip(s.nonce)), id="nonce"),
        pytest.param(lambda s: replace(s, nonce=s.nonce[:8]), id="short-nonce"),
        pytest.param(lambda s: replace(s, key_id="k2"), id="other-key-id"),
        pytest.param(lambda s: replace(s, key_id="k9"), id="unknown-key-id"),
    ],
)
def test_tampered_record_does_not_open(cipher: CredentialCipher, tamper: object) -> None:
    sealed = cipher.encrypt(b"api-secret", **OWNER)  # type: ignore[arg-type]
    assert callable(tamper)
    with pytest.raises(DecryptionError):
        cipher.decrypt(tamper(sealed), **OWNER)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "owner",
    [
        {"user_id": 8, "exchange": "mexc", "label": "main"},
        {"user_id": 7, "exchange": "binance", "label": "main"},
        {"user_id": 7, "exchange": "mexc", "label": "other"},
        # Fields that concatenate to the same string must still differ.
        {"user_id": 7, "exchange": "mexcm", "label": "ain"},
    ],
    ids=["other-user", "other-exchange", "other-label", "shifted-fields"],
)
def test_record_bound_to_its_owner(cipher: CredentialCipher, owner: dict[str, object]) -> None:
    sealed = cipher.encrypt(b"api-secret", **OWNER)  # type: ignore[arg-type]
    with pytest.raises(DecryptionError):
        cipher.decrypt(sealed, **owner)  # type: ignore[arg-type]


def test_wrong_key_material_under_the_same_id_does_not_open(cipher: CredentialCipher) -> None:
    sealed = cipher.encrypt(b"api-secret", **OWNER)  # type: ignore[arg-type]
    impostor = CredentialCipher({"k1": K2}, "k1")
    with pytest.raises(DecryptionError):
        impostor.decrypt(sealed, **OWNER)  # type: ignore[arg-type]


def test_reseal_moves_to_active_key_and_old_record_still_opens() -> None:
    old = CredentialCipher({"k1": K1}, "k1")
    sealed = old.encrypt(b"api-secret", **OWNER)  # type: ignore[arg-type]
    rotated = CredentialCipher({"k1": K1, "k2": K2}, "k2")
    assert rotated.decrypt(sealed, **OWNER) == b"api-secret"  # type: ignore[arg-type]
    new = rotated.reseal(sealed, **OWNER)  # type: ignore[arg-type]
    assert new.key_id == "k2"
    assert rotated.decrypt(new, **OWNER) == b"api-secret"  # type: ignore[arg-type]
    with pytest.raises(DecryptionError):
        old.decrypt(new, **OWNER)  # type: ignore[arg-type]


def test_credentials_seal_and_open(cipher: CredentialCipher) -> None:
    creds = ExchangeCredentials(api_key="AKIA1234567890", secret="shh", password="pass")
    sealed = cipher.seal_credentials(creds, **OWNER)  # type: ignore[arg-type]
    assert b"shh" not in sealed.ciphertext
    assert cipher.open_credentials(sealed, **OWNER) == creds  # type: ignore[arg-type]


def test_credentials_repr_is_masked() -> None:
    creds = ExchangeCredentials(api_key="AKIA1234567890", secret="topsecret", password="pw-123")
    text = repr(creds) + str(creds) + f"{creds}"
    for secret in ("AKIA1234567890", "topsecret", "pw-123"):
        assert secret not in text
    assert "7890" in text


@pytest.mark.parametrize(
    "raw", [b"not json", b"[]", b'{"api_key": 1, "secret": "s", "password": null}', b"{}"]
)
def test_credentials_with_unknown_layout(raw: bytes) -> None:
    with pytest.raises(DecryptionError):
        ExchangeCredentials.from_bytes(raw)


def test_generated_master_keys_are_32_random_bytes() -> None:
    a, b = generate_master_key(), generate_master_key()
    assert len(base64.b64decode(a)) == 32
    assert a != b
    assert decode_master_key("x", a) == base64.b64decode(a)


@pytest.mark.parametrize("encoded", ["not base64!!", base64.b64encode(b"short").decode()])
def test_bad_master_keys_are_config_errors(encoded: str) -> None:
    with pytest.raises(ConfigError):
        decode_master_key("k", encoded)


def test_cipher_from_settings() -> None:
    key = generate_master_key()
    settings = SecuritySettings(master_keys={"2026": SecretStr(key)}, active_key_id="2026")
    cipher = CredentialCipher.from_settings(settings)
    assert cipher.active_key_id == "2026"
    sealed = cipher.encrypt(b"x", **OWNER)  # type: ignore[arg-type]
    assert (
        CredentialCipher({"2026": base64.b64decode(key)}, "2026").decrypt(sealed, **OWNER) == b"x"
    )  # type: ignore[arg-type]


def test_cipher_without_keys_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="master_keys"):
        CredentialCipher.from_settings(SecuritySettings())


def test_cipher_rejects_bad_key_sets() -> None:
    with pytest.raises(ConfigError, match="active key"):
        CredentialCipher({"k1": K1}, "k2")
    with pytest.raises(ConfigError, match="32 bytes"):
        CredentialCipher({"k1": b"short"}, "k1")


def test_sealed_secret_repr_hides_ciphertext() -> None:
    sealed = SealedSecret("k1", b"n" * 12, b"secret-bytes")
    assert "secret-bytes" not in repr(sealed)
