"""The IMAP password is kept encrypted (crm.crypto)."""

from crm.crypto import secret_decrypt, secret_encrypt

__all__ = ["secret_decrypt", "secret_encrypt"]
