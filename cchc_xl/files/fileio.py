"""Files on disk: the canonical report as JSON, operating-system messages in Vietnamese, and safe output writing.

A report is kept as a plain dict in the shape of ``schemas/report.schema.json``
(``reader.canonical`` gives the fixed key order); this module loads and checks such documents
and writes outputs whole or not at all.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cchc_xl.spec.jsonfile import (
    OS_REASONS,
    os_reason,
)


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
            raise OSError(f"{path}: {OS_REASONS['EROFS']} (thư mục {parent})")
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
