"""An ID number as the caller may see it, for every type that carries one (a child, a
parent, a guardian)."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func

from app.domain.idnumber import mask_id_number
from app.idcrypto import Sealed, SealedIdNumber
from app.store.json_sql import sql_condition, sql_text
from authz.fields import Condition, Disclosure, id_number_disclosure, id_number_where
from schema.compiler.mapping import Compilation, Computed
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


def sealed_id_number(attribute: SealedIdNumber, type_name: str) -> Computed:
    """How the compiled read path shows a row's ID number: the statement sends it sealed,
    with whether the caller sees it in full (authz/fields.id_number_where), and the service
    opens or masks it; a full showing is audited as `<type_name>:<id>`."""

    def inputs(row: Any, compilation: Compilation) -> list[ColumnElement[Any]]:
        full, _shown = id_number_where(compilation.scope, row.area_code)
        return [
            func.encode(getattr(row, f"{_attribute_name(attribute)}_enc"), sql_text("base64")),
            sql_condition(full),
        ]

    def value(_compilation: Compilation, inputs: list[Any]) -> str | None:
        encoded, full = inputs
        if encoded is None:
            return None
        plain = Sealed(base64.b64decode(encoded), attribute.column).reveal()
        return plain if full else mask_id_number(plain)

    def read(row: Any, compilation: Compilation) -> tuple[Condition, ColumnElement[str]]:
        full, _shown = id_number_where(compilation.scope, row.area_code)
        sealed = getattr(row, f"{_attribute_name(attribute)}_enc")
        return sql_condition(full) & sealed.is_not(None), sql_text(f"{type_name}:") + cast(
            row.id, String
        )

    return Computed(
        inputs=inputs,
        value=value,
        shown=lambda row, compilation: id_number_where(compilation.scope, row.area_code)[1],
        read=read,
    )


def _attribute_name(attribute: SealedIdNumber) -> str:
    return attribute.column.rpartition(".")[2]
