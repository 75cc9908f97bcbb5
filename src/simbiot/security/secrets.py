"""Exchange credentials at rest: AES-256-GCM with a fresh nonce per record.

The associated data binds each ciphertext to its owner (user id, exchange, account label)
and to the id of the master key that sealed it, so a ciphertext copied into another user's
row, another account, or relabelled with another key id does not open.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from simbiot.config.sections import SecuritySettings
from simbiot.domain.errors import ConfigError, DecryptionError

__all__ = [
    "KEY_BYTES",
    "NONCE_BYTES",
    "CredentialCipher",
    "ExchangeCredentials",
    "SealedSecret",
    "decode_master_key",
    "generate_master_key",
]

KEY_BYTES = 32
NONCE_BYTES = 12  # 96 bits: the size GCM is designed for
_AAD_VERSION = "simbiot.credentials.v1"
_MASK = "****"


@dataclass(frozen=True, slots=True)
class SealedSecret:
    """A ciphertext with the id of the key and the nonce that sealed it."""

    key_id: str
    nonce: bytes
    ciphertext: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class ExchangeCredentials:
    """An API key pair (and passphrase, for venues that use one); ``repr`` shows no secret."""

    api_key: str
    secret: str
    password: str | None = None

    def __repr__(self) -> str:
        return (
            f"ExchangeCredentials(api_key='{_MASK}{self.last4}', secret='{_MASK}', "
            f"password={'None' if self.password is None else repr(_MASK)})"
        )

    __str__ = __repr__

    @property
    def last4(self) -> str:
        """The last four characters of the API key, safe to show."""
        return self.api_key[-4:]

    def to_bytes(self) -> bytes:
        """Serialise for sealing."""
        doc = {"api_key": self.api_key, "secret": self.secret, "password": self.password}
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> ExchangeCredentials:
        """Parse what :meth:`to_bytes` produced; anything else is a ``DecryptionError``."""
        try:
            doc = json.loads(raw)
            api_key, secret, password = doc["api_key"], doc["secret"], doc["password"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DecryptionError("sealed credentials have an unknown layout") from exc
        if not isinstance(api_key, str) or not isinstance(secret, str):
            raise DecryptionError("sealed credentials have an unknown layout")
        if password is not None and not isinstance(password, str):
            raise DecryptionError("sealed credentials have an unknown layout")
        return cls(api_key=api_key, secret=secret, password=password)


def generate_master_key() -> str:
    """Return a new master key: base64 of 32 random bytes."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def decode_master_key(key_id: str, encoded: str) -> bytes:
    """Decode one base64 master key, checking it is 32 bytes."""
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"master key {key_id!r} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise ConfigError(f"master key {key_id!r} must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def _aad(key_id: str, user_id: int, exchange: str, label: str) -> bytes:
    # A JSON array is unambiguous: no choice of label can imitate another owner's fields.
    return json.dumps([_AAD_VERSION, key_id, user_id, exchange, label]).encode()


class CredentialCipher:
    """Seal and open secrets with the master keys; new records use the active key."""

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        if active_key_id not in keys:
            raise ConfigError(f"active key {active_key_id!r} is not among the master keys")
        bad = [kid for kid, key in keys.items() if len(key) != KEY_BYTES]
        if bad:
            raise ConfigError(f"master keys must be {KEY_BYTES} bytes: {', '.join(bad)}")
        self._aead = {kid: AESGCM(key) for kid, key in keys.items()}
        self._active = active_key_id

    @classmethod
    def from_settings(cls, settings: SecuritySettings) -> CredentialCipher:
        """Build from ``security.master_keys`` and ``security.active_key_id``."""
        if not settings.master_keys or settings.active_key_id is None:
            raise ConfigError(
                "credential encryption needs security.master_keys and security.active_key_id "
                "(generate one with `simbiot db keys generate`)"
            )
        keys = {
            kid: decode_master_key(kid, secret.get_secret_value())
            for kid, secret in settings.master_keys.items()
        }
        return cls(keys, settings.active_key_id)

    @property
    def active_key_id(self) -> str:
        """Id of the key that seals new records."""
        return self._active

    def encrypt(self, plaintext: bytes, *, user_id: int, exchange: str, label: str) -> SealedSecret:
        """Seal ``plaintext`` for this owner and account under the active key."""
        nonce = os.urandom(NONCE_BYTES)
        aad = _aad(self._active, user_id, exchange, label)
        ciphertext = self._aead[self._active].encrypt(nonce, plaintext, aad)
        return SealedSecret(key_id=self._active, nonce=nonce, ciphertext=ciphertext)

    def decrypt(self, sealed: SealedSecret, *, user_id: int, exchange: str, label: str) -> bytes:
        """Open ``sealed``; raise ``DecryptionError`` on any tamper, wrong key or wrong owner."""
        aead = self._aead.get(sealed.key_id)
        if aead is None:
            raise DecryptionError(f"unknown master key id {sealed.key_id!r}")
        if len(sealed.nonce) != NONCE_BYTES:
            raise DecryptionError("nonce has the wrong length")
        aad = _aad(sealed.key_id, user_id, exchange, label)
        try:
            return aead.decrypt(sealed.nonce, sealed.ciphertext, aad)
        except InvalidTag as exc:
            raise DecryptionError("credentials do not open: tampered or bound elsewhere") from exc

    def reseal(
        self, sealed: SealedSecret, *, user_id: int, exchange: str, label: str
    ) -> SealedSecret:
        """Open ``sealed`` and seal it again under the active key (key rotation)."""
        plaintext = self.decrypt(sealed, user_id=user_id, exchange=exchange, label=label)
        return self.encrypt(plaintext, user_id=user_id, exchange=exchange, label=label)

    def seal_credentials(
        self, credentials: ExchangeCredentials, *, user_id: int, exchange: str, label: str
    ) -> SealedSecret:
        """Seal an API key pair for one account."""
        return self.encrypt(credentials.to_bytes(), user_id=user_id, exchange=exchange, label=label)

    def open_credentials(
        self, sealed: SealedSecret, *, user_id: int, exchange: str, label: str
    ) -> ExchangeCredentials:
        """Open an API key pair sealed by :meth:`seal_credentials`."""
        raw = self.decrypt(sealed, user_id=user_id, exchange=exchange, label=label)
        return ExchangeCredentials.from_bytes(raw)
