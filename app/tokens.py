"""Secrets and codes: tokens are 256-bit random strings stored only as SHA-256 hashes; join codes
are six characters that survive being read aloud (no 0/O, 1/I/L)."""

import base64
import hashlib
import hmac
import secrets

JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_session_id() -> str:
    return secrets.token_hex(8)


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(code: str) -> str:
    """What a player typed, as we store it: upper case, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def matches(token: str, digest: str) -> bool:
    """Does `token` hash to `digest`? Compared in constant time."""
    return hmac.compare_digest(hash_token(token), digest)


def derived_token(facilitator_token: str, role: str) -> str:
    """The screen's and the trainer's token follow from the facilitator's (never the other way),
    so the facilitator's page can show every link of the session again on any device, while the
    server still keeps no token, only hashes."""
    digest = hmac.new(facilitator_token.encode(), f"theater:{role}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")
