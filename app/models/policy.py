"""Casbin policy rules, stored the way Casbin adapters store them."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped


class CasbinRule(Timestamped, Base):
    """One rule: `p, role, domain, object, action` or `g, subject, role, domain`."""

    __tablename__ = "casbin_rule"
    __table_args__ = (UniqueConstraint("ptype", "v0", "v1", "v2", "v3"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ptype: Mapped[str] = mapped_column(String(8))
    v0: Mapped[str] = mapped_column(String(100))
    v1: Mapped[str] = mapped_column(String(100))
    v2: Mapped[str] = mapped_column(String(100))
    v3: Mapped[str | None] = mapped_column(String(100))

    def as_rule(self) -> tuple[str, ...]:
        """The rule as a tuple (ptype first), as the enforcer takes it."""
        values = (self.ptype, self.v0, self.v1, self.v2, self.v3)
        return tuple(v for v in values if v is not None)
