"""Reading a JSON file strictly, and operating-system reasons in Vietnamese.

The bottom of the project (it imports only ``safetext``): ``spec`` reads a province's own catalog
files with it, ``fileio`` re-exports it for everything else.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path


def nfc_deep(obj):
    """Every string inside a JSON-like value in Unicode NFC."""
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, list):
        return [nfc_deep(x) for x in obj]
    if isinstance(obj, dict):
        return {nfc_deep(k): nfc_deep(v) for k, v in obj.items()}
    return obj


class ReportError(Exception):
    """A report document cannot be used (message in Vietnamese, names the file)."""


class JsonInputError(ReportError):
    """A JSON file cannot be used (message in Vietnamese, names the file)."""


def _decode_json_bytes(raw: bytes, name: str) -> str:
    """JSON text: UTF-8 (with or without BOM), or UTF-16/32 when a byte-order mark says so."""
    import codecs

    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom) and not raw.startswith(codecs.BOM_UTF8):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                break
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JsonInputError(f"{name}: không phải JSON hợp lệ (tệp không ở dạng chữ UTF-8, lỗi ở byte thứ "
                             f"{exc.start + 1})") from None


def load_json(path: str | os.PathLike, display: str | None = None, check=None):
    """A JSON document, strictly: UTF-8 (or UTF-16/32 with a byte-order mark), no ``NaN`` or
    ``Infinity``, no number too large for a float (``1e999``), no key twice in one object, not
    nested deeper than Python's stack allows; strings in NFC and made writable (``safetext.sanitize_deep``, which
    notes what it changes). ``check(doc, name)``: runs on the document as parsed, before anything
    is changed (it raises to refuse). Raises ``JsonInputError`` with a Vietnamese reason naming the file."""
    import math

    from cchc_xl import safetext

    name = display or Path(path).name
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise JsonInputError(f"{path}: {os_reason(exc)}") from None
    text = _decode_json_bytes(raw, name)

    def constant(word):
        raise JsonInputError(f"{name}: có giá trị {word}, không phải số; JSON chỉ nhận số thường")

    def number(s):
        value = float(s)
        if not math.isfinite(value):
            raise JsonInputError(f"{name}: số {s[:30]} quá lớn, không biểu diễn được")
        return value

    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise JsonInputError(f"{name}: khóa “{safetext.one_line(k)[:60]}” xuất hiện hai lần trong cùng "
                                     "một đối tượng; hãy giữ một")
            out[k] = v
        return out

    try:
        doc = json.loads(text, parse_constant=constant, parse_float=number, object_pairs_hook=pairs)
        if check is not None:
            check(doc, name)
        return nfc_deep(safetext.sanitize_deep(doc, name))
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"{name}: không phải JSON hợp lệ (sai cú pháp ở dòng {exc.lineno}, cột {exc.colno})") \
            from None
    except RecursionError:
        raise JsonInputError(f"{name}: các phần lồng nhau quá sâu (quá nhiều tầng [ hoặc {{), không phải tài liệu "
                             "của cchc-xl") from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise JsonInputError(f"{name}: không phải JSON hợp lệ ({'số quá dài' if 'digit' in str(exc) else exc})") \
            from None


OS_REASONS = {
    "ENOENT": "không tìm thấy tệp hoặc thư mục",
    "EACCES": "không có quyền, hoặc tệp đang mở trong chương trình khác",
    "EPERM": "không có quyền",
    "ENOSPC": "hết dung lượng đĩa",
    "EDQUOT": "hết hạn mức dung lượng đĩa",
    "EROFS": "ổ đĩa chỉ cho đọc",
    "EEXIST": "đã có một tệp cùng tên",
    "EISDIR": "đây là một thư mục",
    "ENOTDIR": "một phần của đường dẫn không phải thư mục",
    "EBUSY": "tệp đang được dùng",
    "ETXTBSY": "tệp đang được dùng",
    "ENAMETOOLONG": "tên tệp hoặc đường dẫn quá dài",
    "EINVAL": "tên tệp không hợp lệ",
    "ELOOP": "đường dẫn có liên kết tượng trưng vòng quanh (liên kết trỏ về chính nó)",
    "EFBIG": "tệp vượt quá kích thước cho phép",
    "EIO": "lỗi đọc/ghi của ổ đĩa",
    "EMFILE": "mở quá nhiều tệp cùng lúc",
    "ENFILE": "mở quá nhiều tệp cùng lúc",
    "ENXIO": "thiết bị không tồn tại",
    "ENODEV": "thiết bị không tồn tại",
    "EXDEV": "không chuyển được tệp sang ổ đĩa khác",
    "ENOMEM": "không đủ bộ nhớ",
    "ETIMEDOUT": "ổ đĩa mạng không trả lời",
    "EHOSTDOWN": "ổ đĩa mạng không trả lời",
    "ESTALE": "ổ đĩa mạng đã ngắt kết nối",
    "EAGAIN": "tệp đang bị khóa, hãy thử lại",
    "EILSEQ": "tên tệp có ký tự không hợp lệ",
}


def os_reason(exc: BaseException) -> str:
    """Why an operating-system call failed, in Vietnamese (the OS's own text is English)."""
    if not isinstance(exc, OSError):  # Path.resolve's RuntimeError on a symbolic-link loop
        return OS_REASONS["ELOOP"] if "loop" in str(exc).lower() else "lỗi hệ điều hành"
    import errno

    name = errno.errorcode.get(exc.errno or -1, "")
    if name in OS_REASONS:
        return OS_REASONS[name]
    if exc.errno is None and exc.args and isinstance(exc.args[0], str):
        return exc.args[0]  # a message of ours
    return f"lỗi hệ điều hành (mã {exc.errno})"
