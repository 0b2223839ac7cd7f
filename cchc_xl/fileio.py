"""Files on disk: the canonical report as JSON, operating-system messages in Vietnamese, and safe output writing.

A report is kept as a plain dict in the shape of ``schemas/report.schema.json``
(``reader.canonical`` gives the fixed key order); this module loads and checks such documents
and writes outputs whole or not at all.
"""

from __future__ import annotations

import json
import os
import tempfile
import contextlib
from pathlib import Path

from .spec import nfc_deep


class ReportError(Exception):
    """A report document cannot be used (message in Vietnamese, names the file)."""


def load_report(path: str | os.PathLike) -> dict:
    """A canonical report from JSON, checked against the schema (structure only)."""
    from .validate import _schema_validator

    name = Path(path).name
    try:
        with open(path, encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except FileNotFoundError:
        raise ReportError(f"{path}: không tìm thấy tệp") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{name}: không phải JSON hợp lệ (sai cú pháp ở dòng {exc.lineno}, cột {exc.colno})") \
            from None
    except UnicodeDecodeError:
        raise ReportError(f"{name}: không phải JSON hợp lệ (tệp không ở dạng chữ UTF-8)") from None
    if not isinstance(doc, dict):
        raise ReportError(f"{name}: tài liệu JSON phải là một đối tượng báo cáo")
    doc = nfc_deep(doc)
    errors = sorted(_schema_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        more = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
        # the validator's messages are Vietnamese and name the field as users know it
        raise ReportError(f"{name}: không đúng cấu trúc báo cáo chuẩn: {errors[0].message}{more}")
    return doc


_OS_REASONS = {
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
    "ENAMETOOLONG": "tên tệp quá dài",
    "EINVAL": "tên tệp không hợp lệ",
}


def os_reason(exc: OSError) -> str:
    """Why an operating-system call failed, in Vietnamese (the OS's own text is English)."""
    import errno

    name = errno.errorcode.get(exc.errno or -1, "")
    if name in _OS_REASONS:
        return _OS_REASONS[name]
    if exc.errno is None and exc.args and isinstance(exc.args[0], str):
        return exc.args[0]  # a message of ours
    return f"lỗi hệ điều hành (mã {exc.errno})"


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name the same file (links and spellings of the path aside)."""
    try:
        return Path(a).resolve() == Path(b).resolve() or (Path(b).exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_writable(path: str | os.PathLike) -> None:
    """Fail early with a clear message when an output cannot be written."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise OSError(f"{path}: là một thư mục, cần tên tệp")
    if not parent.exists():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(f"{path}: không tạo được thư mục {parent} ({os_reason(exc)})") from None
    if not os.access(parent, os.W_OK):
        raise OSError(f"{path}: không có quyền ghi vào thư mục {parent}")
    if p.exists() and not os.access(p, os.W_OK):
        raise OSError(f"{path}: tệp đang mở trong Excel hoặc chỉ cho đọc; hãy đóng tệp rồi chạy lại")
    lock = parent / f"~${p.name}"
    if lock.exists():
        raise OSError(f"{path}: tệp đang mở trong Excel (có tệp khóa {lock.name}); hãy đóng tệp rồi chạy lại")


def _default_mode(path: str) -> None:
    """mkstemp makes 0600 files; outputs are ordinary documents (0666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on failure it vanishes.

    So an output is written whole or not at all, even when the program is interrupted.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~cchc-", suffix=path.suffix, dir=parent)
    os.close(fd)
    try:
        _default_mode(tmp)
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    return Path(path)
