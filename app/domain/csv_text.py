"""The text of a csv file as Chinese offices write them."""

from __future__ import annotations


def csv_text(body: bytes) -> str | None:
    """UTF-8 (with or without the BOM Excel writes), else GB18030 (a superset of GBK and
    GB2312, what Excel writes on a Chinese Windows); None when it is neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
