"""ID numbers at rest: sealed with AES-GCM, found by a keyed fingerprint (HMAC-SHA256).

A stored ID number is two columns beside each other: `id_number_enc`, the sealed value
(one byte naming the key's version, a random 12-byte nonce, then AES-256-GCM's ciphertext
and tag), and `id_number_hash`, its fingerprint (one byte naming the hash key's version, then
HMAC-SHA256 of the normalized number). The sealed value is bound to its table and column
(associated data), so a ciphertext copied into another column does not open. Uniqueness and
exact lookup use the fingerprint; the plaintext is opened only where it is shown or checked.

Keys come from the settings as key rings, `"v2:<base64>,v1:<base64>"`: the first key seals
(and fingerprints), every key opens (and is tried in lookups), so a new key can be put first
while rows sealed under the old one are re-sealed (`shouhu keys rotate-id-numbers`).

Models declare an ID number as a `SealedIdNumber` attribute over the two columns: reading it
opens the value, setting it seals the value and computes its fingerprint, and comparing it in
SQL is refused (a sealed value never equals a plaintext; compare fingerprints instead).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from hashlib import sha256
from typing import TYPE_CHECKING, Any, overload

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.domain.idnumber import normalize_id_number

if TYPE_CHECKING:
    from app.settings import Settings

KEY_BYTES = 32  # AES-256
MIN_HASH_KEY_BYTES = 32  # HMAC-SHA256 wants a key at least as long as its output
NONCE_BYTES = 12
HASH_BYTES = 1 + 32  # version byte + HMAC-SHA256
_AAD_PREFIX = b"shouhu id number\x00"


class KeyRingError(ValueError):
    """A key ring setting that cannot be used; the message says why (never the key)."""


class UnreadableIdNumber(Exception):
    """A sealed value that does not open: its key is not in the ring, or it was altered or
    moved from another column."""


def parse_key_ring(text: str, *, setting: str, min_bytes: int, max_bytes: int) -> dict[int, bytes]:
    """Parse `"v2:<base64>,v1:<base64>"` into version → key, newest first (the first is the
    one that seals). Versions are 1 to 255 and unique; each key is base64 of `min_bytes` to
    `max_bytes` random bytes."""
    ring: dict[int, bytes] = {}
    for entry in (part.strip() for part in text.split(",")):
        label, colon, encoded = entry.partition(":")
        if not colon or not label.startswith("v") or not label[1:].isdigit():
            raise KeyRingError(f"{setting}: each key is written v<version>:<base64 key>")
        version = int(label[1:])
        if not 1 <= version <= 255:
            raise KeyRingError(f"{setting}: key versions are 1 to 255")
        if version in ring:
            raise KeyRingError(f"{setting}: key version {version} is given twice")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise KeyRingError(f"{setting}: key v{version} is not base64") from exc
        if not min_bytes <= len(key) <= max_bytes:
            size = str(min_bytes) if min_bytes == max_bytes else f"at least {min_bytes}"
            raise KeyRingError(f"{setting}: key v{version} must be {size} bytes")
        ring[version] = key
    return ring


class _Nonces:
    """Random nonces drawn from the OS a block at a time.

    One `os.urandom` per value would be one system call per value, and each lets other
    threads run and then waits for its turn back: beside a busy thread (a seed's COPY), a
    hundred thousand values took seconds. A block serves 4,096 nonces. Blocks are per thread,
    and a forked child starts afresh, so no nonce is ever handed out twice.
    """

    BLOCK = 4096

    def __init__(self) -> None:
        self._local = threading.local()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._local = threading.local()

    def next(self) -> bytes:
        """A fresh 12-byte nonce."""
        local = self._local
        block: bytes = getattr(local, "block", b"")
        at: int = getattr(local, "at", 0)
        if at >= len(block):
            block, at = os.urandom(NONCE_BYTES * self.BLOCK), 0
            local.block = block
        local.at = at + NONCE_BYTES
        return block[at : at + NONCE_BYTES]


_nonces = _Nonces()


def new_key_entry(version: int, size: int = KEY_BYTES) -> str:
    """A fresh random key written as a key ring entry, `v<version>:<base64>`."""
    return f"v{version}:{base64.b64encode(os.urandom(size)).decode()}"


@dataclass(frozen=True)
class KeyRing:
    """The sealing keys and the fingerprint keys, each by version, newest first."""

    sealing_keys: dict[int, bytes] = field(repr=False)
    hash_keys: dict[int, bytes] = field(repr=False)
    # The version of the key that seals new values, and of the one that fingerprints them.
    sealing_version: int = field(init=False)
    hash_version: int = field(init=False)
    _ciphers: dict[int, AESGCM] = field(init=False, repr=False, compare=False)
    _macs: dict[int, hmac.HMAC] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.sealing_keys or not self.hash_keys:
            raise KeyRingError("a key ring needs a sealing key and a hash key")
        ciphers = {version: AESGCM(key) for version, key in self.sealing_keys.items()}
        # Keyed once: a copy per value skips hashing the key again (twice as fast in a seed).
        macs = {version: hmac.new(key, digestmod=sha256) for version, key in self.hash_keys.items()}
        # Frozen: set once, here.
        object.__setattr__(self, "sealing_version", next(iter(self.sealing_keys)))
        object.__setattr__(self, "hash_version", next(iter(self.hash_keys)))
        object.__setattr__(self, "_ciphers", ciphers)
        object.__setattr__(self, "_macs", macs)

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """The key rings the settings name (SHOUHU_ID_NUMBER_KEYS, SHOUHU_ID_NUMBER_HASH_KEYS)."""
        return cls(
            parse_key_ring(
                settings.id_number_keys, setting="SHOUHU_ID_NUMBER_KEYS",
                min_bytes=KEY_BYTES, max_bytes=KEY_BYTES,
            ),
            parse_key_ring(
                settings.id_number_hash_keys, setting="SHOUHU_ID_NUMBER_HASH_KEYS",
                min_bytes=MIN_HASH_KEY_BYTES, max_bytes=1024,
            ),
        )  # fmt: skip

    def seal(self, plaintext: str, column: str) -> bytes:
        """`plaintext` sealed for `column` ("table.column") under the newest key."""
        version = self.sealing_version
        header = bytes((version,))
        nonce = _nonces.next()
        sealed = self._ciphers[version].encrypt(nonce, plaintext.encode(), _aad(header, column))
        return header + nonce + sealed

    def unseal(self, blob: bytes, column: str) -> str:
        """The plaintext of a value sealed for `column`, under any key of the ring."""
        header, nonce, sealed = blob[:1], blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        cipher = self._ciphers.get(header[0]) if header else None
        if cipher is None:
            version = header[0] if header else "?"
            raise UnreadableIdNumber(f"{column}: sealed under key v{version}, not in the ring")
        try:
            return cipher.decrypt(nonce, sealed, _aad(header, column)).decode()
        except InvalidTag as exc:
            raise UnreadableIdNumber(f"{column}: a sealed value does not open here") from exc

    def fingerprint(self, plaintext: str) -> bytes:
        """The fingerprint of an ID number under the newest hash key (what is stored)."""
        return self._fingerprint(self.hash_version, plaintext)

    def fingerprints(self, plaintext: str) -> list[bytes]:
        """Its fingerprint under every hash key of the ring, newest first (what a lookup
        matches: rows not yet re-hashed after a new hash key keep the older one)."""
        return [self._fingerprint(version, plaintext) for version in self.hash_keys]

    def _fingerprint(self, version: int, plaintext: str) -> bytes:
        mac = self._macs[version].copy()
        mac.update(normalize_id_number(plaintext).encode())
        return bytes((version,)) + mac.digest()


def _aad(header: bytes, column: str) -> bytes:
    return _AAD_PREFIX + header + column.encode()


_ring: KeyRing | None = None


def key_ring() -> KeyRing:
    """The process's key ring: the running service's, or else the settings'."""
    global _ring
    if _ring is None:
        from app.settings import get_settings  # here: the settings import this module

        _ring = KeyRing.from_settings(get_settings())
    return _ring


def install(ring: KeyRing) -> KeyRing:
    """Make `ring` the process's key ring; returns the one it replaces."""
    global _ring
    previous = key_ring()
    _ring = ring
    return previous


def unseal(blob: bytes, column: str) -> str:
    """The plaintext of a value sealed for `column`."""
    return key_ring().unseal(blob, column)


def fingerprints(plaintexts: Iterable[str]) -> dict[bytes, str]:
    """Every fingerprint a lookup of these ID numbers matches, each to its ID number."""
    ring = key_ring()
    return {print_: number for number in plaintexts for print_ in ring.fingerprints(number)}


def sealed_pair(plaintext: str | None, column: str) -> tuple[bytes | None, bytes | None]:
    """The two stored columns of an ID number (or None, None): for bulk writes (COPY)."""
    if plaintext is None:
        return None, None
    ring = key_ring()
    return ring.seal(plaintext, column), ring.fingerprint(plaintext)


@dataclass(frozen=True, slots=True)
class Sealed:
    """A stored ID number not opened yet: views hold this and open it only to show it."""

    blob: bytes = field(repr=False)
    column: str

    def reveal(self) -> str:
        """The plaintext."""
        return unseal(self.blob, self.column)


class SealedIdNumber:
    """A model's ID number over its columns `<name>_enc` and `<name>_hash`.

    `row.id_number` opens the value (None if there is none); `row.id_number = "…"` seals it
    and sets its fingerprint (setting the value already stored changes nothing, so the row's
    version does not move). `Model.id_number == x` raises: look rows up by fingerprint.
    """

    column: str
    _enc: str
    _hash: str

    def __set_name__(self, owner: type, name: str) -> None:
        self.column = f"{owner.__dict__['__tablename__']}.{name}"
        self._enc = f"{name}_enc"
        self._hash = f"{name}_hash"

    @overload
    def __get__(self, row: None, owner: type) -> SealedIdNumber: ...
    @overload
    def __get__(self, row: object, owner: type) -> str | None: ...
    def __get__(self, row: object, owner: type) -> SealedIdNumber | str | None:
        if row is None:
            return self
        blob = getattr(row, self._enc)
        return None if blob is None else unseal(blob, self.column)

    def __set__(self, row: object, value: str | None) -> None:
        if getattr(row, self._enc) is not None and self.__get__(row, type(row)) == value:
            return
        enc, hash_ = sealed_pair(value, self.column)
        setattr(row, self._enc, enc)
        setattr(row, self._hash, hash_)

    def sealed(self, row: object) -> Sealed | None:
        """The row's value, still sealed (for a view that may or may not show it)."""
        blob = getattr(row, self._enc)
        return None if blob is None else Sealed(blob, self.column)

    def __eq__(self, other: object) -> bool:
        raise TypeError(
            f"{self.column} is sealed: compare {self._hash} with fingerprints of the value"
        )

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"SealedIdNumber({self.column})"


def sealed_id_number_columns(model: type[Any]) -> list[str]:
    """The names of a model's sealed ID number attributes."""
    return [
        name
        for klass in model.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, SealedIdNumber)
    ]
