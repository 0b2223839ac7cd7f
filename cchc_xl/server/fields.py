"""Strict types and lengths of what the JSON API takes (lengths: ``schemas/limits.json``, ``fields``).

JSON lets a script send ``"year": 2024.7``, a list where a code belongs or a name of 100,000
characters; each is refused with a Vietnamese reason (400) instead of being stored or turned
into text by ``str()``.
"""

from __future__ import annotations

import re

from cchc_xl import spec
from cchc_xl.numtext import format_number
from cchc_xl.server.errors import ServiceError

_TYPE_WORDS = {bool: "đúng/sai", int: "số", float: "số thập phân", list: "danh sách", dict: "đối tượng"}


def limit(key: str) -> int:
    return int(spec.limits()["fields"][key])


def _error(message: str):
    return ServiceError(message)


def _kind(value) -> str:
    return _TYPE_WORDS.get(type(value), type(value).__name__)


def text(value, what: str, max_chars: int, allow_number: bool = False) -> str | None:
    """A text field (None or "" → None); a number is taken as its digits only where codes and
    phone numbers may come as numbers (``allow_number``)."""
    if value is None or value == "":
        return None
    if allow_number and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _error(f"{what} phải là chữ (văn bản), không phải {_kind(value)}.")
    if len(value) > max_chars:
        raise _error(f"{what} dài {format_number(len(value))} ký tự, quá giới hạn {format_number(max_chars)} ký tự.")
    return value


def year(value) -> int:
    """A year as a whole number (the API) or its four digits (a page's form)."""
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str)
                                                                  and re.fullmatch(r"\s*[0-9]{4}\s*", value))):
        shown = value if isinstance(value, (int, float, str)) and len(str(value)) <= 20 else _kind(value)
        raise _error(f"Năm báo cáo phải là số nguyên có 4 chữ số (ví dụ 2024), không phải “{shown}”.")
    return int(value)


def flag(value, what: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _error(f"{what} phải là true hoặc false (JSON), không phải {_kind(value)}.")
    return value


def registry_item(item, i: int) -> None:
    """The types and lengths of the ``i``-th agency of a ``registry`` list."""
    if not isinstance(item, dict):
        raise _error(f"Cơ quan thứ {i} của “registry” phải là một đối tượng JSON có “ten”.")
    where = f"Cơ quan thứ {i} của “registry”:"
    text(item.get("ten"), f"{where} tên (“ten”)", limit("agency_name"))
    text(item.get("ma"), f"{where} mã (“ma”)", limit("code"), allow_number=True)
    text(item.get("cap"), f"{where} cấp (“cap”)", limit("code"))
    for key in ("nguoi_lien_he", "dien_thoai", "email"):
        text(item.get(key), f"{where} “{key}”", limit("contact"), allow_number=key == "dien_thoai")


def registry_size(items) -> None:
    if isinstance(items, list) and len(items) > limit("agencies"):
        raise _error(f"“registry” có {format_number(len(items))} cơ quan, quá giới hạn "
                     f"{format_number(limit('agencies'))} cơ quan một đợt.")


def agency_names(agencies) -> None:
    """Every channel's agencies (a registry file or the API): names and codes within the lengths."""
    for a in agencies:
        text(a.name, f"Tên cơ quan “{a.name[:60]}…”", limit("agency_name"))
        text(a.code, f"Mã cơ quan của “{a.name[:60]}”", limit("code"))
