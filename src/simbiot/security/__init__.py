"""Security: password hashing, credentials encrypted at rest, key rotation, log redaction.

* ``passwords.PasswordHasher``: Argon2id (``hash``, ``verify``, ``needs_rehash``, async twins).
* ``secrets.CredentialCipher``: AES-256-GCM sealing of exchange API keys, bound to owner.
* ``rotation.reencrypt_all``: re-seal every stored credential under the active master key.
* ``redaction.RedactingFilter``: a logging filter that masks secrets in every record.
"""
