"""Identities that are not passwords: refresh tokens of logged-in users, integration API keys;
the failed logins that throttle password guessing, and the API keys' rate-limit buckets.

Neither identity table stores a usable secret: only the SHA-256 of it. The secrets are long
random strings (not something a person chose), so a fast hash suffices; a slow one (argon2)
would only cost time on every request.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import Role
from app.models.base import Base, Timestamped, area_fk, enum_column, uuid_pk

SHA256_HEX_LENGTH = 64


class RefreshToken(Base):
    """One refresh token of a login session; each use replaces it with a new one.

    All tokens descended from one login share `family_id`, so a stolen-and-reused token can
    end the whole session at once. A used token keeps its row (revoked, `replaced_by_id` set)
    so that its reuse is recognised as theft rather than as an unknown token.
    """

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("refresh_tokens.id"))


class ApiKey(Timestamped, Base):
    """A key a partner system (school, police, NGO, protection centre) calls the API with.

    The key acts for its organization, with the role its kind implies and the organization's
    area. `prefix` is the public part used to find the row; only the secret's hash is kept.
    """

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The person a key was issued to, whose leaving revokes it; null for a system's key.
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    area_code: Mapped[str] = area_fk()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


LOGIN_SUBJECT_LENGTH = 64  # a username's length; an IPv6 address is at most 45


class LoginFailure(Base):
    """Failed logins in a row of one `account` or one client `address` (app/auth/throttle.py).

    In the database, not in a worker's memory, so every worker counts the same failures.
    An account is the username as typed, whether or not it exists, so that throttling does
    not tell which do.
    """

    __tablename__ = "login_failures"

    kind: Mapped[str] = mapped_column(
        String(16),
        CheckConstraint("kind IN ('account', 'address')", name="ck_login_failures_kind"),
        primary_key=True,
    )
    subject: Mapped[str] = mapped_column(String(LOGIN_SUBJECT_LENGTH), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class RateLimitBucket(Base):
    """An API key's token bucket (app/web/ratelimit.py), by the key's prefix.

    In the database so that every process of the service spends from the same bucket;
    unlogged, since a bucket lost in a crash only refills early (no WAL, no replica copy).
    """

    __tablename__ = "rate_limit_buckets"
    __table_args__ = ({"prefixes": ["UNLOGGED"]},)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    # Seconds since the epoch on the service's clock when the bucket was last spent from.
    updated_at: Mapped[float] = mapped_column(Float)
    # Whether the last request was let through (tokens alone cannot tell).
    allowed: Mapped[bool] = mapped_column(Boolean)
