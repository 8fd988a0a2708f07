"""Signed, expiring, single-use links for double opt-in and withdrawal.

A token is signed with the site's secret (TimestampSigner: tampering fails the signature,
age is checked against the signed time). Only its sha256 is stored: on the request or
reminder row it confirms, and on the withdrawal row it caused. Single use is enforced by the
database: one grant per request, one withdrawal per token hash (unique constraints).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core import signing

CONFIRM_SALT = "kontaktpflege.privacy.confirm"
WITHDRAW_SALT = "kontaktpflege.privacy.withdraw"
MAX_TOKEN_CHARS = 300


class TokenError(Exception):
    """A link that cannot be used: `reason` is invalid, expired, used or closed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def confirm_token_make() -> str:
    """A fresh double opt-in token (looked up by its hash)."""
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object({"n": secrets.token_hex(16)})


def withdraw_token_make(*, workspace_id: int, person_id: int, purpose: str) -> str:
    """A withdrawal token naming the person and purpose, with a fresh nonce."""
    payload = {"w": workspace_id, "p": person_id, "u": purpose, "n": secrets.token_hex(8)}
    return signing.TimestampSigner(salt=WITHDRAW_SALT).sign_object(payload)


def _load(token: str, salt: str, max_age: dt.timedelta) -> dict[str, Any]:
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise TokenError("invalid")
    try:
        payload = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenError("expired") from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise TokenError("invalid") from None
    if not isinstance(payload, dict):
        raise TokenError("invalid")
    return payload


def confirm_token_check(token: str, *, max_age: dt.timedelta) -> str:
    """The hash to look the request up by, or TokenError."""
    _load(token, CONFIRM_SALT, max_age)
    return digest(token)


def withdraw_token_load(token: str, *, max_age: dt.timedelta) -> tuple[int, int, str]:
    """(workspace id, person id, purpose) of a withdrawal token, or TokenError."""
    payload = _load(token, WITHDRAW_SALT, max_age)
    try:
        return int(payload["w"]), int(payload["p"]), str(payload["u"])
    except (KeyError, TypeError, ValueError):
        raise TokenError("invalid") from None
