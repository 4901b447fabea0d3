"""An ID number as the caller may see it, for every type that carries one (a child, a
parent, a guardian)."""

from __future__ import annotations

from app.domain.idnumber import mask_id_number
from app.idcrypto import Sealed
from authz.fields import Disclosure, id_number_disclosure
from schema.context import Info


def shown_id_number(info: Info, sealed: Sealed | None, area_code: str, record: str) -> str | None:
    """An ID number as the caller may see it (full reads are audited). It is opened only for
    a caller who sees it, in full or masked."""
    if sealed is None:
        return None
    disclosure = id_number_disclosure(info.context.scope, area_code)
    if disclosure is Disclosure.FULL:
        info.context.audit.read(record)
        return sealed.reveal()
    return mask_id_number(sealed.reveal()) if disclosure is Disclosure.MASKED else None
