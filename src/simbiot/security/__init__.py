"""Security: password hashing, credentials encrypted at rest, secret redaction in logs."""
