"""Files on disk: the canonical report as JSON, operating-system messages in Vietnamese, and safe output writing.

A report is kept as a plain dict in the shape of ``schemas/report.schema.json``
(``reader.canonical`` gives the fixed key order); this module loads and checks such documents
and writes outputs whole or not at all.
"""

from __future__ import annotations

import json
import os
import contextlib
from pathlib import Path

from .spec import nfc_deep


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

    from . import safetext

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


def load_report(path: str | os.PathLike, check=None) -> dict:
    """A canonical report from JSON, checked against the schema (structure only); ``check(doc,
    name)`` first, on the document as parsed (``load_json``), may refuse it."""
    from .validate import _schema_validator

    name = Path(path).name
    if not Path(path).exists():
        raise ReportError(f"{path}: không tìm thấy tệp")
    doc = load_json(path, check=check)
    if not isinstance(doc, dict):
        raise ReportError(f"{name}: tài liệu JSON phải là một đối tượng báo cáo")
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
        return _OS_REASONS["ELOOP"] if "loop" in str(exc).lower() else "lỗi hệ điều hành"
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
    except (OSError, RuntimeError):  # RuntimeError: a symbolic-link loop
        return False


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
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
        if _read_only(parent):
            raise OSError(f"{path}: {_OS_REASONS['EROFS']} (thư mục {parent})")
        raise OSError(f"{path}: không có quyền ghi vào thư mục {parent}")
    if p.exists() and not os.access(p, os.W_OK):
        raise OSError(f"{path}: tệp đang mở trong Excel hoặc chỉ cho đọc; hãy đóng tệp rồi chạy lại")
    lock = parent / f"~${p.name}"
    try:
        locked = os.path.lexists(lock)
    except (OSError, ValueError):  # a lock name longer than the longest legal name: no such lock
        locked = False
    if locked:
        raise OSError(f"{path}: tệp đang mở trong Excel (có tệp khóa {lock.name}); hãy đóng tệp rồi chạy lại")


def _default_mode(path: str) -> None:
    """mkstemp makes 0600 files; outputs are ordinary documents (0666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


TEMP_PREFIX = ".~cchc-"  # hidden, and skipped by the consolidation's discovery: never taken for a submission
_STALE_SECONDS = 600


def _remove_stale_temps(parent: Path) -> None:
    """Temporary files of an interrupted run (``kill -9``, power cut) in ``parent``: removed when
    the process that made them is gone and they are ten minutes old (or a day old, whatever made them)."""
    import time

    try:
        names = [n for n in os.listdir(parent) if n.startswith(TEMP_PREFIX)]
    except OSError:
        return
    now = time.time()
    for name in names:
        p = parent / name
        try:
            age = now - p.lstat().st_mtime
            pid = name[len(TEMP_PREFIX):].split("-", 1)[0]
            alive = False
            if pid.isdigit() and int(pid) > 0:
                try:
                    os.kill(int(pid), 0)
                    alive = True
                except ProcessLookupError:
                    pass
                except PermissionError:
                    alive = True
            if (not alive and age > _STALE_SECONDS) or age > 86400:
                p.unlink()
        except OSError:
            continue


def os_message(exc: OSError, path: str | os.PathLike | None = None) -> str:
    """One Vietnamese line for an OSError: the file it concerns, then why."""
    if exc.errno is None and exc.args and isinstance(exc.args[0], str):
        return exc.args[0]  # a message of ours, naming its file
    where = path if path is not None else (exc.filename if exc.filename is not None else "")
    return f"{where}: {os_reason(exc)}" if str(where) else os_reason(exc)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on failure it vanishes.

    So an output is written whole or not at all, even when the program is interrupted. The
    temporary name is short (``.~cchc-<pid>-<random><suffix>``), so any legal output name can be
    written; one left behind by a killed run is hidden, skipped by the consolidation, and removed
    by a later run (``_remove_stale_temps``). An OSError names the output, not the temporary file.
    """
    import secrets

    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    tmp = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(parent)
        suffix = path.suffix if len(path.suffix) <= 16 else ""
        tmp = str(parent / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{suffix}")
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        _default_mode(tmp)
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    return Path(path)
