"""Password hashing with scrypt (stdlib): per-user salt, cost stored in the hash string."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass

SALT_BYTES = 16
KEY_BYTES = 32
# "$scrypt$ln=17,r=8,p=1$<salt>$<key>", base64 without padding (the passlib layout).
_FORMAT = re.compile(
    r"\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)"
)


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt cost: N = 2**log2_n, block size r, parallelism p."""

    log2_n: int = 17
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.log2_n <= 24 or self.r < 1 or self.p < 1:
            raise ValueError(f"scrypt params out of range: {self}")

    @property
    def maxmem_bytes(self) -> int:
        # scrypt needs 128·r·(N + p) bytes; leave headroom so OpenSSL does not refuse.
        return 2 * 128 * self.r * (2**self.log2_n + self.p)


# OWASP's scrypt minimum (N=2^17, r=8, p=1): about half a second and 128 MiB per hash here.
DEFAULT_SCRYPT = ScryptParams()


def hash_password(password: str, params: ScryptParams = DEFAULT_SCRYPT) -> str:
    """A new hash of `password` with a fresh random salt, in the `$scrypt$...` format."""
    salt = os.urandom(SALT_BYTES)
    key = _derive(password, salt, params)
    cost = f"ln={params.log2_n},r={params.r},p={params.p}"
    return f"$scrypt${cost}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches `encoded`; the comparison takes constant time."""
    params, salt, expected = _parse(encoded)
    return hmac.compare_digest(_derive(password, salt, params, len(expected)), expected)


def needs_rehash(encoded: str, params: ScryptParams = DEFAULT_SCRYPT) -> bool:
    """Whether `encoded` was made with other cost parameters than `params`."""
    return _parse(encoded)[0] != params


def _derive(password: str, salt: bytes, params: ScryptParams, size: int = KEY_BYTES) -> bytes:
    # NFKC: the same password typed as composed or decomposed characters must match.
    secret = unicodedata.normalize("NFKC", password).encode("utf-8")
    return hashlib.scrypt(
        secret,
        salt=salt,
        n=2**params.log2_n,
        r=params.r,
        p=params.p,
        maxmem=params.maxmem_bytes,
        dklen=size,
    )


def _parse(encoded: str) -> tuple[ScryptParams, bytes, bytes]:
    match = _FORMAT.fullmatch(encoded)
    if match is None:
        raise ValueError("password_hash: not a $scrypt$ hash")
    log2_n, r, p, salt, key = match.groups()
    return ScryptParams(int(log2_n), int(r), int(p)), _unb64(salt), _unb64(key)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))
