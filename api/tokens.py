"""Token issuing and hashing: tokens are random, only their SHA-256 is stored."""

import hashlib
import secrets

TOKEN_PREFIX = "crm_"  # noqa: S105 - a prefix, not a secret


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()
