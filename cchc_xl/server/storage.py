"""The server's records (SQLite) and files (beside it, under generated names) in one data folder.

Durability: the database runs in WAL mode with ``synchronous=FULL``, so a committed record
survives a ``kill -9`` or a power cut; an uploaded file is written to a temporary name, synced,
renamed into place and its folder synced *before* its record is committed; only then is the
upload acknowledged. Temporary files left by an interrupted write are removed at start.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import os
import re
import secrets
import sqlite3
import threading
import unicodedata
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, pw_hash TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions(id_hash TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,
                                    expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS rounds(id INTEGER PRIMARY KEY, year INTEGER NOT NULL, period TEXT NOT NULL,
                                  deadline TEXT NOT NULL, allow_errors INTEGER NOT NULL DEFAULT 0,
                                  created_at TEXT NOT NULL, created_by TEXT, registry_name TEXT,
                                  prefill_unmatched TEXT);
CREATE TABLE IF NOT EXISTS agencies(id INTEGER PRIMARY KEY, round_id INTEGER NOT NULL REFERENCES rounds(id),
                                    pos INTEGER NOT NULL, name TEXT NOT NULL, code TEXT, level TEXT,
                                    contact TEXT, phone TEXT, email TEXT,
                                    token TEXT, token_hash TEXT UNIQUE, prefilled TEXT);
CREATE TABLE IF NOT EXISTS submissions(id INTEGER PRIMARY KEY, round_id INTEGER NOT NULL, agency_id INTEGER NOT NULL,
                                       uploaded_at TEXT NOT NULL, original_name TEXT NOT NULL,
                                       stored_name TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
                                       unreadable INTEGER NOT NULL, errors INTEGER NOT NULL,
                                       warnings INTEGER NOT NULL, validation TEXT NOT NULL,
                                       refusal TEXT, submitted_at TEXT, returned_at TEXT, via TEXT,
                                       annotated_name TEXT, idem_key TEXT);
CREATE TABLE IF NOT EXISTS comments(id INTEGER PRIMARY KEY, submission_id INTEGER NOT NULL, at TEXT NOT NULL,
                                    author TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consolidations(id INTEGER PRIMARY KEY, round_id INTEGER NOT NULL, created_at TEXT NOT NULL,
                                          created_by TEXT, folder TEXT NOT NULL, summary TEXT, outputs TEXT,
                                          exit_code INTEGER, message TEXT);
CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
                                 action TEXT NOT NULL, detail TEXT, ip TEXT);
"""
# Columns added after a release: CREATE TABLE IF NOT EXISTS leaves an existing table as it was,
# so Store.__init__ adds these to a database made before them (table, column, declaration).
ADDED_COLUMNS = [("submissions", "idem_key", "TEXT"), ("rounds", "prefill_unmatched", "TEXT")]
ADDED_COLUMNS += [("submissions", "macros", "INTEGER")]  # the workbook carries macros (worker.has_macros)
# Personal department accounts (role, forced password change, locking), sessions one can list
# and end, and the round's submit rule (schemas/server.json).
ADDED_COLUMNS += [("users", "role", "TEXT NOT NULL DEFAULT 'quan_tri'"), ("users", "full_name", "TEXT"),
                  ("users", "must_change", "INTEGER NOT NULL DEFAULT 0"),
                  ("users", "disabled", "INTEGER NOT NULL DEFAULT 0"),
                  ("sessions", "created_at", "TEXT"), ("sessions", "ip", "TEXT"),
                  ("rounds", "submit_rule", "TEXT NOT NULL DEFAULT 'khi_hop_le'")]
# Why an upload was refused, as its key in enums.json's upload_problems (wrong_period, wrong_agency),
# stored beside the refusal's words instead of being read back from them.
ADDED_COLUMNS += [("submissions", "refusal_kind", "TEXT")]
# The refusals stored before their kind was: the kind from the words the server wrote then, once,
# when the column is added (the period refusal alone began with these words).
_BACKFILL = {("submissions", "refusal_kind"):
             "UPDATE submissions SET refusal_kind = CASE WHEN refusal LIKE 'Biểu mẫu này là báo cáo %' "
             "THEN 'wrong_period' ELSE 'wrong_agency' END WHERE refusal IS NOT NULL"}
# Created after the columns they index exist.
INDEXES = """
CREATE INDEX IF NOT EXISTS submissions_agency ON submissions(agency_id, id);
CREATE UNIQUE INDEX IF NOT EXISTS submissions_idem ON submissions(agency_id, idem_key) WHERE idem_key IS NOT NULL;
"""

# The address of the request being served (set by the app's guard): every audit row carries it.
REQUEST_IP: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_ip", default=None)

UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# the names ``store_upload`` and the annotated copies are stored under (``<32 hex>[_danh_dau].<suffix>``)
_GENERATED = re.compile(r"[0-9a-f]{32}(_danh_dau)?\.(xlsx|xlsm|xls|ods|bin)")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def safe_name(name: str | None, limit: int = 120) -> str:
    """A file name as the user gave it, kept only for display: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return name[:limit] or "tep_tai_len"


def fsync_dir(path: Path) -> None:
    if os.name == "nt":  # Windows cannot open a folder for syncing; NTFS journals the rename
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Store:
    """One SQLite connection shared by the server's threads (a lock serialises it; writes are tiny)."""

    def __init__(self, data_dir: str | os.PathLike):
        self.root = Path(data_dir).resolve()
        self.files = self.root / "files"
        self.rounds_dir = self.root / "rounds"
        for d in (self.root, self.files, self.rounds_dir, self.files / "tmp"):
            d.mkdir(parents=True, exist_ok=True)
        self._clean_temporaries()
        self.db = sqlite3.connect(self.root / "cchc-xl.sqlite3", check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self._add_missing_columns()
        self.db.executescript(INDEXES)
        self.lock = threading.RLock()

    def _add_missing_columns(self) -> None:
        for table, column, decl in ADDED_COLUMNS:
            have = {row["name"] for row in self.db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
                if (table, column) in _BACKFILL:
                    self.db.execute(_BACKFILL[(table, column)])

    def _clean_temporaries(self) -> None:
        for p in (self.files / "tmp").iterdir():
            with contextlib.suppress(OSError):
                p.unlink()

    def remove_orphans(self) -> list[str]:
        """At the server's start (nothing in flight): remove the stored files no record names.

        A file is written and synced before its record is committed, and an upload is acknowledged
        only after the commit; a ``kill -9`` in between leaves a complete file that nobody was told
        of. Such a file is removed (and listed in the returned names); every acknowledged upload
        has its record. Only files under the generated names of ``files/<round>/`` are looked at."""
        named = set()
        for sql in ("SELECT stored_name AS n FROM submissions", "SELECT annotated_name AS n FROM submissions",
                    "SELECT prefilled AS n FROM agencies"):
            named.update(r["n"] for r in self.all(sql) if r["n"])
        removed = []
        for folder in self.files.iterdir():
            if not folder.is_dir() or not folder.name.isdigit():
                continue
            for p in folder.iterdir():
                rel = f"{folder.name}/{p.name}"
                if p.is_file() and rel not in named and _GENERATED.fullmatch(p.name):
                    with contextlib.suppress(OSError):
                        p.unlink()
                        removed.append(rel)
        if removed:
            fsync_dir(self.files)
        return removed

    # ---- queries -------------------------------------------------------------------------
    def one(self, sql: str, *args):
        """The first row, or None — also when an argument is an integer beyond SQLite's range (an
        id in an address: no row has it, so the page is not found rather than an error)."""
        with self.lock:
            try:
                return self.db.execute(sql, args).fetchone()
            except OverflowError:
                return None

    def all(self, sql: str, *args) -> list:
        with self.lock:
            try:
                return self.db.execute(sql, args).fetchall()
            except OverflowError:
                return []

    @contextlib.contextmanager
    def tx(self):
        """A committed-or-nothing transaction; the commit is synced (synchronous=FULL)."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def execute(self, sql: str, *args) -> int:
        with self.tx() as db:
            return db.execute(sql, args).lastrowid

    def get_meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key=?", key)
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                     key, value)

    def audit(self, actor: str, action: str, detail: dict | str | None = None, ip: str | None = None) -> None:
        if isinstance(detail, dict):
            detail = json.dumps(detail, ensure_ascii=False)
        self.execute("INSERT INTO audit(at, actor, action, detail, ip) VALUES(?, ?, ?, ?, ?)",
                     now(), actor, action, detail, ip or REQUEST_IP.get())

    # ---- files ---------------------------------------------------------------------------
    def store_upload(self, round_id: int, data: bytes, original: str) -> tuple[str, Path]:
        """Write ``data`` under a generated name, durably; returns (stored name, path)."""
        suffix = Path(original).suffix.lower()
        suffix = suffix if suffix in UPLOAD_SUFFIXES else ".bin"
        folder = self.files / str(int(round_id))
        folder.mkdir(exist_ok=True)
        name = f"{secrets.token_hex(16)}{suffix}"
        tmp = self.files / "tmp" / (name + ".part")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        final = folder / name
        os.replace(tmp, final)
        fsync_dir(folder)
        return f"{int(round_id)}/{name}", final

    def file_path(self, stored_name: str) -> Path:
        path = (self.files / stored_name).resolve()
        if self.files not in path.parents:
            raise ValueError("stored name outside the files folder")
        return path

    def round_dir(self, round_id: int) -> Path:
        d = self.rounds_dir / str(int(round_id))
        d.mkdir(parents=True, exist_ok=True)
        return d

    def backup(self, target: str | os.PathLike) -> Path:
        """A consistent copy of the whole data folder (database through SQLite's backup API)."""
        import shutil

        target = Path(target)
        if target.exists() and any(target.iterdir()):
            raise FileExistsError(f"{target}: thư mục sao lưu đã có nội dung; hãy chọn thư mục mới")
        target.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(target / "cchc-xl.sqlite3")
        with self.lock:
            self.db.backup(dest)
        dest.close()
        for sub in ("files", "rounds"):
            src = self.root / sub
            if src.is_dir():
                shutil.copytree(src, target / sub, ignore=shutil.ignore_patterns("tmp", "*.part"),
                                dirs_exist_ok=True)
        return target

    def close(self) -> None:
        with self.lock:
            self.db.close()
