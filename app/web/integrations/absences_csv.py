"""Absence records as a CSV file, the way school offices export them from a spreadsheet.

Headers may be English or Chinese, in any order; the encoding may be UTF-8 (with or
without the BOM Excel writes) or GB18030/GBK (what Excel writes on a Chinese Windows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from app.domain.absences import RawAbsence
from app.domain.csv_text import csv_text
from app.i18n import translate

# Column → the names a header may give it (compared without case and spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "student_number": ("student_number", "studentnumber", "学籍号", "学号"),
    "id_number": ("id_number", "idnumber", "身份证号", "身份证号码"),
    "date": ("date", "日期", "缺课日期"),
    "periods": ("periods", "缺课节数", "节数"),
    "excused": ("excused", "是否请假", "请假"),
    "reason": ("reason", "原因", "缺课原因"),
}
REQUIRED = ("date", "excused")


class CsvError(ValueError):
    """The file cannot be read as absence records; the message (`template` with `params`, a
    message of app/messages.py) says what to fix."""

    def __init__(self, template: str, params: Mapping[str, object] | None = None) -> None:
        super().__init__(translate(template, params, "en"))
        self.template = template
        self.params = params


def decode(body: bytes) -> str:
    """The file's text (app/domain/csv_text.csv_text), or CsvError."""
    text = csv_text(body)
    if text is None:
        raise CsvError("the file is neither UTF-8 nor GBK text")
    return text


def _column_of(header: str) -> str | None:
    name = "".join(header.split()).lower()
    for column, names in COLUMNS.items():
        if name in names:
            return column
    return None


def parse_absences(body: bytes) -> list[RawAbsence]:
    """The rows of a CSV file with a header line; CsvError if the header is unusable.

    Values are passed on as text: each row's values are checked by the submission, which
    reports a bad row without refusing the file.
    """
    text = decode(body)
    nul = text.find("\x00")
    if nul >= 0:
        # PostgreSQL text cannot hold NUL; such a file is damaged, not a spreadsheet's export.
        raise CsvError(
            "line {line} contains a NUL character", {"line": text.count("\n", 0, nul) + 1}
        )
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError("the file is empty: the first line must name the columns") from None
    except csv.Error as exc:
        raise CsvError("not a CSV file: {error}", {"error": exc}) from exc
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        column = _column_of(name)
        if column is not None and column not in positions:
            positions[column] = index
    missing = [c for c in REQUIRED if c not in positions]
    if "student_number" not in positions and "id_number" not in positions:
        missing.append("student_number or id_number")
    if missing:
        known = "; ".join(f"{c}: {'/'.join(names)}" for c, names in COLUMNS.items())
        raise CsvError(
            "the header must name the columns {missing}; known names: {known}",
            {"missing": ", ".join(missing), "known": known},
        )

    def cell(row: list[str], column: str) -> str | None:
        index = positions.get(column)
        return row[index] if index is not None and index < len(row) else None

    try:
        return [
            RawAbsence(
                student_number=cell(row, "student_number"),
                id_number=cell(row, "id_number"),
                date=cell(row, "date"),
                periods=cell(row, "periods"),
                excused=cell(row, "excused"),
                reason=cell(row, "reason"),
            )
            for row in reader
            if any(value.strip() for value in row)
        ]
    except csv.Error as exc:
        raise CsvError("line {line}: {error}", {"line": reader.line_num, "error": exc}) from exc
