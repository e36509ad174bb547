"""Secrets kept in the database (IMAP and external-CRM passwords) are encrypted with a Fernet
key derived from SECRET_KEY; they are never logged or shown back in a form."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet(purpose: str) -> Fernet:
    digest = hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_encrypt(value: str, *, purpose: str = "maillog") -> str:
    return _fernet(purpose).encrypt(value.encode()).decode() if value else ""


def secret_decrypt(token: str, *, purpose: str = "maillog") -> str:
    if not token:
        return ""
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""  # SECRET_KEY changed: the administrator enters the password again
